"""Cold start: a fresh interpreter that imports the core and propagates the
ISS to one time, timed from outside (process start to exit, wall clock).

Two cases, each in new subprocesses:
  * warm cache: numba's on-disk cache as ``make install`` (tracker.warm)
    leaves it; goal under 0.6 s;
  * no cache: NUMBA_CACHE_DIR pointed at an empty temporary folder, so every
    kernel on the path compiles (what a user would pay without the warm-up).
For reference it also times ``python -c "import numpy, numba"`` (the floor
any numba program pays). Prints min and median of ``--runs`` runs.

    python scripts/bench_cold_start.py [--runs 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
import numpy as np
from tracker.propagator.api import Elements, propagate
els = Elements.from_tle([(
    "1 25544U 98067A   22196.51021208  .00006684  00000-0  12517-3 0  9992",
    "2 25544  51.6398 196.3106 0004941  13.7716  97.3744 15.49958191349577")])
e, r, v = propagate(els, np.array([2459776.5]), np.array([0.25]))
assert e[0, 0] == 0 and abs(r[0, 0]).max() > 1000.0
"""


def _wall(code, env):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - t0


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _report(label, times):
    print(f"{label:34s} min {min(times):6.3f} s   median {statistics.median(times):6.3f} s"
          f"   ({len(times)} runs)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=1)
    args = parser.parse_args(argv)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs (other work inflates these times)")
    env = _env()
    subprocess.run([sys.executable, "-m", "tracker.warm"], check=True, cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL)
    _report("import numpy, numba (floor)",
            [_wall("import numpy, numba", env) for _ in range(args.runs)])
    _report("warm cache: import + ISS at 1 time",
            [_wall(SNIPPET, env) for _ in range(args.runs)])
    cold = []
    for _ in range(args.cold_runs):
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as empty:
            cold.append(_wall(SNIPPET, _env(NUMBA_CACHE_DIR=empty)))
    _report("no cache: import + ISS at 1 time", cold)


if __name__ == "__main__":
    main()
