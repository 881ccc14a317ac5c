"""Warm numba's on-disk cache so a CLI user does not pay compile time.

Run by ``make install`` (``python -m tracker.warm``). It calls every cached
kernel once on tiny inputs; with a warm cache it costs well under a second.
"""
from __future__ import annotations

import time


def warm() -> float:
    t0 = time.perf_counter()
    import numpy as np
    from tracker.propagation import Elements, propagate

    l1 = "1 25544U 98067A   15061.00329596  .00013725  00000-0  20780-3 0  9995"
    l2 = "2 25544  51.6457 259.3732 0007864  63.2699  94.7821 15.54945907931352"
    els = Elements.from_tle([(l1, l2)])
    propagate(els, np.array([2457083.5]), np.array([0.0]))
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"numba cache warm ({warm():.2f} s)")
