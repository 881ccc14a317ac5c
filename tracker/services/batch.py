"""Orbit statistics for every object of an element file (a whole catalog).

``batch_stats(sets, start, end, step_s=60)`` propagates each element set
(its own epoch, no switching: one row per set) at ``start, start + step_s,
..., end`` and reports per object:

* ``orbits``: ascending-node crossings (TEME z from - to + with vz > 0) and
  ``orbits_fractional`` (crossings + change of the argument of latitude / 2 pi);
* ``perigee_alt_km`` / ``apogee_alt_km``: from the mean elements, Brouwer
  mean semi-major axis (SGP4's un-Kozai'd ``AO``) times (1 -/+ e), minus the
  WGS-72 equatorial radius, as SGP4 reports perigee and apogee;
* ``min_alt_km`` / ``max_alt_km``: the sampled geodetic (WGS-84) altitude range;
* ``error_code`` and ``error_time``: the first sample SGP4 could not
  propagate; code 6 means the object has decayed (radius below one Earth
  radius), and ``decay_time`` is then set. Samples after it are ignored.

Memory is bounded by the number of objects, not the interval: the fused
kernel ``kernels.batch_stats.batch_stats_chunk`` propagates and reduces each time
chunk without storing positions (per object: the coefficient column, a
3-float SGP4 scratch and 9 accumulators).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from tracker.errors import TimeRangeError, UserError
from tracker.services import batch_kernels as _k
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.layout import RADIUS_EARTH_KM as WGS72_RADIUS_KM
from tracker.propagator.api import Elements
from tracker.services.stats import sample_grid
from tracker.astro.time import datetime_to_jdfr, format_utc

MIN_STEP_S = 1.0
MAX_STEP_S = 3600.0
MAX_PROPAGATIONS = 2_000_000_000     # objects x samples
DEFAULT_CHUNK_SAMPLES = 128          # time samples per kernel call (2 SGP4 blocks; progress granularity)
ERROR_DECAYED = 6

COLUMNS = ("satnum", "name", "epoch", "orbits", "orbits_fractional", "period_min",
           "perigee_alt_km", "apogee_alt_km", "min_alt_km", "max_alt_km",
           "error_code", "error_time", "decay_time")


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
                "decayed": sum(1 for r in self.rows if r["decay_time"] is not None)}


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


def batch_stats(sets, start: dt.datetime, end: dt.datetime, *, step_s: float = 60.0,
                progress=None, chunk_samples: int = DEFAULT_CHUNK_SAMPLES) -> BatchStats:
    """Statistics of every element set in ``sets`` from ``start`` to ``end``.

    ``progress``: an object with ``update(n)`` counting propagations
    (objects x samples; total from ``check_batch_inputs``), or None.
    """
    sets = list(sets)
    step_s, span_s, samples = check_batch_inputs(len(sets), start, end, step_s)
    els = Elements.from_element_sets(sets)
    jd0, fr0 = datetime_to_jdfr(start)
    tsince0_min = np.ascontiguousarray(((jd0 - els.epoch_jd) + (fr0 - els.epoch_fr)) * 1440.0)
    scratch = np.zeros((len(sets), RESONANCE_STATE_SIZE))
    out = _k.new_batch_state(len(sets))
    for a in range(0, samples, chunk_samples):
        b = min(a + chunk_samples, samples)
        t_s = np.arange(a, b, dtype=np.float64) * step_s
        if b == samples:
            t_s[-1] = span_s
        _k.batch_stats_chunk(els.coeffs, tsince0_min, t_s, scratch, out)
        if progress is not None:
            progress.update(len(sets) * (b - a))
    return BatchStats(start=start, end=end, step_s=step_s, samples=samples,
                      rows=_rows(sets, els, out, start))


def _rows(sets, els, out, start):
    a_km = els.coefficient("AO") * WGS72_RADIUS_KM
    ecc = els.ecc
    rows = []
    unix0 = start.timestamp()
    for j, es in enumerate(sets):
        o = out[j]
        code = int(o[_k.B_FIRST_ERROR])
        err_t = None if code == 0 else format_utc(unix0 + o[_k.B_FIRST_ERROR_T_S])
        valid = o[_k.B_N_VALID] > 0
        frac = (o[_k.B_NODES] + (o[_k.B_U_LAST_RAD] - o[_k.B_U_FIRST_RAD]) / (2.0 * math.pi)
                if valid else math.nan)
        rows.append({
            "satnum": es.satnum,
            "name": es.name or "",
            "epoch": format_utc(es.epoch_unix_s),
            "orbits": int(o[_k.B_NODES]),
            "orbits_fractional": float(frac),
            "period_min": 1440.0 / es.mean_motion_rev_day if es.mean_motion_rev_day > 0 else math.nan,
            "perigee_alt_km": float(a_km[j] * (1.0 - ecc[j]) - WGS72_RADIUS_KM),
            "apogee_alt_km": float(a_km[j] * (1.0 + ecc[j]) - WGS72_RADIUS_KM),
            "min_alt_km": float(o[_k.B_ALT_MIN_KM]) if valid else math.nan,
            "max_alt_km": float(o[_k.B_ALT_MAX_KM]) if valid else math.nan,
            "error_code": code,
            "error_time": err_t,
            "decay_time": err_t if code == ERROR_DECAYED else None,
        })
    return rows


def total_work(n_objects: int, start, end, step_s) -> int:
    """Propagations ``batch_stats`` will do (for a progress bar's total)."""
    return n_objects * check_batch_inputs(n_objects, start, end, step_s)[2]

