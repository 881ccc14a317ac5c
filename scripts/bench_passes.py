"""Benchmark: pass predictions for one city, ours vs skyfield, in one run.

Both sides use the same single element set and observer and do the same job:
find every pass above 10 deg in the window (rise, culmination, set), then
for each pass decide visibility (station sunlit and the observer's Sun at or
below -6 deg), the visible segment and the brightest magnitude.

* ours: ``tracker.services.passes.passes_for_place`` (propagation, frames, Sun,
  shadow intervals, event kernels, visibility and magnitude), warm: the
  numba cache is loaded by a first call that is not timed;
* skyfield: ``EarthSatellite.find_events(topos, t0, t1, altitude_degrees=10)``
  then, per pass, ``is_sunlit`` and the Sun's altitude at 1 s steps from rise
  to set (the visible segment to 1 s) and the magnitude model on those
  samples -- the straightforward way to get the same answers from skyfield.

Each timing is the best of ``--repeat`` runs. Prints the times and the ratio
skyfield / ours. Usage: ``python scripts/bench_passes.py [--city Paris] [--repeat 3]``.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tle.store import ElementStore  # noqa: E402
from tracker.services.passes import passes_for_place  # noqa: E402
from tracker.places.gazetteer import resolve  # noqa: E402
from tracker.astro.visibility import visual_magnitude  # noqa: E402

DAY_S = 86400.0


def skyfield_passes(sat, topos, eph, ts, start, days):
    def at(u):
        u = np.atleast_1d(u)
        d = np.floor(u / DAY_S)
        return ts.utc(1970, 1, 1 + d, 0, 0, u - d * DAY_S)

    t0, t1 = at(start), at(start + days * DAY_S)
    t, kinds = sat.find_events(topos, t0[0], t1[0], altitude_degrees=10.0)
    unix = [d.timestamp() for d in t.utc_datetime()]
    rises = [u for u, k in zip(unix, kinds) if k == 0]
    sets = [u for u, k in zip(unix, kinds) if k == 2]
    results = []
    earth, sun = eph["earth"], eph["sun"]
    observer = earth + topos
    for a, b in zip(rises, sets[-len(rises):] if len(sets) >= len(rises) else sets):
        if b <= a:
            continue
        u = np.arange(a, b, 1.0)
        tt = at(u)
        sat_at = sat.at(tt)
        lit = sat_at.is_sunlit(eph)
        sun_alt = (sun - observer).at(tt).altaz()[0].degrees
        vis = lit & (sun_alt <= -6.0)
        mag = None
        if vis.any():
            rel = (sat - topos).at(tt)
            rng = rel.distance().km
            to_sun = (sun - earth).at(tt).position.km - sat_at.position.km
            to_obs = -rel.position.km
            cosa = np.sum(to_sun * to_obs, axis=0) / np.linalg.norm(to_sun, axis=0) / rng
            mag = float(np.min(visual_magnitude(rng, np.arccos(np.clip(cosa, -1, 1)))[vis]))
        results.append((a, b, bool(vis.any()), mag))
    return t, kinds, results


def best_of(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="Paris")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from skyfield.api import EarthSatellite, load, load_file, wgs84

    shipped = ElementStore.shipped()
    es = shipped.sets[40]
    store = ElementStore([es])
    place = resolve(args.city)
    ts = load.timescale(builtin=True)
    spec = importlib.util.find_spec("skyfield_data")
    eph = load_file(os.path.join(list(spec.submodule_search_locations)[0], "data", "de421.bsp"))
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    topos = wgs84.latlon(place.lat_deg, place.lon_deg, elevation_m=place.alt_m)

    t = time.perf_counter()
    passes_for_place(place, es.epoch_unix_s, 1, store=store)        # load the numba cache
    print(f"first call (numba cache load / compile): {time.perf_counter() - t:.2f} s")
    print(f"city {place.label}, element set epoch {es.epoch.isoformat()}, best of {args.repeat}")
    print(f"{'days':>5} {'ours_s':>9} {'skyfield_s':>11} {'ratio':>7} {'passes':>7} {'visible':>8}")
    for days in (10, 30):
        start = es.epoch_unix_s - days / 2 * DAY_S
        ours_s, rep = best_of(lambda: passes_for_place(place, start, days, store=store,
                                                       allow_stale=True), args.repeat)
        sky_s, (_, _, sky) = best_of(lambda: skyfield_passes(sat, topos, eph, ts, start, days),
                                     args.repeat)
        print(f"{days:>5} {ours_s:>9.3f} {sky_s:>11.3f} {sky_s / ours_s:>6.1f}x "
              f"{len(rep.passes):>7} {sum(p.visible for p in rep.passes):>8}"
              f"   (skyfield: {len(sky)} passes, {sum(v for _, _, v, _ in sky)} visible)")
    eph.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
