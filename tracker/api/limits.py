"""Bounded cost: heavy work runs in a fixed number of slots, light work never waits.

A heavy request (passes, overflights, statistics, ground tracks, positions,
the mission preset) has its cost bounded by its declaration (at most 30
days, 10,000 points, ``MAX_STATS_SAMPLES`` samples) and checked before any
work starts. It then needs one of ``HEAVY_SLOTS`` slots; up to
``HEAVY_QUEUE`` requests may wait for one, each at most ``HEAVY_WAIT_S``
seconds. Beyond that the answer is ``503`` with ``Retry-After``: a burst of
heavy requests is refused quickly instead of occupying every server thread,
so ``/health``, ``/api/v1/iss/now`` and the Open Notify ``/iss-now.json``
(light: one propagation) keep answering. Cache hits take no slot.

The numba kernels release the GIL while they run (``nogil=True``), but a
heavy answer's numpy, Python and JSON work holds it, and in the server's
threads the light requests then wait for it (measured: light p99 96 ms at
200 requests/s with 10 % heavy ones on 2 cores). So ``iss-tracker serve``
answers heavy requests in worker processes (``tracker.api.pool``, one per
slot): ``heavy_response(compute)`` takes the slot here and has a worker
answer the request. An app without a pool (``create_app`` alone: tests,
embedding) computes in the calling thread, as ``heavy(compute)`` always does.
"""
from __future__ import annotations

import contextlib
import threading

from flask import Flask, current_app

from tracker.errors import UserError

EXTENSION = "iss_tracker_limits"
MAX_STATS_SAMPLES = 300_000      # per /api/v1/stats request: about a second of CPU


class BusyError(UserError):
    """Every heavy slot is taken and the queue is full: come back later."""

    status = 503
    kind = "service-unavailable"
    title = "Service unavailable"

    def __init__(self, message, *, retry_after_s: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(int(retry_after_s))}


class HeavySlots:
    """``slots`` concurrent heavy computations; at most ``queue`` waiting, ``wait_s`` each."""

    def __init__(self, slots: int, queue: int, wait_s: float):
        if slots < 1 or queue < 0 or wait_s < 0:
            raise ValueError("slots >= 1, queue >= 0 and wait_s >= 0 are required")
        self.slots, self.queue, self.wait_s = int(slots), int(queue), float(wait_s)
        self._free = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self.waiting = 0
        self.running = 0
        self.refused = 0

    def _busy(self) -> BusyError:
        self.refused += 1
        return BusyError(f"the server is busy with {self.slots} heavy computations and "
                         f"{self.waiting} waiting; retry in a few seconds",
                         retry_after_s=max(1, round(self.wait_s)))

    @contextlib.contextmanager
    def slot(self):
        if self._free.acquire(blocking=False):
            got = True
        else:
            with self._lock:
                if self.waiting >= self.queue:
                    raise self._busy()
                self.waiting += 1
            try:
                got = self._free.acquire(timeout=self.wait_s)
            finally:
                with self._lock:
                    self.waiting -= 1
            if not got:
                with self._lock:
                    raise self._busy()
        with self._lock:
            self.running += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._free.release()

    def stats(self) -> dict:
        return {"slots": self.slots, "running": self.running, "waiting": self.waiting,
                "queue": self.queue, "refused": self.refused}


def heavy(compute):
    """Run ``compute()`` in a heavy slot of the current app (503 when none comes free),
    its numba kernels on one thread: a slot is one core's work, so the cores the
    slots leave free stay free for light requests."""
    with current_app.extensions[EXTENSION].slot(), _one_kernel_thread():
        return compute()


def heavy_response(compute):
    """The current request's response: ``compute()`` (-> Response) in a heavy
    slot, or, when the app has a worker pool (``tracker.api.pool``), the same
    request answered by a worker while this thread holds the slot."""
    from tracker.api.pool import EXTENSION as POOL, answer_in_pool
    pool = current_app.extensions.get(POOL)
    if pool is None:
        return heavy(compute)
    with current_app.extensions[EXTENSION].slot():
        return answer_in_pool(pool)


@contextlib.contextmanager
def _one_kernel_thread():
    """numba's parallel kernels use one thread in this (waitress) thread while
    inside; ``numba.set_num_threads`` is per thread."""
    import numba
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = HeavySlots(app.config["HEAVY_SLOTS"], app.config["HEAVY_QUEUE"],
                                           app.config["HEAVY_WAIT_S"])
