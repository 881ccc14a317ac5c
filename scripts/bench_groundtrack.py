"""Benchmark: a one-day ground track at 1 s steps (86,400 points), ours vs skyfield.

The work, both sides: SGP4 propagation of the ISS, TEME -> ITRF -> WGS-84
latitude/longitude/altitude, and sunlit-or-not for every point.

* ours: ``tracker.services.groundtrack.ground_track`` (the service the CLI calls:
  also Earth-fixed and ground speeds and element-set selection), timed warm
  (numba cache loaded, one untimed call first), on each ``--threads`` count
  (``numba.set_num_threads``).
* skyfield: ``EarthSatellite.at(t)``, ``wgs84.geographic_position_of`` and
  ``is_sunlit(eph)`` with the same built-in timescale (plus the bundled
  polar-motion table) and DE421, on all 86,400 points in one vectorised call
  (numpy: one thread). Nothing is scaled.

The tools run alternately, one warm-up call each, then ``--repeat`` rounds;
each figure is the minimum wall and process CPU time. Goals: ours under
50 ms, >= 8x skyfield. Usage: ``python scripts/bench_groundtrack.py``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", default="1,2", help="numba thread counts for ours")
    ap.add_argument("--start", default="2015-06-01T00:00:00Z")
    args = ap.parse_args(argv)

    from skyfield.api import EarthSatellite, load, wgs84
    from skyfield.data import iers

    from tle.store import ElementStore
    from tracker.astro.frames import EarthOrientation, _skyfield_data_dir
    from tracker.services.groundtrack import ground_track
    from tracker.astro.sun import SunEphemeris
    from tracker.astro.time import parse_time, time_grid

    store = ElementStore.shipped()
    eop = EarthOrientation.builtin()
    sun = SunEphemeris.builtin()
    start = parse_time(args.start)
    end = start + dt.timedelta(days=1) - dt.timedelta(seconds=1)
    n_points = 86400

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import numba
    from bench_propagation import _best, _cpu_model

    table = ground_track(store, start, end, 1.0, eop=eop, sun=sun)   # warm-up (cache load)
    assert len(table) == n_points

    # skyfield on every point, with the element set our store picked for the start.
    jd, fr = time_grid(start, end, 1.0)
    es = store.sets[int(table.set_index[0])]
    used_sets = set(int(k) for k in np.unique(table.set_index))
    # Same Earth orientation as ours: built-in UT1 plus the bundled polar motion.
    ts = load.timescale(builtin=True)
    with open(os.path.join(_skyfield_data_dir(), "finals2000A.all"), "rb") as f:
        iers.install_polar_motion_table(ts, iers.parse_x_y_dut1_from_finals_all(f))
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    t_sf = ts.utc(1970, 1, 1.0 + (jd - 2440587.5), 0, 0, fr * 86400.0)
    eph = sun._eph

    def skyfield_track():
        pos = sat.at(t_sf)
        gp = wgs84.geographic_position_of(pos)
        lit = pos.is_sunlit(eph)
        return gp.latitude.degrees, gp.longitude.degrees, gp.elevation.km, lit

    def ours():
        return ground_track(store, start, end, 1.0, eop=eop, sun=sun)

    print(f"one-day ground track, {n_points:,} points at 1 s from {args.start}, both tools on "
          f"every point; {_cpu_model()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}; min of {args.repeat}, interleaved")
    print(f"  {'tool':24s} {'thr':>3s} {'wall ms':>9s} {'CPU ms':>9s} {'skyfield/ours wall':>19s} "
          f"{'CPU':>6s}")
    available = numba.config.NUMBA_NUM_THREADS
    rows = []
    for n in [int(x) for x in args.threads.split(",") if int(x) <= available]:
        numba.set_num_threads(n)
        (w_ours, w_sf), (c_ours, c_sf) = _best([ours, skyfield_track], args.repeat)
        rows.append((n, w_ours, c_ours, w_sf, c_sf))
        print(f"  {'ours (ground_track)':24s} {n:3d} {w_ours * 1e3:9.1f} {c_ours * 1e3:9.1f} "
              f"{w_sf / w_ours:18.1f}x {c_sf / c_ours:5.1f}x")
        print(f"  {'skyfield':24s} {1:3d} {w_sf * 1e3:9.1f} {c_sf * 1e3:9.1f}")
    numba.set_num_threads(available)
    lat_sf = skyfield_track()[0]
    table = ours()
    if len(used_sets) == 1:
        dlat = np.max(np.abs(table.lat_deg - lat_sf))
        print(f"  max |lat difference| over all points: {dlat:.2e} deg")
    else:
        print("  (interval spans several element sets: no accuracy check here)")
    best = min(r[1] for r in rows)
    print(f"  goal < 50 ms: {'met' if best < 0.050 else 'NOT met'} ({best * 1e3:.1f} ms); "
          f">= 8x skyfield, 1 thread vs 1 thread: {rows[0][3] / rows[0][1]:.1f}x wall, "
          f"{rows[0][4] / rows[0][2]:.1f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
