"""Heavy requests answered in worker processes, so they never hold the server's GIL.

A heavy computation (30 days of passes, 10,000 positions, 300,000 statistics
samples) spends much of its time in Python and numpy code that holds the
GIL, and the JSON it formats is Python work too. In the server's own
threads that makes every light request (``/health``, ``/api/v1/iss/now``)
wait for the GIL behind it. ``HeavyPool`` answers heavy requests in a
``concurrent.futures.ProcessPoolExecutor`` instead (``spawn`` context: fresh
interpreters, no fork of a threaded server), one worker per heavy slot:

* each worker builds its own app from the server's configuration
  (``worker_config``), loads the element store, the Earth orientation, the
  Sun and the gazetteer and answers ``warm.WARM_PATHS`` once at start-up
  (numba's on-disk cache is loaded then, not by the first user);
* the server still parses and validates the request (4xx before any work),
  answers cache hits itself and takes a heavy slot (``limits.HeavySlots``:
  503 with Retry-After when the slots and the queue are full); only then is
  the request (method, raw path, raw query string, form fields and the
  server's clock reading) sent to a worker, which answers it through its own
  app (``test_client``) with the same handlers and returns status, headers
  and the finished body, ETag included: the server only copies bytes;
* each job carries the version of the server's element store (it changes
  when ``Resources.reload_store`` swaps the store, after a refresh); a worker
  that has seen an older version reloads its own store first, from the same
  files;
* workers run at a lower CPU priority (``nice`` +10 by default,
  ``HEAVY_NICE``): on a small machine the light requests and the server's
  own threads get the cores first, and a heavy answer takes longer instead;
* a worker that dies (killed, out of memory) breaks the executor: that
  request and those in flight get a 503 with Retry-After, and the next heavy
  request starts a fresh pool;
* a worker whose server is gone (killed without cleaning up) exits within a
  second (it watches its parent).

``iss-tracker serve`` always uses the pool; ``create_app`` alone does not
(tests and embedding answer heavy requests in the calling thread, see
``limits.heavy``). ``start_pool(app)`` attaches one to an app.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool

from flask import Flask, current_app, request

EXTENSION = "iss_tracker_heavy_pool"
DEFAULT_NICE = 10
# the worker's answer keeps its headers except these: the length and the date are the
# server's to set, and CORS is decided by the server's own flask-cors
_DROPPED_HEADERS = ("content-length", "date", "vary", "access-control-allow-origin",
                    "access-control-expose-headers", "access-control-allow-credentials")
# configuration a worker must not copy: the clock is the job's (the server
# reads its own and sends the reading), the cache is the server's
_NOT_COPIED = ("CLOCK", "CACHE_TTL_S", "CACHE_MAX_ENTRIES", "MAX_CONTENT_LENGTH")


def worker_config(config) -> dict:
    """The part of an app's configuration a worker app is built from: every
    upper-case key that pickles, without the clock and the cache (the worker's
    clock is the job's, the cache is the server's). The server has checked
    the body's size already."""
    out = {}
    for key, value in dict(config).items():
        if not key.isupper() or key in _NOT_COPIED:
            continue
        try:
            pickle.dumps(value)
        except Exception:   # noqa: BLE001 - a callable or a lock: not for a worker
            continue
        out[key] = value
    # a worker's cache keeps nothing (entries expire at once): a store reload
    # is never hidden behind a worker's own copy of an answer
    out.update(CACHE_TTL_S=0.0, CACHE_MAX_ENTRIES=1, MAX_CONTENT_LENGTH=None)
    return out


# --------------------------------------------------------------- in a worker

_worker = {}          # this worker process's app, client, clock reading, store version


def _job_clock() -> dt.datetime:
    """A worker app's CLOCK: the server's reading sent with the job being answered."""
    now = _worker.get("now")
    return now if now is not None else dt.datetime.now(dt.timezone.utc)


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _worker_init(config: dict, store_version: int, nice: int, warm: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C stops the server, which stops us
    threading.Thread(target=_watch_parent, args=(os.getppid(),), name="parent-watch",
                     daemon=True).start()
    if nice:
        try:
            os.nice(int(nice))
        except OSError:
            pass
    import numba
    numba.set_num_threads(1)                          # one slot is one core's work
    from tracker.api import create_app
    from tracker.api.resources import current
    app = create_app({**config, "CLOCK": _job_clock})
    _worker.update(app=app, client=app.test_client(), version=store_version, now=None)
    with app.app_context():
        current().warm()
    if warm:
        from tracker.api.warm import warm_requests
        warm_requests(app)


def _answer(job: dict):
    """Answer one request in this worker: (status, headers, body)."""
    app = _worker["app"]
    if job["store_version"] != _worker["version"]:
        from tracker.api.resources import EXTENSION as RESOURCES
        try:
            app.extensions[RESOURCES].reload_store()
        except Exception:   # noqa: BLE001 - keep answering from the old store; retry next job
            app.logger.exception("heavy worker: reloading the element store failed")
        else:
            _worker["version"] = job["store_version"]
    _worker["now"] = job["now"]
    try:
        from werkzeug.datastructures import MultiDict
        form = None if job["form"] is None else MultiDict(job["form"])
        response = _worker["client"].open(     # the raw path and query, as the server got them
            "/", method=job["method"], data=form,
            environ_overrides={"PATH_INFO": job["path"], "QUERY_STRING": job["query_string"]})
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in _DROPPED_HEADERS]
        return response.status_code, headers, response.get_data()
    finally:
        _worker["now"] = None


def _ping() -> int:
    return os.getpid()


# ---------------------------------------------------------------- in the server

class HeavyPool:
    """``workers`` processes answering heavy requests (see the module docstring)."""

    def __init__(self, app: Flask, workers: int, *, nice: int = DEFAULT_NICE, warm: bool = True):
        if workers < 1:
            raise ValueError("workers >= 1 is required")
        from tracker.api.resources import EXTENSION as RESOURCES
        self.workers = int(workers)
        self._resources = app.extensions[RESOURCES]
        self._config = worker_config(app.config)
        self._nice, self._warm = int(nice), bool(warm)
        self._lock = threading.Lock()
        self._store = None
        self._version = 0
        self._executor = None
        self.restarts = 0
        self.jobs = 0                  # requests sent to a worker
        self._version_now()
        self._executor = self._new_executor()

    def _new_executor(self):
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(self._config, self._version, self._nice, self._warm))

    def _version_now(self) -> int:
        """The server's store version: +1 each time its store object changes."""
        store = self._resources.store
        with self._lock:
            if store is not self._store:
                if self._store is not None:
                    self._version += 1
                self._store = store
            return self._version

    def wait_ready(self, timeout_s: float = 300.0) -> list[int]:
        """Start every worker now (each loads and warms before its first job);
        return their process ids."""
        futures = [self._executor.submit(_ping) for _ in range(self.workers)]
        return [f.result(timeout=timeout_s) for f in futures]

    def pids(self) -> list[int]:
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def answer(self, job: dict):
        """(status, headers, body) for ``job``; a BusyError (503) if the worker died."""
        from tracker.api.limits import BusyError
        job = dict(job, store_version=self._version_now())
        executor = self._executor
        if executor is None:
            raise BusyError("the server is stopping", retry_after_s=5)
        with self._lock:
            self.jobs += 1
        try:
            return executor.submit(_answer, job).result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:       # the first to see it replaces the pool
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._new_executor()
                    self.restarts += 1
            raise BusyError("a heavy-computation worker stopped; it is being restarted, "
                            "retry in a few seconds", retry_after_s=5) from None

    def close(self):
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def current_request_job() -> dict:
    """This request as a worker replays it; a HEAD is answered as a GET (the
    server's WSGI layer drops the body)."""
    from tracker.api.resources import current
    form = None
    if request.method == "POST":
        form = list(request.form.items(multi=True))
    return {"method": "GET" if request.method == "HEAD" else request.method,
            "path": request.environ.get("PATH_INFO", request.path),
            "query_string": request.environ.get("QUERY_STRING", ""),
            "form": form, "now": current().now()}


def answer_in_pool(pool: HeavyPool):
    """The current request's response, computed by a worker of ``pool``."""
    status, headers, body = pool.answer(current_request_job())
    return current_app.response_class(body, status=status, headers=headers)


def start_pool(app: Flask, workers: int | None = None, *, nice: int | None = None,
               warm: bool = True, wait: bool = True) -> HeavyPool:
    """Attach a pool of ``workers`` (default: the app's HEAVY_SLOTS) to ``app``:
    its heavy requests are answered there from now on (``limits.heavy_response``)."""
    pool = HeavyPool(app, workers or int(app.config["HEAVY_SLOTS"]),
                     nice=app.config.get("HEAVY_NICE", DEFAULT_NICE) if nice is None else nice,
                     warm=warm)
    if wait:
        pool.wait_ready()
    app.extensions[EXTENSION] = pool
    return pool


def stop_pool(app: Flask) -> None:
    pool = app.extensions.pop(EXTENSION, None)
    if pool is not None:
        pool.close()
