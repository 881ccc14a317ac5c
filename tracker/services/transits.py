"""Transits of the ISS across the Sun and the Moon (the service behind
``iss-tracker transits`` and ``GET /api/v1/transits``).

Definitions
-----------
* Positions are *apparent* and *topocentric*, as skyfield's
  ``(earth + topos).at(t).observe(target).apparent()`` computes them for both
  the station (``earth + EarthSatellite``) and the body (DE421 from the
  skyfield-data package): the light time is iterated (about 2 ms for the
  station, 1.3 s for the Moon, 499 s for the Sun) and the relativistic
  aberration of the observer's barycentric velocity (the Earth's orbit plus
  its rotation) is applied to both. A geometric station against an apparent
  Sun would be off by about 20 arcsec; applied to both, aberration mostly
  cancels and what is left is the station's light-time motion (a few
  arcsec). Parallax is in the geometry itself: everything is seen from the
  observer (WGS-84, height above the ellipsoid), which matters most for the
  Moon (up to ~1 deg). Gravitational deflection is not applied: skyfield's
  (Sun, Jupiter, Saturn, Earth) moves these targets by under 0.005 arcsec.
* Refraction is applied to neither. The station flies above the atmosphere,
  so the light of the station and of the body crosses the same air along the
  same direction and is bent by the same angle: the separation, the time of
  closest approach and the centre line are unchanged (differential
  refraction across the ~30 arcmin of the disc flattens the low Sun and Moon
  a little, which is not modelled). Altitudes and azimuths in the output are
  therefore geometric (airless); the real body near the horizon appears up
  to ~0.6 deg higher, the station with it.
* *Closest approach*: the minimum of the angular separation between the
  station's centre and the body's centre. The event is a ``transit`` when that
  minimum is at most the body's apparent angular radius (the station's centre
  crosses the disc), else a ``near-miss`` (listed when the observer is within
  ``radius_km`` of the centre line). ``duration_s`` is the time the station's
  centre spends inside the disc (its own angular size, ``iss_angular_size_
  arcsec`` for a 108.5 m span, is not added); null for a near miss.
* *Centre line*: the ground points (WGS-84 ellipsoid, height 0) from which the
  station is centred on the body: for each instant the ray from the station
  away from the body is intersected with the ellipsoid and corrected, by a
  few fixed-point steps, for the apparent-position effects seen from that
  point. ``distance_to_centerline_km`` is the observer's distance to that
  line (which is drawn for the observer's event as a GeoJSON LineString);
  ``centerline_width_km`` is the width of the band on the ground from which
  the station's centre crosses the disc (the body's disc projected through
  the station onto the ground plane, measured across the line).
* ``iss_sunlit`` (Moon events): the station is outside the Earth's umbra
  (``tracker.astro.sun.illumination``); a dark station against the Moon is
  seen only in silhouette on the lit part of the disc.
* Uncertainty: the closest-approach time is uncertain by the element set's
  along-track error: ``uncertainty_68_s`` / ``uncertainty_90_s`` from
  ``tle.accuracy.uncertainty_s`` at the event's element-set age. A timing
  error of 1 s moves the centre line by about 7 km along the ground track of
  the shadow, so events far from the epoch are only indicative.

Method
------
1. ``build_track`` samples the station every 30 s (ITRF, Hermite between).
2. Screen (numba, ``transits_kernels.screen``): at each sample where the
   station and the body are above the horizon, the station's offset from the
   observer->body line is extrapolated linearly to its closest point; samples
   closer than ``radius_km`` + the body's disc projected at the station + a
   margin are candidates.
3. Refine: the station is propagated with SGP4 at the candidate (its own
   element set) and the apparent separation (``transits_kernels._apparent``)
   is evaluated on a few grids of times around it; the minimum of the
   squared separation is found by parabolic steps (the relative motion is
   straight to micro-arcseconds over a second) down to 1 ms; the crossing
   times from the same parabola.
4. The ephemeris is read from skyfield (DE421, skyfield's time scale with
   the bundled UT1 and polar motion) on an hourly grid in TT: barycentric
   Earth, Sun and Moon (cubic Hermite between nodes: under 1e-5 km),
   Delta T, polar motion and skyfield's TEME rotation (linear: rotations of
   under 0.001 arcsec per hour).

Accuracy against skyfield (tests/test_transits.py): closest-approach times,
separations and centre lines agree to the figures in docs/transits.md.

Times in this module are Unix seconds (UTC) unless named otherwise.
"""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field

import numpy as np

from tracker.astro.time import Instant
from tracker.errors import UserError
from tracker.services import transits_kernels as _k

from tracker.constants import JD_UNIX_EPOCH, MOON_RADIUS_KM, SUN_RADIUS_KM, WGS84_A_KM  # noqa: E402
ISS_SPAN_M = 108.5                # truss length: the station's largest dimension
GRID_STEP_S = 3600.0
Q_EVERY = 6                       # TEME rotation from skyfield every 6 grid nodes
BODIES = ("sun", "moon")
BODY_CODE = {"sun": _k.SUN, "moon": _k.MOON}
BODY_RADIUS_KM = {"sun": SUN_RADIUS_KM, "moon": MOON_RADIUS_KM}
ARCSEC_PER_RAD = 180.0 * 3600.0 / math.pi
SCREEN_MARGIN_KM = 8.0
CENTERLINE_STEP_S = 0.05


# ---------------------------------------------------------------- ephemeris grid

@functools.lru_cache(maxsize=1)
def _ephemeris():
    """The bundled DE421 (skyfield-data; never downloaded)."""
    from skyfield.jpllib import SpiceKernel

    from tracker.astro.timescale import skyfield_data_dir
    return SpiceKernel(os.path.join(skyfield_data_dir(), "de421.bsp"))


@dataclass(frozen=True)
class EphemerisGrid:
    """Everything the kernels read about the Earth, the Sun and the Moon over a
    window (see ``transits_kernels`` for the arrays)."""

    tt0: float
    step_s: float
    g_dt: np.ndarray
    g_pm: np.ndarray
    g_q: np.ndarray
    g_pv: np.ndarray
    leap_unix: np.ndarray
    leap_off: np.ndarray

    @property
    def args(self):
        return (self.leap_unix, self.leap_off, self.tt0, self.step_s, self.g_dt, self.g_pm,
                self.g_q, self.g_pv)

    @classmethod
    def build(cls, start_unix_s: float, end_unix_s: float, *, step_s: float = GRID_STEP_S,
              ts=None, ephemeris=None) -> "EphemerisGrid":
        from skyfield.sgp4lib import TEME

        from tracker.astro.timescale import ARCSEC_RAD, builtin_timescale, polar_motion_arcsec
        ts = ts or builtin_timescale()
        eph = ephemeris or _ephemeris()
        leap_unix = np.ascontiguousarray((np.asarray(ts.leap_dates, dtype=np.float64)
                                          - JD_UNIX_EPOCH) * 86400.0)
        leap_off = np.ascontiguousarray(np.asarray(ts.leap_offsets, dtype=np.float64))
        tt_a = _k.tt_of_unix(float(start_unix_s) - 1200.0, leap_unix, leap_off)
        tt_b = _k.tt_of_unix(float(end_unix_s) + 1200.0, leap_unix, leap_off)
        k0 = math.floor(tt_a / step_s)
        k1 = max(math.ceil(tt_b / step_s), k0 + 2)
        nodes = np.arange(k0, k1 + 1) * step_s
        days = np.floor(nodes / 86400.0)
        t = ts.tt_jd(JD_UNIX_EPOCH + days, (nodes - days * 86400.0) / 86400.0)
        n = nodes.shape[0]
        g_dt = np.ascontiguousarray(np.asarray(t.delta_t, dtype=np.float64).reshape(n))
        xp, yp = polar_motion_arcsec(t)
        g_pm = np.ascontiguousarray(np.stack([np.broadcast_to(xp, (n,)),
                                              np.broadcast_to(yp, (n,))], axis=1) * ARCSEC_RAD)
        # skyfield's TEME rotation (nutation series: the costly part) every
        # Q_EVERY nodes, linear between: it turns by ~0.03 arcsec in 6 hours
        # (precession and nutation), so the chord is off by under 1e-3 arcsec
        coarse = np.unique(np.concatenate([np.arange(0, n, Q_EVERY), [n - 1]]))
        q = np.asarray(TEME.rotation_at(t[coarse]))      # (3, 3, m)
        q = np.transpose(q, (2, 0, 1)).reshape(coarse.size, 9)
        g_q = np.ascontiguousarray(np.stack([np.interp(np.arange(n), coarse, q[:, c])
                                             for c in range(9)], axis=1))
        g_pv = np.empty((n, 3, 6))
        for j, name in enumerate(("earth", "sun", "moon")):
            p = eph[name].at(t)
            g_pv[:, j, :3] = p.position.km.T
            g_pv[:, j, 3:] = p.velocity.km_per_s.T
        return cls(float(k0 * step_s), float(step_s), g_dt, g_pm, g_q,
                   np.ascontiguousarray(g_pv), leap_unix, leap_off)


def apparent(grid: EphemerisGrid, body: str, unix_s, r_teme_km, v_teme_km_s, obs_itrf_km):
    """(n, 12) apparent geometry rows (``transits_kernels._apparent``)."""
    unix_s = np.ascontiguousarray(np.atleast_1d(unix_s), dtype=np.float64)
    out = np.empty((unix_s.shape[0], 12))
    _k.apparent_fill(unix_s, np.ascontiguousarray(r_teme_km, dtype=np.float64),
                     np.ascontiguousarray(v_teme_km_s, dtype=np.float64),
                     np.ascontiguousarray(obs_itrf_km, dtype=np.float64), BODY_CODE[body],
                     *grid.args, out)
    return out


def separation_rad(rows) -> np.ndarray:
    a, b = rows[:, 0:3], rows[:, 3:6]
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=1), np.einsum("ij,ij->i", a, b))


def centerline_points(grid: EphemerisGrid, body: str, unix_s, r_teme_km, v_teme_km_s):
    """Centre-line ground points (n, 3) ITRF km (NaN rows: none) and residuals (rad)."""
    unix_s = np.ascontiguousarray(np.atleast_1d(unix_s), dtype=np.float64)
    g = np.empty((unix_s.shape[0], 3))
    res = np.empty(unix_s.shape[0])
    _k.centerline_fill(unix_s, np.ascontiguousarray(r_teme_km, dtype=np.float64),
                       np.ascontiguousarray(v_teme_km_s, dtype=np.float64), BODY_CODE[body],
                       *grid.args, g, res)
    return g, res


# ---------------------------------------------------------------- validation

def validate_inputs(days, body, radius_km):
    """Check the window length, the body choice and the near-miss radius."""
    from tracker.errors import TimeRangeError
    from tracker.ranges import TRANSIT_DAYS, TRANSIT_RADIUS_KM
    try:
        days = float(days)
        radius_km = float(radius_km)
    except (TypeError, ValueError):
        raise UserError("days and radius_km must be numbers", parameter="days") from None
    if not (TRANSIT_DAYS[0] <= days <= TRANSIT_DAYS[1]):
        raise TimeRangeError(f"days {days:g} is out of range: allowed at least 1 s "
                             f"({TRANSIT_DAYS[0]:.4g} days) and at most {TRANSIT_DAYS[1]:g} days",
                             parameter="days")
    if not (TRANSIT_RADIUS_KM[0] < radius_km <= TRANSIT_RADIUS_KM[1]):
        raise UserError(f"radius_km {radius_km:g} is out of range: allowed more than "
                        f"{TRANSIT_RADIUS_KM[0]:g} and at most {TRANSIT_RADIUS_KM[1]:g} km",
                        parameter="radius_km")
    if body not in ("sun", "moon", "both"):
        raise UserError(f"body must be sun, moon or both; got {body!r}", parameter="body")
    return days, (BODIES if body == "both" else (body,)), radius_km


# ---------------------------------------------------------------- results

@dataclass
class Transit:
    """One closest approach of the station to the Sun's or the Moon's centre as
    seen by the observer; see the module docstring for the definitions."""

    body: str
    kind: str                          # "transit" or "near-miss"
    unix_s: float                      # closest approach
    duration_s: float | None           # centre inside the disc; None for a near miss
    ingress_unix_s: float | None
    egress_unix_s: float | None
    min_separation_arcsec: float
    body_radius_arcsec: float
    iss_angular_size_arcsec: float
    slant_range_km: float
    iss_altitude_deg: float
    iss_azimuth_deg: float
    body_altitude_deg: float
    body_azimuth_deg: float
    angular_speed_deg_s: float         # of the station relative to the body
    distance_to_centerline_km: float
    centerline_width_km: float
    iss_sunlit: bool
    centerline: list                   # [(lon_deg, lat_deg)], the line near the observer
    centerline_times: list             # Unix s of each vertex
    element_set_epoch_unix_s: float
    age_days: float
    uncertainty_68_s: float
    uncertainty_90_s: float
    may_cross_manoeuvre: bool = False


@dataclass
class TransitReport:
    place: object
    start_unix_s: float
    end_unix_s: float
    bodies: tuple
    radius_km: float
    transits: list
    warnings: list = field(default_factory=list)
    element_sets: list = field(default_factory=list)
    candidates: int = 0


# ---------------------------------------------------------------- search

class _Propagator:
    """SGP4 of the element set in force at each time of a track (cached per set)."""

    def __init__(self, track):
        self.track = track
        self._els = {}

    def element_set(self, unix_s):
        return self.track.element_set_at(unix_s)

    def __call__(self, es, unix_s):
        from tracker.astro.time import unix_to_jdfr
        from tracker.propagator.api import Elements
        els = self._els.get(id(es))
        if els is None:
            els = self._els[id(es)] = Elements.from_element_sets([es])
        jd, fr = unix_to_jdfr(np.atleast_1d(unix_s))
        n = jd.shape[0]
        e, r, v = np.empty(n, dtype=np.uint8), np.empty((n, 3)), np.empty((n, 3))
        _k.propagate_serial(els.coeffs, float(els.epoch_jd[0]), float(els.epoch_fr[0]),
                            np.ascontiguousarray(jd), np.ascontiguousarray(fr), e, r, v)
        return r, v, e


def _sep2(grid, body, prop, es, obs, times):
    r, v, e = prop(es, times)
    rows = apparent(grid, body, times, r, v, obs)
    s = separation_rad(rows)
    s[(e != 0) & (e != 6)] = np.nan
    return s * s, rows, r, v


def _parabola_min(t, y):
    """Vertex of the parabola through three equally spaced points."""
    h = t[1] - t[0]
    den = y[0] - 2.0 * y[1] + y[2]
    if not den > 0.0:
        return t[1], y[1], 0.0
    off = 0.5 * h * (y[0] - y[2]) / den
    curv = den / (h * h)               # y'' ; y = y_min + curv/2 (t - t_min)^2
    return t[1] + off, y[1] - 0.125 * (y[0] - y[2]) ** 2 / den, curv


def _closest(grid, body, prop, es, obs, t_guess):
    """Time (s), squared separation and its second derivative at the minimum."""
    tc = t_guess
    for _ in range(6):                     # walk a 1 s grid to the bracket
        ts_ = tc + np.arange(-8.0, 9.0)
        y, *_ = _sep2(grid, body, prop, es, obs, ts_)
        if not np.isfinite(y).all():
            return None
        j = int(np.argmin(y))
        if 0 < j < len(y) - 1:
            tc, _, _ = _parabola_min(ts_[j - 1:j + 2], y[j - 1:j + 2])
            break
        tc = ts_[j]
    else:
        return None
    for h in (0.1, 0.01, 0.001):
        ts_ = tc + np.array([-h, 0.0, h])
        y, *_ = _sep2(grid, body, prop, es, obs, ts_)
        tc, ymin, curv = _parabola_min(ts_, y)
    return tc, ymin, curv


def _enu(obs_itrf):
    from tracker.astro.frames import itrf_to_geodetic
    lat, lon, _ = itrf_to_geodetic(obs_itrf)
    lat, lon = math.radians(float(lat)), math.radians(float(lon))
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    east = np.array([-so, co, 0.0])
    north = np.array([-sl * co, -sl * so, cl])
    up = np.array([cl * co, cl * so, sl])
    return east, north, up


def _alt_az(vec, enu):
    east, north, up = enu
    e, n, u = float(vec @ east), float(vec @ north), float(vec @ up)
    az = math.degrees(math.atan2(e, n)) % 360.0
    return math.degrees(math.atan2(u, math.hypot(e, n))), az


def _centerline_near(grid, body, prop, es, obs, tc, radius_km):
    """Centre-line vertices around tc: times, ITRF points (m, 3), and the
    observer's distance to the polyline with the vertex index of the foot."""
    span = min(60.0, max(4.0, (radius_km + 25.0) / 2.0))
    times = tc + np.arange(-span, span + 1e-9, CENTERLINE_STEP_S)
    r, v, e = prop(es, times)
    g, res = centerline_points(grid, body, times, r, v)
    ok = np.isfinite(g).all(axis=1) & ((e == 0) | (e == 6))
    times, g = times[ok], g[ok]
    if g.shape[0] < 2:
        return times, g, math.nan, -1
    a, b = g[:-1], g[1:]
    ab = b - a
    w = np.clip(np.einsum("ij,ij->i", obs - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab),
                                                                   1e-30), 0.0, 1.0)
    foot = a + w[:, None] * ab
    d = np.linalg.norm(foot - obs, axis=1)
    j = int(np.argmin(d))
    return times, g, float(d[j]), j


def _band_width_km(g, j, body_unit_itrf, iss_itrf, rho_rad):
    """Width across the centre line of the band from which the station's centre
    crosses the disc: the disc projected through the station onto the ground
    plane at the line's point j, measured perpendicular to the line."""
    _, _, n = _enu(g[j])
    c = g[min(j + 1, len(g) - 1)] - g[max(j - 1, 0)]
    c = c - (c @ n) * n
    c /= np.linalg.norm(c)
    u = body_unit_itrf
    sin_h = float(u @ n)
    ea = u - sin_h * n
    ea /= np.linalg.norm(ea)
    eb = np.cross(n, ea)
    dist = float(np.linalg.norm(iss_itrf - g[j]))
    a, b = dist * rho_rad / max(sin_h, 1e-6), dist * rho_rad
    m = np.cross(n, c)
    return 2.0 * math.hypot(a * float(m @ ea), b * float(m @ eb))


def _sunlit(es, r_teme, unix_s, sun) -> bool:
    from tracker.astro import sun as _sun
    from tracker.astro.time import unix_to_jdfr
    jd, fr = unix_to_jdfr(np.array([unix_s]))
    s = _sun.sun_teme_km(jd, fr, sun=sun)
    return bool(_sun.illumination(np.atleast_2d(r_teme), s)[0] != _sun.ECLIPSED)


def _event(grid, body, prop, obs, enu, t_guess, radius_km, sun, manoeuvres):
    from tle.accuracy import crosses_manoeuvre, uncertainty_s
    es = prop.element_set(t_guess)
    found = _closest(grid, body, prop, es, obs, t_guess)
    if found is None:
        return None
    tc, ymin, curv = found
    if prop.element_set(tc) is not es:        # the minimum moved across a set switch
        es = prop.element_set(tc)
        found = _closest(grid, body, prop, es, obs, tc)
        if found is None:
            return None
        tc, ymin, curv = found
    y, rows, r, v = _sep2(grid, body, prop, es, obs, np.array([tc]))
    row = rows[0]
    sep = math.sqrt(max(float(y[0]), 0.0))
    b_dist = float(np.linalg.norm(row[3:6]))
    rho = math.asin(BODY_RADIUS_KM[body] / b_dist)
    iss_alt, iss_az = _alt_az(row[0:3] / np.linalg.norm(row[0:3]), enu)
    body_alt, body_az = _alt_az(row[3:6] / b_dist, enu)
    if iss_alt <= 0.0 or body_alt <= 0.0:
        return None
    times, g, dist_km, j = _centerline_near(grid, body, prop, es, obs, tc, radius_km)
    duration = ingress = egress = None
    if sep <= rho and curv > 0.0:
        half = math.sqrt(2.0 * (rho * rho - sep * sep) / curv)
        duration, ingress, egress = 2.0 * half, float(tc - half), float(tc + half)
    kind = "transit" if duration is not None else "near-miss"
    if kind == "near-miss" and not (dist_km <= radius_km):
        return None
    width = math.nan
    if j >= 0:
        ri, vi, _ = prop(es, np.array([times[j]]))
        crow = apparent(grid, body, np.array([times[j]]), ri, vi, g[j])[0]
        width = _band_width_km(g, j, crow[3:6] / np.linalg.norm(crow[3:6]), crow[6:9], rho)
    from tracker.astro.frames import itrf_to_geodetic
    lat, lon, _ = itrf_to_geodetic(g) if len(g) else (np.empty(0), np.empty(0), None)
    keep = slice(None, None, 5)           # every 0.25 s for the output line
    line = [(round(float(x), 5), round(float(yv), 5)) for x, yv in zip(lon[keep], lat[keep])]
    line_t = [float(t) for t in times[keep]]
    rate = math.degrees(math.sqrt(max(curv, 0.0) / 2.0))
    age = float(tc - es.epoch_unix_s) / 86400.0
    u68, u90 = uncertainty_s(age)
    return Transit(
        body=body, kind=kind, unix_s=float(tc), duration_s=duration, ingress_unix_s=ingress,
        egress_unix_s=egress, min_separation_arcsec=sep * ARCSEC_PER_RAD,
        body_radius_arcsec=rho * ARCSEC_PER_RAD,
        iss_angular_size_arcsec=ISS_SPAN_M / 1000.0 / float(np.linalg.norm(row[9:12]))
        * ARCSEC_PER_RAD,
        slant_range_km=float(np.linalg.norm(row[9:12])), iss_altitude_deg=iss_alt,
        iss_azimuth_deg=iss_az, body_altitude_deg=body_alt, body_azimuth_deg=body_az,
        angular_speed_deg_s=rate, distance_to_centerline_km=dist_km,
        centerline_width_km=width, iss_sunlit=_sunlit(es, r[0], tc, sun),
        centerline=line, centerline_times=line_t, element_set_epoch_unix_s=es.epoch_unix_s,
        age_days=age, uncertainty_68_s=u68, uncertainty_90_s=u90,
        may_cross_manoeuvre=crosses_manoeuvre(manoeuvres, es.epoch_unix_s, tc))


def find_transits(place, start, days: float = 10.0, *, store, body: str = "both",
                  radius_km: float = 10.0, allow_stale: bool = False, eop=None, sun=None,
                  track=None, grid=None) -> TransitReport:
    """Transits and near misses of the station across the Sun and/or the Moon
    for ``place`` from ``start`` (an ``Instant``, or what ``Instant.of``
    reads) for ``days`` days.

    Raises UserError subclasses for bad parameters and ``StaleElementsError``
    when an element set is more than 30 days from the window (unless
    ``allow_stale``). ``track`` / ``grid``: prebuilt ``build_track`` /
    ``EphemerisGrid`` covering the window (shared across observers).
    """
    from tle.accuracy import detect_manoeuvres
    from tracker.astro.frames import geodetic_to_itrf
    from tracker.services.passes import validate_window_times
    from tracker.services.sampled_track import build_track

    start_unix_s = float(Instant.of(start, parameter="start").unix_s)
    days, bodies, radius_km = validate_inputs(days, body, radius_km)
    end_unix_s = start_unix_s + days * 86400.0
    validate_window_times(start_unix_s, end_unix_s)
    if track is None:
        track = build_track(store, start_unix_s, end_unix_s, allow_stale=allow_stale, eop=eop,
                            with_sun=False)
    if grid is None:
        grid = EphemerisGrid.build(start_unix_s, end_unix_s)
    obs = geodetic_to_itrf(place.lat_deg, place.lon_deg, place.alt_m / 1000.0)
    enu = _enu(obs)
    prop = _Propagator(track)
    manoeuvres = detect_manoeuvres(store.sets if store is not None else
                                   [seg[2] for seg in track.segments])
    unix = np.ascontiguousarray(track.t0_unix_s + track.t_s)
    gaps = np.diff(track.t_s)
    half_step = 0.5 * float(gaps.max()) + 1.0 if gaps.size else 16.0
    events, n_cand = [], 0
    for name in bodies:
        b_itrf = np.empty((unix.shape[0], 3))
        _k.body_itrf_fill(unix, BODY_CODE[name], *grid.args, b_itrf)
        cap = max(1024, unix.shape[0] // 4)
        out_t, out_p = np.empty(cap), np.empty(cap)
        n = _k.screen(track.t_s, track.r_itrf_km, track.v_itrf_km_s, b_itrf, obs,
                      BODY_RADIUS_KM[name], radius_km + SCREEN_MARGIN_KM, half_step, out_t, out_p)
        cand = np.sort(out_t[:n])
        n_cand += int(n)
        groups = np.split(cand, np.nonzero(np.diff(cand) > 20.0)[0] + 1) if n else []
        found = []
        for grp in groups:
            t_guess = track.t0_unix_s + float(np.median(grp))
            if not (start_unix_s - 30.0 <= t_guess <= end_unix_s + 30.0):
                continue
            ev = _event(grid, name, prop, obs, enu, t_guess, radius_km, sun, manoeuvres)
            if ev is None or not (start_unix_s <= ev.unix_s <= end_unix_s):
                continue
            if any(abs(ev.unix_s - f.unix_s) < 1.0 for f in found):
                continue
            found.append(ev)
        events.extend(found)
    events.sort(key=lambda e: e.unix_s)
    return TransitReport(place=place, start_unix_s=start_unix_s, end_unix_s=end_unix_s,
                         bodies=bodies, radius_km=radius_km, transits=events,
                         warnings=list(track.warnings), element_sets=list(track.segments),
                         candidates=n_cand)


# ---------------------------------------------------------------- whole Earth

def centerlines(store, start_unix_s: float, days: float, *, body: str = "sun",
                step_s: float = 1.0, allow_stale: bool = False, eop=None, track=None,
                grid=None):
    """Every centre line on the Earth in the window: ``(unix_s, lat_deg,
    lon_deg)`` arrays of the points (times every ``step_s`` s at which the
    station's shadow line along the body direction meets the ground; other
    times are left out)."""
    from tracker.services.sampled_track import build_track
    days, bodies, _ = validate_inputs(days, body, 1.0)
    end_unix_s = start_unix_s + days * 86400.0
    if track is None:
        track = build_track(store, start_unix_s, end_unix_s, allow_stale=allow_stale, eop=eop,
                            with_sun=False)
    if grid is None:
        grid = EphemerisGrid.build(start_unix_s, end_unix_s)
    n_all = int(math.floor((end_unix_s - start_unix_s) / step_s)) + 1
    chunk = 86400

    def run(k0):                       # the kernel releases the GIL: chunks run in threads
        n = min(chunk, n_all - k0)
        lat, lon, res = np.empty(n), np.empty(n), np.empty(n)
        _k.track_centerline(track.t0_unix_s, track.t_s, track.r_teme_km, track.v_teme_km_s,
                            k0 * step_s, step_s, n, BODY_CODE[bodies[0]], *grid.args,
                            lat, lon, res)
        ok = np.isfinite(lat)
        return start_unix_s + (k0 + np.nonzero(ok)[0]) * step_s, lat[ok], lon[ok]

    starts = range(0, n_all, chunk)
    workers = min(len(starts), os.cpu_count() or 1)
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, starts))
    else:
        parts = [run(k0) for k0 in starts]
    return tuple(np.concatenate([p[c] for p in parts]) for c in range(3))


def centerlines_geojson(unix_s, lat_deg, lon_deg, *, step_s: float, body: str) -> dict:
    """Whole-Earth centre lines as a GeoJSON MultiLineString (lines break where
    the shadow leaves the Earth and at the antimeridian)."""
    lines, cur = [], []
    for i in range(len(unix_s)):
        if cur and (unix_s[i] - unix_s[i - 1] > 1.5 * step_s
                    or abs(lon_deg[i] - lon_deg[i - 1]) > 180.0):
            if len(cur) > 1:
                lines.append(cur)
            cur = []
        cur.append([round(float(lon_deg[i]), 5), round(float(lat_deg[i]), 5)])
    if len(cur) > 1:
        lines.append(cur)
    return {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": lines},
            "properties": {"body": body}}


# ---------------------------------------------------------------- documents

def _r(x, nd):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def transit_to_dict(e: Transit, tz) -> dict:
    from tracker.astro.time import format_utc
    from tracker.services.passes import format_local
    when = (lambda t: None if t is None else {"time_utc": format_utc(t),
                                              "time_local": format_local(t, tz)})
    return {
        "body": e.body, "kind": e.kind,
        "time_utc": format_utc(e.unix_s), "time_local": format_local(e.unix_s, tz),
        "duration_s": _r(e.duration_s, 3),
        "ingress": when(e.ingress_unix_s), "egress": when(e.egress_unix_s),
        "min_separation_arcsec": _r(e.min_separation_arcsec, 2),
        "body_radius_arcsec": _r(e.body_radius_arcsec, 2),
        "iss_angular_size_arcsec": _r(e.iss_angular_size_arcsec, 2),
        "slant_range_km": _r(e.slant_range_km, 2),
        "iss_altitude_deg": _r(e.iss_altitude_deg, 3),
        "iss_azimuth_deg": _r(e.iss_azimuth_deg, 3),
        "body_altitude_deg": _r(e.body_altitude_deg, 3),
        "body_azimuth_deg": _r(e.body_azimuth_deg, 3),
        "angular_speed_deg_s": _r(e.angular_speed_deg_s, 4),
        "distance_to_centerline_km": _r(e.distance_to_centerline_km, 3),
        "centerline_width_km": _r(e.centerline_width_km, 3),
        "iss_sunlit": e.iss_sunlit,
        "element_set_epoch_utc": format_utc(e.element_set_epoch_unix_s),
        "element_set_age_days": round(e.age_days, 3),
        "uncertainty_68_s": _r(e.uncertainty_68_s, 1),
        "uncertainty_90_s": _r(e.uncertainty_90_s, 1),
        "may_cross_manoeuvre": e.may_cross_manoeuvre,
        "centerline": {"type": "LineString", "coordinates": [list(p) for p in e.centerline]},
    }


MODEL = {
    "positions": "apparent, topocentric (light time and aberration on both, as skyfield's "
                 "observe().apparent()); DE421; WGS-84 observer",
    "refraction": "not applied to either: the station is above the atmosphere, so both are "
                  "bent alike; altitudes are geometric",
    "transit": "the station's centre inside the body's disc (its own size not added)",
    "centerline": "ground points (WGS-84, height 0) from which the station is centred on the "
                  "body",
    "iss_span_m": ISS_SPAN_M,
    "sun_radius_km": SUN_RADIUS_KM, "moon_radius_km": MOON_RADIUS_KM,
}


def report_to_dict(report: TransitReport, tz_name: str) -> dict:
    """The JSON document of ``iss-tracker transits --json`` and ``/api/v1/transits``."""
    import zoneinfo

    from tracker.astro.time import format_utc
    from tracker.services.passes import window_header

    tz = zoneinfo.ZoneInfo(tz_name)
    return {
        **window_header(report, tz_name),
        "bodies": list(report.bodies),
        "radius_km": report.radius_km,
        "count": len(report.transits),
        "count_transits": sum(1 for e in report.transits if e.kind == "transit"),
        "transits": [transit_to_dict(e, tz) for e in report.transits],
        "warnings": list(report.warnings),
        "element_sets": [{"epoch_utc": format_utc(es.epoch_unix_s), "used_from_utc": format_utc(t0),
                          "used_to_utc": format_utc(t1), "source": es.source}
                         for t0, t1, es in report.element_sets],
        "model": dict(MODEL),
    }


def report_to_geojson(report: TransitReport, tz_name: str) -> dict:
    """The centre lines of the events as a GeoJSON FeatureCollection (one
    LineString per event; ``properties`` the event without its line)."""
    doc = report_to_dict(report, tz_name)
    features = []
    for ev in doc["transits"]:
        geometry = ev.pop("centerline")
        features.append({"type": "Feature", "geometry": geometry, "properties": ev})
    return {"type": "FeatureCollection", "features": features, "warnings": doc["warnings"]}


def warm_kernels() -> None:
    """Compile (or load) every transit kernel with the argument types the
    service passes (``tracker.warm`` calls this at install)."""
    from tle.store import ElementStore
    from tracker.places.gazetteer import Place
    store = ElementStore.shipped()
    es = store.sets[0]
    t0 = es.epoch_unix_s
    grid = EphemerisGrid.build(t0, t0 + 600.0)
    times = t0 + np.arange(0.0, 3.0)
    r, v, _ = _Propagator(None)(es, times)
    obs = np.array([WGS84_A_KM, 0.0, 0.0])
    apparent(grid, "sun", times, r, v, obs)
    centerline_points(grid, "moon", times, r, v)
    centerlines(store, t0, 0.005, body="sun", allow_stale=True, grid=grid)
    find_transits(Place.from_coordinates(0.0, 0.0, 0.0), t0, 0.005, store=store,
                  allow_stale=True, grid=grid)
