"""Heavy requests answered in worker processes (``tracker.api.pool``), as
``iss-tracker serve`` does.

The reference is the same app answering in its own thread (no pool): the
answers must be byte-identical (the in-thread answers are checked against
skyfield and python-sgp4 by the other API tests). Then the pool's own
duties: the slots' 503 before any job, 4xx before any job, the workers
reloading the store after the server did, a dead worker's 503 and the
restart, and workers leaving when their server is killed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from importlib import resources

import pytest

from tracker.api import create_app
from tracker.api.limits import EXTENSION as SLOTS
from tracker.api.pool import EXTENSION as POOL, start_pool, stop_pool

from helpers import FIXED_NOW, assert_busy_but_light_answers, assert_problem


def _shipped_3le(count: int) -> str:
    lines = (resources.files("tle") / "data" / "iss_recent.tle").read_text().splitlines()
    return "\n".join(lines[-3 * count:]) + "\n"


@pytest.fixture(scope="module")
def tle_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pool") / "two.tle"
    path.write_text(_shipped_3le(2))
    return path


@pytest.fixture(scope="module")
def apps(tle_file):
    """(pooled app, in-thread app) with the same configuration."""
    config = {"CLOCK": lambda: FIXED_NOW, "TESTING": True, "TLE_FILE": str(tle_file),
              "HEAVY_SLOTS": 1, "HEAVY_QUEUE": 0, "HEAVY_WAIT_S": 0.0}
    pooled, threaded = create_app(config), create_app(config)
    start_pool(pooled, warm=False)
    yield pooled, threaded
    stop_pool(pooled)


PATHS = [
    "/api/v1/passes?city=Paris&days=2",
    "/api/v1/passes.ics?lat=48.85&lon=2.35&days=2",
    "/api/v1/passes/sky.svg?city=Paris&days=2&pass_index=1",
    "/api/v1/overflights?city=Paris&days=1&radius_km=1000",
    "/api/v1/iss/groundtrack?step_s=60&footprint=true",
    "/api/v1/iss/positions?start=2026-10-10T00:00:00Z&end=2026-10-10T01:00:00Z&step_s=30",
    "/api/v1/stats?start=2026-10-09T00:00:00Z&end=2026-10-10T00:00:00Z&step_s=60",
    "/api/v1/passes?city=S%C3%A3o%20Paulo&days=1",                 # a percent-encoded name
    "/api/v1/passes?city=Paris&days=2&start=2025-06-01T00:00:00Z",  # stale: 422 from the worker
]


def _headers(response):
    return {k: v for k, v in response.headers.items() if k not in ("X-Cache", "Date")}


@pytest.mark.parametrize("path", PATHS)
def test_pool_answers_exactly_as_the_thread_does(apps, path):
    pooled, threaded = apps
    pool = pooled.extensions[POOL]
    jobs = pool.jobs
    mine, reference = pooled.test_client().get(path), threaded.test_client().get(path)
    assert pool.jobs == jobs + 1                        # a worker answered it
    assert (mine.status_code, mine.get_data()) == (reference.status_code, reference.get_data())
    assert _headers(mine) == _headers(reference)
    if mine.status_code == 200 and "/positions" not in path:     # the server's cache, then
        again = pooled.test_client().get(path, headers={"If-None-Match": mine.headers["ETag"]})
        assert again.status_code == 304 and again.headers["X-Cache"] == "HIT"
        assert pool.jobs == jobs + 1


def test_post_and_head_are_replayed(apps):
    pooled, threaded = apps
    stamps = ",".join(str(1791633600 + 60 * i) for i in range(500))
    mine = pooled.test_client().post("/api/v1/iss/positions", data={"timestamps": stamps})
    reference = threaded.test_client().post("/api/v1/iss/positions", data={"timestamps": stamps})
    assert mine.status_code == 200 and mine.get_json()["count"] == 500
    assert mine.get_data() == reference.get_data()
    path = "/api/v1/iss/groundtrack?step_s=30"
    head, get = pooled.test_client().head(path), threaded.test_client().get(path)
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == get.headers["ETag"]


def test_full_slots_answer_503_and_bad_input_400_without_a_job(apps):
    pooled, _ = apps
    pool, client = pooled.extensions[POOL], pooled.test_client()
    jobs = pool.jobs
    with pooled.extensions[SLOTS].slot():             # someone else's heavy computation
        assert_busy_but_light_answers(client, "/api/v1/passes?city=Paris&days=3")
    assert_problem(client.get("/api/v1/passes?lat=91&lon=0"), 400, "lat")
    assert_problem(client.get("/api/v1/stats?start=2026-10-10T00:00:00Z"), 400, "end")
    assert pool.jobs == jobs


def _epoch(app, path):
    return app.test_client().get(path).get_json()["elements"]["epoch"]


def test_workers_reload_the_store_after_the_server_does(apps, tle_file):
    pooled, threaded = apps
    path = "/api/v1/iss/groundtrack?step_s=120&start=2026-10-10T06:00:00Z"
    newest = _epoch(threaded, path)
    assert _epoch(pooled, path) == newest
    older_set = "\n".join(_shipped_3le(2).splitlines()[:3]) + "\n"
    tle_file.write_text(older_set)                            # the older of the two sets only
    try:
        for app in apps:
            app.extensions["iss_tracker"].reload_store()
            app.extensions["iss_tracker_cache"]._cache.clear()
        older = _epoch(threaded, path)
        assert older < newest
        assert _epoch(pooled, path) == older                  # the worker re-read the file
    finally:
        tle_file.write_text(_shipped_3le(2))
        for app in apps:
            app.extensions["iss_tracker"].reload_store()
            app.extensions["iss_tracker_cache"]._cache.clear()
    assert _epoch(pooled, path) == newest


def test_a_dead_worker_is_a_503_then_a_fresh_pool_answers(apps):
    pooled, _ = apps
    pool, client = pooled.extensions[POOL], pooled.test_client()
    path = "/api/v1/iss/positions?start=2026-10-10T00:00:00Z&end=2026-10-10T00:10:00Z&step_s=60"
    assert client.get(path).status_code == 200
    (pid,) = pool.pids()
    os.kill(pid, signal.SIGKILL)
    deadline, refused = time.monotonic() + 10, 0
    while pool.restarts == 0 and time.monotonic() < deadline:
        r = client.get(path)
        if r.status_code != 200:
            assert_problem(r, 503, kind="service-unavailable")
            assert r.headers["Retry-After"] == "5"
            refused += 1
    assert pool.restarts == 1 and refused == 1
    r = client.get(path)
    assert r.status_code == 200 and pool.pids() != [pid]


def test_workers_leave_when_their_server_is_killed(tmp_path):
    script = textwrap.dedent("""
        import sys
        from tracker.api import create_app
        from tracker.api.pool import start_pool
        if __name__ == "__main__":
            pool = start_pool(create_app({"HEAVY_SLOTS": 1}), warm=False)
            print(*pool.pids(), flush=True)
            sys.stdin.read()
        """)
    (tmp_path / "server.py").write_text(script)
    with subprocess.Popen([sys.executable, str(tmp_path / "server.py")], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            pids = [int(p) for p in proc.stdout.readline().split()]
            assert pids
        finally:
            proc.kill()                                   # no clean-up of any kind
            proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in pids if _running(p)]
    assert not alive


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
