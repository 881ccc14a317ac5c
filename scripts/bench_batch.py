"""Benchmark: catalog batch statistics on Dask (1 and 2 workers) against one plain process.

    .venv/bin/python scripts/bench_batch.py [--days 30] [--objects N] [--repeats 2]

The 22,677-object catalog (tests/data/catalog_2022-07-15.tle; ``--objects N``:
the first N) from 2022-07-15 for ``--days`` days at ``--step-s`` (60) seconds,
with the same chunk grid (``--span-samples``, ``--chunk-objects``) in every
tool:

* ``plain-1``: this process, no Dask, the serial kernel (one core): the
  like-for-like reference for one worker;
* ``dask-1`` / ``dask-2``: a local Dask cluster (``batch_dask.open_client``)
  of 1 / 2 worker processes with one thread each;
* ``plain-numba``: this process with numba's thread pool (what
  ``batch-stats --engine plain`` does), for information.

Clusters are started once, before the timed runs, and their start-up is
reported apart (it is paid once per CLI run). After a warm-up run of every
tool on a small job, the repeats are interleaved (tool order rotates each
repeat) and the minimum per tool is kept: wall (perf_counter) and CPU
(this process + every worker process, from ``os.times``). Peak RSS: this
process's and each worker's ``ru_maxrss``. Prints the scaling from 1 to 2
workers (wall dask-1 / wall dask-2), the Dask overhead (wall dask-1 /
wall plain-1 - 1), and whether the rows of every tool are identical (bit for
bit, NaN = NaN). The load average is printed: on a shared machine the
figures move with other people's work.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import resource
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

CATALOG = os.path.join(ROOT, "tests", "data", "catalog_2022-07-15.tle")
START = dt.datetime(2022, 7, 15, tzinfo=dt.timezone.utc)


def _worker_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _worker_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def same_rows(a, b) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for k, v in ra.items():
            w = rb[k]
            if not (v == w or (isinstance(v, float) and math.isnan(v) and isinstance(w, float)
                               and math.isnan(w))):
                return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--objects", type=int, help="the first N objects of the catalog")
    ap.add_argument("--step-s", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--span-samples", type=int, default=None)
    ap.add_argument("--chunk-objects", type=int, default=None)
    ap.add_argument("--no-numba-threads", action="store_true", help="skip plain-numba")
    args = ap.parse_args()

    import numba

    from tle.store import read_element_file
    from tracker.services import batch as b
    from tracker.services.batch_dask import describe, iter_dask_rows, open_client

    sets = read_element_file(CATALOG)
    if args.objects:
        sets = sets[:args.objects]
    end = START + dt.timedelta(days=args.days)
    grid = {"span_samples": args.span_samples or b.DEFAULT_SPAN_SAMPLES,
            "chunk_objects": args.chunk_objects or b.DEFAULT_CHUNK_OBJECTS}
    plan = b.make_plan(len(sets), START, end, args.step_s, **grid)
    small = sets[:300]
    small_plan = b.make_plan(len(small), START, START + dt.timedelta(hours=6), args.step_s,
                             **grid)
    print(f"# {len(sets):,} objects x {plan.samples:,} samples = {plan.propagations:,} "
          f"propagations ({args.days:g} days at {args.step_s:g} s); chunks "
          f"{len(plan.slices())} object slices x {len(plan.spans())} spans "
          f"({plan.chunk_objects} objects x {plan.span_samples} samples)")
    print(f"# machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"numba threads {numba.get_num_threads()}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")

    clients, stacks, startup = {}, [], {}
    for n in (1, 2):
        t0 = time.perf_counter()
        cm = open_client(None, workers=n)
        clients[n] = cm.__enter__()
        stacks.append(cm)
        startup[n] = time.perf_counter() - t0
        print(f"# dask-{n}: local cluster ({describe(clients[n])}) started and warmed in "
              f"{startup[n]:.1f} s")

    def run_plain(threads):
        def go(s, p):
            return [r for rows in b.iter_batch_rows(s, p, numba_threads=threads) for r in rows]
        return go

    def run_dask(n):
        def go(s, p):
            return [r for rows in iter_dask_rows(clients[n], s, p) for r in rows]
        return go

    tools = {"plain-1": (run_plain(1), None), "dask-1": (run_dask(1), 1),
             "dask-2": (run_dask(2), 2)}
    if not args.no_numba_threads:
        tools["plain-numba"] = (run_plain(0), None)

    def cpu_now(n):
        own = time.process_time()
        if n is None:
            return own
        return own + sum(clients[n].run(_worker_cpu_s).values())

    for name, (go, _n) in tools.items():            # warm-up
        go(small, small_plan)

    best = {name: (math.inf, math.inf) for name in tools}
    rows = {}
    names = list(tools)
    try:
        for rep in range(args.repeats):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                go, n = tools[name]
                c0, t0 = cpu_now(n), time.perf_counter()
                out = go(sets, plan)
                wall, cpu = time.perf_counter() - t0, cpu_now(n) - c0
                rows.setdefault(name, out)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
                print(f"  repeat {rep + 1} {name:12} wall {wall:8.2f} s  cpu {cpu:8.2f} s  "
                      f"{plan.propagations / wall / 1e6:6.2f} M propagations/s", flush=True)
        rss = {n: max(clients[n].run(_worker_maxrss_mb).values()) for n in clients}
    finally:
        for cm in reversed(stacks):
            cm.__exit__(None, None, None)

    print()
    print(f"{'tool':12} {'wall min s':>11} {'cpu min s':>10} {'M prop/s':>9}")
    for name, (wall, cpu) in best.items():
        print(f"{name:12} {wall:11.2f} {cpu:10.2f} {plan.propagations / wall / 1e6:9.2f}")
    w = {k: v[0] for k, v in best.items()}
    ref = rows["plain-1"]
    same = {name: same_rows(r, ref) for name, r in rows.items()}
    print(f"scaling 1 -> 2 workers: {w['dask-1'] / w['dask-2']:.2f}x (wall)")
    print(f"Dask overhead, 1 worker vs plain-1: {100 * (w['dask-1'] / w['plain-1'] - 1):+.1f} % "
          f"(wall; cluster start-up {startup[1]:.1f} s / {startup[2]:.1f} s not included)")
    print("identical rows: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in same.items()))
    print(f"peak RSS: this process {_worker_maxrss_mb():.0f} MB (holds every tool's rows), "
          f"worker max {max(rss.values()):.0f} MB")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
