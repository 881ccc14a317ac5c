"""Earth frames for services: TEME -> ITRF -> WGS-84 geodetic; topocentric az/el.

Array-first wrappers around the numba kernels in ``tracker/astro/frames_kernels.py``.
Times are split Julian dates UTC ``(jd, fr)`` (1-D arrays of length n);
vectors are ``(n, 3)`` arrays, km and km/s.

Earth orientation (``EarthOrientation``) comes only from data shipped with
the installed packages, never downloaded:

* UT1-UTC from skyfield's built-in timescale table (``skyfield/data/iers.npz``,
  the same table ``load.timescale(builtin=True)`` uses: daily Delta T, linearly
  interpolated in TT, UT1-UTC = 32.184 s + (TAI-UTC) - Delta T). Outside the
  table the edge value is held (skyfield switches to long-term splines there).
* Polar motion from the IERS ``finals2000A.all`` bundled in the skyfield-data
  package (rapid-service columns, linearly interpolated in UTC); zero
  outside the table (|xp|, |yp| < 0.6 arcsec, i.e. < 20 m on the ground).
"""
from __future__ import annotations

import functools
import importlib.util
import math
import os

import numpy as np

from tracker.astro import frames_kernels as _k

DAY_S = 86400.0
ARCSEC_RAD = math.pi / (180.0 * 3600.0)
MEAN_EARTH_RADIUS_KM = 6371.0   # IUGG mean radius, for footprint_km


def _skyfield_data_dir() -> str:
    """The skyfield-data package's data folder, located without importing it.

    (Importing it and calling ``get_skyfield_data_path`` warns that the bundled
    IERS file has expired; we report coverage ourselves instead.)
    """
    spec = importlib.util.find_spec("skyfield_data")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the skyfield-data package is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


@functools.lru_cache(maxsize=1)
def builtin_time_tables():
    """skyfield's bundled daily Delta T and leap-second tables (``iers.npz``),
    read once: ``(tt_jd, delta_t_s, leap_dates, leap_offsets)``, the arrays
    ``skyfield.timelib.Timescale`` is built from (as ``load.timescale(builtin=True)``
    builds it). Shared by ``EarthOrientation.builtin`` and the Sun's timescale."""
    from skyfield.functions import load_bundled_npy

    arrays = load_bundled_npy("iers.npz")
    tt = arrays["tt_jd_minus_arange"] + np.arange(len(arrays["tt_jd_minus_arange"]))
    delta_t = (arrays["delta_t_1e7"] / 1e7).round(7)
    return tt, delta_t, arrays["leap_dates"], arrays["leap_offsets"]


def _fixed_decimal(field):
    """ASCII fixed-point numbers, (n, width) array of single bytes -> float64 (n,).

    Every row must have its '.' in the same column and only digits, spaces
    and '-' elsewhere; returns None otherwise (the caller then parses
    another way). Exact: the digits form an integer (< 2**53, so exact in
    float64) that is divided once by a power of ten, which rounds like
    ``float(text)``.
    """
    codes = field.view(np.uint8)
    n, width = codes.shape
    if n == 0:
        return None
    dot = int(np.argmax(codes[0] == ord(".")))
    if codes[0, dot] != ord(".") or not np.all(codes[:, dot] == ord(".")):
        return None
    values = codes.astype(np.float64) - ord("0")
    is_digit = (values >= 0.0) & (values <= 9.0)
    minus = codes == ord("-")
    if not np.all(is_digit | minus | (codes == ord(" ")) | (codes == ord("."))):
        return None
    if np.count_nonzero(codes == ord(".")) != n:
        return None
    values[~is_digit] = 0.0
    exponents = np.arange(width - 1, -1, -1, dtype=np.float64)
    exponents[:dot] -= 1.0                  # the dot column itself takes no power
    weights = 10.0 ** exponents
    weights[dot] = 0.0
    value = (values @ weights) / 10.0 ** (width - dot - 1)
    return np.where(minus.any(axis=1), -value, value)


def _read_finals_polar_motion(path):
    """(utc_jd, x_arcsec, y_arcsec) rows of an IERS finals2000A file that carry PM values.

    Columns (IERS readme.finals2000A): MJD 8-15, PM flag 17 ('I' or 'P'),
    x 19-27, y 38-46 (arcsec). Fixed-width files are sliced with numpy in
    one go; anything irregular is read line by line.
    """
    with open(path, "rb") as f:
        raw = f.read()
    width = raw.find(b"\n") + 1
    if width > 46 and len(raw) % width == 0:
        table = np.frombuffer(raw, dtype="S1").reshape(-1, width)
        if np.all(table[:, -1] == b"\n"):
            keep = (table[:, 16] == b"I") | (table[:, 16] == b"P")
            table = table[keep]

            columns = [_fixed_decimal(table[:, a:b]) for a, b in ((7, 15), (18, 27), (37, 46))]
            if all(c is not None for c in columns):
                return columns[0] + 2400000.5, columns[1], columns[2]
    mjd, xs, ys = [], [], []
    for line in raw.splitlines():
        if len(line) < 46 or line[16:17] not in (b"I", b"P"):
            continue
        mjd.append(float(line[7:15]))
        xs.append(float(line[18:27]))
        ys.append(float(line[37:46]))
    return np.array(mjd) + 2400000.5, np.array(xs), np.array(ys)


class EarthOrientation:
    """UT1-UTC and polar motion tables; build once with ``builtin()``.

    Attributes (read-only by convention): ``dut1_first_jd``, ``dut1_last_jd``
    and ``polar_first_jd``, ``polar_last_jd`` (UTC Julian dates covered).
    """

    def __init__(self, tt_jd, delta_t_s, leap_utc_jd, tai_minus_utc_s,
                 polar_utc_jd, xp_arcsec, yp_arcsec):
        self._tt_jd = np.ascontiguousarray(tt_jd, dtype=np.float64)
        self._delta_t_s = np.ascontiguousarray(delta_t_s, dtype=np.float64)
        self._leap_utc_jd = np.ascontiguousarray(leap_utc_jd, dtype=np.float64)
        self._tai_minus_utc_s = np.ascontiguousarray(tai_minus_utc_s, dtype=np.float64)
        self._polar_jd = np.ascontiguousarray(polar_utc_jd, dtype=np.float64)
        self._xp_rad = np.ascontiguousarray(xp_arcsec, dtype=np.float64) * ARCSEC_RAD
        self._yp_rad = np.ascontiguousarray(yp_arcsec, dtype=np.float64) * ARCSEC_RAD
        self.dut1_first_jd = float(self._tt_jd[0])
        self.dut1_last_jd = float(self._tt_jd[-1])
        self.polar_first_jd = float(self._polar_jd[0]) if len(self._polar_jd) else math.nan
        self.polar_last_jd = float(self._polar_jd[-1]) if len(self._polar_jd) else math.nan

    @classmethod
    def builtin(cls) -> "EarthOrientation":
        """Tables shipped inside skyfield and skyfield-data (no download)."""
        tt, delta_t, leap_dates, leap_offsets = builtin_time_tables()
        pm_jd, xp, yp = _read_finals_polar_motion(
            os.path.join(_skyfield_data_dir(), "finals2000A.all"))
        return cls(tt, delta_t, leap_dates, leap_offsets, pm_jd, xp, yp)

    @classmethod
    def zero(cls) -> "EarthOrientation":
        """UT1 = UTC and no polar motion (for tests and comparisons)."""
        return cls([2400000.5, 2500000.5], [0.0, 0.0], [2400000.5], [-32.184],
                   [2400000.5, 2500000.5], [0.0, 0.0], [0.0, 0.0])

    def tai_minus_utc_s(self, jd, fr) -> np.ndarray:
        """Leap seconds: TAI-UTC in seconds at UTC (jd, fr); 10 s before 1972-07."""
        utc = np.asarray(jd, dtype=np.float64) + np.asarray(fr, dtype=np.float64)
        if utc.size > 1 and np.all(np.isfinite(utc)):
            # Usually no leap second inside the span: one value for all.
            i0, i1 = np.searchsorted(self._leap_utc_jd, [utc.min(), utc.max()], side="right") - 1
            if i0 == i1:
                value = 10.0 if i0 < 0 else self._tai_minus_utc_s[i0]
                return np.full(utc.shape, value)
        i = np.searchsorted(self._leap_utc_jd, utc, side="right") - 1
        out = self._tai_minus_utc_s[np.maximum(i, 0)]
        return np.where(i < 0, 10.0, out)

    def ut1_minus_utc_s(self, jd, fr) -> np.ndarray:
        """UT1-UTC in seconds at UTC (jd, fr), arrays of the same shape."""
        jd = np.asarray(jd, dtype=np.float64)
        fr = np.asarray(fr, dtype=np.float64)
        tt_minus_utc = self.tai_minus_utc_s(jd, fr) + 32.184
        tt = jd + (fr + tt_minus_utc / DAY_S)
        x, y = _table_slice(self._tt_jd, self._delta_t_s, tt)
        return tt_minus_utc - np.interp(tt, x, y)

    def polar_motion_rad(self, jd, fr) -> tuple[np.ndarray, np.ndarray]:
        """Polar motion ``(xp, yp)`` in radians at UTC (jd, fr); zero outside the table."""
        utc = np.asarray(jd, dtype=np.float64) + np.asarray(fr, dtype=np.float64)
        if len(self._polar_jd) == 0:
            return np.zeros_like(utc), np.zeros_like(utc)
        lo, hi = _slice_bounds(self._polar_jd, utc)
        x = self._polar_jd[lo:hi]
        xp = np.interp(utc, x, self._xp_rad[lo:hi], left=0.0, right=0.0)
        yp = np.interp(utc, x, self._yp_rad[lo:hi], left=0.0, right=0.0)
        return xp, yp


def _slice_bounds(x, t):
    """Index range [lo, hi) of table ``x`` (sorted) that brackets every time in ``t``.

    Interpolating on that slice gives the same values as on the whole table
    (np.interp holds edge values outside), but searches a short table.
    """
    t = np.asarray(t)
    finite = t[np.isfinite(t)] if t.size else t
    if finite.size == 0 or len(x) < 2:
        return 0, len(x)
    lo = max(int(np.searchsorted(x, finite.min(), side="right")) - 1, 0)
    hi = min(int(np.searchsorted(x, finite.max(), side="left")) + 1, len(x))
    if hi - lo < 2:
        lo = min(lo, len(x) - 2)
        hi = lo + 2
    return lo, hi


def _table_slice(x, y, t):
    lo, hi = _slice_bounds(x, np.asarray(t))
    return x[lo:hi], y[lo:hi]


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

    ``jd, fr``: split Julian dates UTC, shape (n,) (or scalars, broadcast);
    ``r_teme_km`` (n, 3); ``v_teme_km_s`` (n, 3) or None. GMST 1982 from UT1
    (``eop``), then polar motion. The ITRF velocity is relative to the
    rotating Earth (includes the -omega x r term).
    """
    r = _vectors(r_teme_km, "r_teme_km")
    n = r.shape[0]
    jd, fr = _times(jd, fr, n)
    dut1 = np.ascontiguousarray(eop.ut1_minus_utc_s(jd, fr))
    xp, yp = eop.polar_motion_rad(jd, fr)
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

    Spherical Earth of mean radius 6371 km: half-angle at the Earth's centre
    ``acos(R / (R + alt_km))``, diameter ``2 R`` times that. No refraction.
    About 4,500 km for the ISS at 420 km. Works on scalars and arrays.
    """
    alt = np.asarray(alt_km, dtype=np.float64)
    r = MEAN_EARTH_RADIUS_KM
    out = 2.0 * r * np.arccos(r / (r + np.maximum(alt, 0.0)))
    return float(out) if out.ndim == 0 else out
