"""When can I see it: ISS passes over an observer (the service behind
``iss-tracker passes`` and the HTTP pass endpoints).

Definitions
-----------
* A *pass* is a maximal time interval in which the station's geometric
  elevation (no refraction) is at or above ``min_elevation_deg``. Rise and
  set are the crossings of that threshold, as skyfield's
  ``EarthSatellite.find_events(..., altitude_degrees=...)`` defines them.
  *Culmination* is the highest local maximum of the elevation inside the
  pass; a pass can have several (``culminations``).
* A pass cut by the window has ``rise`` None (``starts_before_window``: it
  was already up at the start) or ``set`` None (``ends_after_window``); its
  ``duration_s`` is then the part inside the window, and if its highest
  point lies outside the window ``culmination`` is None and
  ``max_elevation_deg`` is the highest elevation inside the window.
* *Visible*: the station is sunlit (not in the Earth's umbra, see
  ``tracker.services.sampled_track``) and the Sun's geometric altitude at the
  observer is at or below ``sun_max_deg`` (default -6 deg: the end of civil
  twilight). The *visible segment* is the longest such stretch of the pass:
  it often ends early, when the station enters the Earth's shadow.
* *Magnitude*: the brightest estimated visual magnitude within the visible
  segment (model in ``tracker.astro.visibility``).
* *Uncertainty*: each pass carries the epoch and age of its element set and
  a 1-sigma timing uncertainty from ``tracker.astro.visibility.timing_sigma_s``.

Algorithm: ``tracker.services.sampled_track.build_track`` samples the ISS in ITRF
every 30 s once; ``tracker.services.events`` scans every observer's
elevation on those samples (in parallel over observers, in one scan),
skipping what provably lies below the observer's horizon, brackets threshold
crossings and maxima with the analytic derivative and refines them by
bisection on the Hermite interpolant (to 1e-6 s). ``passes_for_places``
shares one track and one scan among several places; visibility, look angles
and the per-pass figures are then evaluated for every pass at once.

Times in this module are Unix seconds (UTC) unless named otherwise.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from tle.store import ISS_SATNUM, ElementStore
from tracker.errors import TimeRangeError, UserError
from tracker.services import events as _ev
from tracker.places.gazetteer import Place
from tracker.services.sampled_track import SampledTrack, build_track
from tracker.astro.time import Instant, check_service_range
from tracker.astro.visibility import ISS_STD_MAG, timing_sigma_s
from tracker.constants import MEAN_EARTH_RADIUS_KM
from tracker.ranges import SUN_MAX_DEG
from tle.accuracy import BANDS, detect_manoeuvres, timing_band_s, uncertainty_s

MAX_DAYS = 30.0
MIN_WINDOW_S = 1.0                # shorter windows vanish in float seconds near 2026
MIN_DAYS = MIN_WINDOW_S / 86400.0
DEFAULT_DAYS = 10.0
DEFAULT_MIN_ELEVATION_DEG = 10.0
DEFAULT_SUN_MAX_DEG = -6.0
COMPASS_16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
              "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")


def compass_16(azimuth_deg: float) -> str:
    """16-point compass label of an azimuth (degrees from north through east)."""
    return COMPASS_16[int(math.floor((azimuth_deg % 360.0) / 22.5 + 0.5)) % 16]


def validate_days(days) -> float:
    """The window length in days: a number from 1 s (``MIN_DAYS``) to ``MAX_DAYS``."""
    try:
        days = float(days)
    except (TypeError, ValueError):
        raise UserError(f"days must be a number, got {days!r}", parameter="days") from None
    if not (MIN_DAYS <= days <= MAX_DAYS):
        raise TimeRangeError(f"days {days:g} is out of range: allowed more than 0 (at least "
                             f"{MIN_WINDOW_S:g} s, {MIN_DAYS:.4g} days) and at most "
                             f"{MAX_DAYS:g} days", parameter="days")
    return days


def validate_window_times(start_unix_s: float, end_unix_s: float, *,
                          end_parameter: str = "days") -> None:
    """Both ends of a window inside the services' time range
    (``tracker.astro.time.SERVICE_RANGE_TEXT``); ``end_parameter`` names the
    input that set the end (``days`` here, ``end`` where the caller gave one)."""
    check_service_range(start_unix_s, "start")
    check_service_range(end_unix_s, end_parameter)


def validate_window(days, min_elevation_deg, sun_max_deg):
    """Check the numeric pass parameters; raise UserError naming the allowed range."""
    days = validate_days(days)
    try:
        min_el = float(min_elevation_deg)
        sun_max = float(sun_max_deg)
    except (TypeError, ValueError):
        raise UserError("min_elevation_deg and sun_max_deg must be numbers",
                        parameter="min_elevation_deg") from None
    if not (0.0 <= min_el < 90.0):
        raise UserError(f"min elevation {min_elevation_deg} deg is out of range: allowed 0 to "
                        f"less than 90 deg", parameter="min_elevation_deg")
    lo, hi = SUN_MAX_DEG
    if not (lo <= sun_max <= hi):
        raise UserError(f"sun max altitude {sun_max_deg} deg is out of range: allowed {lo:g} to "
                        f"{hi:g} deg (-6 civil, -12 nautical, -18 astronomical twilight; above "
                        f"{hi:g} the Sun is up and no pass counts as visible)",
                        parameter="sun_max_deg")
    return days, min_el, sun_max


@dataclass(frozen=True)
class PassEvent:
    """The station seen from the observer at one instant."""

    unix_s: float
    azimuth_deg: float
    elevation_deg: float
    range_km: float

    @property
    def compass(self) -> str:
        return compass_16(self.azimuth_deg)

    @property
    def time(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.unix_s, dt.timezone.utc)


@dataclass(frozen=True)
class Pass:
    """One pass; see the module docstring for the definitions."""

    rise: PassEvent | None
    culmination: PassEvent | None
    set: PassEvent | None
    culminations: tuple
    peak: PassEvent                   # highest point inside the window
    starts_before_window: bool
    ends_after_window: bool
    duration_s: float
    visible: bool
    appear: PassEvent | None          # visible segment
    disappear: PassEvent | None
    appears_from_shadow: bool
    disappears_into_shadow: bool
    brightest: PassEvent | None
    magnitude: float | None
    element_set_epoch_unix_s: float
    age_days: float                   # at the peak, minus = before the epoch
    timing_uncertainty_s: float
    uncertainty_68_s: float = math.nan    # +- s, fitted bands (tle.accuracy.uncertainty_s)
    uncertainty_90_s: float = math.nan
    may_cross_manoeuvre: bool = False    # a known manoeuvre may lie between epoch and pass

    @property
    def max_elevation_deg(self) -> float:
        return self.peak.elevation_deg


@dataclass
class PassReport:
    """Passes of one observer in one window, plus why the list may be empty."""

    place: Place
    start_unix_s: float
    end_unix_s: float
    min_elevation_deg: float
    sun_max_deg: float
    visible_only: bool
    passes: list
    reason: str | None = None
    warnings: list = field(default_factory=list)
    element_sets: list = field(default_factory=list)   # [(t0, t1, ElementSet)]
    n_passes_total: int = 0           # before the visible-only filter


# ---------------------------------------------------------------------------
# array core, shared by one observer and all cities
# ---------------------------------------------------------------------------

@dataclass
class PassTable:
    """Struct of arrays for passes of many observers on one track.

    ``obs`` (n,) observer index; ``p`` (n, N_PCOLS) and ``vis`` (n, N_VCOLS)
    as in ``tracker.services.events`` (seconds from ``track.t0_unix_s``);
    ``look`` maps an event name ('rise', 'culm', 'set', 'peak', 'appear',
    'disappear', 'bright') to ``(az_deg, el_deg, range_km)`` arrays.
    """

    obs: np.ndarray
    p: np.ndarray
    vis: np.ndarray
    look: dict


def _observer_arrays(lat_deg, lon_deg, alt_m):
    lat = np.ascontiguousarray(np.radians(np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))))
    lon = np.ascontiguousarray(np.radians(np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))))
    alt = np.ascontiguousarray(np.broadcast_to(np.asarray(alt_m, dtype=np.float64) / 1000.0,
                                               lat.shape)).copy()
    return lat, lon, alt


def find_passes(track: SampledTrack, lat_deg, lon_deg, alt_m, *, min_elevation_deg: float,
                sun_max_deg: float | None = DEFAULT_SUN_MAX_DEG, std_mag: float = ISS_STD_MAG,
                progress=None, chunk: int = 2048) -> PassTable:
    """Passes of every observer (arrays of WGS-84 latitude, east longitude in
    degrees, altitude in metres) over the sampled track.

    With ``sun_max_deg`` None (or a track without Sun data) visibility is not
    computed (``vis`` all NaN). ``progress``: optional callable(n_done) told
    after each chunk of observers.
    """
    lat, lon, alt = _observer_arrays(lat_deg, lon_deg, alt_m)
    sin_min = math.sin(math.radians(min_elevation_deg))
    t_s, r, v = track.t_s, track.r_itrf_km, track.v_itrf_km_s
    m = lat.shape[0]
    blk_c, blk_r = _ev.track_blocks(t_s, r, v)
    obs_parts, p_parts = [], []
    # rows per observer in the one-scan pass table: enough for any low orbit
    # (16 revolutions a day), else the chunk is filled again with exact counts
    cap = int(math.ceil((t_s[-1] - t_s[0]) / 86400.0 * 16.0)) + 4 if t_s.shape[0] else 4
    for c0 in range(0, m, chunk):
        sl = slice(c0, min(m, c0 + chunk))
        mk = sl.stop - sl.start
        counts = np.zeros(mk, dtype=np.int64)
        out = np.empty((mk * cap, _ev.N_PCOLS))
        out_obs = np.empty(mk * cap, dtype=np.int64)
        _ev.scan_passes_blocks(t_s, r, v, blk_c, blk_r, lat[sl], lon[sl], alt[sl], sin_min, cap,
                               out, out_obs, counts)
        if counts.max(initial=0) <= cap:
            written = (np.arange(cap)[None, :] < counts[:, None]).ravel()
            out, out_obs = out[written], out_obs[written]
        else:
            offsets = np.zeros(mk + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            out = np.empty((offsets[-1], _ev.N_PCOLS))
            out_obs = np.empty(offsets[-1], dtype=np.int64)
            _ev.fill_passes_blocks(t_s, r, v, blk_c, blk_r, lat[sl], lon[sl], alt[sl], sin_min,
                                   offsets, out, out_obs)
        obs_parts.append(out_obs + c0)
        p_parts.append(out)
        if progress is not None:
            progress(sl.stop)
    obs = np.concatenate(obs_parts) if obs_parts else np.empty(0, dtype=np.int64)
    p = np.concatenate(p_parts) if p_parts else np.empty((0, _ev.N_PCOLS))
    keep = _clear_of_failures(track, p)
    if keep is not None:
        obs, p = obs[keep], p[keep]
    vis = np.full((obs.shape[0], _ev.N_VCOLS), np.nan)
    if sun_max_deg is not None and track.sun_itrf_hat is not None and obs.shape[0]:
        _ev.pass_visibility(t_s, r, v, track.sun_itrf_hat, track.lit_start_s, track.lit_end_s,
                            lat, lon, alt, obs, np.ascontiguousarray(p[:, _ev.P_START]),
                            np.ascontiguousarray(p[:, _ev.P_END]),
                            math.sin(math.radians(sun_max_deg)), float(std_mag), vis)
    columns = {"rise": p[:, _ev.P_RISE], "culm": p[:, _ev.P_CULM], "set": p[:, _ev.P_SET],
               "peak": p[:, _ev.P_PEAK_T], "appear": vis[:, _ev.V_START],
               "disappear": vis[:, _ev.V_END], "bright": vis[:, _ev.V_BRIGHT_T]}
    # one kernel call for every event of every pass
    n = obs.shape[0]
    az, el, rng = look_angles(track, lat, lon, alt, np.tile(obs, len(columns)),
                              np.concatenate(list(columns.values())))
    look = {name: (az[q * n:(q + 1) * n], el[q * n:(q + 1) * n], rng[q * n:(q + 1) * n])
            for q, name in enumerate(columns)}
    # Belt and braces: an event that exists (finite time) must have finite look angles.
    ok = np.ones(obs.shape[0], dtype=bool)
    for name, times in columns.items():
        exists = np.isfinite(times)
        for arr in look[name]:
            ok &= ~exists | np.isfinite(arr)
    if not ok.all():
        obs, p, vis = obs[ok], p[ok], vis[ok]
        look = {name: tuple(arr[ok] for arr in look[name]) for name in look}
    return PassTable(obs, p, vis, look)


def _clear_of_failures(track: SampledTrack, p):
    """Mask of the pass rows ``p`` whose span [P_START, P_END] touches no
    interpolation interval with a failed sample (SGP4 error or a position
    outside the set's orbit: NaN in the track); None when no sample failed.

    The scan treats a failed sample as 'below the threshold', so a pass next
    to one is cut short or invented at the edge of the failure: it is not
    reported (the track's warnings say that no events are reported there).
    """
    failed = np.empty(track.t_s.shape[0], dtype=np.bool_)
    _ev.nonfinite_rows(track.r_itrf_km, track.v_itrf_km_s, failed)
    bad = np.flatnonzero(failed)
    if bad.size == 0:
        return None
    n = track.t_s.shape[0]
    lo = track.t_s[np.maximum(bad - 1, 0)]          # the intervals on both sides of a failed
    hi = track.t_s[np.minimum(bad + 1, n - 1)]      # sample; both arrays are non-decreasing
    k = np.searchsorted(lo, p[:, _ev.P_END], side="right")   # intervals starting <= pass end
    return ~((k > 0) & (hi[np.maximum(k - 1, 0)] >= p[:, _ev.P_START]))


def look_angles(track: SampledTrack, lat_rad, lon_rad, alt_km, obs, t_s):
    """(az_deg, el_deg, range_km) of the track at times ``t_s`` (seconds from
    the track start; NaN -> NaN) from observers ``obs`` (indices into the
    radian/km observer arrays)."""
    t_s = np.ascontiguousarray(t_s, dtype=np.float64)
    n = t_s.shape[0]
    az, el, rng = np.empty(n), np.empty(n), np.empty(n)
    if n:
        _ev.look_angles(track.t_s, track.r_itrf_km, track.v_itrf_km_s, lat_rad, lon_rad, alt_km,
                        np.ascontiguousarray(obs, dtype=np.int64), t_s, az, el, rng)
    return az, el, rng


def _culminations(track, lat, lon, alt, k, t0, t1, sin_min):
    """All local maxima above the threshold in [t0, t1] for observer k (rare:
    only when a pass has several)."""
    # a finer scan restricted to the pass, with the threshold just below the
    # lowest candidate: every maximum then shows up as a 'culmination'
    sel = (track.t_s >= t0) & (track.t_s <= t1)
    idx = np.nonzero(sel)[0]
    if idx.size < 2:
        return []
    lo, hi = max(idx[0] - 1, 0), min(idx[-1] + 2, track.t_s.shape[0])
    t_s = track.t_s[lo:hi]
    r = track.r_itrf_km[lo:hi]
    v = track.v_itrf_km_s[lo:hi]
    out = []
    # walk the derivative sign on the samples and refine each maximum
    az, el, rng = np.empty(1), np.empty(1), np.empty(1)
    for i in range(t_s.shape[0] - 1):
        a, b = t_s[i], t_s[i + 1]
        if b <= a:
            continue
        da = _ev._g_at(t_s, r, v, i, a, *_obs_vectors(lat[k], lon[k], alt[k]))[1]
        db = _ev._g_at(t_s, r, v, i, b, *_obs_vectors(lat[k], lon[k], alt[k]))[1]
        if da > 0.0 >= db:
            tc = _ev._critical(t_s, r, v, i, a, b, *_obs_vectors(lat[k], lon[k], alt[k]))
            if t0 <= tc <= t1:
                g = _ev._g_at(t_s, r, v, i, tc, *_obs_vectors(lat[k], lon[k], alt[k]))[0]
                if g >= sin_min:
                    out.append(tc)
    return out


def _obs_vectors(lat_rad, lon_rad, alt_km):
    o = np.empty(3)
    ux, uy, uz = _ev._observer(lat_rad, lon_rad, alt_km, o)
    return o[0], o[1], o[2], ux, uy, uz


# ---------------------------------------------------------------------------
# one observer
# ---------------------------------------------------------------------------

def _event(t0_unix, t_s, look, j) -> PassEvent | None:
    if not math.isfinite(t_s):
        return None
    az, el, rng = look
    return PassEvent(t0_unix + float(t_s), float(az[j]), float(el[j]), float(rng[j]))


def passes_for_place(place: Place, start, days: float = DEFAULT_DAYS, *,
                     store: ElementStore, min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                     sun_max_deg: float = DEFAULT_SUN_MAX_DEG, visible_only: bool = False,
                     allow_stale: bool = False, eop=None, sun=None,
                     track: SampledTrack | None = None) -> PassReport:
    """Passes of the ISS over ``place`` from ``start`` (an ``Instant``, or
    what ``Instant.of`` reads) for ``days`` days.

    Raises UserError subclasses for bad parameters and ``StaleElementsError``
    when the store has no element set within 30 days of the window (unless
    ``allow_stale``).
    """
    return passes_for_places([place], start, days, store=store,
                             min_elevation_deg=min_elevation_deg, sun_max_deg=sun_max_deg,
                             visible_only=visible_only, allow_stale=allow_stale, eop=eop, sun=sun,
                             track=track)[0]


def passes_for_places(places, start, days: float = DEFAULT_DAYS, *,
                      store: ElementStore, min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                      sun_max_deg: float = DEFAULT_SUN_MAX_DEG, visible_only: bool = False,
                      allow_stale: bool = False, eop=None, sun=None,
                      track: SampledTrack | None = None) -> list[PassReport]:
    """``passes_for_place`` for several places over one window: one report
    per place, each the same as ``passes_for_place`` alone gives, from one
    track and one scan of every place (visibility, look angles, element
    sets, uncertainties and shadow edges evaluated for all passes at once)."""
    start_unix_s = float(Instant.of(start, parameter="start").unix_s)
    days, min_el, sun_max = validate_window(days, min_elevation_deg, sun_max_deg)
    end_unix_s = start_unix_s + days * 86400.0
    validate_window_times(start_unix_s, end_unix_s)
    if track is None:
        track = build_track(store, start_unix_s, end_unix_s, allow_stale=allow_stale,
                            eop=eop, sun=sun)
    places = list(places)
    table = find_passes(track, [p.lat_deg for p in places], [p.lon_deg for p in places],
                        [p.alt_m for p in places], min_elevation_deg=min_el, sun_max_deg=sun_max)
    # the store's sets, or (a prebuilt track without a store) the sets it was built from
    manoeuvres = detect_manoeuvres(store.sets if store is not None else
                                   [seg[2] for seg in track.segments])
    # the brightness model (tracker.astro.visibility) is the ISS's: other objects get none
    satnum = store.satnum if store is not None else getattr(track.segments[0][2], "satnum",
                                                            ISS_SATNUM)
    rows = _pass_records(track, table, places, min_el, manoeuvres, satnum == ISS_SATNUM)
    reports = []
    for k, place in enumerate(places):
        passes = rows[k]
        n_total = len(passes)
        if visible_only:
            passes = [q for q in passes if q.visible]
        report = PassReport(place=place, start_unix_s=start_unix_s, end_unix_s=end_unix_s,
                            min_elevation_deg=min_el, sun_max_deg=sun_max,
                            visible_only=visible_only, passes=passes,
                            warnings=list(track.warnings), element_sets=list(track.segments),
                            n_passes_total=n_total)
        if not passes:
            report.reason = _no_pass_reason(track, place, min_el, sun_max, visible_only, n_total)
        reports.append(report)
    return reports


def _pass_records(track: SampledTrack, table: PassTable, places, min_el: float, manoeuvres,
                  is_iss: bool) -> list[list[Pass]]:
    """The ``Pass`` records of every row of ``table``, grouped by observer
    (one list per place, in time order). Per-pass quantities are evaluated as
    arrays over the table; the loop only builds the records."""
    t0 = track.t0_unix_s
    p, vis, obs = table.p, table.vis, table.obs
    out = [[] for _ in places]
    if not obs.shape[0]:
        return out
    peak_abs = t0 + p[:, _ev.P_PEAK_T]
    # the element set in force at each peak (SampledTrack.element_set_at, vectorised)
    sets = [seg[2] for seg in track.segments]
    k_set = np.minimum(np.searchsorted(np.array([seg[1] for seg in track.segments]), peak_abs,
                                       side="right"), len(sets) - 1)
    epoch = np.array([es.epoch_unix_s for es in sets])[k_set]
    age = (peak_abs - epoch) / 86400.0
    # The fitted bands as arrays; where they grow as age^2 (beyond the last
    # bin's centre) and in the 1-sigma model, the scalar calls of before: numpy
    # squares a float64 scalar with pow(), an array by multiplication, and the
    # two can differ in the last bit.
    u68, u90 = timing_band_s(age, 68), timing_band_s(age, 90)
    for j in np.flatnonzero(np.abs(age) >= BANDS[-1][0]).tolist():
        u68[j], u90[j] = uncertainty_s(float(age[j]))
    age_l = age.tolist()
    sigma = [float(timing_sigma_s(a, sets[q].ndot, sets[q].mean_motion_rev_day))
             for a, q in zip(age_l, k_set.tolist())]
    crosses = np.zeros(age.shape, bool)
    if manoeuvres:
        after = np.array([m[0] for m in manoeuvres])
        before = np.array([m[1] for m in manoeuvres])
        lo, hi = np.minimum(epoch, peak_abs), np.maximum(epoch, peak_abs)
        crosses = ((lo[:, None] < before[None, :]) & (after[None, :] < hi[:, None])).any(axis=1)
    visible = np.isfinite(vis[:, _ev.V_START])
    into_shadow = from_shadow = visible         # all False when nothing is visible
    if visible.any():                           # (and then the track may have no Sun data)
        into_shadow = shadow_edges(track, vis[:, _ev.V_END]) & visible
        from_shadow = shadow_edges(track, vis[:, _ev.V_START]) & visible
    mag_ok = visible & np.isfinite(vis[:, _ev.V_MAG]) if is_iss else np.zeros(age.shape, bool)

    def events(times, name):
        az, el, rng = table.look[name]
        return list(zip((t0 + times).tolist(), az.tolist(), el.tolist(), rng.tolist()))

    ev = {name: events(p[:, col], name) for name, col in
          (("rise", _ev.P_RISE), ("culm", _ev.P_CULM), ("set", _ev.P_SET),
           ("peak", _ev.P_PEAK_T))}
    ev.update({name: events(vis[:, col], name) for name, col in
               (("appear", _ev.V_START), ("disappear", _ev.V_END),
                ("bright", _ev.V_BRIGHT_T))})

    def event(name, j):
        e = ev[name][j]
        return PassEvent(*e) if math.isfinite(e[0]) else None

    lat, lon, alt = _observer_arrays([pl.lat_deg for pl in places],
                                     [pl.lon_deg for pl in places], [pl.alt_m for pl in places])
    sin_min = math.sin(math.radians(min_el))
    cols = zip(obs.tolist(), p[:, _ev.P_N_CULM].tolist(), (~np.isfinite(p[:, _ev.P_RISE])).tolist(),
               (~np.isfinite(p[:, _ev.P_SET])).tolist(), (p[:, _ev.P_END] - p[:, _ev.P_START]).tolist(),
               visible.tolist(), from_shadow.tolist(), into_shadow.tolist(), mag_ok.tolist(),
               vis[:, _ev.V_MAG].tolist(), epoch.tolist(), age_l, sigma,
               u68.tolist(), u90.tolist(), crosses.tolist())
    for j, (k, n_culm, cut_start, cut_end, duration, vis_j, from_sh, into_sh, has_mag, mag,
            epoch_j, age_j, sigma_j, u68_j, u90_j, cross_j) in enumerate(cols):
        culm = event("culm", j)
        culms = ()
        if n_culm > 1:
            ts = _culminations(track, lat, lon, alt, k, p[j, _ev.P_START], p[j, _ev.P_END],
                               sin_min)
            look = look_angles(track, lat, lon, alt, np.full(len(ts), k, dtype=np.int64),
                               np.array(ts))
            culms = tuple(_event(t0, t, look, q) for q, t in enumerate(ts))
        if culm is not None and not culms:
            culms = (culm,)
        # the peak is the culmination unless the window cuts the pass: one record for both
        peak = culm if culm is not None and ev["peak"][j] == ev["culm"][j] else event("peak", j)
        out[k].append(Pass(
            rise=event("rise", j), culmination=culm, set=event("set", j), culminations=culms,
            peak=peak, starts_before_window=cut_start, ends_after_window=cut_end,
            duration_s=duration, visible=vis_j, appear=event("appear", j),
            disappear=event("disappear", j), appears_from_shadow=from_sh,
            disappears_into_shadow=into_sh, brightest=event("bright", j),
            magnitude=mag if has_mag else None, element_set_epoch_unix_s=epoch_j,
            age_days=age_j, timing_uncertainty_s=sigma_j, uncertainty_68_s=u68_j,
            uncertainty_90_s=u90_j, may_cross_manoeuvre=cross_j))
    return out


def shadow_edges(track: SampledTrack, t_s) -> np.ndarray:
    """Per time (s from the track's start): whether it is, within 1 s, a
    sunlit/shadow boundary of the station inside the window."""
    t_s = np.asarray(t_s, dtype=np.float64)
    edges = np.sort(np.concatenate([track.lit_start_s, track.lit_end_s]))
    if not edges.size:
        return np.zeros(t_s.shape, bool)
    i = np.clip(np.searchsorted(edges, t_s), 1, max(edges.size - 1, 1))
    near = np.minimum(np.abs(edges[i - 1] - t_s), np.abs(edges[np.minimum(i, edges.size - 1)] - t_s))
    return (near < 1.0) & (t_s > 0.0) & (t_s < track.end_s)


def highest_elevation(track: SampledTrack, place: Place):
    """(elevation_deg, unix_s): the highest elevation of the station in the window."""
    table = find_passes(track, [place.lat_deg], [place.lon_deg], [place.alt_m],
                        min_elevation_deg=-90.0, sun_max_deg=None)
    best_el, best_t = -90.0, math.nan
    if table.obs.shape[0]:
        el = table.look["peak"][1]
        j = int(np.argmax(el))
        best_el, best_t = float(el[j]), track.t0_unix_s + float(table.p[j, _ev.P_PEAK_T])
    return best_el, best_t


def latitude_limit_deg(track: SampledTrack, min_elevation_deg: float) -> float:
    """Highest |latitude| from which the station can reach ``min_elevation_deg``
    (spherical Earth: inclination + the Earth-central angle to a point seeing
    the station at that elevation, at the window's highest altitude)."""
    es = track.segments[0][2]
    r_max = float(np.nanmax(np.linalg.norm(track.r_itrf_km, axis=1)))
    e = math.radians(min_elevation_deg)
    lam = math.acos(MEAN_EARTH_RADIUS_KM * math.cos(e) / r_max) - e
    return min(90.0, es.inclination_deg + math.degrees(lam))


def _no_pass_reason(track, place, min_el, sun_max, visible_only, n_total) -> str:
    if not np.isfinite(track.r_itrf_km).all(axis=1).any():
        return ("no position could be computed anywhere in the window (the element sets fail "
                "at every sample, see the warnings): no passes can be predicted")
    limit = latitude_limit_deg(track, min_el)
    if abs(place.lat_deg) > limit:
        return (f"the ISS never rises {min_el:g} deg above the horizon at latitude "
                f"{place.lat_deg:.2f}: its orbit is inclined {track.segments[0][2].inclination_deg:.1f} "
                f"deg, so passes reaching {min_el:g} deg need |latitude| <= {limit:.1f} deg")
    if n_total and visible_only:
        return (f"{n_total} pass(es) above {min_el:g} deg, none visible: the station was in the "
                f"Earth's shadow, or the Sun was above {sun_max:g} deg at the observer")
    el, t = highest_elevation(track, place)
    when = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") \
        if math.isfinite(t) else "-"
    return (f"no pass reaches {min_el:g} deg in the window; the highest elevation is "
            f"{el:.1f} deg at {when}")


# ---------------------------------------------------------------------------
# JSON-ready documents (shared by the CLI and the HTTP API)
# ---------------------------------------------------------------------------

def window_header(report, tz_name: str) -> dict:
    """The opening fields every window report's document shares: the place,
    the zone of its local times and the window (UTC)."""
    from tracker.astro.time import format_utc

    return {"place": report.place.to_dict(), "timezone": tz_name,
            "start_utc": format_utc(report.start_unix_s),
            "end_utc": format_utc(report.end_unix_s)}


def format_local(unix_s: float, tz) -> str:
    """ISO 8601 local time with its UTC offset, to the second: 2015-12-18T19:47:36+01:00."""
    return dt.datetime.fromtimestamp(round(unix_s), tz).isoformat()


def event_to_dict(e: PassEvent | None, tz) -> dict | None:
    if e is None:
        return None
    from tracker.astro.time import format_utc
    return {"time_utc": format_utc(e.unix_s), "time_local": format_local(e.unix_s, tz),
            "azimuth_deg": round(e.azimuth_deg, 2), "elevation_deg": round(e.elevation_deg, 3),
            "compass": e.compass, "range_km": round(e.range_km, 2)}


def pass_to_dict(p: Pass, tz) -> dict:
    from tracker.astro.time import format_utc
    seg = None
    if p.visible:
        seg = {"appear": event_to_dict(p.appear, tz), "disappear": event_to_dict(p.disappear, tz),
               "duration_s": round(p.disappear.unix_s - p.appear.unix_s, 3),
               "appears_from_shadow": p.appears_from_shadow,
               "disappears_into_shadow": p.disappears_into_shadow}
    return {
        "rise": event_to_dict(p.rise, tz),
        "culmination": event_to_dict(p.culmination, tz),
        "set": event_to_dict(p.set, tz),
        "peak": event_to_dict(p.peak, tz),
        "culminations": [event_to_dict(c, tz) for c in p.culminations],
        "max_elevation_deg": round(p.max_elevation_deg, 3),
        "range_km": round(p.peak.range_km, 2),
        "duration_s": round(p.duration_s, 3),
        "starts_before_window": p.starts_before_window,
        "ends_after_window": p.ends_after_window,
        "visible": p.visible,
        "visible_segment": seg,
        "brightest": event_to_dict(p.brightest, tz),
        "magnitude": None if p.magnitude is None else round(p.magnitude, 2),
        "element_set_epoch_utc": format_utc(p.element_set_epoch_unix_s),
        "element_set_age_days": round(p.age_days, 3),
        "timing_uncertainty_s": round(p.timing_uncertainty_s, 1),
        "uncertainty_68_s": round(p.uncertainty_68_s, 1),
        "uncertainty_90_s": round(p.uncertainty_90_s, 1),
        "may_cross_manoeuvre": p.may_cross_manoeuvre,
    }


def report_to_dict(report: PassReport, tz_name: str) -> dict:
    """The JSON document of ``iss-tracker passes --json`` and ``/api/v1/passes``
    (the API adds its ``elements`` block). Events are ``{time_utc, time_local
    (in tz_name), azimuth_deg, elevation_deg, compass, range_km}``; ``peak``
    is the highest point inside the window (the culmination unless the pass
    is cut by the window); ``count_before_visible_filter`` counts the passes
    before ``visible_only`` dropped the invisible ones."""
    import zoneinfo

    from tracker.astro.time import format_utc
    from tracker.astro.visibility import (ALONG_TRACK_KM_PER_DAY, DRAG_RELATIVE_ERROR,
                                    EPOCH_ALONG_TRACK_KM)
    tz = zoneinfo.ZoneInfo(tz_name)
    return {
        **window_header(report, tz_name),
        "min_elevation_deg": report.min_elevation_deg,
        "sun_max_deg": report.sun_max_deg,
        "visible_only": report.visible_only,
        "count": len(report.passes),
        "count_before_visible_filter": report.n_passes_total,
        "passes": [pass_to_dict(p, tz) for p in report.passes],
        "reason": report.reason,
        "warnings": list(report.warnings),
        "element_sets": [{"epoch_utc": format_utc(es.epoch_unix_s), "used_from_utc": format_utc(t0),
                          "used_to_utc": format_utc(t1), "source": es.source}
                         for t0, t1, es in report.element_sets],
        "model": {"elevation": "geometric (no refraction), WGS-84 observer",
                  "visible": "station not in the Earth's umbra and Sun at or below sun_max_deg",
                  "std_magnitude": ISS_STD_MAG,
                  "magnitude": "std + 5 log10(range/1000 km) - 2.5 log10(sin a + (pi - a) cos a)",
                  "timing_uncertainty": f"1 sigma: {EPOCH_ALONG_TRACK_KM:g} km + "
                                        f"{ALONG_TRACK_KM_PER_DAY:g} km/day + {DRAG_RELATIVE_ERROR:.0%} of "
                                        "the drag term (ndot/2 age^2), along track"},
    }


# ---------------------------------------------------------------------------
# every city at once
# ---------------------------------------------------------------------------

def passes_for_cities(gazetteer, start, days: float, *, store: ElementStore,
                      min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                      sun_max_deg: float = DEFAULT_SUN_MAX_DEG, visible_only: bool = False,
                      allow_stale: bool = False, eop=None, sun=None, progress=None):
    """Passes of every gazetteer city in one run: the ISS is sampled once and
    the parallel kernel scans all cities (chunked, reporting to ``progress``).

    Returns ``(track, table, keep)``: the shared track, the ``PassTable``
    (``obs`` indexes ``gazetteer.place(i)`` / ``gazetteer.lat_deg``) and a
    boolean mask of the rows to report (all, or the visible ones). ``start``:
    an ``Instant``, or what ``Instant.of`` reads.
    """
    start_unix_s = float(Instant.of(start, parameter="start").unix_s)
    days, min_el, sun_max = validate_window(days, min_elevation_deg, sun_max_deg)
    end_unix_s = start_unix_s + days * 86400.0
    validate_window_times(start_unix_s, end_unix_s)
    track = build_track(store, start_unix_s, end_unix_s, allow_stale=allow_stale, eop=eop, sun=sun)
    table = find_passes(track, gazetteer.lat_deg, gazetteer.lon_deg, np.zeros(len(gazetteer)),
                        min_elevation_deg=min_el, sun_max_deg=sun_max, progress=progress)
    keep = np.isfinite(table.vis[:, _ev.V_START]) if visible_only else np.ones(len(table.obs), bool)
    return track, table, keep


ALL_CITIES_COLUMNS = (
    "geonameid", "city", "country_code", "admin1_code", "lat_deg", "lon_deg", "timezone",
    "rise_utc", "rise_local", "rise_azimuth_deg", "rise_compass",
    "culmination_utc", "culmination_local", "max_elevation_deg", "culmination_azimuth_deg",
    "culmination_compass", "range_km", "set_utc", "set_local", "set_azimuth_deg",
    "set_compass", "duration_s", "visible", "appear_utc", "appear_local",
    "appear_azimuth_deg", "appear_elevation_deg", "appear_compass", "disappear_utc",
    "disappear_local", "disappear_azimuth_deg", "disappear_elevation_deg",
    "disappear_compass", "disappears_into_shadow", "magnitude", "timing_uncertainty_s",
    "uncertainty_68_s", "uncertainty_90_s")


def all_cities_rows(gazetteer, start, days: float, *, store: ElementStore,
                    local_times: bool = True, progress=None, **options):
    """Every gazetteer city's passes as flat rows (``ALL_CITIES_COLUMNS``;
    times ISO 8601, UTC with Z and local in each city's zone, or UTC when
    ``local_times`` is false; numbers as text, empty when absent).

    Returns ``(warnings, rows)``: the track is built and every city scanned
    before it returns (``progress`` as in ``passes_for_cities``); the rows
    are produced while they are read, so memory holds one row at a time.
    """
    import zoneinfo

    from tle.store import iso_z

    track, table, keep = passes_for_cities(gazetteer, start, days, store=store,
                                           progress=progress, **options)
    t0 = track.t0_unix_s
    p, vis, look = table.p, table.vis, table.look
    # per pass, the element set in force at its peak (as track.element_set_at), vectorised
    peak_abs = t0 + p[:, _ev.P_PEAK_T]
    sets = [seg[2] for seg in track.segments]
    k = np.minimum(np.searchsorted(np.array([seg[1] for seg in track.segments]), peak_abs,
                                   side="right"), len(sets) - 1)
    age = (peak_abs - np.array([es.epoch_unix_s for es in sets])[k]) / 86400.0
    sigma = timing_sigma_s(age, np.array([es.ndot for es in sets])[k],
                           np.array([es.mean_motion_rev_day for es in sets])[k])
    u68, u90 = timing_band_s(age, 68), timing_band_s(age, 90)
    into_shadow = shadow_edges(track, vis[:, _ev.V_END])
    is_iss = store.satnum == ISS_SATNUM       # the brightness model is the ISS's

    kept = np.nonzero(keep)[0]
    # plain Python numbers (formatting numpy scalars is several times slower)
    pk, vk = p[kept].tolist(), vis[kept].tolist()
    lk = {n: [col[kept].tolist() for col in look[n]] for n in look}
    obs, shadow_k = table.obs[kept].tolist(), into_shadow[kept].tolist()
    sig_k, u68_k, u90_k = sigma[kept].tolist(), u68[kept].tolist(), u90[kept].tolist()

    def rows():
        zones: dict = {}
        offsets: dict = {}          # (zone, 15-min bucket) -> fixed-offset tz, where one holds
        places: dict = {}
        utc = dt.timezone.utc

        def local_tz(zone, u):
            key = (zone, u // 900)
            tz = offsets.get(key)
            if tz is None:
                z = zones.get(zone) or zones.setdefault(zone, zoneinfo.ZoneInfo(zone))
                lo = dt.datetime.fromtimestamp(key[1] * 900, utc).astimezone(z).utcoffset()
                hi = dt.datetime.fromtimestamp(key[1] * 900 + 899, utc).astimezone(z).utcoffset()
                tz = offsets[key] = dt.timezone(lo) if lo == hi else z   # a change inside: exact zone
            return tz

        days: dict = {}             # UTC day number -> its date, as iso_z writes it

        def utc_text(u):
            """iso_z(u) for whole seconds u: the date once per day, then the clock."""
            d, sec = divmod(u, 86400)
            day = days.get(d) or days.setdefault(d, iso_z(d * 86400)[:10])
            h, sec = divmod(sec, 3600)
            m, sec = divmod(sec, 60)
            return f"{day}T{h:02d}:{m:02d}:{sec:02d}Z"

        def when(t, zone):
            if not math.isfinite(t):
                return "", ""
            u = round(t0 + t)
            return utc_text(u), dt.datetime.fromtimestamp(u, local_tz(zone, u)).isoformat()

        def f(x, spec):
            return "" if not math.isfinite(x) else format(x, spec)

        def compass(az):
            return compass_16(az) if math.isfinite(az) else ""

        for q in range(len(kept)):
            k = obs[q]
            place = places.get(k) or places.setdefault(k, gazetteer.place(k))
            zone = place.timezone if local_times else "UTC"
            pq, vq = pk[q], vk[q]
            visible = math.isfinite(vq[_ev.V_START])
            az = {n: lk[n][0][q] for n in ("rise", "culm", "set", "appear", "disappear", "peak")}
            el = {n: lk[n][1][q] for n in ("appear", "disappear", "peak")}
            top = "culm" if math.isfinite(pq[_ev.P_CULM]) else "peak"
            yield (
                place.geonameid, place.name, place.country_code, place.admin1_code or "",
                place.lat_deg, place.lon_deg, zone,
                *when(pq[_ev.P_RISE], zone), f(az["rise"], ".1f"), compass(az["rise"]),
                *when(pq[_ev.P_CULM] if top == "culm" else pq[_ev.P_PEAK_T], zone),
                f(el["peak"], ".2f"), f(az[top], ".1f"), compass_16(az[top]),
                f(lk["peak"][2][q], ".1f"),
                *when(pq[_ev.P_SET], zone), f(az["set"], ".1f"), compass(az["set"]),
                f(pq[_ev.P_END] - pq[_ev.P_START], ".1f"), "true" if visible else "false",
                *when(vq[_ev.V_START], zone), f(az["appear"], ".1f"), f(el["appear"], ".1f"),
                compass_16(az["appear"]) if visible else "",
                *when(vq[_ev.V_END], zone), f(az["disappear"], ".1f"),
                f(el["disappear"], ".1f"), compass_16(az["disappear"]) if visible else "",
                ("true" if shadow_k[q] else "false") if visible else "",
                f(vq[_ev.V_MAG], ".1f") if is_iss else "", f(sig_k[q], ".1f"), f(u68_k[q], ".1f"),
                f(u90_k[q], ".1f"))

    return list(track.warnings), rows()


# ---------------------------------------------------------------------------
# one pass across the sky (the sky chart's data)
# ---------------------------------------------------------------------------

SKY_PATH_STEP_S = 5.0            # seconds between the points of a pass's path across the sky


@dataclass(frozen=True)
class SkyPath:
    """One pass across the observer's sky: ``report`` (the pass list it was
    picked from), ``index`` into ``report.passes``, and per point of the
    path (every ``SKY_PATH_STEP_S`` seconds from rise to set, plus the
    events themselves) ``unix_s``, ``azimuth_deg`` (from north, east
    positive), ``elevation_deg`` (geometric) and ``visible`` (inside the
    visible segment: station sunlit, sky dark)."""

    report: PassReport
    index: int
    unix_s: np.ndarray
    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    visible: np.ndarray

    @property
    def pass_(self) -> Pass:
        return self.report.passes[self.index]

    @property
    def shadow_entry(self) -> PassEvent | None:
        """Where the station enters Earth's shadow during the pass, if it does."""
        p = self.pass_
        return p.disappear if p.visible and p.disappears_into_shadow else None


def sky_path(place: Place, start, days: float = DEFAULT_DAYS, *, index: int,
             store: ElementStore, step_s: float = SKY_PATH_STEP_S, eop=None, sun=None,
             allow_stale: bool = False, **options) -> SkyPath:
    """The path across the sky of pass number ``index`` (0 = the first) of
    ``passes_for_place(place, start, days, **options)``. Raises
    UserError (parameter ``pass_index``) when the window holds no such pass."""
    start_unix_s = float(Instant.of(start, parameter="start").unix_s)
    days_checked = validate_days(days)
    end_unix_s = start_unix_s + days_checked * 86400.0
    validate_window_times(start_unix_s, end_unix_s)
    track = build_track(store, start_unix_s, end_unix_s, allow_stale=allow_stale, eop=eop, sun=sun)
    report = passes_for_place(place, start_unix_s, days_checked, store=store, track=track,
                              allow_stale=allow_stale, **options)
    if not 0 <= index < len(report.passes):
        raise UserError(f"pass_index: {index} but the window holds {len(report.passes)} pass"
                        f"{'es' if len(report.passes) != 1 else ''} (numbered from 0)",
                        parameter="pass_index")
    p = report.passes[index]
    first = p.rise or p.appear or p.peak
    last = p.set or p.disappear or p.peak
    t0, t1 = first.unix_s, last.unix_s
    if p.starts_before_window:
        t0 = start_unix_s
    if p.ends_after_window:
        t1 = end_unix_s
    events = [e.unix_s for e in (p.rise, p.culmination, p.set, p.appear, p.disappear) if e]
    t = np.unique(np.concatenate([np.arange(t0, t1, step_s), [t1], events]))
    t = t[(t >= t0) & (t <= t1)]
    lat, lon, alt = _observer_arrays([place.lat_deg], [place.lon_deg], [place.alt_m])
    az, el, _ = look_angles(track, lat, lon, alt, np.zeros(len(t), dtype=np.int64),
                            t - track.t0_unix_s)
    visible = np.zeros(len(t), bool)
    if p.visible:
        visible = (t >= p.appear.unix_s - 1e-6) & (t <= p.disappear.unix_s + 1e-6)
    return SkyPath(report=report, index=index, unix_s=t, azimuth_deg=az, elevation_deg=el,
                   visible=visible)
