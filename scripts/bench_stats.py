"""Benchmark: orbit statistics, ours vs a plain python-sgp4 + numpy loop, in one run.

    .venv/bin/python scripts/bench_stats.py [--step 1] [--threads 1,2] [--quick]

1. Year in Space over the whole mission (340.4 days) at ``--step`` seconds
   (default 1 s: 29.4 million propagations; goal: < 5 s wall on 2 cores,
   peak memory < 1 GB). Ours: ``tracker.services.stats.orbit_stats``.
   Reference: per element-set segment, one day at a time, ``SatrecArray.sgp4``
   then numpy for the same figures (inertial distance, node crossings,
   geodetic altitude by Bowring's method, ground track with skyfield's
   GMST 1982, conical shadow with our Sun table), over the same span at the
   same step -- nothing is extrapolated.
2. The 22,677-object catalog for one day at 60-s steps (32.6 million
   propagations; goal: < 20 s, < 2 GB). Ours: ``tracker.services.batch.batch_stats``.
   Reference: ``SatrecArray.sgp4`` on blocks of 500 objects then numpy (node
   crossings, altitude range) over the whole catalog (``--ref-objects`` N
   times the first N objects instead, and the output says so).

Threads: the reference is numpy and python-sgp4, one thread. Ours runs once
per ``--threads`` count, each in a fresh subprocess with NUMBA_NUM_THREADS
set, after a warm-up call (numba's on-disk cache is loaded, not compiled),
so that its peak resident memory (ru_maxrss) is its own. Ratios are given
1 thread against 1 thread, by wall and by CPU time; the other counts'
rows are labelled with their threads. ``--quick`` shortens everything for a
smoke test. Wall times depend on the machine's load: the script prints the
load average.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

CATALOG = os.path.join(ROOT, "tests", "data", "catalog_2022-07-15.tle")
CATALOG_START = dt.datetime(2022, 7, 15, tzinfo=dt.timezone.utc)


def _peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---- ours (run in a subprocess) ----------------------------------------------------

def ours_yis(arg) -> dict:
    from tracker.services.missions import get_mission, mission_store
    from tracker.services.stats import orbit_stats

    days, step_s = arg
    mission = get_mission("year-in-space")
    store = mission_store(mission)
    end = mission.end if days is None else mission.start + dt.timedelta(days=days)
    orbit_stats(store, mission.start, mission.start + dt.timedelta(hours=2), step_s=step_s)  # warm-up
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = orbit_stats(store, mission.start, end, step_s=step_s)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "samples": res.samples, "orbits": res.node_crossings,
            "inertial_distance_km": res.inertial_distance_km, "peak_rss_mb": _peak_rss_mb()}


def ours_catalog(objects: int | None) -> dict:
    from tle.store import read_element_file
    from tracker.services.batch import batch_stats

    sets = read_element_file(CATALOG)
    if objects is not None:
        sets = sets[:objects]
    batch_stats(sets[:100], CATALOG_START, CATALOG_START + dt.timedelta(hours=1))      # warm-up
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = batch_stats(sets, CATALOG_START, CATALOG_START + dt.timedelta(days=1), step_s=60.0)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "objects": len(res.rows), "samples": res.samples,
            "orbits_total": sum(r["orbits"] for r in res.rows), "peak_rss_mb": _peak_rss_mb()}


def run_child(part: str, arg, threads: int) -> dict:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, __file__, "--child", part, json.dumps(arg)],
                         check=True, capture_output=True, text=True, env=env)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["threads"] = threads
    return res


# ---- the plain reference -------------------------------------------------------------

def _bowring_geodetic(r):
    """WGS-84 (sin lat, cos lat, N, alt) of (n, 3) points (z rotation irrelevant)."""
    import numpy as np
    a, f = 6378.137, 1 / 298.257223563
    b, e2 = a * (1 - f), f * (2 - f)
    ep2 = e2 / (1 - e2)
    p = np.hypot(r[:, 0], r[:, 1])
    beta = np.arctan2(a * r[:, 2], b * p)
    for _ in range(2):
        phi = np.arctan2(r[:, 2] + ep2 * b * np.sin(beta) ** 3, p - e2 * a * np.cos(beta) ** 3)
        beta = np.arctan2((1 - f) * np.sin(phi), np.cos(phi))
    s, c = np.sin(phi), np.cos(phi)
    n = a / np.sqrt(1 - e2 * s * s)
    return s, c, n, p * c + r[:, 2] * s - n * (1 - e2 * s * s)


def reference_yis(days: float | None, step_s: float = 1.0) -> dict:
    """python-sgp4 + numpy over the mission (or its first ``days`` days) at
    ``step_s``, one day per call."""
    import numpy as np
    from sgp4.api import Satrec, SatrecArray
    from skyfield.sgp4lib import theta_GMST1982
    from tracker.services.missions import get_mission, mission_store
    from tracker.astro.sun import default_sun

    mission = get_mission("year-in-space")
    store = mission_store(mission)
    sun = default_sun()
    t_start = mission.start.timestamp()
    t_end = mission.end.timestamp() if days is None else t_start + days * 86400.0
    segments = store.segments(t_start, t_end)
    t0 = time.perf_counter()
    c0_cpu = time.process_time()
    samples = 0
    total_km = 0.0
    crossings = 0
    alt_min, alt_max = math.inf, -math.inf
    sunlit_s = 0.0
    ground_km = 0.0
    for s0, s1, es in segments:
        sat = SatrecArray([Satrec.twoline2rv(es.line1, es.line2)])
        for c0 in np.arange(s0, s1, 86400.0):
            k0 = math.ceil((c0 - t_start) / step_s)
            k1 = math.ceil((min(c0 + 86400.0, s1) - t_start) / step_s)
            unix = np.arange(k0, k1) * step_s + t_start
            if unix.size < 2:
                continue
            samples += unix.size
            days_ = np.floor(unix / 86400.0)
            jd, fr = 2440587.5 + days_, (unix - days_ * 86400.0) / 86400.0
            e, r, v = sat.sgp4(jd, fr)
            r, v = r[0], v[0]
            speed = np.linalg.norm(v, axis=1)
            total_km += float(np.sum(0.5 * (speed[1:] + speed[:-1]))) * step_s
            crossings += int(np.count_nonzero((r[:-1, 2] < 0) & (r[1:, 2] >= 0) & (v[1:, 2] > 0)))
            s, c, n, alt = _bowring_geodetic(r)
            alt_min, alt_max = min(alt_min, alt.min()), max(alt_max, alt.max())
            theta = theta_GMST1982(jd, fr)[0]
            lon = np.arctan2(r[:, 1], r[:, 0]) - theta
            surf = np.column_stack([n * c * np.cos(lon), n * c * np.sin(lon), n * (1 - 0.00669437999014) * s])
            ground_km += float(np.linalg.norm(np.diff(surf, axis=0), axis=1).sum())
            sun_r = sun.sun_teme_km(jd, fr)
            d = sun_r - r
            rn, dn = np.linalg.norm(r, axis=1), np.linalg.norm(d, axis=1)
            theta_sep = np.arccos(np.clip(-np.einsum("ij,ij->i", r, d) / (rn * dn), -1, 1))
            lit = theta_sep >= np.arcsin(6378.137 / rn) + np.arcsin(695700.0 / dn)
            sunlit_s += float(np.count_nonzero(lit)) * step_s
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0_cpu,
            "days": (t_end - t_start) / 86400.0, "inertial_distance_km": total_km,
            "orbits": crossings, "samples": samples}


def reference_catalog(objects: int) -> dict:
    import numpy as np
    from sgp4.api import Satrec, SatrecArray

    with open(CATALOG) as f:
        lines = [ln.rstrip("\n") for ln in f]
    pairs = [(lines[k], lines[k + 1]) for k in range(len(lines) - 1)
             if lines[k].startswith("1 ") and lines[k + 1].startswith("2 ")][:objects]
    t0 = time.perf_counter()
    c0 = time.process_time()
    jd = np.full(1441, 2459775.5)
    fr = np.arange(1441) / 1440.0
    orbits = 0
    for k in range(0, len(pairs), 500):
        sats = SatrecArray([Satrec.twoline2rv(*p) for p in pairs[k:k + 500]])
        e, r, v = sats.sgp4(jd, fr)
        up = (r[:, :-1, 2] < 0) & (r[:, 1:, 2] >= 0) & (v[:, 1:, 2] > 0)
        orbits += int(up.sum())
        _s, _c, _n, alt = _bowring_geodetic(r.reshape(-1, 3))
        alt = alt.reshape(r.shape[:2])
        np.nanmin(alt, axis=1), np.nanmax(alt, axis=1)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "objects": len(pairs), "orbits_total": orbits}


def _row(label, r, ref=None):
    extra = f", peak RSS {r['peak_rss_mb']:,.0f} MB" if "peak_rss_mb" in r else ""
    line = f"  {label:34s} {r['wall_s']:8.2f} s wall {r['cpu_s']:8.2f} s CPU{extra}"
    if ref is not None:
        line += (f"   reference / this: {ref['wall_s'] / r['wall_s']:5.1f}x wall, "
                 f"{ref['cpu_s'] / r['cpu_s']:5.1f}x CPU")
    return line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="orbit statistics: ours vs python-sgp4 + numpy")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--step", type=float, default=1.0,
                        help="Year in Space step (s), the same for both tools")
    parser.add_argument("--threads", default="1,2", help="thread counts for ours")
    parser.add_argument("--ref-objects", type=int, default=None,
                        help="time the catalog reference on the first N objects only")
    parser.add_argument("--parts", default="yis,catalog")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        part, arg = args.child[0], json.loads(args.child[1])
        print(json.dumps(ours_yis(arg) if part == "yis" else ours_catalog(arg)))
        return 0

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_propagation import _cpu_model

    threads = [int(x) for x in args.threads.split(",")]
    print(f"machine: {_cpu_model()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start, {dt.datetime.now(dt.timezone.utc):%Y-%m-%dT%H:%MZ}; "
          f"reference: 1 thread (numpy + python-sgp4)")
    if "yis" in args.parts:
        yis_days = 10.0 if args.quick else None
        ours = [run_child("yis", [yis_days, args.step], n) for n in threads]
        ref = reference_yis(yis_days, args.step)
        o = ours[0]
        print(f"\nYear in Space, {ref['days']:.1f} days at {args.step:g}-s steps "
              f"({o['samples']:,} samples ours, {ref['samples']:,} reference; whole span both)")
        for r in ours:
            print(_row(f"ours, {r['threads']} thread{'s' if r['threads'] > 1 else ''}", r, ref))
        print(_row("reference, 1 thread", ref))
        print(f"  agreement: orbits {o['orbits']:,} ours / {ref['orbits']:,} reference; inertial "
              f"distance {o['inertial_distance_km']:,.0f} / {ref['inertial_distance_km']:,.0f} km "
              f"(goals: < 5 s wall on 2 cores, < 1 GB)")

    if "catalog" in args.parts:
        objects = 2000 if args.quick else None
        ours = [run_child("catalog", objects, n) for n in threads]
        n_ref = 500 if args.quick else args.ref_objects
        ref = reference_catalog(n_ref if n_ref is not None else 10 ** 9)
        o = ours[0]
        print(f"\nCatalog, one day at 60-s steps ({o['objects']:,} objects x {o['samples']:,} "
              f"samples)")
        if ref["objects"] != o["objects"]:
            print(f"  (reference timed on the first {ref['objects']:,} objects and scaled "
                  f"x{o['objects'] / ref['objects']:.2f})")
            scale = o["objects"] / ref["objects"]
            ref = {**ref, "wall_s": ref["wall_s"] * scale, "cpu_s": ref["cpu_s"] * scale}
        for r in ours:
            print(_row(f"ours, {r['threads']} thread{'s' if r['threads'] > 1 else ''}", r, ref))
        print(_row("reference, 1 thread", ref))
        print(f"  agreement: orbits in all {o['orbits_total']:,} ours / {ref['orbits_total']:,} "
              f"reference (goals: < 20 s, < 2 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
