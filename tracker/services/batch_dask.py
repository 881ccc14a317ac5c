"""Batch statistics on a Dask cluster (``dask.distributed``).

The chunks of ``tracker.services.batch`` (object slices x time spans) become
Dask tasks: ``batch.span_partial`` applied to the slice's element-set
*records* (a small int64 + float64 array: satnum, epoch, the eleven SGP4
numbers; ~100 bytes an object) and the span's time arguments, plus the Sun
table (a few hundred floats). Nothing else travels: workers need only the
installed ``iss-tracker`` package, no shared filesystem, no element store.
The client folds each slice's spans in time order with ``batch.merge_partial``
as they arrive, so the result is bit-identical to the plain run with the same
chunk grid, whichever worker ran a chunk and however often (a worker killed
mid-run: the scheduler reruns its chunks elsewhere).

Where it runs (``open_client``):

* ``scheduler`` (or ``$ISS_TRACKER_SCHEDULER``) ``tcp://host:8786``: an
  existing cluster; the connection must answer within ``connect_timeout_s``
  (default 10 s) and have a worker within the same time, else ``ClusterError``.
* otherwise an in-process ``LocalCluster``: ``workers`` processes (default:
  the cores this process may use), one thread each, listening on 127.0.0.1
  only, dashboard off unless asked for (then on 127.0.0.1, a free port).

Each task runs the serial kernel (``batch_span_serial``, one core), so a
worker with N threads uses N cores and never oversubscribes (numba's thread
pool is never started in a worker).

Memory stays bounded: at most ``max_in_flight`` chunks are submitted at a
time (default 3 per worker thread), results are released as soon as they
are merged, and rows leave slice by slice through ``iter_dask_rows``.
"""
from __future__ import annotations

import logging
import os
import uuid
from contextlib import contextmanager

from tracker.errors import UserError
from tracker.services.batch import (BatchPlan, element_records, merge_partial, new_partial,
                                    rows_from_state, span_partial)

ENV_SCHEDULER = "ISS_TRACKER_SCHEDULER"
CONNECT_TIMEOUT_S = 10.0
IN_FLIGHT_PER_THREAD = 3


class ClusterError(UserError):
    """The Dask cluster cannot run the job: no answer, no workers, a worker
    without the package, every worker gone."""

    status = 503
    kind = "cluster-unavailable"
    title = "Cluster unavailable"


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not Linux
        return max(1, os.cpu_count() or 1)


def scheduler_address(scheduler: str | None = None, environ=os.environ) -> str | None:
    """``scheduler``, else ``$ISS_TRACKER_SCHEDULER``, else None (a local cluster)."""
    return scheduler or environ.get(ENV_SCHEDULER) or None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _worker_ready() -> str:
    """Run on every worker before the chunks: imports the package (a worker
    without it fails here, by name) and loads the kernel from numba's cache."""
    import numpy as np

    from tracker.constants import SUN_RADIUS_KM, WGS84_A_KM
    from tracker.services import batch_kernels as k
    from tracker.services.stats_kernels import warm_test_coeffs

    coeffs = warm_test_coeffs(1)
    k.batch_span_serial(coeffs, np.array([10.0]), np.arange(2, dtype=np.float64) * 60.0,
                        -3600.0, 21600.0, np.array([[1.5e8, 0.0, 0.0], [1.5e8, 1e6, 0.0]]),
                        WGS84_A_KM, SUN_RADIUS_KM, np.empty((1, k.N_PART)))
    import tracker
    return getattr(tracker, "__version__", "?")


@contextmanager
def open_client(scheduler: str | None = None, *, workers: int | None = None,
                dashboard: bool = False, connect_timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` on the given scheduler or on a new local
    cluster (see the module); closed (and the local cluster shut down) on exit.
    Raises ``ClusterError`` (one line) when the cluster does not answer."""
    import dask
    from distributed import Client, LocalCluster

    address = scheduler_address(scheduler)
    cluster = None
    with dask.config.set({"distributed.comm.timeouts.connect": f"{connect_timeout_s}s"}):
        if address:
            try:
                client = Client(address, timeout=connect_timeout_s, set_as_default=False)
            except Exception as exc:     # OSError, TimeoutError, ValueError (bad address)
                raise ClusterError(f"the Dask scheduler {address} did not answer within "
                                   f"{connect_timeout_s:g} s ({_one_line(exc)}); start it with "
                                   f"`dask scheduler` or fix --scheduler / {ENV_SCHEDULER}",
                                   parameter="scheduler") from None
        else:
            if dashboard:
                import importlib.util
                if importlib.util.find_spec("bokeh") is None:
                    raise ClusterError("--dashboard needs the bokeh package (pip install "
                                       "'bokeh>=3.1'); Dask serves no dashboard without it",
                                       parameter="dashboard")
            n = int(workers) if workers else available_cores()
            if n < 1:
                raise UserError("--workers must be at least 1", parameter="workers")
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   host="127.0.0.1",
                                   # Dask's HTTP server (health, metrics) always runs:
                                   # keep it on 127.0.0.1, a free port; the dashboard
                                   # pages only when asked for
                                   dashboard_address="127.0.0.1:0",
                                   scheduler_kwargs={"dashboard": bool(dashboard)},
                                   worker_dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster, set_as_default=False)
    try:
        if address:
            try:
                client.wait_for_workers(1, timeout=connect_timeout_s)
            except Exception:
                raise ClusterError(f"the Dask scheduler {address} has no worker (waited "
                                   f"{connect_timeout_s:g} s); start some with `dask worker "
                                   f"{address}`", parameter="scheduler") from None
        try:
            client.run(_worker_ready)
        except Exception as exc:
            raise ClusterError(f"a Dask worker cannot run the batch ({_one_line(exc)}); install "
                               f"iss-tracker (the same version) on every worker",
                               parameter="scheduler") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def describe(client) -> str:
    """``'2 workers, 2 threads'``."""
    nthreads = client.nthreads()
    return f"{len(nthreads)} workers, {sum(nthreads.values())} threads"


def iter_dask_rows(client, sets, plan: BatchPlan, *, progress=None,
                   max_in_flight: int | None = None,
                   stall_timeout_s: float = CONNECT_TIMEOUT_S):
    """Yield the rows object slice by object slice (file order), the chunks
    computed on ``client``'s cluster. ``progress.update(n)`` counts
    propagations as chunks complete. Raises ``ClusterError`` (one line) when a
    chunk fails (e.g. Dask gave up after workers died running it) or when the
    cluster has had no worker for ``stall_timeout_s``."""
    import time

    from distributed import wait

    sets = list(sets)
    if len(sets) != plan.n_objects:
        raise ValueError(f"the plan is for {plan.n_objects} objects, not {len(sets)}")
    satnums, cols = element_records(sets)
    slices, spans = plan.slices(), plan.spans()
    tasks = iter([(si, ki) for si in range(len(slices)) for ki in range(len(spans))])
    if max_in_flight is None:
        max_in_flight = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
    run_id = uuid.uuid4().hex[:12]
    pending = {}                        # future -> (slice, span)
    waiting = {}                        # slice -> {span: partial} not yet merged
    acc = {}                            # slice -> merged state
    next_span = [0] * len(slices)
    finished = {}                       # slice -> rows, until its turn
    next_slice = 0

    def submit_more():
        while len(pending) < max_in_flight:
            try:
                si, ki = next(tasks)
            except StopIteration:
                return
            lo, hi = slices[si]
            a, b = spans[ki]
            f = client.submit(span_partial, satnums[lo:hi], cols[lo:hi], *plan.task_args(a, b),
                              numba_threads=1, key=f"iss-batch-{run_id}-{si}-{ki}", pure=False)
            pending[f] = (si, ki)

    submit_more()
    no_worker_since = None
    try:
        while pending:
            try:
                with client.as_current():
                    done = wait(list(pending), timeout=stall_timeout_s,
                                return_when="FIRST_COMPLETED").done
            except TimeoutError:
                if client.scheduler_info().get("workers"):
                    no_worker_since = None
                    continue
                now = time.monotonic()
                no_worker_since = no_worker_since or now
                if now - no_worker_since >= stall_timeout_s:
                    raise ClusterError(f"the Dask cluster has had no worker for "
                                       f"{stall_timeout_s:g} s; {len(pending)} chunks were "
                                       f"waiting", parameter="scheduler") from None
                continue
            for f in done:
                si, ki = pending.pop(f)
                if f.status in ("lost", "pending"):     # its worker died after it finished:
                    pending[f] = (si, ki)               # the scheduler computes it again
                    continue
                if f.status != "finished":
                    exc = f.exception() if f.status == "error" else None
                    raise ClusterError(f"a chunk of the batch failed on the cluster "
                                       f"({_one_line(exc) if exc else f.status})",
                                       parameter="scheduler")
                try:        # its data may have died with its worker: then Dask recomputes it
                    part = f.result(timeout=stall_timeout_s)
                except TimeoutError:
                    pending[f] = (si, ki)
                    continue
                f.release()
                lo, hi = slices[si]
                if progress is not None:
                    progress.update((hi - lo) * (spans[ki][1] - spans[ki][0]))
                waiting.setdefault(si, {})[ki] = part
                state = acc.setdefault(si, None)
                if state is None:
                    state = acc[si] = new_partial(hi - lo)
                while next_span[si] in waiting[si]:        # fold in time order
                    merge_partial(state, waiting[si].pop(next_span[si]))
                    next_span[si] += 1
                if next_span[si] == len(spans):
                    finished[si] = rows_from_state(sets[lo:hi], state, plan)
                    del acc[si], waiting[si]
            submit_more()
            while next_slice in finished:
                yield finished.pop(next_slice)
                next_slice += 1
    finally:
        for f in pending:
            f.cancel()
