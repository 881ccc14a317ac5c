"""How far did it go: orbit statistics of one satellite over an interval.

``orbit_stats(store, start, end, step_s=1.0)`` propagates the satellite at
every ``step_s`` seconds from ``start`` to ``end`` (plus ``end`` itself),
using for each moment the store's element set with the nearest epoch
(switching at the midpoints between epochs, ``ElementStore.segments``).
It streams: per element-set segment, chunks of ``chunk_s`` seconds are
propagated and reduced by the fused kernel ``kernels.stats.orbit_stats_chunk``,
so memory stays at a few chunk-sized arrays whatever the interval.

What is measured (units and frames in the names; see ``OrbitStats.to_dict``)
---------------------------------------------------------------------------
* orbits: ascending-node crossings (TEME z from - to + with vz > 0, the
  NORAD revolution convention); the fractional total adds the osculating
  argument of latitude at the ends: ``crossings + (u_end - u_start) / 2 pi``.
  Cross-check against the revolution numbers printed in the element sets
  (``tracker.services.element_history.revnum_orbits``).
* inertial distance: the integral of |v_TEME| dt (trapezoid), i.e. the path
  length in the (quasi-)inertial TEME frame.
* ground-track distance: the path of the sub-satellite point (foot of the
  WGS-84 ellipsoid normal) over the rotating Earth, summed step by step as
  arcs (``kernels.stats.ground_step_km``).
* geodetic altitude (WGS-84) minimum, time-weighted mean and maximum.
* sunrises (shadow or penumbra -> daylight) and the fractions of time in
  daylight / penumbra / umbra (``tracker.astro.sun`` shadow model).

Element-set switches: at each switch the two sets disagree by a few km;
node crossings and sunrises closer together than half an orbital period
are merged, so a switch can neither add nor drop a revolution. The largest
disagreement is reported (``largest_switch_jump_km``).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from tle.store import check_staleness, Selection
from tracker.services import element_history as history
from tracker.errors import TimeRangeError, UserError
from tracker.services import stats_kernels as _k
from tracker.astro.frames_kernels import gmst82_rad
from tracker.constants import KM_PER_MILE, WGS84_A_KM, WGS84_B_KM
from tracker.propagator.api import Elements
from tracker.services.position import orbit_span
from tracker.astro.time import DAY_S, Instant, check_service_range, format_utc

MIN_STEP_S = 0.01
MAX_STEP_S = 600.0
MAX_SAMPLES = 200_000_000         # ~6.3 years at 1-s steps
DEFAULT_CHUNK_S = 86400.0
SUN_TABLE_STEP_S = 21600.0        # Sun table for the shadow test, linearly interpolated
SERIES_BINS = 2000                # altitude series for plots: about this many bins


@dataclass
class OrbitStats:
    """Result of ``orbit_stats``. Times are aware UTC datetimes; see ``to_dict``."""

    start: dt.datetime
    end: dt.datetime
    step_s: float
    samples: int
    failed_samples: int
    node_crossings: int
    orbits_fractional: float
    node_times_s: np.ndarray            # seconds after start
    revnum: dict
    inertial_distance_km: float
    ground_track_distance_km: float
    min_alt_km: float
    mean_alt_km: float
    max_alt_km: float
    sunrises: int
    daylight_fraction: float
    penumbra_fraction: float
    eclipsed_fraction: float
    mean_motion_rev_day: float          # element sets' Kozai mean motion, time-weighted
    reboosts: list
    data_quality: dict
    series: dict = field(repr=False)    # altitude bins: t_s, min/mean/max km
    epochs: list = field(repr=False)    # epochs (datetimes) of the element sets used
    outside_samples: int = 0            # of failed_samples: positions outside the set's orbit
    warnings: list = field(default_factory=list)    # one line per kind of failure

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / dt.timedelta(seconds=1)

    def to_dict(self) -> dict:
        """JSON-ready dictionary; every number's unit is in its name (a figure
        that could not be computed, e.g. with no valid sample, is None)."""
        return _finite({
            "start": format_utc(self.start),
            "end": format_utc(self.end),
            "duration_s": self.duration_s,
            "duration_days": self.duration_s / DAY_S,
            "step_s": self.step_s,
            "samples": self.samples,
            "failed_samples": self.failed_samples,
            "orbits": {
                "node_crossings": self.node_crossings,
                "fractional": self.orbits_fractional,
                "from_revnum": self.revnum,
                "method": "ascending-node crossings of TEME z (NORAD convention); "
                          "fractional adds the argument of latitude at both ends",
            },
            "distance": {
                "inertial_distance_km": self.inertial_distance_km,
                "inertial_distance_mi": self.inertial_distance_km / KM_PER_MILE,
                "ground_track_distance_km": self.ground_track_distance_km,
                "ground_track_distance_mi": self.ground_track_distance_km / KM_PER_MILE,
                "inertial_method": "integral of |v| in TEME (trapezoid)",
                "ground_track_method": "sub-satellite points on the WGS-84 ellipsoid, "
                                       "summed as arcs between consecutive samples",
            },
            "altitude": {
                "min_alt_km": self.min_alt_km,
                "mean_alt_km": self.mean_alt_km,
                "max_alt_km": self.max_alt_km,
                "model": "geodetic, WGS-84; mean weighted by time",
            },
            "reboosts": self.reboosts,
            "sunlight": {
                "sunrises": self.sunrises,
                "daylight_fraction": self.daylight_fraction,
                "penumbra_fraction": self.penumbra_fraction,
                "eclipsed_fraction": self.eclipsed_fraction,
            },
            "mean_motion_rev_day": self.mean_motion_rev_day,
            "data_quality": self.data_quality,
        })


def _finite(obj):
    """``obj`` with NaN and infinite floats replaced by None (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def sample_grid(start, end, step_s, *, min_step_s: float = MIN_STEP_S,
                max_step_s: float = MAX_STEP_S) -> tuple[float, float, int]:
    """Validate ``step_s`` (seconds, in ``min_step_s..max_step_s``) and the
    interval (``end`` after ``start``: ``Instant``s, or what ``Instant.of``
    reads; the span is counted in whole microseconds, as the instants were
    given); return (step_s, span_s, samples) for
    the samples ``start, start + step_s, ...`` up to ``end``, plus ``end``
    itself when it is not on that grid. Raises UserError / TimeRangeError."""
    try:
        step_s = float(step_s)
    except (TypeError, ValueError):
        raise UserError(f"step_s: expected a number of seconds, got {step_s!r}",
                        parameter="step_s") from None
    if not (min_step_s <= step_s <= max_step_s):
        raise UserError(f"step_s: must be between {min_step_s:g} and {max_step_s:g} seconds, "
                        f"got {step_s:g}", parameter="step_s")
    start = Instant.of(start, parameter="start").datetime()
    end = Instant.of(end, parameter="end").datetime()
    if end <= start:
        raise TimeRangeError(f"end ({format_utc(end)}) must be after start ({format_utc(start)})",
                             parameter="end")
    span_s = (end - start) / dt.timedelta(seconds=1)
    n_grid = int(math.floor(span_s / step_s * (1.0 + 1e-12))) + 1
    samples = n_grid + int(span_s - (n_grid - 1) * step_s > 1e-6)
    return step_s, span_s, samples


def _check_inputs(start: Instant, end: Instant, step_s):
    check_service_range(start.unix_s, "start")
    check_service_range(end.unix_s, "end")
    step_s, span_s, samples = sample_grid(start, end, step_s)
    if samples > MAX_SAMPLES:
        raise TimeRangeError(f"{samples:,} samples from {format_utc(start)} to {format_utc(end)} "
                             f"every {step_s:g} s is more than the limit of {MAX_SAMPLES:,}; "
                             f"use a shorter interval or a larger step", parameter="step_s")
    return step_s, span_s, samples


def _segment_ranges(segments, unix0, step_s, samples):
    """[(i_lo, i_hi, element_set)] sample index ranges (i_hi exclusive) per segment,
    dropping segments that own no sample."""
    bounds = [0]
    for t0, _t1, _es in segments[1:]:
        bounds.append(min(samples, int(math.ceil((t0 - unix0) / step_s - 1e-9))))
    bounds.append(samples)
    return [(bounds[k], bounds[k + 1], es) for k, (_a, _b, es) in enumerate(segments)
            if bounds[k + 1] > bounds[k]]


def _check_ages(segments, allow_stale):
    """Raise (via the store's policy) if some moment is too far from its set's epoch.

    Returns the largest age in days and when it occurs (Unix seconds)."""
    worst = (0.0, segments[0][0], segments[0][2])
    for t0, t1, es in segments:
        for t in (t0, t1):
            age = (t - es.epoch_unix_s) / DAY_S
            if abs(age) > abs(worst[0]):
                worst = (age, t, es)
    age, t, es = worst
    check_staleness(Selection(es, age, t), allow_stale=allow_stale)
    return abs(age), t


class _Bins:
    """Altitude min/mean/max in fixed time bins (for plots).

    Over long intervals (>= 100 orbits) a bin is a whole number of orbital
    periods, so that its mean is an orbit average (no aliasing); otherwise
    the interval is cut into ``n_bins`` bins to show the orbit's shape."""

    def __init__(self, span_s, step_s, n_bins, period_s):
        width_s = span_s / n_bins
        if span_s >= 100.0 * period_s:
            width_s = period_s * max(1, round(width_s / period_s))
        self.width_s = max(step_s, width_s)
        n = int(math.floor(span_s / self.width_s)) + 1
        self.lo = np.full(n, np.inf)
        self.hi = np.full(n, -np.inf)
        self.total = np.zeros(n)
        self.count = np.zeros(n)

    def add(self, t_s, alt_km):
        """Samples at increasing times ``t_s`` (s) with altitudes (NaN = invalid)."""
        w, last_bin = self.width_s, len(self.lo) - 1
        first = min(int(t_s[0] // w), last_bin)
        last = min(int(t_s[-1] // w), last_bin)
        edges = np.arange(first + 1, last + 1) * w
        starts = np.concatenate(([0], np.searchsorted(t_s, edges, side="left")))
        where = np.arange(first, last + 1)
        counts = np.diff(np.append(starts, t_s.size))
        keep = counts > 0
        starts, where = starts[keep], where[keep]
        nan = np.isnan(alt_km)
        if nan.any():
            ok = (~nan).astype(np.float64)
            counts = np.add.reduceat(ok, starts)
            total = np.add.reduceat(np.where(nan, 0.0, alt_km), starts)
        else:
            counts = counts[keep]
            total = np.add.reduceat(alt_km, starts)
        self.lo[where] = np.fmin(self.lo[where], np.fmin.reduceat(alt_km, starts))
        self.hi[where] = np.fmax(self.hi[where], np.fmax.reduceat(alt_km, starts))
        self.total[where] += total
        self.count[where] += counts

    def as_dict(self):
        used = self.count > 0
        t = (np.arange(len(self.lo)) + 0.5) * self.width_s
        return {"t_s": t[used], "min_alt_km": self.lo[used],
                "mean_alt_km": self.total[used] / self.count[used], "max_alt_km": self.hi[used]}


def sun_table(sun, unix0: float, span_s: float):
    """Geocentric Sun (TEME, km) every SUN_TABLE_STEP_S from before ``unix0``
    to after ``unix0 + span_s``: ``(t0_s, table)`` with node k at
    ``unix0 + t0_s + k * SUN_TABLE_STEP_S`` (``SunEphemeris.teme_grid_km``).

    Linear interpolation over 6 hours (0.25 deg of the Sun's path) errs by
    at most ~350 km, 2.3e-6 rad (0.5 arcsec) of direction: it moves a shadow
    edge by ~2 ms for the ISS (tests/test_stats.py measures it). The Sun's
    hourly grid would cost ~0.7 s of skyfield per mission for no gain here.
    """
    t0_unix_s, table = sun.teme_grid_km(unix0, unix0 + span_s, SUN_TABLE_STEP_S)
    return t0_unix_s - unix0, table


def merge_close(times_s, min_separation_s) -> np.ndarray:
    """Sorted event times with any event closer than ``min_separation_s`` to
    the last kept one dropped (spurious repeats at element-set switches)."""
    times_s = np.sort(np.asarray(times_s, dtype=np.float64))
    kept = []
    for t in times_s:
        if not kept or t - kept[-1] >= min_separation_s:
            kept.append(t)
    return np.array(kept)


# Parallel blocks per chunk: fixed, not the thread count, so that sums are added
# in the same order (bit-identical results) on any number of threads.
STATS_BLOCKS = 16


def orbit_stats(store, start, end, *, step_s: float = 1.0,
                allow_stale: bool = False, sun=None, progress=None,
                chunk_s: float = DEFAULT_CHUNK_S, n_blocks: int | None = None) -> OrbitStats:
    """Statistics of the store's satellite from ``start`` to ``end``
    (``Instant``s, or what ``Instant.of`` reads, e.g. aware datetimes).

    ``sun``: a ``tracker.astro.sun.SunEphemeris`` (default: the shared built-in one).
    ``progress``: an object with ``update(n)`` (e.g. ``tracker.formats.progress.ProgressBar``
    with ``total`` = the number of samples, see ``count_samples``), or None.
    Raises ``TimeRangeError``/``UserError`` for bad input and
    ``tle.store.StaleElementsError`` when some moment is more than the
    store's ``MAX_AGE_DAYS`` from the epoch of its set (unless ``allow_stale``).
    """
    from tracker.astro.sun import SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM, default_sun

    start = Instant.of(start, parameter="start")
    end = Instant.of(end, parameter="end")
    step_s, span_s, samples = _check_inputs(start, end, step_s)
    unix0 = float(start.unix_s)
    segments = store.segments(unix0, unix0 + span_s)
    max_age_days, max_age_unix = _check_ages(segments, allow_stale)
    ranges = _segment_ranges(segments, unix0, step_s, samples)
    jd0, fr0 = float(start.jd), float(start.fr)

    sun_t0_s, sun_r = sun_table(sun or default_sun(), unix0, span_s)
    shadow = (sun_t0_s, SUN_TABLE_STEP_S, sun_r, SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM)
    earth_rate = gmst82_rad(jd0, fr0 + 0.5 * span_s / DAY_S)[1]

    if n_blocks is None:
        n_blocks = STATS_BLOCKS
    chunk_n = max(1, int(chunk_s / step_s))
    prev = _k.new_state()
    acc_rows = []
    nodes, sunrises = [], []
    bins = _Bins(span_s, step_s, SERIES_BINS, DAY_S / ranges[0][2].mean_motion_rev_day)
    n_outside, notes = 0, []
    all_els = Elements.from_element_sets([es for _lo, _hi, es in ranges])
    for k, (i_lo, i_hi, es) in enumerate(ranges):
        els = all_els.subset(k)
        span_k = orbit_span(es, els)
        notes_k = None
        tsince0_min = ((jd0 - es.epoch_jd) + (fr0 - es.epoch_fr)) * 1440.0
        for a in range(i_lo, i_hi, chunk_n):
            b = min(a + chunk_n, i_hi)
            t_s = np.arange(a, b, dtype=np.float64) * step_s
            if b == samples:
                t_s[-1] = span_s
            n = b - a
            alt, events, node_t, acc, last = _run_chunk(els, tsince0_min, t_s, shadow, earth_rate,
                                                        prev, n_blocks)
            bad = np.isfinite(alt) & span_k.outside(*_radius_bounds_km(alt))
            if bad.any():
                # positions no orbit of the set reaches: failures, like SGP4's (the chunk is
                # re-run in runs of good samples, so no step, node or sunrise spans one)
                n_outside += int(np.count_nonzero(bad))
                if notes_k is None:
                    worst = int(np.flatnonzero(bad)[np.argmax(np.abs(alt[bad]))])
                    _err, r_w, _v = history.state_at(all_els, k, unix0 + float(t_s[worst]))
                    notes_k = span_k.message(float(np.linalg.norm(r_w)))
                    notes.append(notes_k)
                alt, events, node_t, acc, last = _run_good(els, tsince0_min, t_s, bad, shadow,
                                                           earth_rate, prev, n_blocks)
            prev = last
            acc_rows.append(acc)
            flagged = np.flatnonzero(events)
            if flagged.size:
                ev = events[flagged]
                nodes.append(node_t[flagged[(ev & _k.EVENT_NODE) != 0]])
                sunrises.append(t_s[flagged[(ev & _k.EVENT_SUNRISE) != 0]])
            bins.add(t_s, alt)
            if progress is not None:
                progress.update(n)
    acc = np.concatenate(acc_rows)
    used = [es for _lo, _hi, es in ranges]
    periods_s = [DAY_S / es.mean_motion_rev_day for es in used]
    min_sep_s = 0.5 * min(periods_s)
    node_times = merge_close(np.concatenate(nodes) if nodes else [], min_sep_s)
    sunrise_times = merge_close(np.concatenate(sunrises) if sunrises else [], min_sep_s)

    u0 = _arg_latitude_at(all_els, 0, unix0, ranges[0][2])
    u1 = _arg_latitude_at(all_els, len(ranges) - 1, unix0 + span_s, ranges[-1][2])
    fractional = len(node_times) + (u1 - u0) / (2.0 * math.pi)
    step_total = acc[:, _k.A_STEP_S].sum()

    def per_second(row):           # time average of an integrated quantity
        return float(acc[:, row].sum() / step_total) if step_total > 0 else math.nan

    weights = np.array([hi - lo for lo, hi, _es in ranges], dtype=np.float64)
    mean_motion = float(np.average([es.mean_motion_rev_day for es in used], weights=weights))

    quality = history.data_quality(store, used, ranges_unix=[
        (unix0 + lo * step_s, unix0 + min((hi - 1) * step_s, span_s)) for lo, hi, _es in ranges],
        els=all_els)
    quality["max_age_days"] = max_age_days
    quality["max_age_at"] = format_utc(max_age_unix)
    revnum = history.revnum_orbits(store, unix0, unix0 + span_s, len(node_times), fractional)
    n_failed = int(acc[:, _k.A_N_FAILED].sum())
    warnings = []
    if n_failed > n_outside:
        warnings.append(f"SGP4 failed at {n_failed - n_outside:,} of {samples:,} samples "
                        f"(decayed or invalid elements); they are left out of every figure")
    if n_outside:
        warnings.append(f"{n_outside:,} of {samples:,} samples refused ("
                        + "; ".join(notes) + "); they are left out of every figure")
    if warnings:
        quality["propagation_failures"] = list(warnings)
    return OrbitStats(
        start=start.datetime(), end=end.datetime(), step_s=step_s, samples=samples,
        failed_samples=n_failed,
        node_crossings=len(node_times), orbits_fractional=fractional,
        node_times_s=node_times, revnum=revnum,
        inertial_distance_km=float(acc[:, _k.A_INERTIAL_KM].sum()),
        ground_track_distance_km=float(acc[:, _k.A_GROUND_KM].sum()),
        min_alt_km=float(acc[:, _k.A_ALT_MIN_KM].min()),
        mean_alt_km=per_second(_k.A_ALT_INT_KM_S),
        max_alt_km=float(acc[:, _k.A_ALT_MAX_KM].max()),
        sunrises=len(sunrise_times),
        daylight_fraction=per_second(_k.A_DAYLIGHT_S),
        penumbra_fraction=per_second(_k.A_PENUMBRA_S),
        eclipsed_fraction=per_second(_k.A_ECLIPSED_S),
        mean_motion_rev_day=mean_motion,
        reboosts=history.reboosts(store, unix0, unix0 + span_s),
        data_quality=quality,
        series=bins.as_dict(),
        epochs=[es.epoch for es in used],
        outside_samples=n_outside,
        warnings=warnings,
    )


def count_samples(start, end, step_s: float) -> int:
    """Number of samples ``orbit_stats`` will propagate (for a progress bar's total)."""
    return _check_inputs(Instant.of(start, parameter="start"), Instant.of(end, parameter="end"),
                         step_s)[2]


def _arg_latitude_at(els, k, unix_s, es=None) -> float:
    """Osculating argument of latitude (rad) of satellite ``k`` of ``els`` at ``unix_s``
    (NaN if SGP4 fails there, or, given its element set ``es``, if the position is
    outside the set's orbit)."""
    err, r, v = history.state_at(els, k, unix_s)
    if err or (es is not None and orbit_span(es, els.subset(k)).outside(float(np.linalg.norm(r)))):
        return math.nan
    return _k.arg_latitude_rad(*r, *v)


def _radius_bounds_km(alt_km):
    """Bounds on the geocentric radius (km) of points at geodetic altitudes ``alt_km``
    (WGS-84): between the polar and equatorial radius plus the altitude, widened by
    1e-5 of |altitude| for the tilt of the ellipsoid normal (< 0.2 deg). NaN stays NaN
    and is masked by the caller (SGP4 failures, already counted)."""
    slack = 1e-5 * np.abs(alt_km)
    return WGS84_B_KM + alt_km - slack, WGS84_A_KM + alt_km + slack


def _run_chunk(els, tsince0_min, t_s, shadow, earth_rate, prev, n_blocks):
    """The fused kernel over one chunk: (alt, events, node_t, acc, last)."""
    n = t_s.shape[0]
    blocks = max(1, min(n_blocks, n // 8192))   # a parallel launch costs ~0.1-1 ms
    alt = np.empty(n)
    events = np.empty(n, dtype=np.uint8)
    node_t = np.empty(n)
    acc = np.empty((blocks, _k.N_ACC))
    last = np.empty(_k.STATE_LEN)
    if blocks == 1:      # no parallel launch for small chunks
        _k.orbit_stats_block(els.coeffs, tsince0_min, t_s, 0, n, *shadow, earth_rate,
                             prev, alt, events, node_t, acc, 0, last)
    else:
        _k.orbit_stats_chunk(els.coeffs, tsince0_min, t_s, *shadow, earth_rate, prev,
                             blocks, alt, events, node_t, acc, last)
    return alt, events, node_t, acc, last


def _run_good(els, tsince0_min, t_s, bad, shadow, earth_rate, prev, n_blocks):
    """``_run_chunk`` on the runs of samples not in ``bad`` only, each run starting
    afresh (no step across a refused sample); refused samples count as failed."""
    n = t_s.shape[0]
    alt = np.full(n, np.nan)
    events = np.zeros(n, dtype=np.uint8)
    node_t = np.full(n, np.nan)
    refused = np.zeros((1, _k.N_ACC))
    refused[0, _k.A_ALT_MIN_KM], refused[0, _k.A_ALT_MAX_KM] = math.inf, -math.inf
    refused[0, _k.A_N_FAILED] = np.count_nonzero(bad)
    accs = [refused]
    last = _k.new_state()
    edges = np.flatnonzero(np.diff(np.concatenate([[1], bad.astype(np.int8), [1]])))
    for a, b in zip(edges[::2], edges[1::2]):          # good runs [a, b)
        run_prev = prev if a == 0 else _k.new_state()
        ra, re, rn, racc, rlast = _run_chunk(els, tsince0_min, np.ascontiguousarray(t_s[a:b]),
                                             shadow, earth_rate, run_prev, n_blocks)
        alt[a:b], events[a:b], node_t[a:b] = ra, re, rn
        accs.append(racc)
        if b == n:
            last = rlast
    return alt, events, node_t, np.concatenate(accs), last
