"""Benchmark: passes for 3 sites x 30 days, ours vs skyfield, in one run.

    python scripts/bench_passes.py [--repeat 3] [--threads 1,2] [--days 30]

The same element set (the shipped store's set 40, the window centred on its
epoch), the same three observers (Paris, Chicago, Sydney, from the gazetteer)
and passes above 10 deg, timed these ways:

* ours, batched: ``tracker.services.passes.passes_for_places`` for the three
  sites in one call -- the pass service (the reports are the same as
  ``passes_for_place`` gives each site): rise, culmination, set, and for
  each pass visibility (station sunlit and the observer's Sun at or below
  -6 deg) with the visible segment and the brightest magnitude, the element
  set's age, the timing uncertainty; one sampled track (with its Sun table
  and shadow intervals) for the three sites;
* ours, per site: ``passes_for_place`` once per site, as one CLI or HTTP
  request asks, each building its own track;
* ours without visibility, like for like with sgp4-predict below: the track
  without its Sun table and shadow intervals (``build_track(with_sun=False)``)
  and ``find_passes`` for the three sites (rise, culmination, set and their
  look angles, as arrays; no ``Pass`` records);
* skyfield ``find_events`` alone (rise/culmination/set, no visibility);
* skyfield ``find_events`` then visibility the way a skyfield user would
  write it: one vectorised call at every event instant (rise, culmination,
  set of every pass) of ``is_sunlit`` and of the Sun's apparent altitude,
  a pass being visible if it is at one of those instants, and the magnitude
  (the same phase-law formula as ours) at its culmination. This samples 3
  instants per pass where ours finds the visible segment's edges, so it can
  miss a pass visible only between them; the counts are printed;
* sgp4-predict (only where the ``sgp4_predict`` package imports, i.e. run
  with the ``bench`` extra's environment): ``Predictor.transits_iter`` (rise
  and set) and ``max_elevation`` on each transit (culmination) per site; no
  visibility.

Each thread count runs in a child process with NUMBA_NUM_THREADS, and
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS (numpy's BLAS: skyfield's rotations
and ours), set to it. In a child the tools run alternately, one warm-up call
each, then ``--repeat`` rounds; figures are the minimum wall and process CPU
seconds for all three sites.

Agreement: each culmination (ours, skyfield's, sgp4-predict's) is compared with a refined
search of the same element set's elevation by skyfield (1 s grid over
+-30 s, then 10 ms grid over +-1.5 s and a parabola through the highest
three samples); the median and largest |difference| (s) are printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_propagation as bp  # noqa: E402  (puts the repository root on sys.path)

DAY_S = 86400.0
SITES = ("Paris", "Chicago", "Sydney")
MIN_EL_DEG = 10.0
SUN_MAX_DEG = -6.0


def _setup(days: float):
    from skyfield.api import EarthSatellite, load, load_file, wgs84

    from tle.store import ElementStore
    from tracker.places.gazetteer import resolve

    es = ElementStore.shipped().sets[40]
    store = ElementStore([es])
    places = [resolve(name) for name in SITES]
    ts = load.timescale(builtin=True)
    spec = importlib.util.find_spec("skyfield_data")
    eph = load_file(os.path.join(list(spec.submodule_search_locations)[0], "data", "de421.bsp"))
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    topos = [wgs84.latlon(p.lat_deg, p.lon_deg, elevation_m=p.alt_m) for p in places]
    start = es.epoch_unix_s - days / 2 * DAY_S
    return es, store, places, ts, eph, sat, topos, start


def _ts_unix(ts, unix):
    unix = np.atleast_1d(np.asarray(unix, float))
    d = np.floor(unix / DAY_S)
    return ts.utc(1970, 1, 1 + d, 0, 0, unix - d * DAY_S)


def _unix(t):
    """Unix seconds of skyfield times (UTC, to the microsecond)."""
    return np.array([d.timestamp() for d in np.atleast_1d(t.utc_datetime())])


def ours_run(places, store, start, days):
    from tracker.services.passes import passes_for_places
    return passes_for_places(places, start, days, store=store, allow_stale=True,
                             min_elevation_deg=MIN_EL_DEG, sun_max_deg=SUN_MAX_DEG)


def ours_per_site(places, store, start, days):
    from tracker.services.passes import passes_for_place
    return [passes_for_place(p, start, days, store=store, allow_stale=True,
                             min_elevation_deg=MIN_EL_DEG, sun_max_deg=SUN_MAX_DEG)
            for p in places]


def ours_no_visibility(places, store, start, days):
    from tracker.services.passes import find_passes
    from tracker.services.sampled_track import build_track
    track = build_track(store, start, start + days * DAY_S, allow_stale=True, with_sun=False)
    return find_passes(track, [p.lat_deg for p in places], [p.lon_deg for p in places],
                       [p.alt_m for p in places], min_elevation_deg=MIN_EL_DEG, sun_max_deg=None)


def have_sgp4_predict() -> bool:
    return importlib.util.find_spec("sgp4_predict") is not None


def sgp4_predict_setup(es, places, start, days):
    import sgp4_predict as sp
    pred = sp.Predictor.from_tle(sp.Tle("ISS (ZARYA)", es.line1, es.line2))
    t0 = dt.datetime.fromtimestamp(start, dt.timezone.utc)
    window = sp.Interval(t0, t0 + dt.timedelta(days=days))
    observers = [sp.GeodeticPoint(p.lat_deg, p.lon_deg, p.alt_m) for p in places]
    return pred, window, observers


def sgp4_predict_run(pred, window, observers):
    """Per site: the transits above MIN_EL_DEG and the culmination of each."""
    out = []
    for o in observers:
        transits = list(pred.transits_iter(o, window, MIN_EL_DEG))
        out.append([(tr, pred.max_elevation(o, tr)[0]) for tr in transits])
    return out


def sky_events(sat, topos, ts, start, days):
    t0, t1 = _ts_unix(ts, [start, start + days * DAY_S])
    return [sat.find_events(tp, t0, t1, altitude_degrees=MIN_EL_DEG) for tp in topos]


def sky_visibility(sat, topos, eph, ts, start, days):
    """find_events, then sunlit + Sun altitude at every event, magnitude at culminations."""
    from tracker.astro.visibility import visual_magnitude

    earth, sun = eph["earth"], eph["sun"]
    out = []
    for tp, (t, kinds) in zip(topos, sky_events(sat, topos, ts, start, days)):
        lit = sat.at(t).is_sunlit(eph)
        sun_alt = (earth + tp).at(t).observe(sun).apparent().altaz()[0].degrees
        ok = lit & (sun_alt <= SUN_MAX_DEG)
        # group events into passes: a new pass at each rise (kind 0)
        pass_no = np.cumsum(kinds == 0)
        visible = np.zeros(pass_no.max() + 1, bool)
        np.logical_or.at(visible, pass_no, ok)
        culm = kinds == 1
        tc = t[culm]
        rel = (sat - tp).at(tc)
        rng = rel.distance().km
        to_sun = (sun - earth).at(tc).position.km - sat.at(tc).position.km
        cosa = np.sum(to_sun * -rel.position.km, axis=0) / np.linalg.norm(to_sun, axis=0) / rng
        mag = visual_magnitude(rng, np.arccos(np.clip(cosa, -1.0, 1.0)))
        out.append((t, kinds, visible[pass_no[culm]], mag))
    return out


def refine_culminations(sat, tp, ts, guesses_unix):
    """Time of the elevation maximum near each guess (s), by skyfield."""
    guesses = np.asarray(guesses_unix, float)
    if guesses.size == 0:
        return guesses

    def elevation(u):
        return (sat - tp).at(_ts_unix(ts, u.ravel())).altaz()[0].degrees.reshape(u.shape)

    coarse = guesses[:, None] + np.arange(-30.0, 31.0)[None, :]
    mid = coarse[np.arange(len(guesses)), np.argmax(elevation(coarse), axis=1)]
    fine_step = 0.01
    fine = mid[:, None] + np.arange(-150, 151)[None, :] * fine_step
    el = elevation(fine)
    k = np.clip(np.argmax(el, axis=1), 1, fine.shape[1] - 2)
    rows = np.arange(len(guesses))
    y0, y1, y2 = el[rows, k - 1], el[rows, k], el[rows, k + 1]
    denom = y0 - 2 * y1 + y2
    shift = np.where(denom != 0, 0.5 * (y0 - y2) / np.where(denom != 0, denom, 1), 0.0)
    return fine[rows, k] + shift * fine_step


def run_child(args) -> dict:
    import numba

    es, store, places, ts, eph, sat, topos, start = _setup(args.days)
    jobs = [lambda: ours_run(places, store, start, args.days),
            lambda: ours_per_site(places, store, start, args.days),
            lambda: ours_no_visibility(places, store, start, args.days),
            lambda: sky_events(sat, topos, ts, start, args.days),
            lambda: sky_visibility(sat, topos, eph, ts, start, args.days)]
    spp = None
    if have_sgp4_predict():
        spp = sgp4_predict_setup(es, places, start, args.days)
        jobs.append(lambda: sgp4_predict_run(*spp))
    wall, cpu = bp._best(jobs, args.repeat)
    ours = jobs[0]()
    same = all(a.passes == b.passes for a, b in zip(ours, jobs[1]()))
    plain = jobs[2]()
    same_plain = len(plain.obs) == sum(len(r.passes) for r in ours)
    sky = jobs[4]()
    sp_out = jobs[5]() if spp else [[] for _ in places]
    counts = {"ours_passes": 0, "ours_visible": 0, "sky_passes": 0, "sky_visible": 0,
              "sp_passes": sum(len(x) for x in sp_out)}
    d_ours, d_sky, d_sp = [], [], []
    for place, tp, rep, (t, kinds, vis, mag), sp_site in zip(places, topos, ours, sky, sp_out):
        full = [p for p in rep.passes if p.culmination is not None
                and not p.starts_before_window and not p.ends_after_window]
        counts["ours_passes"] += len(rep.passes)
        counts["ours_visible"] += sum(p.visible for p in rep.passes)
        counts["sky_passes"] += int(np.count_nonzero(kinds == 0))
        counts["sky_visible"] += int(np.count_nonzero(vis))
        g_ours = np.array([p.culmination.unix_s for p in full])
        g_sky = _unix(t[kinds == 1])
        # sgp4-predict's transits inside the window (it walks out to a cut pass's ends)
        g_sp = np.array([c.timestamp() for tr, c in sp_site
                         if tr.start.timestamp() >= start and
                         tr.end.timestamp() <= start + args.days * DAY_S])
        if args.check:
            d_ours += list(np.abs(g_ours - refine_culminations(sat, tp, ts, g_ours)))
            d_sky += list(np.abs(g_sky - refine_culminations(sat, tp, ts, g_sky)))
            d_sp += list(np.abs(g_sp - refine_culminations(sat, tp, ts, g_sp)))
    eph.close()

    def stats(d):
        return [float(np.median(d)), float(np.max(d))] if d else None

    return {"threads": numba.config.NUMBA_NUM_THREADS, "wall": wall, "cpu": cpu, **counts,
            "epoch": es.epoch.isoformat(), "sites": [p.label for p in places],
            "same_reports": same and same_plain, "d_ours": stats(d_ours), "d_sky": stats(d_sky),
            "d_sp": stats(d_sp), "n_culm": [len(d_ours), len(d_sky), len(d_sp)]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--no-check", dest="check", action="store_false",
                    help="skip the refined-search agreement check")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args)))
        return 0
    model, simd = bp._cpu_model()
    print(f"{model} ({os.cpu_count()} CPUs); load average {os.getloadavg()[0]:.2f} at start; "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%dT%H:%MZ}; min of {args.repeat}, interleaved")
    results = []
    for n in [int(x) for x in args.threads.split(",")]:
        cmd = [sys.executable, __file__, "--child", "--repeat", str(args.repeat),
               "--days", str(args.days)] + ([] if args.check else ["--no-check"])
        env = dict(os.environ, NUMBA_NUM_THREADS=str(n), OPENBLAS_NUM_THREADS=str(n),
                   OMP_NUM_THREADS=str(n))
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    r0 = results[0]
    print(f"{len(SITES)} sites ({'; '.join(r0['sites'])}) x {args.days:g} days, element set "
          f"epoch {r0['epoch']}, passes above {MIN_EL_DEG:g} deg")
    names = ["ours: passes_for_places, 3 sites in one call", "ours: passes_for_place per site",
             "ours: no visibility (track w/o Sun, find_passes)",
             "skyfield find_events alone", "skyfield find_events + is_sunlit/Sun at events",
             "sgp4-predict transits + max_elevation"]
    print(f"{'thr':>3s} {'tool':48s} {'wall s':>8s} {'CPU s':>8s} {'wall / ours':>11s} "
          f"{'CPU / ours':>10s}   (ours: the first row)")
    for r in results:
        for k, name in enumerate(names[:len(r["wall"])]):
            print(f"{r['threads']:3d} {name:48s} {r['wall'][k]:8.3f} {r['cpu'][k]:8.3f} "
                  f"{r['wall'][k] / r['wall'][0]:10.2f}x {r['cpu'][k] / r['cpu'][0]:9.2f}x")
    print(f"passes: ours {r0['ours_passes']} ({r0['ours_visible']} visible), skyfield "
          f"{r0['sky_passes']} ({r0['sky_visible']} visible at an event instant)"
          + (f", sgp4-predict {r0['sp_passes']}" if len(r0["wall"]) > 5 else "")
          + f"; batched reports == per-site reports (and as many passes without "
            f"visibility): {r0['same_reports']}")
    if r0["d_ours"]:
        print(f"culmination vs refined search (s), median / max: ours {r0['d_ours'][0]:.3f} / "
              f"{r0['d_ours'][1]:.3f} ({r0['n_culm'][0]} culminations), skyfield "
              f"{r0['d_sky'][0]:.3f} / {r0['d_sky'][1]:.3f} ({r0['n_culm'][1]})"
              + (f", sgp4-predict {r0['d_sp'][0]:.3f} / {r0['d_sp'][1]:.3f} "
                 f"({r0['n_culm'][2]})" if r0["d_sp"] else ""))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if len(r0["wall"]) <= 5:
        print("sgp4-predict not timed: the sgp4_predict package does not import here (run this "
              "script with the bench extra's environment)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
