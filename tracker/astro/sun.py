"""The Sun: geocentric positions from JPL DE421, subsolar point, Earth's shadow.

Positions come from skyfield reading the DE421 ephemeris bundled in the
skyfield-data package (``de421.bsp``, 1900-2050; never downloaded). They are
*geometric* Earth->Sun vectors (no light-time, aberration or refraction: the
~20 arcsec of aberration moves a shadow edge by ~0.1 s for the ISS), rotated
into TEME, the frame of ``propagate``'s positions, so the shadow test needs
no frame change.

Speed: skyfield is evaluated only on a grid of nodes every
``SUN_GRID_STEP_S`` (1 hour, aligned to Unix time) and interpolated linearly
between them. Measured against skyfield at every time directly (tests/
test_sun.py, random times in 2015 and 2026): the interpolation error is at
most ~20 km, i.e. 0.025 arcsec of direction (1.4e-7 of the distance);
the test allows 30 km / 0.04 arcsec.

Illumination codes (uint8), from ``illumination``: ``ECLIPSED = 0`` (umbra),
``PENUMBRA = 1``, ``DAYLIGHT = 2``; ``UNKNOWN = 255`` for positions that are
NaN (failed propagation) or inside the Earth. See ``illumination`` for the
shadow model and how it differs from skyfield's ``is_sunlit``.
"""
from __future__ import annotations

import functools
import math
import os
from typing import NamedTuple

import numpy as np

from tracker.astro import frames_kernels as _frames_k
from tracker.astro import shadow as _shadow
from tracker.astro import timescale as _timescale
from tracker.astro.frames import EarthOrientation, teme_to_itrf, topocentric
from tracker.astro.time import Instant
from tracker.constants import SUN_RADIUS_KM, WGS84_A_KM

ECLIPSED = _shadow.ECLIPSED
PENUMBRA = _shadow.PENUMBRA
DAYLIGHT = _shadow.DAYLIGHT
UNKNOWN = _shadow.UNKNOWN
ILLUMINATION_NAMES = ("eclipsed", "penumbra", "daylight")

SHADOW_EARTH_RADIUS_KM = WGS84_A_KM   # a spherical Earth of the WGS-84 equatorial radius
# SUN_RADIUS_KM (IAU 2015 nominal solar radius) comes from tracker.constants.
SUN_GRID_STEP_S = 3600.0
# The GCRS -> TEME rotation (precession-nutation, skyfield's full IAU 2000A
# series: most of the cost, ~50 us a time) is evaluated once a day and
# interpolated element by element with a cubic through four nodes: its
# fastest terms of any size have periods of 9 to 14 days, so the error is
# below 1e-3 arcsec (tests/test_sun.py measures it; linear between 6-hourly
# nodes, as before, was as good at four times the nutation evaluations).
ROTATION_STEP_S = 86400.0


def illumination_name(code: int) -> str:
    """'eclipsed', 'penumbra', 'daylight', or 'unknown' for code 255."""
    code = int(code)
    return ILLUMINATION_NAMES[code] if 0 <= code < len(ILLUMINATION_NAMES) else "unknown"


class SunEphemeris:
    """Geocentric Sun from DE421 via skyfield; build once with ``builtin()``.

    Holds the ephemeris file open until ``close()`` or garbage collection.
    """

    def __init__(self, timescale, ephemeris, *, grid_step_s: float = SUN_GRID_STEP_S):
        from skyfield.sgp4lib import TEME

        self._ts = timescale
        self._eph = ephemeris
        self._earth_to_sun = ephemeris["sun"] - ephemeris["earth"]
        self._teme = TEME
        self.grid_step_s = float(grid_step_s)

    def close(self) -> None:
        """Close the ephemeris file (also done when the object is garbage-collected)."""
        eph, self._eph = getattr(self, "_eph", None), None
        if eph is not None and getattr(eph, "spk", None) is not None:
            eph.close()

    def __del__(self):
        # skyfield keeps de421.bsp open; close it rather than leave it to a
        # ResourceWarning at garbage collection.
        self.close()

    @classmethod
    def builtin(cls) -> "SunEphemeris":
        """The shared timescale (``tracker.astro.timescale.builtin_timescale``)
        and the bundled DE421 (no download).

        ``skyfield.jpllib`` is imported directly, as ``load_file`` would open it:
        ``skyfield.api`` would also import its downloader (http, ssl), which
        every CLI start-up would pay for (~15 ms)."""
        from skyfield.jpllib import SpiceKernel

        eph = SpiceKernel(os.path.join(_timescale.skyfield_data_dir(), "de421.bsp"))
        return cls(_timescale.builtin_timescale(), eph)

    def _sky_time(self, jd, fr=None):
        """skyfield Time of an ``Instant`` or of UTC split Julian dates (arrays)."""
        if isinstance(jd, Instant):
            if jd.sky.ts is self._ts:
                return jd.sky
            jd, fr = jd.jd, jd.fr
        return _timescale.sky_time(np.atleast_1d(jd), np.atleast_1d(fr), self._ts)

    def _teme_km(self, t) -> np.ndarray:
        return np.ascontiguousarray(
            np.atleast_2d(self._earth_to_sun.at(t).frame_xyz(self._teme).km.T))

    def exact_sun_teme_km(self, jd, fr=None) -> np.ndarray:
        """Sun at every time straight from skyfield (slow; the reference for tests).

        ``jd, fr``: UTC split Julian dates, or an ``Instant`` and no ``fr``."""
        return self._teme_km(self._sky_time(jd, fr))

    def _nodes_teme_km(self, nodes_unix_s) -> np.ndarray:
        """The Sun (TEME, km) at Unix times: the geometric GCRS vector from
        skyfield at each, turned by the GCRS -> TEME rotation interpolated
        from ``ROTATION_STEP_S`` nodes (direct for a few times)."""
        nodes_unix_s = np.atleast_1d(np.asarray(nodes_unix_s, dtype=np.float64))
        t = _timescale.sky_time_unix(nodes_unix_s, self._ts)
        lo = math.floor(nodes_unix_s.min() / ROTATION_STEP_S) - 1
        hi = math.floor(nodes_unix_s.max() / ROTATION_STEP_S) + 2
        if hi - lo + 1 >= nodes_unix_s.size:
            return self._teme_km(t)                  # no fewer rotations to compute
        r_gcrs = self._earth_to_sun.at(t).position.km                    # (3, n)
        rot_s = np.arange(lo, hi + 1) * ROTATION_STEP_S
        rot = self._teme.rotation_at(_timescale.sky_time_unix(rot_s, self._ts))   # (3, 3, m)
        m = _cubic_between_nodes(rot, (nodes_unix_s - rot_s[0]) / ROTATION_STEP_S)
        return np.ascontiguousarray(np.einsum("ijn,jn->ni", m, r_gcrs))

    def teme_grid_km(self, unix_start_s: float, unix_end_s: float,
                     step_s: float | None = None) -> tuple[float, np.ndarray]:
        """The interpolation nodes themselves, for kernels that interpolate
        (``tracker.astro.grid.sun_at``): ``(t0_unix_s, table)``, the Sun (TEME, km,
        (m, 3), m >= 2) straight from skyfield at ``t0_unix_s + k * step_s``,
        nodes aligned to Unix time from the last one at or before
        ``unix_start_s`` to the first at or after ``unix_end_s``.
        ``step_s``: default ``grid_step_s``; ``tracker.services.stats`` uses 6 hours
        (linear error ~350 km, 0.5 arcsec; tests/test_stats.py measures it).
        """
        step = self.grid_step_s if step_s is None else float(step_s)
        k0 = math.floor(unix_start_s / step)
        k1 = max(math.ceil(unix_end_s / step), k0 + 1)
        return k0 * step, self._nodes_teme_km(np.arange(k0, k1 + 1) * step)

    def station_frames(self, unix_s, jd, fr, r_teme_km, v_teme_km_s, *,
                       eop: EarthOrientation) -> "StationFrames":
        """A station's track in ITRF and the Sun seen from it, in one pass.

        ``unix_s`` (n,) and the same times as UTC split Julian dates ``jd``,
        ``fr``; ``r_teme_km``, ``v_teme_km_s`` (n, 3). Returns
        ``StationFrames``: ITRF position and velocity as ``teme_to_itrf``,
        the Sun's ITRF unit vector at each time (the Sun linear between this
        ephemeris' nodes, as ``sun_teme_km``, turned by the same Earth
        rotation) and the station's ``illumination`` code; ``sun_nodes``
        ``(t0_unix_s, step_s, table)`` for the Sun at other times
        (``nodes_sun_teme_km``).
        """
        unix_s = np.ascontiguousarray(unix_s, dtype=np.float64)
        n = unix_s.shape[0]
        t0, table = self.teme_grid_km(float(unix_s.min()), float(unix_s.max()))
        dut1, xp, yp = (np.ascontiguousarray(a) for a in eop.orientation(jd, fr))
        r_itrf, v_itrf, sun_hat = np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3))
        lit = np.empty(n, dtype=np.uint8)
        _frames_k.teme_to_itrf_sun_fill(
            np.ascontiguousarray(jd, dtype=np.float64), np.ascontiguousarray(fr, dtype=np.float64),
            dut1, xp, yp, np.ascontiguousarray(r_teme_km), np.ascontiguousarray(v_teme_km_s),
            unix_s, t0, self.grid_step_s, table, SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM,
            r_itrf, v_itrf, sun_hat, lit)
        return StationFrames(r_itrf, v_itrf, sun_hat, lit, (t0, self.grid_step_s, table))

    def sun_teme_km(self, jd, fr=None) -> np.ndarray:
        """Geocentric Sun, TEME, km, shape (n, 3), at UTC split Julian dates (n,)
        (or an ``Instant`` and no ``fr``).

        Linear interpolation between skyfield values on the hourly grid.
        """
        t = jd if isinstance(jd, Instant) else Instant(np.atleast_1d(jd), np.atleast_1d(fr))
        unix = np.atleast_1d(t.unix_s).astype(np.float64)
        if unix.size == 0:
            return np.empty((0, 3))
        if not np.all(np.isfinite(unix)):
            raise ValueError("sun_teme_km: times must be finite")
        step = self.grid_step_s
        k = np.floor(unix / step)
        k0, k1 = float(k.min()), float(k.max())
        if k1 - k0 + 2 <= 2 * unix.size:
            nodes = np.arange(k0, k1 + 2.0)         # dense times: every node in the span
        else:
            # Sparse times over years: only the nodes that bracket a time.
            nodes = np.unique(np.concatenate([k, k + 1.0]))
        nodes_s = nodes * step
        node_pos = self._nodes_teme_km(nodes_s)
        # Each time lies between two consecutive listed nodes k and k + 1, so
        # interpolating over the listed nodes never bridges a gap.
        out = np.empty((unix.size, 3))
        for c in range(3):
            out[:, c] = np.interp(unix, nodes_s, node_pos[:, c])
        return out


def _cubic_between_nodes(values, q):
    """Values (..., m) on nodes 0..m-1 (m >= 4) at fractional node positions
    ``q`` (n,), 1 <= q <= m - 2: the cubic through the four nodes around each
    (Lagrange). Returns (..., n)."""
    k = np.clip(np.floor(q).astype(np.int64), 1, values.shape[-1] - 3)
    u = q - k
    w0 = -u * (u - 1.0) * (u - 2.0) / 6.0
    w1 = (u + 1.0) * (u - 1.0) * (u - 2.0) / 2.0
    w2 = -(u + 1.0) * u * (u - 2.0) / 2.0
    w3 = (u + 1.0) * u * (u - 1.0) / 6.0
    return (w0 * values[..., k - 1] + w1 * values[..., k] + w2 * values[..., k + 1]
            + w3 * values[..., k + 2])


class StationFrames(NamedTuple):
    """``SunEphemeris.station_frames``: (n, 3) ITRF km and km/s, (n, 3) Sun unit
    vectors (ITRF), (n,) uint8 illumination codes, and the Sun's node table."""

    r_itrf_km: np.ndarray
    v_itrf_km_s: np.ndarray
    sun_itrf_hat: np.ndarray
    illumination: np.ndarray
    sun_nodes: tuple


def nodes_sun_teme_km(sun_nodes, unix_s) -> np.ndarray:
    """The Sun (TEME, km, (m, 3)) at Unix times ``unix_s`` (m,), linear between
    the nodes ``(t0_unix_s, step_s, table)`` of ``StationFrames.sun_nodes``."""
    t0, step, table = sun_nodes
    x = np.arange(table.shape[0]) * step + t0
    return np.stack([np.interp(unix_s, x, table[:, c]) for c in range(3)], axis=1)


@functools.lru_cache(maxsize=1)
def default_sun() -> SunEphemeris:
    """One shared ``SunEphemeris.builtin()`` for the CLI (loaded on first use)."""
    return SunEphemeris.builtin()


def sun_teme_km(jd, fr=None, *, sun: SunEphemeris | None = None) -> np.ndarray:
    """Geocentric Sun, TEME, km, (n, 3): ``SunEphemeris.sun_teme_km`` of ``sun``
    (default: the shared ``default_sun()``)."""
    return (sun or default_sun()).sun_teme_km(jd, fr)


def sun_itrf_km(jd, fr=None, *, eop: EarthOrientation,
                sun: SunEphemeris | None = None) -> np.ndarray:
    """Geocentric Sun in ITRF (Earth-fixed), km, (n, 3), at UTC split Julian
    dates (or an ``Instant`` and no ``fr``)."""
    sun = sun or default_sun()
    t = jd if isinstance(jd, Instant) else Instant(np.atleast_1d(jd), np.atleast_1d(fr))
    if t.is_scalar:
        t = Instant(np.atleast_1d(t.jd), np.atleast_1d(t.fr))
    r, _ = teme_to_itrf(t.jd, t.fr, sun.sun_teme_km(t), eop=eop)
    return r


def subsolar_point(jd, fr=None, *, eop: EarthOrientation, sun: SunEphemeris | None = None):
    """Where the Sun is at the zenith: ``(lat_deg, lon_deg)`` arrays (n,).

    Geodetic latitude (the ellipsoid normal points at the Sun), longitude in
    (-180, 180]. Geometric Sun direction.
    """
    return subsolar_from_itrf(sun_itrf_km(jd, fr, eop=eop, sun=sun))


def subsolar_from_itrf(sun_itrf_km_) -> tuple[np.ndarray, np.ndarray]:
    """Subsolar ``(lat_deg, lon_deg)`` from Earth-fixed Sun vectors (n, 3) km."""
    s = np.asarray(sun_itrf_km_, dtype=np.float64)
    lat = np.degrees(np.arctan2(s[:, 2], np.hypot(s[:, 0], s[:, 1])))
    lon = np.degrees(np.arctan2(s[:, 1], s[:, 0]))
    lon = np.where(lon == -180.0, 180.0, lon)
    return lat, lon


def sun_altitude_deg(jd, fr, lat_deg: float, lon_deg: float, *, eop: EarthOrientation,
                     sun: SunEphemeris | None = None, alt_km: float = 0.0) -> np.ndarray:
    """Geometric altitude of the Sun's centre (degrees, no refraction) for a WGS-84 observer.

    ``jd, fr``: UTC split Julian dates (or an ``Instant`` and ``None``).
    Sunset by the usual definition (upper limb on a refracted horizon) is
    near -0.83 deg; civil twilight ends at -6 deg.
    """
    s = sun_itrf_km(jd, fr, eop=eop, sun=sun)
    _, el, _ = topocentric(s, lat_deg, lon_deg, alt_km)
    return el


def illumination(r_teme_km, sun_teme_km) -> np.ndarray:
    """Earth-shadow state of satellites: uint8 codes (ECLIPSED, PENUMBRA, DAYLIGHT, UNKNOWN).

    ``r_teme_km`` (..., 3) satellite positions; ``sun_teme_km`` geocentric Sun
    in the same frame, broadcastable to it (e.g. (n, 3) for (n_sat, n, 3)).
    Returns codes of shape ``r_teme_km.shape[:-1]``.

    Model: conical shadow of a spherical Earth of radius 6378.137 km (WGS-84
    equatorial) lit by a spherical Sun of radius 695,700 km (see
    ``tracker/astro/shadow.py``): umbra = the whole solar disc hidden,
    penumbra = part of it hidden. Skyfield's ``is_sunlit`` instead asks
    whether the line from the satellite to the Sun's *centre* misses a
    sphere of radius 6378.1366 km: a sharp edge that falls inside our
    penumbra (which lasts ~8 s for the ISS). Neither models the Earth's
    flattening or the atmosphere (refraction and absorption make the real
    shadow edge about 1% larger and soft).
    """
    r = np.asarray(r_teme_km, dtype=np.float64)
    s = np.broadcast_to(np.asarray(sun_teme_km, dtype=np.float64), r.shape)
    flat_r = np.ascontiguousarray(r.reshape(-1, 3))
    flat_s = np.ascontiguousarray(s.reshape(-1, 3))
    out = np.empty(flat_r.shape[0], dtype=np.uint8)
    _shadow.illumination_fill(flat_r, flat_s, SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM, out)
    return out.reshape(r.shape[:-1])
