"""Orbit statistics for every object of an element file (a whole catalog).

``batch_stats(sets, start, end, step_s=60)`` propagates each element set
(its own epoch, no switching: one row per set) at ``start, start + step_s,
..., end`` and reports per object:

* ``orbits``: ascending-node crossings (TEME z from - to + with vz > 0) and
  ``orbits_fractional`` (crossings + change of the argument of latitude / 2 pi);
* ``perigee_alt_km`` / ``apogee_alt_km``: from the mean elements, Brouwer
  mean semi-major axis (SGP4's un-Kozai'd ``AO``) times (1 -/+ e), minus the
  WGS-72 equatorial radius, as SGP4 reports perigee and apogee;
* ``min_alt_km`` / ``mean_alt_km`` / ``max_alt_km``: the sampled geodetic
  (WGS-84) altitude range, the mean the time average (trapezoid);
* ``distance_km``: the inertial path, integral of |v_TEME| dt (trapezoid);
* ``sunlit_fraction``: the share of that time in full daylight (conical
  Earth shadow, Sun from DE421; penumbra is not sunlit);
* ``error_code`` and ``error_time``: the first sample SGP4 could not
  propagate; code 6 means the object has decayed (radius below one Earth
  radius), and ``decay_time`` is then set. Samples from it on are ignored and
  counted in ``failed_samples``.

Chunks and exact merging
------------------------
The work is a grid of chunks: object slices (``chunk_objects`` objects) x
time spans (``span_samples`` samples, a multiple of the SGP4 block of 64 so
every sample is propagated in the same block as in one long run). A chunk is
a pure function of (element-set records, times): ``span_partial`` returns
one row of partial accumulators per object (``batch_kernels.P_*``), and
``merge_partial`` folds the spans of an object slice in time order, adding
the step that joins two spans (a node crossing in it counts once). Counts,
min / max, errors and every per-sample value do not depend on the chunking
at all. The sums (distance, mean altitude, sunlit time) are added in a
fixed order, span by span: for a given ``span_samples`` the result is
bit-identical whatever the object slicing and wherever the chunks run (this
process, Dask workers, a rerun after a worker died); with another
``span_samples`` the sums differ by rounding only, within 1e-12 relative
(tests/test_batch.py). ``tracker.services.batch_dask`` runs the same chunks
on a Dask cluster.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from tracker.astro.time import Instant, format_utc
from tracker.errors import TimeRangeError, UserError
from tracker.propagator.api import Elements
from tracker.propagator.block import BLOCK
from tracker.propagator.layout import RADIUS_EARTH_KM as WGS72_RADIUS_KM
from tracker.services import batch_kernels as _k
from tracker.services.stats import SUN_TABLE_STEP_S, sample_grid, sun_table

MIN_STEP_S = 1.0
MAX_STEP_S = 3600.0
MAX_PROPAGATIONS = 2_000_000_000     # objects x samples
DEFAULT_SPAN_SAMPLES = 23 * BLOCK    # 1,472 samples per time span (a day at 60 s)
DEFAULT_CHUNK_OBJECTS = 2048         # objects per chunk
ERROR_DECAYED = 6

COLUMNS = ("satnum", "name", "epoch", "orbits", "orbits_fractional", "period_min",
           "perigee_alt_km", "apogee_alt_km", "min_alt_km", "mean_alt_km", "max_alt_km",
           "distance_km", "sunlit_fraction", "error_code", "error_time", "decay_time",
           "failed_samples")

_XPDOTP = 1440.0 / (2.0 * math.pi)
_DEG2RAD = math.pi / 180.0


@dataclass
class BatchStats:
    """Result of ``batch_stats``: ``rows`` (list of dicts with ``COLUMNS``) and the run."""

    start: dt.datetime
    end: dt.datetime
    step_s: float
    samples: int
    rows: list

    def header(self) -> dict:
        return {"start": format_utc(self.start), "end": format_utc(self.end),
                "step_s": self.step_s, "samples": self.samples, "objects": len(self.rows),
                "decayed": sum(1 for r in self.rows if r["decay_time"] is not None),
                "failed": sum(1 for r in self.rows if r["error_code"])}


def check_batch_inputs(n_objects: int, start, end, step_s) -> tuple[float, float, int]:
    """Validate; return (step_s, span_s, samples). Raises UserError / TimeRangeError."""
    step_s, span_s, samples = sample_grid(start, end, step_s, min_step_s=MIN_STEP_S,
                                          max_step_s=MAX_STEP_S)
    if n_objects == 0:
        raise UserError("the element file holds no element sets; give a TLE/3LE or OMM file "
                        "with at least one object", parameter="file")
    if samples * n_objects > MAX_PROPAGATIONS:
        raise TimeRangeError(f"{n_objects:,} objects x {samples:,} samples is more than the limit "
                             f"of {MAX_PROPAGATIONS:,} propagations; use a shorter interval, a "
                             f"larger step or fewer objects", parameter="step_s")
    return step_s, span_s, samples


# ---- element-set records: what travels with a chunk ----------------------------------

def element_records(sets) -> tuple[np.ndarray, np.ndarray]:
    """``(satnums int64 (n,), columns float64 (n, 11))``: the numbers SGP4
    needs from each set (epoch jd/fr, mean motion rev/day, e, i, RAAN, argp,
    M in degrees, B*, ndot, nddot), compact and picklable."""
    sets = list(sets)
    satnums = np.array([s.satnum for s in sets], dtype=np.int64)
    cols = np.array([(s.epoch_jd, s.epoch_fr, s.mean_motion_rev_day, s.eccentricity,
                      s.inclination_deg, s.raan_deg, s.arg_perigee_deg,
                      s.mean_anomaly_deg, s.bstar, s.ndot, s.nddot) for s in sets],
                    dtype=np.float64).reshape(len(sets), 11)
    return satnums, cols


def elements_from_records(satnums, cols) -> Elements:
    """``Elements`` from ``element_records`` (the arithmetic of
    ``Elements.from_element_sets``)."""
    c = np.asarray(cols, dtype=np.float64).T
    return Elements.from_sgp4_units(
        [int(s) for s in satnums], c[0], c[1],
        c[2] / _XPDOTP, c[3], c[4] * _DEG2RAD, c[5] * _DEG2RAD,
        c[6] * _DEG2RAD, c[7] * _DEG2RAD, c[8],
        c[9] / (_XPDOTP * 1440.0), c[10] / (_XPDOTP * 1440.0 * 1440.0))


# ---- the plan: chunks of objects x spans ----------------------------------------------

@dataclass(frozen=True)
class BatchPlan:
    """The sample grid, the Sun table and the chunk grid of one run."""

    start: dt.datetime
    end: dt.datetime
    step_s: float
    span_s: float
    samples: int
    n_objects: int
    jd0: float
    fr0: float
    sun_t0_s: float
    sun_r: np.ndarray
    span_samples: int
    chunk_objects: int

    @property
    def propagations(self) -> int:
        return self.n_objects * self.samples

    def spans(self) -> list[tuple[int, int]]:
        """Sample index ranges ``[a, b)`` of the time spans, in time order."""
        n = self.span_samples
        return [(a, min(a + n, self.samples)) for a in range(0, self.samples, n)]

    def slices(self) -> list[tuple[int, int]]:
        """Object index ranges ``[lo, hi)``, in file order."""
        n = self.chunk_objects
        return [(lo, min(lo + n, self.n_objects)) for lo in range(0, self.n_objects, n)]

    def times_s(self, a: int, b: int) -> np.ndarray:
        return span_times_s(self.step_s, self.span_s, self.samples, a, b)

    def task_args(self, a: int, b: int) -> tuple:
        """The time arguments of ``span_partial`` after the records."""
        return (self.jd0, self.fr0, self.step_s, self.span_s, self.samples, a, b,
                self.sun_t0_s, SUN_TABLE_STEP_S, self.sun_r)


def make_plan(n_objects: int, start, end, step_s, *, span_samples: int = DEFAULT_SPAN_SAMPLES,
              chunk_objects: int = DEFAULT_CHUNK_OBJECTS, sun=None) -> BatchPlan:
    """Validate the inputs and lay out the chunks (``start``, ``end``:
    ``Instant``s, or what ``Instant.of`` reads). ``span_samples`` is rounded
    up to a multiple of 64 (the SGP4 block)."""
    from tracker.astro.sun import default_sun

    start = Instant.of(start, parameter="start")
    end = Instant.of(end, parameter="end")
    step_s, span_s, samples = check_batch_inputs(n_objects, start, end, step_s)
    if int(span_samples) < 1 or int(chunk_objects) < 1:
        raise UserError("chunk sizes must be at least 1", parameter="span_samples")
    span_samples = -(-int(span_samples) // BLOCK) * BLOCK
    sun_t0_s, sun_r = sun_table(sun or default_sun(), float(start.unix_s), span_s)
    return BatchPlan(start=start.datetime(), end=end.datetime(), step_s=step_s, span_s=span_s, samples=samples,
                     n_objects=n_objects, jd0=float(start.jd), fr0=float(start.fr), sun_t0_s=float(sun_t0_s),
                     sun_r=np.ascontiguousarray(sun_r, dtype=np.float64),
                     span_samples=span_samples, chunk_objects=int(chunk_objects))


def span_times_s(step_s: float, span_s: float, samples: int, a: int, b: int) -> np.ndarray:
    """Seconds from the start of samples ``a .. b-1`` (the last sample is the end)."""
    t_s = np.arange(a, b, dtype=np.float64) * step_s
    if b == samples:
        t_s[-1] = span_s
    return t_s


# ---- one chunk, and the merge --------------------------------------------------------

def span_partial(satnums, cols, jd0, fr0, step_s, span_s, samples, a, b, sun_t0_s,
                 sun_step_s, sun_r, numba_threads: int = 0) -> np.ndarray:
    """Partial accumulators ``(n_objects, N_PART)`` of the objects given by
    their records (``element_records``) over samples ``a .. b-1``: a pure
    function of its arguments, safe to run anywhere and to rerun.

    ``numba_threads``: 0 use numba's thread pool as it is; 1 the serial kernel
    (no thread pool: for Dask workers); n > 1 ``numba.set_num_threads(n)``
    for this thread, then the parallel kernel.
    """
    from tracker.astro.sun import SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM

    els = elements_from_records(satnums, cols)
    tsince0_min = np.ascontiguousarray(((jd0 - els.epoch_jd) + (fr0 - els.epoch_fr)) * 1440.0)
    t_s = span_times_s(step_s, span_s, samples, a, b)
    out = np.empty((len(satnums), _k.N_PART))
    args = (els.coeffs, tsince0_min, t_s, float(sun_t0_s), float(sun_step_s),
            np.ascontiguousarray(sun_r, dtype=np.float64), SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM,
            out)
    if numba_threads == 1:
        _k.batch_span_serial(*args)
    else:
        if numba_threads > 1:
            import numba
            numba.set_num_threads(min(int(numba_threads), numba.config.NUMBA_NUM_THREADS))
        _k.batch_span(*args)
    return out


def new_partial(n: int) -> np.ndarray:
    """The merged state of ``n`` objects before the first span."""
    acc = np.full((n, _k.N_PART), np.nan)
    for c in (_k.P_NODES, _k.P_ERROR, _k.P_N_VALID, _k.P_DIST_KM, _k.P_ALT_INT_KM_S,
              _k.P_STEP_S, _k.P_SUNLIT_S):
        acc[:, c] = 0.0
    acc[:, _k.P_ALT_MIN_KM] = np.inf
    acc[:, _k.P_ALT_MAX_KM] = -np.inf
    return acc


def merge_partial(acc: np.ndarray, part: np.ndarray) -> None:
    """Fold the next span's partials ``part`` into ``acc`` (in place).

    Spans must come in time order. An object that failed in an earlier span
    keeps its state. The step from ``acc``'s last valid sample to ``part``'s
    first is added here (trapezoid terms and a node crossing), so a crossing
    at a span boundary counts once.
    """
    with np.errstate(invalid="ignore"):
        _merge(acc, part)


def _merge(acc, part):
    k = _k
    live = acc[:, k.P_ERROR] == 0.0
    has = live & (part[:, k.P_N_VALID] > 0.0)
    bnd = has & (acc[:, k.P_N_VALID] > 0.0)
    first = has & (acc[:, k.P_N_VALID] == 0.0)
    dt = np.where(bnd, part[:, k.P_F_T_S] - acc[:, k.P_L_T_S], 0.0)
    node = bnd & (acc[:, k.P_L_Z_KM] < 0.0) & (part[:, k.P_F_Z_KM] >= 0.0) & \
        (part[:, k.P_F_VZ_KM_S] > 0.0)

    def add(col, f_col=None, l_col=None):
        join = (0.5 * dt * (acc[:, l_col] + part[:, f_col])) if f_col is not None else 0.0
        join = np.where(bnd, join, 0.0)
        acc[:, col] = np.where(has, (acc[:, col] + join) + part[:, col], acc[:, col])

    add(k.P_DIST_KM, k.P_F_SPEED_KM_S, k.P_L_SPEED_KM_S)
    add(k.P_ALT_INT_KM_S, k.P_F_ALT_KM, k.P_L_ALT_KM)
    add(k.P_SUNLIT_S, k.P_F_SUNLIT, k.P_L_SUNLIT)
    acc[:, k.P_STEP_S] = np.where(has, (acc[:, k.P_STEP_S] + dt) + part[:, k.P_STEP_S],
                                  acc[:, k.P_STEP_S])
    acc[:, k.P_NODES] = np.where(has, acc[:, k.P_NODES] + node + part[:, k.P_NODES],
                                 acc[:, k.P_NODES])
    acc[:, k.P_ALT_MIN_KM] = np.where(has, np.fmin(acc[:, k.P_ALT_MIN_KM], part[:, k.P_ALT_MIN_KM]),
                                      acc[:, k.P_ALT_MIN_KM])
    acc[:, k.P_ALT_MAX_KM] = np.where(has, np.fmax(acc[:, k.P_ALT_MAX_KM], part[:, k.P_ALT_MAX_KM]),
                                      acc[:, k.P_ALT_MAX_KM])
    acc[:, k.P_N_VALID] = np.where(has, acc[:, k.P_N_VALID] + part[:, k.P_N_VALID],
                                   acc[:, k.P_N_VALID])
    for c in (k.P_U_FIRST_RAD, k.P_F_T_S, k.P_F_Z_KM, k.P_F_VZ_KM_S, k.P_F_SPEED_KM_S,
              k.P_F_ALT_KM, k.P_F_SUNLIT):
        acc[:, c] = np.where(first, part[:, c], acc[:, c])
    for c in (k.P_U_LAST_RAD, k.P_L_T_S, k.P_L_Z_KM, k.P_L_SPEED_KM_S, k.P_L_ALT_KM,
              k.P_L_SUNLIT):
        acc[:, c] = np.where(has, part[:, c], acc[:, c])
    fail = live & (part[:, k.P_ERROR] != 0.0)
    acc[:, k.P_ERROR] = np.where(fail, part[:, k.P_ERROR], acc[:, k.P_ERROR])
    acc[:, k.P_ERROR_T_S] = np.where(fail, part[:, k.P_ERROR_T_S], acc[:, k.P_ERROR_T_S])


def rows_from_state(sets, acc: np.ndarray, plan: BatchPlan) -> list[dict]:
    """The output rows (``COLUMNS``) of objects ``sets`` from their merged state."""
    satnums, cols = element_records(sets)
    els = elements_from_records(satnums, cols)
    a_km = els.coefficient("AO") * WGS72_RADIUS_KM
    ecc = els.ecc
    rows = []
    unix0 = plan.start.timestamp()
    for j, es in enumerate(sets):
        o = acc[j]
        code = int(o[_k.P_ERROR])
        err_t = None if code == 0 else format_utc(unix0 + o[_k.P_ERROR_T_S])
        n_valid = int(o[_k.P_N_VALID])
        valid = n_valid > 0
        step = o[_k.P_STEP_S]
        frac = (o[_k.P_NODES] + (o[_k.P_U_LAST_RAD] - o[_k.P_U_FIRST_RAD]) / (2.0 * math.pi)
                if valid else math.nan)
        rows.append({
            "satnum": es.satnum,
            "name": es.name or "",
            "epoch": format_utc(es.epoch_unix_s),
            "orbits": int(o[_k.P_NODES]),
            "orbits_fractional": float(frac),
            "period_min": 1440.0 / es.mean_motion_rev_day if es.mean_motion_rev_day > 0 else math.nan,
            "perigee_alt_km": float(a_km[j] * (1.0 - ecc[j]) - WGS72_RADIUS_KM),
            "apogee_alt_km": float(a_km[j] * (1.0 + ecc[j]) - WGS72_RADIUS_KM),
            "min_alt_km": float(o[_k.P_ALT_MIN_KM]) if valid else math.nan,
            "mean_alt_km": (float(o[_k.P_ALT_INT_KM_S] / step) if step > 0
                            else float(o[_k.P_ALT_MIN_KM]) if valid else math.nan),
            "max_alt_km": float(o[_k.P_ALT_MAX_KM]) if valid else math.nan,
            "distance_km": float(o[_k.P_DIST_KM]),
            "sunlit_fraction": (float(o[_k.P_SUNLIT_S] / step) if step > 0
                                else float(o[_k.P_F_SUNLIT]) if valid else math.nan),
            "error_code": code,
            "error_time": err_t,
            "decay_time": err_t if code == ERROR_DECAYED else None,
            "failed_samples": plan.samples - n_valid,
        })
    return rows


# ---- the plain single-process run (the reference) --------------------------------------

def iter_batch_rows(sets, plan: BatchPlan, *, progress=None, numba_threads: int = 0):
    """Yield the rows object slice by object slice (file order), computing the
    chunks in this process. ``progress.update(n)`` counts propagations."""
    sets = list(sets)
    if len(sets) != plan.n_objects:
        raise ValueError(f"the plan is for {plan.n_objects} objects, not {len(sets)}")
    satnums, cols = element_records(sets)
    for lo, hi in plan.slices():
        acc = new_partial(hi - lo)
        for a, b in plan.spans():
            part = span_partial(satnums[lo:hi], cols[lo:hi], *plan.task_args(a, b),
                                numba_threads=numba_threads)
            merge_partial(acc, part)
            if progress is not None:
                progress.update((hi - lo) * (b - a))
        yield rows_from_state(sets[lo:hi], acc, plan)


def batch_stats(sets, start, end, *, step_s: float = 60.0,
                progress=None, span_samples: int = DEFAULT_SPAN_SAMPLES,
                chunk_objects: int = DEFAULT_CHUNK_OBJECTS, sun=None) -> BatchStats:
    """Statistics of every element set in ``sets`` from ``start`` to ``end``
    (``Instant``s, or what ``Instant.of`` reads), in this process (no Dask).

    ``progress``: an object with ``update(n)`` counting propagations
    (objects x samples; total from ``check_batch_inputs``), or None.
    ``span_samples`` / ``chunk_objects``: the chunk grid (see the module).
    """
    sets = list(sets)
    plan = make_plan(len(sets), start, end, step_s, span_samples=span_samples,
                     chunk_objects=chunk_objects, sun=sun)
    rows = [r for chunk in iter_batch_rows(sets, plan, progress=progress) for r in chunk]
    return BatchStats(start=plan.start, end=plan.end, step_s=plan.step_s, samples=plan.samples, rows=rows)


def total_work(n_objects: int, start, end, step_s) -> int:
    """Propagations ``batch_stats`` will do (for a progress bar's total)."""
    return n_objects * check_batch_inputs(n_objects, start, end, step_s)[2]
