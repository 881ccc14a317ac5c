"""The ISS over a time window, sampled once and shared by every observer.

``build_track(store, start_unix_s, end_unix_s)`` propagates the element sets
the store chooses for the window (switching at the midpoints between epochs,
``ElementStore.segments``) on a grid of at most ``step_s`` seconds, and keeps

* ``t_s`` (n,): seconds from ``t0_unix_s`` (the window start), non-decreasing;
  an element-set switch appears as two samples at the same time (one from
  each set), so the track may jump there;
* ``r_teme_km``, ``v_teme_km_s`` and ``r_itrf_km``, ``v_itrf_km_s`` (n, 3):
  TEME from ``propagate``, ITRF from ``frames.teme_to_itrf`` (its velocity is
  relative to the rotating Earth, the time derivative of ``r_itrf_km``);
* ``sun_itrf_hat`` (n, 3): unit vectors to the Sun in ITRF, and ``sun_nodes``
  the Sun's TEME node table (``sun.SunEphemeris.station_frames``, one pass
  with the station's ITRF states);
* ``lit_start_s``, ``lit_end_s`` (k,): the intervals in which the station is
  sunlit, i.e. ``sun.illumination`` is not ECLIPSED (daylight or penumbra:
  some of the solar disc is visible), boundaries refined to 1 ms.

Between samples the kernels in ``tracker/services/events.py`` use the cubic
Hermite interpolant of (r, v), good to centimetres at 30 s spacing.

Staleness: every segment's element set is checked at both ends of its
segment (the worst age) with the store's policy (``tle.store.check_staleness``):
more than 30 days from the epoch raises ``StaleElementsError`` unless
``allow_stale``; more than 3 days adds a warning. Age is measured against the
requested times, not today, so historical windows are fine when the store
holds sets near them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tle.elements import ElementSet
from tle.store import WARN_AGE_DAYS, ElementStore, Selection, check_staleness
from tracker.astro import sun as _sun
from tracker.services.roots import bisect_change
from tracker.astro.frames import EarthOrientation, default_earth_orientation, teme_to_itrf
from tracker.services import events as _ev
from tracker.services.position import propagate_checked
from tracker.astro.time import unix_to_jdfr

DEFAULT_STEP_S = 30.0
SHADOW_TOL_S = 1e-3


@dataclass
class SampledTrack:
    """See the module docstring for the meaning and units of each array."""

    t0_unix_s: float
    t_s: np.ndarray
    r_teme_km: np.ndarray
    v_teme_km_s: np.ndarray
    r_itrf_km: np.ndarray
    v_itrf_km_s: np.ndarray
    sun_nodes: tuple | None           # the Sun's (t0_unix_s, step_s, TEME km table)
    sun_itrf_hat: np.ndarray | None
    lit_start_s: np.ndarray | None
    lit_end_s: np.ndarray | None
    segments: list = field(default_factory=list)   # [(t0_unix_s, t1_unix_s, ElementSet)]
    warnings: list = field(default_factory=list)
    failed_samples: int = 0           # all failures: SGP4 errors + outside_samples
    outside_samples: int = 0          # positions outside the set's orbit (position.OUTSIDE_ORBIT)
    outside_notes: list = field(default_factory=list)   # one description per element set
    error: np.ndarray | None = None   # (n,) uint8 per sample: 0, SGP4's code or OUTSIDE_ORBIT

    @property
    def end_s(self) -> float:
        return float(self.t_s[-1])

    def element_set_at(self, unix_s: float) -> ElementSet:
        """The element set in force at ``unix_s`` (the later one at a switch)."""
        for t0, t1, es in self.segments:
            if unix_s < t1:
                return es
        return self.segments[-1][2]

    def interpolate_itrf(self, t_s):
        """ITRF position (m, 3) km and velocity km/s at times ``t_s`` (m,) (Hermite)."""
        return _interp(self.t_s, self.r_itrf_km, self.v_itrf_km_s, t_s)

    def interpolate_teme(self, t_s):
        """TEME position (m, 3) km and velocity km/s at times ``t_s`` (m,) (Hermite)."""
        return _interp(self.t_s, self.r_teme_km, self.v_teme_km_s, t_s)


def _joined(parts):
    """One C-contiguous array of ``parts`` (the part itself when there is
    one: a 30-day track is 8 MB that a concatenation would copy)."""
    return np.ascontiguousarray(parts[0] if len(parts) == 1 else np.concatenate(parts))


def _interp(t_grid, r, v, t_s):
    t_s = np.ascontiguousarray(np.atleast_1d(t_s), dtype=np.float64)
    r_out = np.empty((t_s.shape[0], 3))
    v_out = np.empty((t_s.shape[0], 3))
    _ev.interpolate_track(t_grid, r, v, t_s, r_out, v_out)
    return r_out, v_out


def segment_grid(t0: float, t1: float, step_s: float) -> np.ndarray:
    """Evenly spaced offsets (s) from t0 to t1 inclusive, spacing <= step_s."""
    span = t1 - t0
    n = max(1, int(math.ceil(span / step_s - 1e-9)))
    return np.linspace(0.0, span, n + 1)


def check_window_staleness(segments, *, allow_stale: bool) -> list[str]:
    """Apply the store's staleness policy at both ends of every segment.

    Raises ``StaleElementsError`` for the worst segment (unless
    ``allow_stale``); returns at most one warning: the worst one, with a
    count of the other segments beyond the warning age.
    """
    worst: list[Selection] = []
    for t0, t1, es in segments:
        sels = [Selection(es, (t - es.epoch_unix_s) / 86400.0, t) for t in (t0, t1)]
        worst.append(max(sels, key=lambda s: abs(s.age_days)))
    worst.sort(key=lambda s: -abs(s.age_days))
    if not worst:
        return []
    text = check_staleness(worst[0], allow_stale=allow_stale)
    if not text:
        return []
    others = sum(1 for sel in worst[1:] if sel.warning)
    if others:
        text += f" ({others} more of the {len(worst)} element sets used are more than " \
                f"{WARN_AGE_DAYS:g} days from their epochs somewhere in the window)"
    return [text]


def failure_warnings(sgp4_failed: int, outside: int, n: int, notes) -> list[str]:
    """The warnings of a sampled window whose propagation failed at some samples
    (``sgp4_failed`` SGP4 errors, ``outside`` positions outside the set's orbit,
    of ``n`` samples; ``notes`` describe the latter)."""
    out = []
    if sgp4_failed:
        every = "every one" if sgp4_failed == n else f"{sgp4_failed}"
        out.append(f"SGP4 failed at {every} of {n} samples (decayed or invalid "
                   f"elements); no events are reported there")
    if outside:
        every = "every one" if outside == n else f"{outside}"
        why = "; ".join(dict.fromkeys(notes)) or "position outside the element set's orbit"
        out.append(f"{every} of {n} samples refused ({why}); no events are reported "
                   f"there")
    return out


def build_track(store: ElementStore, start_unix_s: float, end_unix_s: float, *,
                step_s: float = DEFAULT_STEP_S, allow_stale: bool = False,
                eop: EarthOrientation | None = None, sun: "_sun.SunEphemeris | None" = None,
                with_sun: bool = True) -> SampledTrack:
    """Sample the ISS over [start, end] (Unix seconds, UTC); see the module doc."""
    if not end_unix_s > start_unix_s:
        raise ValueError(f"build_track: end ({end_unix_s!r} Unix s) must be after start "
                         f"({start_unix_s!r} Unix s)")
    eop = eop or default_earth_orientation()
    segments = store.segments(start_unix_s, end_unix_s)
    warnings = check_window_staleness(segments, allow_stale=allow_stale)
    parts_t, parts_r, parts_v, parts_e = [], [], [], []
    sgp4_failed = outside = 0
    notes = []
    for t0, t1, es in segments:
        offs = segment_grid(t0, t1, step_s)
        jd, fr = unix_to_jdfr(t0 + offs)
        res = propagate_checked(es, jd, fr)
        sgp4_failed += res.sgp4_failed
        outside += res.outside_failed
        if res.outside_note:
            notes.append(res.outside_note)
        parts_t.append((t0 - start_unix_s) + offs)
        parts_r.append(res.r_teme_km)
        parts_v.append(res.v_teme_km_s)
        parts_e.append(res.error)
    t_s, r_teme, v_teme, error = (_joined(p) for p in (parts_t, parts_r, parts_v, parts_e))
    warnings.extend(failure_warnings(sgp4_failed, outside, len(t_s), notes))
    unix = start_unix_s + t_s
    jd, fr = unix_to_jdfr(unix)
    lit = None
    if with_sun:
        sun = sun or _sun.default_sun()
        frames = sun.station_frames(unix, jd, fr, r_teme, v_teme, eop=eop)
        r_itrf, v_itrf, lit = frames.r_itrf_km, frames.v_itrf_km_s, frames.illumination
    else:
        r_itrf, v_itrf = teme_to_itrf(jd, fr, r_teme, v_teme, eop=eop)
    track = SampledTrack(start_unix_s, t_s, r_teme, v_teme, r_itrf, v_itrf,
                         None, None, None, None, segments, warnings, sgp4_failed + outside,
                         outside, notes, error)
    if with_sun:
        track.sun_nodes = frames.sun_nodes
        track.sun_itrf_hat = frames.sun_itrf_hat
        track.lit_start_s, track.lit_end_s = sunlit_intervals(track, lit)
    return track


def _sun_teme_at(track: SampledTrack, t_s):
    """Sun (TEME, km) at times t_s (s from the track's start), linear between
    the Sun's nodes (``tracker.astro.sun``)."""
    return _sun.nodes_sun_teme_km(track.sun_nodes, track.t0_unix_s + np.asarray(t_s))


def _lit(track: SampledTrack, t_s):
    r, _ = track.interpolate_teme(t_s)
    code = _sun.illumination(r, _sun_teme_at(track, t_s))
    return (code == _sun.DAYLIGHT) | (code == _sun.PENUMBRA)


def sunlit_intervals(track: SampledTrack, code):
    """``(lit_start_s, lit_end_s)``: sorted disjoint intervals where the station
    is not in the umbra, from the illumination ``code`` at each sample,
    boundaries bisected on the interpolated track."""
    lit = (code == _sun.DAYLIGHT) | (code == _sun.PENUMBRA)
    change = np.nonzero(lit[1:] != lit[:-1])[0]
    rising = lit[change + 1]            # True: the station leaves the shadow
    edges = bisect_change(lambda t: _lit(track, t), track.t_s[change], track.t_s[change + 1],
                          rising, SHADOW_TOL_S)
    starts, ends = [], []
    if lit[0]:
        starts.append(track.t_s[0])
    for t, up in zip(edges, rising):
        if up:
            starts.append(t)
        else:
            ends.append(t)
    if lit[-1]:
        ends.append(track.t_s[-1])
    return np.array(starts, dtype=np.float64), np.array(ends, dtype=np.float64)
