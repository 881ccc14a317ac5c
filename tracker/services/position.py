"""Where is the ISS: positions at given times, and the ``now`` report.

Services take the element store, ``EarthOrientation`` and ``SunEphemeris``
as arguments (the CLI and the HTTP API create them once and pass them in).

``positions(store, t, ...)`` propagates every time ``t`` (an ``Instant``) with the element set
the store picks for it (the set with the nearest epoch, switching at the
midpoints between epochs exactly as ``ElementStore.segments`` does) and
returns a ``PositionTable`` of arrays. ``now_report`` builds the JSON-ready
document for one time; the CLI prints it as text or JSON.

Frames and units: TEME (SGP4's frame) and ITRF positions in km, velocities
in km/s; WGS-84 geodetic latitude/longitude in degrees (longitude in
(-180, 180]), altitude in km above the ellipsoid.

Speeds:
* ``speed_km_s``: inertial speed |v_TEME| (~7.66 km/s for the ISS);
* ``earth_fixed_speed_km_s``: speed relative to the rotating Earth |v_ITRF|;
* ``ground_speed_km_s``: speed of the sub-satellite point over the ground:
  the horizontal part of the Earth-fixed velocity scaled from the orbit's
  radius down to the ground point's geocentric radius (~7.2 km/s).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tle.elements import ElementSet
from tle.store import Selection, check_staleness
from tracker.constants import JD_UNIX_EPOCH, KM_PER_MILE, WGS72_A_KM, WGS84_B_KM
from tracker.errors import PropagationError, TimeRangeError, UserError
from tracker.astro.frames import EarthOrientation, footprint_km, teme_to_itrf
from tracker.astro import frames_kernels as _kframes
from tracker.propagator.api import Elements, propagate
from tracker.astro.sun import (ILLUMINATION_NAMES, SunEphemeris, illumination, illumination_name,
                         subsolar_from_itrf)
from tracker.astro.time import (DAY_S, SERVICE_MAX_UNIX_S, SERVICE_MIN_UNIX_S,
                              SERVICE_RANGE_TEXT, Instant, format_utc)
from tracker.astro.time import check_service_range as check_time_range  # noqa: F401 (re-export)

UNITS = ("km", "mi")
# Times we answer for (the services' common span, see tracker.astro.time).
MIN_UNIX_S = SERVICE_MIN_UNIX_S
MAX_UNIX_S = SERVICE_MAX_UNIX_S
TIME_RANGE_TEXT = SERVICE_RANGE_TEXT

SGP4_ERROR_TEXT = {
    1: "mean eccentricity outside 0..1",
    2: "mean motion below zero",
    3: "perturbed eccentricity outside 0..1",
    4: "semi-latus rectum below zero",
    5: "satellite below the surface",
    6: "orbit decayed",
}

# Not an SGP4 code: SGP4 answered (code 0) with a position that no orbit of the
# element set reaches (``orbit_span``); rows with it are failures like SGP4's.
OUTSIDE_ORBIT = 7
ERROR_TEXT = {**SGP4_ERROR_TEXT, OUTSIDE_ORBIT: "position outside the element set's orbit"}

# The band of geocentric radii an element set's positions may have. From the
# mean elements: perigee/apogee radius a (1 -/+ e), a = SGP4's un-Kozai'd mean
# semi-major axis (as tracker.services.batch reports perigee and apogee). The
# margin ORBIT_MARGIN_KM + ORBIT_MARGIN_FRACTION (apogee - perigee) covers what
# SGP4/SDP4 legitimately add to the mean orbit: J2 short-period terms (about
# 10 km in LEO), the J3 long-period eccentricity term (a few km), drag decay
# within the 30-day staleness limit (a few km for the ISS: every shipped set
# stays inside the band at +/-30 days, tests/test_impossible_answers.py) and
# lunar-solar changes of e for deep-space orbits (a fraction of apogee -
# perigee). Below the WGS-84 polar radius a position is inside the Earth
# wherever it is, so that is the floor whatever the perigee.
ORBIT_MARGIN_KM = 50.0
ORBIT_MARGIN_FRACTION = 0.10
SURFACE_RADIUS_KM = WGS84_B_KM


@dataclass(frozen=True)
class OrbitSpan:
    """Geocentric radii (km) an element set's positions may take (see above)."""

    epoch_unix_s: float
    perigee_km: float           # mean perigee radius a (1 - e)
    apogee_km: float            # mean apogee radius a (1 + e)
    lo_km: float                # allowed band: max(perigee - margin, surface) ..
    hi_km: float                # .. apogee + margin

    def outside(self, r_min_km, r_max_km=None) -> np.ndarray:
        """True where a radius (or every radius in [r_min, r_max], for callers
        that know a radius only within bounds) lies outside the band; NaN is outside."""
        r_min = np.asarray(r_min_km, dtype=np.float64)
        r_max = r_min if r_max_km is None else np.asarray(r_max_km, dtype=np.float64)
        return ~((r_max >= self.lo_km) & (r_min <= self.hi_km))

    def message(self, r_km: float) -> str:
        return (f"position outside the orbit of element set {format_utc(self.epoch_unix_s)}: "
                f"r = {r_km:,.1f} km, orbit spans {self.perigee_km:,.1f}-{self.apogee_km:,.1f} km "
                f"(geocentric radius; allowed {self.lo_km:,.1f}-{self.hi_km:,.1f} km)")


def orbit_span(es: ElementSet, els: Elements | None = None) -> OrbitSpan:
    """The ``OrbitSpan`` of ``es`` (``els``: its ``Elements`` if already built)."""
    els = Elements.from_element_sets([es]) if els is None else els
    a_km = float(els.coefficient("AO")[0]) * WGS72_A_KM
    e = float(es.eccentricity)
    rp, ra = a_km * (1.0 - e), a_km * (1.0 + e)
    margin = ORBIT_MARGIN_KM + ORBIT_MARGIN_FRACTION * (ra - rp)
    lo = max(rp - margin, SURFACE_RADIUS_KM)
    hi = ra + margin
    if not (math.isfinite(lo) and math.isfinite(hi)):      # SGP4 could not initialise the set
        lo, hi = math.inf, -math.inf
    return OrbitSpan(float(es.epoch_unix_s), rp, ra, lo, hi)


@dataclass(frozen=True)
class Propagated:
    """One element set propagated to n times by ``propagate_checked``."""

    error: np.ndarray           # (n,) uint8: SGP4's code, OUTSIDE_ORBIT, or 0
    r_teme_km: np.ndarray       # (n, 3), NaN where error != 0
    v_teme_km_s: np.ndarray
    outside_note: str | None    # the worst OUTSIDE_ORBIT sample, described; None if none

    @property
    def sgp4_failed(self) -> int:
        return int(np.count_nonzero((self.error != 0) & (self.error != OUTSIDE_ORBIT)))

    @property
    def outside_failed(self) -> int:
        return int(np.count_nonzero(self.error == OUTSIDE_ORBIT))


def propagate_checked(es: ElementSet, jd, fr, *, els: Elements | None = None) -> Propagated:
    """SGP4 for one element set at UTC split Julian dates, with the orbit check.

    The one propagation path of the services: a sample SGP4 answers (code 0)
    whose geocentric radius is outside ``orbit_span(es)`` (e.g. the 2015 ISS
    set at 1960: SGP4 gives r ~ 7e8 km with code 0) becomes a failure with
    code ``OUTSIDE_ORBIT``; every failed row holds NaN.
    """
    els = Elements.from_element_sets([es]) if els is None else els
    e1, r1, v1 = propagate(els, jd, fr)
    error = np.ascontiguousarray(e1[0], dtype=np.uint8)
    r = np.ascontiguousarray(r1[0], dtype=np.float64)
    v = np.ascontiguousarray(v1[0], dtype=np.float64)
    span = orbit_span(es, els)
    with np.errstate(invalid="ignore", over="ignore"):
        radius = np.sqrt(np.einsum("ij,ij->i", r, r))
    bad = (error == 0) & span.outside(radius)
    note = None
    if bad.any():
        rb = radius[bad]
        miss = np.where(np.isfinite(rb), np.maximum(span.lo_km - rb, rb - span.hi_km), np.inf)
        note = span.message(float(rb[int(np.argmax(miss))]))
        error[bad] = OUTSIDE_ORBIT
    fail = error != 0
    if fail.any():
        r[fail] = np.nan
        v[fail] = np.nan
    return Propagated(error, r, v, note)


def failure_text(error: np.ndarray, notes) -> str:
    """'SGP4 error 6: orbit decayed; position outside the orbit of ...' for the
    failure codes in ``error`` and the ``OUTSIDE_ORBIT`` notes."""
    codes = sorted(set(int(c) for c in error[error != 0]) - {OUTSIDE_ORBIT})
    parts = []
    if codes:
        parts.append("SGP4 error " + ", ".join(f"{c}: {SGP4_ERROR_TEXT.get(c, 'unknown')}"
                                               for c in codes))
    if np.any(error == OUTSIDE_ORBIT):
        described = [n for n in notes if n]
        parts.extend(described or [ERROR_TEXT[OUTSIDE_ORBIT]])
    return "; ".join(parts)


@dataclass(frozen=True)
class PositionTable:
    """Positions at n times (all arrays have length n; vectors are (n, 3)).

    ``set_index`` indexes ``sets`` (the element set used for each row) and
    ``age_days`` is time minus that set's epoch. ``error`` is SGP4's code
    (0 = fine) or ``OUTSIDE_ORBIT`` (a position SGP4 gave but no orbit of the
    set reaches, see ``propagate_checked``); rows with an error hold NaN. ``illumination`` holds
    ``tracker.astro.sun`` codes (255 where unknown). ``warnings`` are one-line
    texts (staleness, propagation failures).
    """

    unix_s: np.ndarray
    jd: np.ndarray
    fr: np.ndarray
    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    r_itrf_km: np.ndarray
    v_itrf_km_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    speed_km_s: np.ndarray
    earth_fixed_speed_km_s: np.ndarray
    ground_speed_km_s: np.ndarray
    illumination: np.ndarray
    sun_teme_km: np.ndarray
    error: np.ndarray
    set_index: np.ndarray
    age_days: np.ndarray
    sets: tuple
    warnings: tuple
    outside_notes: tuple = ()    # OUTSIDE_ORBIT rows described (one per element set at most)

    def __len__(self) -> int:
        return len(self.unix_s)


def select_sets(store, unix_s: np.ndarray) -> np.ndarray:
    """Index into ``store.sets`` of the set in force at each time (midpoint switching,
    the later set owning the midpoint: the same rule as ``store.index_at``)."""
    switches = np.asarray(store.switch_unix_s, dtype=np.float64)
    return np.searchsorted(switches, unix_s, side="right").astype(np.int64)


def _used(set_index, n_sets):
    """Sorted indices of the sets that appear in ``set_index`` (O(n), no sort)."""
    return np.flatnonzero(np.bincount(set_index, minlength=n_sets))


def _staleness(store, set_index, jd, fr, allow_stale):
    """Age of each row (days) and the warnings; raises StaleElementsError beyond the limit."""
    sets = store.sets
    epoch_jd = np.array([s.epoch_jd for s in sets])[set_index]
    epoch_fr = np.array([s.epoch_fr for s in sets])[set_index]
    age_days = (jd - epoch_jd) + (fr - epoch_fr)
    warnings = []
    for k in _used(set_index, len(sets)):
        rows = np.nonzero(set_index == k)[0]
        worst = rows[np.argmax(np.abs(age_days[rows]))]
        sel = Selection(sets[k], float(age_days[worst]),
                        float((jd[worst] - JD_UNIX_EPOCH + fr[worst]) * DAY_S))
        text = check_staleness(sel, allow_stale=allow_stale)
        if text and text not in warnings:
            warnings.append(text)
    return age_days, warnings


def positions(store, t, *, eop: EarthOrientation, sun: SunEphemeris | None,
              allow_stale: bool = False, parameter: str = "time") -> PositionTable:
    """Propagate the store's ISS elements to the times ``t`` (an ``Instant``,
    one or an array, or what ``Instant.of`` reads).

    Each time uses the set whose epoch is nearest. Raises ``TimeRangeError``
    for times outside ``TIME_RANGE_TEXT`` (naming ``parameter``, the input the
    times came from) and ``tle.store.StaleElementsError``
    when a time is more than 30 days from its set's epoch, unless
    ``allow_stale`` (then the warning is returned instead). With ``sun`` None
    the illumination column is all 255 (unknown) and the Sun column NaN.
    """
    t = Instant.of(t, parameter=parameter)
    jd = np.ascontiguousarray(np.atleast_1d(t.jd), dtype=np.float64)
    fr = np.ascontiguousarray(np.atleast_1d(t.fr), dtype=np.float64)
    n = jd.shape[0]
    unix_s = np.ascontiguousarray(np.atleast_1d(t.unix_s), dtype=np.float64)
    check_time_range(unix_s, parameter)
    set_index = select_sets(store, unix_s)
    age_days, warnings = _staleness(store, set_index, jd, fr, allow_stale)

    used = _used(set_index, len(store.sets))
    notes = []
    if len(used) == 1:
        res = propagate_checked(store.sets[used[0]], jd, fr)
        r, v, error = res.r_teme_km, res.v_teme_km_s, res.error
        notes.append(res.outside_note)
    else:
        r = np.empty((n, 3))
        v = np.empty((n, 3))
        error = np.zeros(n, dtype=np.uint8)
        for k in used:
            rows = np.nonzero(set_index == k)[0]
            res = propagate_checked(store.sets[k], jd[rows], fr[rows])
            r[rows], v[rows], error[rows] = res.r_teme_km, res.v_teme_km_s, res.error
            notes.append(res.outside_note)
    notes = tuple(x for x in notes if x)
    if error.any():
        warnings.append(f"{int(np.count_nonzero(error))} of {n} times could not be "
                        f"propagated ({failure_text(error, notes)})")

    r_itrf, v_itrf = np.empty((n, 3)), np.empty((n, 3))
    lat, lon, alt = np.empty(n), np.empty(n), np.empty(n)
    speed, ef_speed, ground_speed = np.empty(n), np.empty(n), np.empty(n)
    dut1 = np.ascontiguousarray(eop.ut1_minus_utc_s(jd, fr))
    xp, yp = eop.polar_motion_rad(jd, fr)
    _kframes.track_fill(jd, fr, dut1, np.ascontiguousarray(xp), np.ascontiguousarray(yp), r, v,
                        r_itrf, v_itrf, lat, lon, alt, speed, ef_speed, ground_speed)
    if sun is not None:
        sun_teme = sun.sun_teme_km(jd, fr)
        codes = illumination(r, sun_teme)
    else:
        sun_teme = np.full((n, 3), np.nan)
        codes = np.full(n, 255, dtype=np.uint8)
    return PositionTable(unix_s, jd, fr, r, v, r_itrf, v_itrf, lat, lon, alt, speed, ef_speed,
                         ground_speed, codes, sun_teme, error, set_index, age_days,
                         tuple(store.sets), tuple(warnings), notes)


# --- the `now` report ---------------------------------------------------------

def _num(x, digits):
    """Round for JSON; NaN -> None (JSON null)."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def check_units(units: str) -> str:
    """'km' or 'mi'; anything else is a ``UserError``."""
    if units not in UNITS:
        raise UserError(f"units: expected one of {', '.join(UNITS)}, got {units!r}",
                        parameter="units")
    return units


def tle_info(es: ElementSet, age_days: float) -> dict:
    """The ``tle`` block of a report: epoch, age_days, source, line1, line2."""
    line1, line2 = es.line1, es.line2
    if line1 is None or line2 is None:
        from tle.write import format_tle_lines
        line1, line2 = format_tle_lines(es)
    return {"epoch": format_utc(es.epoch_unix_s), "age_days": _num(age_days, 3),
            "source": es.source, "line1": line1, "line2": line2}


def now_report(store, t, *, eop: EarthOrientation, sun: SunEphemeris,
               units: str = "km") -> dict:
    """Where the ISS is at one time ``t`` (an ``Instant``, or what
    ``Instant.of`` reads): a JSON-ready dict (units in the field names).

    Always answers (stale elements give a warning, not an error). Fields:
    ``time``, ``latitude_deg``, ``longitude_deg``, ``altitude_<u>``,
    ``speed_<u>_s`` (inertial), ``earth_fixed_speed_<u>_s``,
    ``ground_speed_<u>_s``, ``visibility`` (daylight/penumbra/eclipsed),
    ``footprint_<u>`` (diameter), ``solar_latitude_deg``,
    ``solar_longitude_deg`` (subsolar point), ``tle`` {epoch, age_days,
    source, line1, line2}, ``warnings`` (list). ``<u>`` is km or mi.
    """
    check_units(units)
    table = positions(store, t, eop=eop, sun=sun, allow_stale=True)
    k = int(table.set_index[0])
    if table.error[0] == OUTSIDE_ORBIT:
        raise PropagationError(f"time: {table.outside_notes[0]}; the element set gives no position "
                               f"at {format_utc(table.unix_s[0])}: choose a time nearer the "
                               f"epoch", parameter="time")
    if table.error[0]:
        code = int(table.error[0])
        raise PropagationError(
            f"time: the element set of epoch {format_utc(store.sets[k].epoch_unix_s)} cannot be "
            f"propagated to {format_utc(table.unix_s[0])} (SGP4 error {code}: "
            f"{SGP4_ERROR_TEXT.get(code, 'unknown')}); choose a time nearer the epoch",
            parameter="time")
    scale = 1.0 if units == "km" else 1.0 / KM_PER_MILE
    sun_itrf, _ = teme_to_itrf(table.jd, table.fr, table.sun_teme_km, eop=eop)
    sun_lat, sun_lon = subsolar_from_itrf(sun_itrf)
    alt = float(table.alt_km[0])
    return {
        "time": format_utc(table.unix_s[0]),
        "latitude_deg": _num(table.lat_deg[0], 5),
        "longitude_deg": _num(table.lon_deg[0], 5),
        f"altitude_{units}": _num(alt * scale, 3),
        f"speed_{units}_s": _num(table.speed_km_s[0] * scale, 4),
        f"earth_fixed_speed_{units}_s": _num(table.earth_fixed_speed_km_s[0] * scale, 4),
        f"ground_speed_{units}_s": _num(table.ground_speed_km_s[0] * scale, 4),
        "visibility": illumination_name(table.illumination[0]),
        f"footprint_{units}": _num(footprint_km(alt) * scale, 1),
        "solar_latitude_deg": _num(sun_lat[0], 4),
        "solar_longitude_deg": _num(sun_lon[0], 4),
        "tle": tle_info(store.sets[k], float(table.age_days[0])),
        "warnings": list(table.warnings),
    }


def position_rows(table: PositionTable) -> list[dict]:
    """JSON-ready rows (km units) of a ``PositionTable``; each row names its element set."""
    from tracker.astro.time import format_utc_array

    times = format_utc_array(table.unix_s)
    epochs = [format_utc(s.epoch_unix_s) for s in table.sets]
    lat = np.round(table.lat_deg, 5)
    lon = np.round(table.lon_deg, 5)
    alt = np.round(table.alt_km, 3)
    speed = np.round(table.speed_km_s, 4)
    ground = np.round(table.ground_speed_km_s, 4)
    age = np.round(table.age_days, 3)
    names = ILLUMINATION_NAMES + ("unknown",) * (256 - len(ILLUMINATION_NAMES))
    rows = []
    for i in range(len(table)):
        ok = not table.error[i]
        rows.append({
            "time": times[i],
            "latitude_deg": float(lat[i]) if ok else None,
            "longitude_deg": float(lon[i]) if ok else None,
            "altitude_km": float(alt[i]) if ok else None,
            "speed_km_s": float(speed[i]) if ok else None,
            "ground_speed_km_s": float(ground[i]) if ok else None,
            "visibility": names[table.illumination[i]],
            "tle_epoch": epochs[table.set_index[i]],
            "tle_age_days": float(age[i]),
        })
    return rows


def warm_kernels() -> None:
    """Call every frames/shadow kernel once on tiny inputs (fills numba's cache).

    For ``tracker/warm.py``; uses the same wrappers and argument types as the
    services, so the cached signatures are the ones they need.
    """
    from tracker.astro.frames import geodetic_to_itrf, itrf_to_geodetic, teme_to_itrf, topocentric

    jd, fr, zero = np.array([2457083.5]), np.array([0.25]), np.zeros(1)
    r = np.array([[6778.0, 100.0, 50.0]])
    v = np.array([[0.0, 7.6, 1.0]])
    eop = EarthOrientation.zero()
    teme_to_itrf(jd, fr, r, v, eop=eop)
    teme_to_itrf(jd, fr, r, eop=eop)
    itrf_to_geodetic(r)
    topocentric(r, 10.0, 20.0, 0.0)
    geodetic_to_itrf(10.0, 20.0, 0.0)
    outs = [np.empty((1, 3)), np.empty((1, 3))] + [np.empty(1) for _ in range(6)]
    _kframes.track_fill(jd, fr, zero, zero, zero, r, v, *outs)
    illumination(r, r * 1.0e5)
