"""Benchmark: ISS transit searches (tracker.services.transits), wall and CPU time.

* one site, 60 days, Sun and Moon: ``find_transits`` from the element store
  (the shipped 2015-2016 history: a set every few days), everything included
  (30 s track, ephemeris grid, screen, refinement, centre lines near events);
* the whole Earth, 60 days: every centre line of the Sun and of the Moon
  (``centerlines``: the shadow line of the station along the body's direction
  wherever it meets the ground), one point every ``--step-s`` seconds.

Warm: a first short call loads the numba cache and is not timed. Each timing
is the best of ``--repeat`` runs. Usage:
``python scripts/bench_transits.py [--city Paris] [--days 60] [--step-s 1] [--repeat 2]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tle.store import ElementStore  # noqa: E402
from tracker.places.gazetteer import resolve  # noqa: E402
from tracker.services import transits as T  # noqa: E402

START = "2015-05-10T00:00:00Z"


def timed(fn, repeat):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if best is None or w < best[0]:
            best = (w, c, out)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="Paris")
    ap.add_argument("--days", type=float, default=60.0)
    ap.add_argument("--step-s", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    from tracker.astro.time import datetime_to_unix, parse_time
    start = datetime_to_unix(parse_time(START))
    store = ElementStore.shipped()
    place = resolve(args.city)
    # warm the numba cache and skyfield's lazy tables
    T.find_transits(place, start, 0.2, store=store, allow_stale=True)
    T.centerlines(store, start, 0.05, body="sun", allow_stale=True)

    w, c, rep = timed(lambda: T.find_transits(place, start, args.days, store=store,
                                              radius_km=10.0, allow_stale=True), args.repeat)
    kinds = [e.kind for e in rep.transits]
    print(f"one site ({place.label}), {args.days:g} days, Sun and Moon: wall {w:.3f} s, "
          f"CPU {c:.3f} s; {kinds.count('transit')} transit(s), "
          f"{kinds.count('near-miss')} near miss(es) within 10 km, {rep.candidates} screen "
          f"candidate sample(s)")
    total_w = total_c = 0.0
    for body in T.BODIES:
        w, c, (t, lat, lon) = timed(lambda: T.centerlines(store, start, args.days, body=body,
                                                          step_s=args.step_s,
                                                          allow_stale=True), args.repeat)
        total_w += w
        total_c += c
        print(f"whole Earth, {body}, {args.days:g} days every {args.step_s:g} s: wall {w:.3f} s, "
              f"CPU {c:.3f} s; {t.size:,} centre-line points")
    print(f"whole Earth, both bodies: wall {total_w:.3f} s, CPU {total_c:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
