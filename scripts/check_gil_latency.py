"""Does a long propagation hold the GIL against other Python threads?

A background thread propagates the ISS for about ``--seconds`` seconds (one
call of the parallel entry ``propagate_into`` on one numba thread, then one
of the serial ``_satellite_run``); meanwhile the main thread times
100 short steps (a 1 ms sleep plus a tiny Python loop) and prints the worst
step latency. With ``nogil=True`` kernels the worst step stays near 1 ms;
without it a step waits for the whole kernel call.

    python scripts/check_gil_latency.py [--seconds 2]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

from tracker.propagator import near  # noqa: E402
from tracker.propagator.api import Elements  # noqa: E402

ISS = ("1 25544U 98067A   22196.51021208  .00006684  00000-0  12517-3 0  9992",
       "2 25544  51.6398 196.3106 0004941  13.7716  97.3744 15.49958191349577")


def _inputs(n_t):
    els = Elements.from_tle([ISS])
    jd = np.full(n_t, els.epoch_jd[0])
    fr = els.epoch_fr[0] + np.arange(n_t) / 86400.0
    e = np.empty((1, n_t), np.uint8)
    r = np.empty((1, n_t, 3))
    v = np.empty((1, n_t, 3))
    return els, jd, fr, e, r, v


def _parallel(els, jd, fr, e, r, v):
    near.propagate_into(els.coeffs, els.epoch_jd, els.epoch_fr, jd, fr, e, r, v)


def _serial(els, jd, fr, e, r, v):
    near._satellite_run(els.coeffs, np.int64(0), els.epoch_jd[0], els.epoch_fr[0], jd, fr,
                        np.empty(0), np.int64(0), np.int64(jd.shape[0]), e[0], r[0], v[0])


def _timed(kernel, work):
    numba.set_num_threads(1)
    t = time.perf_counter()
    kernel(*work)
    return time.perf_counter() - t


def _check(name, _kernel, seconds):
    probe = _inputs(100_000)
    _kernel(*probe)                                   # compile / load cache
    t0 = time.perf_counter()
    _kernel(*probe)
    per_call = time.perf_counter() - t0
    n_t = int(100_000 * seconds / per_call)
    work = _inputs(n_t)

    def steps(until=None):
        """Worst gap between the ends of consecutive 1 ms steps (the first
        gap counted from the call), 100 steps or until ``until`` ends."""
        worst = 0.0
        last = time.perf_counter()
        count = 0
        while count < 100 or (until is not None and until.is_alive()):
            time.sleep(0.001)
            sum(range(100))
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now
            count += 1
        return worst

    idle = steps()
    wall = []
    th = threading.Thread(target=lambda: wall.append(_timed(_kernel, work)))
    th.start()
    busy = steps(until=th)
    th.join()
    print(f"{name}: kernel call {wall[0]:.2f} s ({n_t:,} times); worst main-thread "
          f"1 ms step: idle {idle * 1e3:.1f} ms, during the kernel {busy * 1e3:.1f} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    numba.set_num_threads(1)
    _check("near.propagate_into (parallel entry)", _parallel, args.seconds)
    _check("near._satellite_run (serial kernel)", _serial, args.seconds)


if __name__ == "__main__":
    main()
