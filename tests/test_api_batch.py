"""POST /api/v1/batch jobs: 202 + job URL, status and progress, the result
equal to the batch service's rows (``iter_batch_rows``, the same chunk grid),
the bounds (each 4xx names its limit) and problem+json errors."""
import datetime as dt
import math
import os
import socket
import time

import pytest

from tle.store import read_element_file
from tracker.api import create_app
from tracker.services.batch import iter_batch_rows, make_plan

CATALOG = os.path.join(os.path.dirname(__file__), "data", "catalog_2022-07-15.tle")
FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)
QUERY = "start=2022-07-15T00:00:00Z&end=2022-07-15T06:00:00Z&step_s=60"


def client(**config):
    return create_app({"CLOCK": lambda: FIXED_NOW, **config}).test_client()


@pytest.fixture(scope="module")
def body():
    with open(CATALOG) as f:
        return "".join(next(f) for _ in range(3 * 12))           # 12 objects (3LE)


def wait_done(c, url, timeout_s=60.0):
    t0 = time.monotonic()
    while True:
        r = c.get(url)
        assert r.status_code == 200, r.get_json()
        doc = r.get_json()
        if doc["status"] in ("done", "failed") or time.monotonic() - t0 > timeout_s:
            return doc
        time.sleep(0.05)


def problem(r, status, *words):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    doc = r.get_json()
    assert doc["status"] == status
    for w in words:
        assert w in doc["detail"], doc
    return doc


def test_job_runs_and_matches_the_service(body, tmp_path):
    c = client()
    r = c.post(f"/api/v1/batch?{QUERY}", data=body, content_type="text/plain")
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert r.headers["Location"] == job["url"] == f"/api/v1/batch/{job['id']}"
    assert job["objects"] == 12 and job["samples"] == 361 and job["engine"] == "in-process"
    doc = wait_done(c, job["url"])
    assert doc["status"] == "done" and doc["progress"] == 1.0
    assert doc["propagations_done"] == doc["propagations"] == 12 * 361
    res = c.get(doc["result_url"])
    assert res.status_code == 200
    rows = res.get_json()["rows"]
    path = tmp_path / "b.tle"
    path.write_text(body)
    sets = read_element_file(path)
    start = dt.datetime(2022, 7, 15, tzinfo=dt.timezone.utc)
    plan = make_plan(len(sets), start, start + dt.timedelta(hours=6), 60.0)
    ref = [r for chunk in iter_batch_rows(sets, plan) for r in chunk]
    assert len(rows) == len(ref)
    for got, want in zip(rows, ref):
        for k, v in want.items():
            if isinstance(v, float) and not math.isfinite(v):
                assert got[k] is None
            else:
                assert got[k] == v, (k, got[k], v)


def test_bounds_name_their_limit(body):
    problem(client(BATCH_MAX_OBJECTS=5).post(f"/api/v1/batch?{QUERY}", data=body), 400,
            "BATCH_MAX_OBJECTS", "5 objects")
    problem(client(BATCH_MAX_PROPAGATIONS=1000).post(f"/api/v1/batch?{QUERY}", data=body), 400,
            "BATCH_MAX_PROPAGATIONS", "1,000")
    r = client(BATCH_MAX_ACTIVE=0).post(f"/api/v1/batch?{QUERY}", data=body)
    problem(r, 429, "BATCH_MAX_ACTIVE")
    assert r.headers["Retry-After"]
    big = "x" * (2 << 20)
    problem(client().post(f"/api/v1/batch?{QUERY}", data=big), 413)


def test_bad_input_is_problem_json(body):
    c = client()
    problem(c.post(f"/api/v1/batch?{QUERY}", data=""), 400, "body")
    problem(c.post("/api/v1/batch?start=2022-07-15T00:00:00Z", data=body), 400, "end")
    problem(c.post(f"/api/v1/batch?{QUERY.replace('step_s=60', 'step_s=0.1')}", data=body), 400,
            "step_s")
    problem(c.post("/api/v1/batch?start=2022-07-16T00:00:00Z&end=2022-07-15T00:00:00Z",
                   data=body), 400, "after")
    assert c.post(f"/api/v1/batch?{QUERY}", data="1 garbage\n2 more\n").status_code in (400, 422)
    problem(c.get("/api/v1/batch/" + "0" * 32), 404, "restart")
    problem(c.get("/api/v1/batch/" + "0" * 32 + "/result"), 404)


def test_unreachable_cluster_fails_the_job_not_the_server(body):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(BATCH_SCHEDULER=f"tcp://127.0.0.1:{port}", BATCH_CONNECT_TIMEOUT_S=1.0)
    r = c.post(f"/api/v1/batch?{QUERY}", data=body)
    assert r.status_code == 202 and r.get_json()["engine"] == "dask"
    doc = wait_done(c, r.get_json()["url"], timeout_s=20)
    assert doc["status"] == "failed"
    assert doc["error"]["status"] == 503 and "did not answer within 1 s" in doc["error"]["detail"]
    problem(c.get(doc["result_url"]), 409, "failed", "did not answer")
