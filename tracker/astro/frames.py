"""Earth frames for services: TEME -> ITRF -> WGS-84 geodetic; topocentric az/el.

Array-first wrappers around the numba kernels in ``tracker/astro/frames_kernels.py``.
Times are split Julian dates UTC ``(jd, fr)`` (1-D arrays of length n) or a
``tracker.astro.time.Instant``; vectors are ``(n, 3)`` arrays, km and km/s.

Earth orientation (``EarthOrientation``: UT1-UTC and polar motion) is read
from skyfield's ``Timescale`` built in ``tracker.astro.timescale`` from data
shipped with the installed packages (never downloaded): leap seconds, Delta T
with skyfield's long-term Delta T outside the daily table, and the IERS polar
motion of the skyfield-data package, with skyfield's interpolation.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from tracker.astro import frames_kernels as _k
from tracker.astro import timescale as _timescale
from tracker.astro.timescale import builtin_time_tables  # noqa: F401 (re-exported)
from tracker.astro.time import DAY_S, Instant  # noqa: F401 (DAY_S re-exported)
from tracker.constants import MEAN_EARTH_RADIUS_KM

ARCSEC_RAD = math.pi / (180.0 * 3600.0)
_skyfield_data_dir = _timescale.skyfield_data_dir   # old name, used by tests and scripts


def _split(jd, fr):
    """``(jd, fr)`` arrays from split Julian dates UTC or an ``Instant`` (fr None)."""
    if isinstance(jd, Instant):
        return jd.jd, jd.fr
    return jd, fr


class EarthOrientation:
    """UT1-UTC and polar motion at UTC times, from one skyfield ``Timescale``.

    ``builtin()`` uses the shared ``tracker.astro.timescale.builtin_timescale()``;
    ``EarthOrientation(ts)`` any skyfield ``Timescale`` (e.g. one without a
    polar-motion table, which gives zero polar motion); ``zero()`` UT1 = UTC
    and no polar motion. Methods take split Julian dates UTC ``(jd, fr)``
    (arrays of one shape, or scalars) or an ``Instant`` in place of ``jd``.

    ``polar_first_jd``, ``polar_last_jd``: TT Julian dates covered by the
    polar-motion table (skyfield holds the edge values outside it).
    """

    def __init__(self, timescale=None):
        self.timescale = timescale
        table = getattr(timescale, "polar_motion_table", None)
        if table is not None and len(table[0]):
            self.polar_first_jd, self.polar_last_jd = float(table[0][0]), float(table[0][-1])
        else:
            self.polar_first_jd = self.polar_last_jd = math.nan

    @classmethod
    def builtin(cls) -> "EarthOrientation":
        """The shared built-in timescale (data shipped inside skyfield and skyfield-data)."""
        return cls(_timescale.builtin_timescale())

    @classmethod
    def zero(cls) -> "EarthOrientation":
        """UT1 = UTC and no polar motion (for tests, comparisons and warming kernels)."""
        return cls(None)

    def orientation(self, jd, fr=None):
        """``(ut1_minus_utc_s, xp_rad, yp_rad)`` arrays, from one skyfield ``Time``."""
        jd, fr = _split(jd, fr)
        if self.timescale is None:
            shape = np.broadcast(np.asarray(jd), np.asarray(fr)).shape
            bad = ~(np.isfinite(jd) & np.isfinite(fr))
            zero = np.where(bad, np.nan, np.zeros(shape))
            return zero, zero.copy(), zero.copy()
        return _timescale.earth_orientation(jd, fr, self.timescale)

    def tai_minus_utc_s(self, jd, fr=None) -> np.ndarray:
        """Leap seconds: TAI-UTC in whole seconds (skyfield's table; 10 s before 1972-07)."""
        jd, fr = _split(jd, fr)
        if self.timescale is None:
            raise ValueError("EarthOrientation.zero() has no leap-second table")
        t = _timescale.sky_time(jd, fr, self.timescale)
        tt_minus_utc_s = ((t.whole - np.asarray(jd)) + (t.tt_fraction - np.asarray(fr))) * DAY_S
        return np.round(tt_minus_utc_s - 32.184)

    def ut1_minus_utc_s(self, jd, fr=None) -> np.ndarray:
        """UT1-UTC in seconds at UTC (jd, fr), arrays of the same shape."""
        return self.orientation(jd, fr)[0]

    def polar_motion_rad(self, jd, fr=None) -> tuple[np.ndarray, np.ndarray]:
        """Polar motion ``(xp, yp)`` in radians at UTC (jd, fr)."""
        _, xp, yp = self.orientation(jd, fr)
        return xp, yp


@functools.lru_cache(maxsize=1)
def default_earth_orientation() -> EarthOrientation:
    """One shared ``EarthOrientation.builtin()`` for the CLI (loaded on first use)."""
    return EarthOrientation.builtin()


def _times(jd, fr, n):
    jd = np.ascontiguousarray(np.broadcast_to(np.asarray(jd, dtype=np.float64), (n,)))
    fr = np.ascontiguousarray(np.broadcast_to(np.asarray(fr, dtype=np.float64), (n,)))
    return jd, fr


def _vectors(r, name):
    r = np.ascontiguousarray(r, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] != 3:
        raise ValueError(f"{name} must have shape (n, 3), got {r.shape}")
    return r


def teme_to_itrf(jd, fr, r_teme_km, v_teme_km_s=None, *, eop: EarthOrientation):
    """TEME -> ITRF (Earth-fixed). Returns ``(r_itrf_km, v_itrf_km_s or None)``.

    ``jd, fr``: split Julian dates UTC, shape (n,) (or scalars, broadcast; or
    an ``Instant`` and ``None``);
    ``r_teme_km`` (n, 3); ``v_teme_km_s`` (n, 3) or None. GMST 1982 from UT1
    (``eop``), then polar motion. The ITRF velocity is relative to the
    rotating Earth (includes the -omega x r term).
    """
    r = _vectors(r_teme_km, "r_teme_km")
    n = r.shape[0]
    jd, fr = _times(*_split(jd, fr), n)
    dut1, xp, yp = (np.ascontiguousarray(a) for a in eop.orientation(jd, fr))
    r_out = np.empty_like(r)
    if v_teme_km_s is None:
        _k.teme_to_itrf_fill(jd, fr, dut1, np.ascontiguousarray(xp), np.ascontiguousarray(yp),
                             r, r, r_out, r_out, False)
        return r_out, None
    v = _vectors(v_teme_km_s, "v_teme_km_s")
    v_out = np.empty_like(v)
    _k.teme_to_itrf_fill(jd, fr, dut1, np.ascontiguousarray(xp), np.ascontiguousarray(yp),
                         r, v, r_out, v_out, True)
    return r_out, v_out


def itrf_to_geodetic(r_itrf_km):
    """ITRF positions (n, 3) km -> WGS-84 ``(lat_deg, lon_deg, alt_km)``, each (n,).

    Geodetic latitude; longitude in (-180, 180]; height above the ellipsoid.
    A single (3,) vector gives 0-d arrays.
    """
    r = np.asarray(r_itrf_km, dtype=np.float64)
    single = r.ndim == 1
    r = _vectors(r.reshape(1, 3) if single else r, "r_itrf_km")
    n = r.shape[0]
    lat, lon, alt = np.empty(n), np.empty(n), np.empty(n)
    _k.geodetic_fill(r, lat, lon, alt)
    if single:
        return lat[0], lon[0], alt[0]
    return lat, lon, alt


def geodetic_to_itrf(lat_deg: float, lon_deg: float, alt_km: float) -> np.ndarray:
    """WGS-84 geodetic (degrees, km above the ellipsoid) -> ITRF position (3,) km."""
    out = np.empty(3)
    _k.geodetic_to_itrf_one(math.radians(lat_deg), math.radians(lon_deg), float(alt_km), out)
    return out


def topocentric(r_itrf_km, lat_deg: float, lon_deg: float, alt_km: float):
    """Azimuth, elevation and range of ITRF positions (n, 3) from one observer.

    Observer at WGS-84 ``lat_deg, lon_deg, alt_km``. Returns
    ``(az_deg, el_deg, range_km)``, each (n,): azimuth from north through
    east in [0, 360), geometric elevation (no refraction) in degrees.
    """
    r = _vectors(r_itrf_km, "r_itrf_km")
    n = r.shape[0]
    az, el, rng = np.empty(n), np.empty(n), np.empty(n)
    _k.topocentric_fill(r, math.radians(lat_deg), math.radians(lon_deg), float(alt_km),
                        az, el, rng)
    return az, el, rng


def footprint_km(alt_km):
    """Diameter (km, along the ground) of the circle from which a satellite is above 0 deg elevation.

    Spherical Earth of mean radius ``MEAN_EARTH_RADIUS_KM`` (IUGG R1, 6371.0088 km): half-angle at the Earth's centre
    ``acos(R / (R + alt_km))``, diameter ``2 R`` times that. No refraction.
    About 4,500 km for the ISS at 420 km. Works on scalars and arrays.
    """
    alt = np.asarray(alt_km, dtype=np.float64)
    r = MEAN_EARTH_RADIUS_KM
    out = 2.0 * r * np.arccos(r / (r + np.maximum(alt, 0.0)))
    return float(out) if out.ndim == 0 else out
