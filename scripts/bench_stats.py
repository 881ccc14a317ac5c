"""Benchmark: orbit statistics, ours vs a plain python-sgp4 + numpy loop, in one run.

    .venv/bin/python scripts/bench_stats.py [--quick]

1. Year in Space at 1-s steps (29.4 million propagations; goal: < 5 s wall on
   2 cores, peak memory < 1 GB). Ours: ``tracker.services.stats.orbit_stats``.
   Reference: per element-set segment, one day at a time, ``SatrecArray.sgp4``
   then numpy for the same figures (inertial distance, node crossings,
   geodetic altitude by Bowring's method, ground track with skyfield's
   GMST 1982, conical shadow with our Sun table). The reference is timed on
   the first ``--ref-days`` days (default 20) and scaled to the whole
   mission; the output says so.
2. The 22,677-object catalog for one day at 60-s steps (32.6 million
   propagations; goal: < 20 s, < 2 GB). Ours: ``tracker.services.batch.batch_stats``.
   Reference: ``SatrecArray.sgp4`` on blocks of 500 objects then numpy (node
   crossings, altitude range), timed on ``--ref-objects`` objects (default
   3,000) and scaled.

Each of "ours" runs in a fresh subprocess after a warm-up call (numba's
on-disk cache is loaded, not compiled), so that its peak resident memory
(ru_maxrss) is its own. ``--quick`` shortens everything for a smoke test.
Wall times depend on the machine's load: the script prints the load average.
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

def ours_yis(days: float | None) -> dict:
    from tracker.services.missions import get_mission, mission_store
    from tracker.services.stats import orbit_stats

    mission = get_mission("year-in-space")
    store = mission_store(mission)
    end = mission.end if days is None else mission.start + dt.timedelta(days=days)
    orbit_stats(store, mission.start, mission.start + dt.timedelta(hours=2), step_s=1.0)  # warm-up
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = orbit_stats(store, mission.start, end, step_s=1.0)
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


def run_child(part: str, arg) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", part, json.dumps(arg)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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


def reference_yis(days: float) -> dict:
    """python-sgp4 + numpy over the first ``days`` days of the mission, one day per call."""
    import numpy as np
    from sgp4.api import Satrec, SatrecArray
    from skyfield.sgp4lib import theta_GMST1982
    from tracker.services.missions import get_mission, mission_store
    from tracker.astro.sun import default_sun

    mission = get_mission("year-in-space")
    store = mission_store(mission)
    sun = default_sun()
    t_start = mission.start.timestamp()
    t_end = t_start + days * 86400.0
    segments = store.segments(t_start, t_end)
    t0 = time.perf_counter()
    total_km = 0.0
    crossings = 0
    alt_min, alt_max = math.inf, -math.inf
    sunlit_s = 0.0
    ground_km = 0.0
    for s0, s1, es in segments:
        sat = SatrecArray([Satrec.twoline2rv(es.line1, es.line2)])
        for c0 in np.arange(s0, s1, 86400.0):
            unix = np.arange(math.ceil(c0 - t_start), min(c0 + 86400.0, s1) - t_start) + t_start
            days_ = np.floor(unix / 86400.0)
            jd, fr = 2440587.5 + days_, (unix - days_ * 86400.0) / 86400.0
            e, r, v = sat.sgp4(jd, fr)
            r, v = r[0], v[0]
            speed = np.linalg.norm(v, axis=1)
            total_km += float(np.sum(0.5 * (speed[1:] + speed[:-1])))
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
            sunlit_s += float(np.count_nonzero(lit))
    return {"wall_s": time.perf_counter() - t0, "days": days, "inertial_distance_km": total_km,
            "orbits": crossings}


def reference_catalog(objects: int) -> dict:
    import numpy as np
    from sgp4.api import Satrec, SatrecArray

    with open(CATALOG) as f:
        lines = [ln.rstrip("\n") for ln in f]
    pairs = [(lines[k], lines[k + 1]) for k in range(len(lines) - 1)
             if lines[k].startswith("1 ") and lines[k + 1].startswith("2 ")][:objects]
    t0 = time.perf_counter()
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
    return {"wall_s": time.perf_counter() - t0, "objects": len(pairs), "orbits_total": orbits}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="orbit statistics: ours vs python-sgp4 + numpy")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--ref-days", type=float, default=20.0)
    parser.add_argument("--ref-objects", type=int, default=3000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        part, arg = args.child[0], json.loads(args.child[1])
        print(json.dumps(ours_yis(arg) if part == "yis" else ours_catalog(arg)))
        return 0

    import numba
    print(f"machine: {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    yis_days = 10.0 if args.quick else None
    ref_days = 2.0 if args.quick else args.ref_days
    ours = run_child("yis", yis_days)
    ref = reference_yis(ref_days)
    mission_days = 340.363 if yis_days is None else yis_days
    ref_full_s = ref["wall_s"] * mission_days / ref_days
    print(f"\nYear in Space at 1-s steps ({ours['samples']:,} samples)")
    print(f"  ours       {ours['wall_s']:7.2f} s wall ({ours['cpu_s']:.2f} s CPU), peak RSS "
          f"{ours['peak_rss_mb']:,.0f} MB; {ours['orbits']:,} orbits, "
          f"{ours['inertial_distance_km'] / 1.609344:,.0f} mi")
    print(f"  reference  {ref_full_s:7.2f} s (python-sgp4 + numpy, timed on {ref_days:g} days: "
          f"{ref['wall_s']:.2f} s, scaled x{mission_days / ref_days:.2f})")
    print(f"  ratio      reference / ours = {ref_full_s / ours['wall_s']:.1f}x "
          f"(goals: < 5 s wall on 2 cores, < 1 GB)")

    objects = 2000 if args.quick else None
    ref_objects = 500 if args.quick else args.ref_objects
    ours = run_child("catalog", objects)
    ref = reference_catalog(ref_objects)
    ref_full_s = ref["wall_s"] * ours["objects"] / ref["objects"]
    print(f"\nCatalog, one day at 60-s steps ({ours['objects']:,} objects x {ours['samples']:,} samples)")
    print(f"  ours       {ours['wall_s']:7.2f} s wall ({ours['cpu_s']:.2f} s CPU), peak RSS "
          f"{ours['peak_rss_mb']:,.0f} MB; {ours['orbits_total']:,} orbits in all")
    print(f"  reference  {ref_full_s:7.2f} s (python-sgp4 + numpy, timed on {ref['objects']:,} "
          f"objects: {ref['wall_s']:.2f} s, scaled x{ours['objects'] / ref['objects']:.2f})")
    print(f"  ratio      reference / ours = {ref_full_s / ours['wall_s']:.1f}x "
          f"(goals: < 20 s, < 2 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
