"""Overflights: when the ISS's sub-satellite point passes within a radius of
a place (the service behind ``iss-tracker overflights``).

* Sub-satellite point: the WGS-84 geodetic latitude/longitude of the station
  (``frames.itrf_to_geodetic``), i.e. the point of the ellipsoid straight
  below it along the ellipsoid normal.
* Ground distance: great circle between that point and the place on the
  sphere of IUGG mean radius 6371.0088 km (``places.ground_distance_km``;
  the sphere's error against the ellipsoid is below 0.5 %).
* An overflight is a local minimum of the ground distance (the closest
  approach) that is at most ``radius_km`` and lies inside the window;
  ``enter``/``exit`` are the times the distance crosses the radius (None
  when outside the window).
* ``dark``: the geometric Sun altitude at the sub-satellite point is below
  ``DARK_SUN_ALT_DEG`` = -6 deg (civil twilight has ended on the ground
  below the station); ``--night-only`` keeps only those.
* ``station_sunlit``: whether the station itself is outside the Earth's
  umbra (it can shine over a dark ground).

Long windows (the shipped 2015-2016 history, e.g. the "Year in Space") are
processed in chunks of ``CHUNK_DAYS`` with a few minutes of overlap, each
chunk with the element sets the store chooses for it; staleness is measured
against the requested times, so history is not refused as stale when the
store holds sets near it.

Algorithm: sample the sub-satellite point every 30 s, take samples that are
local minima of the distance and closer than ``radius + 150 km`` (the ground
track moves < 7.5 km/s, so the true minimum is never more than ~115 km below
the sampled one), then golden-section search on the Hermite-interpolated
track (to 1 ms) and bisection for the radius crossings.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tracker.constants import MEAN_EARTH_RADIUS_KM
from tracker.ranges import OVERFLIGHT_DAYS
from tracker.services.roots import bisect_change, golden_min

from tle.store import ElementStore
from tracker.astro import sun as _sun
from tracker.errors import TimeRangeError, UserError
from tracker.astro.frames import default_earth_orientation, itrf_to_geodetic, teme_to_itrf, topocentric
from tracker.places.gazetteer import Place, ground_distance_km
from tracker.services.position import OUTSIDE_ORBIT, propagate_checked
from tracker.services.sampled_track import build_track, check_window_staleness, failure_warnings
from tracker.astro.time import Instant, check_service_range, format_utc, unix_to_jdfr
from tracker.astro.visibility import timing_sigma_s
from tle.accuracy import crosses_manoeuvre, detect_manoeuvres, uncertainty_s

DARK_SUN_ALT_DEG = -6.0
DEFAULT_RADIUS_KM = 100.0
MAX_RADIUS_KM = 2500.0
MAX_SPAN_DAYS = OVERFLIGHT_DAYS[1]          # tracker.ranges: the CLI and the API alike
CHUNK_DAYS = 5.0
OVERLAP_S = 600.0
CANDIDATE_MARGIN_KM = 150.0
TIME_TOL_S = 1e-3


@dataclass(frozen=True)
class Overflight:
    """One closest approach of the sub-satellite point to the place."""

    unix_s: float                 # closest approach
    ground_distance_km: float
    lat_deg: float                # sub-satellite point
    lon_deg: float
    altitude_km: float            # station height above the ellipsoid
    enter_unix_s: float | None    # ground distance falls below the radius
    exit_unix_s: float | None
    sun_altitude_deg: float       # at the sub-satellite point
    dark: bool
    station_sunlit: bool
    element_set_epoch_unix_s: float
    age_days: float
    timing_uncertainty_s: float
    uncertainty_68_s: float = math.nan    # +- s, fitted bands (tle.accuracy.uncertainty_s)
    uncertainty_90_s: float = math.nan
    may_cross_manoeuvre: bool = False    # a known manoeuvre may lie between epoch and closest approach


@dataclass
class OverflightReport:
    place: Place
    start_unix_s: float
    end_unix_s: float
    radius_km: float
    night_only: bool
    overflights: list
    n_total: int = 0              # before the night-only filter
    warnings: list = field(default_factory=list)
    element_sets: list = field(default_factory=list)


def validate(start_unix_s: float, end_unix_s: float, radius_km) -> float:
    try:
        radius = float(radius_km)
    except (TypeError, ValueError):
        raise UserError(f"radius must be a number of km, got {radius_km!r}", parameter="radius_km") from None
    if not (0.0 < radius <= MAX_RADIUS_KM):
        raise UserError(f"radius {radius_km} km is out of range: allowed more than 0 and at most "
                        f"{MAX_RADIUS_KM:g} km", parameter="radius_km")
    check_service_range(start_unix_s, "start")
    check_service_range(end_unix_s, "end")
    span_days = (end_unix_s - start_unix_s) / 86400.0
    if not span_days > 0.0:
        raise TimeRangeError(f"end ({format_utc(end_unix_s)}) must be after start "
                             f"({format_utc(start_unix_s)})", parameter="end")
    if span_days > MAX_SPAN_DAYS:
        shown = next(t for t in (f"{span_days:.{d}f}" for d in (1, 3, 6)) if float(t) != MAX_SPAN_DAYS) \
            if round(span_days, 6) != MAX_SPAN_DAYS else f"just over {MAX_SPAN_DAYS:g}"
        raise TimeRangeError(f"window of {shown} days is too long: allowed at most "
                             f"{MAX_SPAN_DAYS:g} days", parameter="end")
    return radius


def _distance(track, place, t_s):
    r, _ = track.interpolate_itrf(t_s)
    lat, lon, alt = itrf_to_geodetic(r)
    return ground_distance_km(place.lat_deg, place.lon_deg, lat, lon), lat, lon, alt


def _golden_min(track, place, a, b):
    """The distance minimum in each bracket [a, b] (vectorised)."""
    return golden_min(lambda t: _distance(track, place, t)[0], a, b, TIME_TOL_S)


def _crossing(track, place, a, b, radius, inside_at_b):
    """Time of distance == radius in each bracket [a, b] (vectorised)."""
    return bisect_change(lambda t: _distance(track, place, t)[0] <= radius, a, b, inside_at_b,
                         TIME_TOL_S)


def _chunk_overflights(track, place, radius, lo_s, hi_s):
    """Closest approaches with lo_s <= t < hi_s (seconds from track start)."""
    lat, lon, _ = itrf_to_geodetic(track.r_itrf_km)
    d = ground_distance_km(place.lat_deg, place.lon_deg, lat, lon)
    t = track.t_s
    i = np.nonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:]) & (d[1:-1] < radius + CANDIDATE_MARGIN_KM)
                   & (t[2:] > t[1:-1]) & (t[1:-1] > t[:-2]))[0] + 1
    if i.size == 0:
        return []
    tc = _golden_min(track, place, t[i - 1].copy(), t[i + 1].copy())
    dc, latc, lonc, altc = _distance(track, place, tc)
    ok = (dc <= radius) & (tc >= lo_s) & (tc < hi_s)
    if not np.any(ok):
        return []
    tc, dc, latc, lonc, altc = tc[ok], dc[ok], latc[ok], lonc[ok], altc[ok]
    # radius crossings: search up to 10 min (a 2500 km radius takes < 6 min) either side
    span = 600.0
    before = np.maximum(tc - span, 0.0)
    after = np.minimum(tc + span, track.end_s)
    d_before = _distance(track, place, before)[0]
    d_after = _distance(track, place, after)[0]
    enter = np.where(d_before > radius, _crossing(track, place, before, tc.copy(), radius, True), np.nan)
    exit_ = np.where(d_after > radius, _crossing(track, place, tc.copy(), after, radius, False), np.nan)
    return list(zip(tc, dc, latc, lonc, altc, enter, exit_))


def find_overflights(place: Place, start, end, *, store: ElementStore,
                     radius_km: float = DEFAULT_RADIUS_KM, night_only: bool = False,
                     allow_stale: bool = False, eop=None, sun=None, progress=None) -> OverflightReport:
    """Overflights of ``place`` from ``start`` to ``end`` (``Instant``s, or
    what ``Instant.of`` reads; see the module doc).

    ``progress``: optional callable(fraction_done) after each chunk.
    """
    start_unix_s = float(Instant.of(start, parameter="start").unix_s)
    end_unix_s = float(Instant.of(end, parameter="end").unix_s)
    radius = validate(start_unix_s, end_unix_s, radius_km)
    eop = eop or default_earth_orientation()
    sun = sun or _sun.default_sun()
    segments = store.segments(start_unix_s, end_unix_s)
    warnings = check_window_staleness(segments, allow_stale=allow_stale)
    rows = []
    chunk_s = CHUNK_DAYS * 86400.0
    samples = sgp4_failed = outside = 0
    notes = []
    c0 = start_unix_s
    while c0 < end_unix_s:
        c1 = min(c0 + chunk_s, end_unix_s)
        t_lo = max(start_unix_s, c0 - OVERLAP_S)
        t_hi = min(end_unix_s, c1 + OVERLAP_S)
        # staleness was checked for the whole window above
        track = build_track(store, t_lo, t_hi, allow_stale=True, eop=eop, with_sun=False)
        # failures are counted over the chunk's own span (the overlaps belong to neighbours)
        own = track.t_s >= c0 - t_lo
        if c1 < end_unix_s:
            own &= track.t_s < c1 - t_lo
        samples += int(np.count_nonzero(own))
        if track.failed_samples:
            code = track.error[own]
            outside += int(np.count_nonzero(code == OUTSIDE_ORBIT))
            sgp4_failed += int(np.count_nonzero((code != 0) & (code != OUTSIDE_ORBIT)))
            notes.extend(n for n in track.outside_notes if n not in notes)
        for row in _chunk_overflights(track, place, radius, c0 - t_lo, c1 - t_lo):
            tc, dc, latc, lonc, altc, enter, exit_ = row
            rows.append((t_lo + tc, dc, latc, lonc, altc,
                         None if math.isnan(enter) else float(t_lo + enter),
                         None if math.isnan(exit_) else float(t_lo + exit_),
                         track.element_set_at(t_lo + tc)))
        c0 = c1
        if progress is not None:
            progress((c0 - start_unix_s) / (end_unix_s - start_unix_s))
    warnings.extend(failure_warnings(sgp4_failed, outside, samples, notes))
    overflights = []
    if rows:
        t = np.array([r[0] for r in rows])
        jd, fr = unix_to_jdfr(t)
        # The Sun once for all closest approaches (one ephemeris evaluation), then
        # its geometric altitude at each sub-satellite point (as sun.sun_altitude_deg).
        sun_teme = sun.sun_teme_km(jd, fr)
        sun_itrf, _ = teme_to_itrf(jd, fr, sun_teme, eop=eop)
        sun_alt = np.array([topocentric(sun_itrf[k:k + 1], rows[k][2], rows[k][3], 0.0)[1][0]
                            for k in range(len(rows))])
        # station illumination: needs TEME; re-propagate the few closest-approach times
        lit = _station_sunlit(rows, jd, fr, sun_teme)
        manoeuvres = detect_manoeuvres(store.sets)
        for k, (tc, dc, latc, lonc, altc, enter, exit_, es) in enumerate(rows):
            age = (tc - es.epoch_unix_s) / 86400.0
            overflights.append(Overflight(
                unix_s=float(tc), ground_distance_km=float(dc), lat_deg=float(latc),
                lon_deg=float(lonc), altitude_km=float(altc), enter_unix_s=enter, exit_unix_s=exit_,
                sun_altitude_deg=float(sun_alt[k]), dark=bool(sun_alt[k] < DARK_SUN_ALT_DEG),
                station_sunlit=bool(lit[k]), element_set_epoch_unix_s=es.epoch_unix_s, age_days=float(age),
                timing_uncertainty_s=float(timing_sigma_s(age, es.ndot, es.mean_motion_rev_day)),
                uncertainty_68_s=uncertainty_s(age)[0], uncertainty_90_s=uncertainty_s(age)[1],
                may_cross_manoeuvre=crosses_manoeuvre(manoeuvres, es.epoch_unix_s, float(tc))))
    n_total = len(overflights)
    if night_only:
        overflights = [o for o in overflights if o.dark]
    return OverflightReport(place, start_unix_s, end_unix_s, radius, night_only, overflights,
                            n_total, warnings, segments)


def _station_sunlit(rows, jd, fr, sun_teme):
    out = np.zeros(len(rows), dtype=bool)
    by_set = {}
    for k, row in enumerate(rows):
        by_set.setdefault(id(row[7]), (row[7], []))[1].append(k)
    for es, idx in by_set.values():
        idx = np.array(idx)
        res = propagate_checked(es, jd[idx], fr[idx])
        ok = res.error == 0            # closest approaches lie between good samples
        code = _sun.illumination(np.ascontiguousarray(res.r_teme_km[ok]),
                                 np.ascontiguousarray(sun_teme[idx][ok]))
        out[idx[ok]] = (code == _sun.DAYLIGHT) | (code == _sun.PENUMBRA)
    return out


def report_to_dict(report: OverflightReport, tz_name: str) -> dict:
    """The JSON document of ``iss-tracker overflights --json`` and the API."""
    import zoneinfo

    from tracker.services.passes import format_local, window_header
    from tracker.astro.time import format_utc
    tz = zoneinfo.ZoneInfo(tz_name)

    def both(t):
        return None if t is None else {"time_utc": format_utc(t), "time_local": format_local(t, tz)}

    return {
        **window_header(report, tz_name),
        "radius_km": report.radius_km, "night_only": report.night_only,
        "count": len(report.overflights), "count_before_night_filter": report.n_total,
        "overflights": [{
            "closest_approach": both(o.unix_s), "ground_distance_km": round(o.ground_distance_km, 3),
            "subpoint_lat_deg": round(o.lat_deg, 5), "subpoint_lon_deg": round(o.lon_deg, 5),
            "altitude_km": round(o.altitude_km, 3), "enter": both(o.enter_unix_s),
            "exit": both(o.exit_unix_s), "sun_altitude_deg": round(o.sun_altitude_deg, 2),
            "dark": o.dark, "station_sunlit": o.station_sunlit,
            "element_set_epoch_utc": format_utc(o.element_set_epoch_unix_s),
            "element_set_age_days": round(o.age_days, 3),
            "timing_uncertainty_s": round(o.timing_uncertainty_s, 1),
            "uncertainty_68_s": round(o.uncertainty_68_s, 1),
            "uncertainty_90_s": round(o.uncertainty_90_s, 1),
            "may_cross_manoeuvre": o.may_cross_manoeuvre} for o in report.overflights],
        "warnings": list(report.warnings),
        "model": {"ground_distance": f"great circle on a {MEAN_EARTH_RADIUS_KM} km sphere between "
                                     "the place and the geodetic sub-satellite point",
                  "dark": f"Sun altitude at the sub-satellite point below {DARK_SUN_ALT_DEG:g} deg"},
    }
