"""batch-stats on a real Dask cluster started here (``dask scheduler`` and
two ``dask worker`` processes from the venv, on 127.0.0.1, free ports).

* a worker SIGKILLed while the batch runs: Dask reruns its chunks on the
  other worker and every row equals the plain single-process run (same chunk
  grid: bit-identical);
* the CLI on the cluster (``--scheduler`` and ``$ISS_TRACKER_SCHEDULER``)
  writes the same CSV as the plain engine;
* an unreachable scheduler: one line on stderr, exit 2, within the deadline;
* an empty catalog: one line, exit 2; an element set that fails at every
  sample: its row says so (error code, all samples failed), the others are
  unaffected;
* (slow) a worker that cannot import the package: one line, exit 2;
* (slow) the only worker killed mid-run: an error within two stall
  timeouts, not a hang.
"""
import datetime as dt
import math
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tle.elements import ElementSet
from tle.store import read_element_file
from tracker.cli import main
from tracker.services.batch import iter_batch_rows, make_plan

UTC = dt.timezone.utc
CATALOG = os.path.join(os.path.dirname(__file__), "data", "catalog_2022-07-15.tle")
START = dt.datetime(2022, 7, 15, tzinfo=UTC)
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def same(a, b):
    return a == b or (isinstance(a, float) and math.isnan(a) and isinstance(b, float)
                      and math.isnan(b))


def assert_rows_equal(got, ref):
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        bad = [k for k in r if not same(g[k], r[k])]
        assert not bad, (r["satnum"], bad)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(address, {worker address: Popen}): a scheduler and two single-thread
    workers without nannies (a SIGKILL really removes the worker)."""
    log = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    logs = [open(log / name, "w") for name in ("scheduler.log", "worker0.log", "worker1.log")]
    procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=logs[0], env=env)]
    try:
        for k in range(2):
            procs.append(subprocess.Popen(
                [os.path.join(BIN, "dask"), "worker", address, "--host", "127.0.0.1",
                 "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{k}",
                 "--death-timeout", "60"],
                stdout=subprocess.DEVNULL, stderr=logs[k + 1], env=env))
        from distributed import Client
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            pids = client.run(os.getpid)
        by_pid = {p.pid: p for p in procs[1:]}
        yield address, {addr: by_pid[pid] for addr, pid in pids.items()}
    finally:
        try:                                   # scheduler and workers end together
            from distributed import Client
            with Client(address, timeout=5, set_as_default=False) as client:
                client.shutdown()
        except Exception:
            pass
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in logs:
            f.close()


@pytest.fixture(scope="module")
def objects():
    sets = read_element_file(CATALOG)
    return sets[::60][:300]              # 300 objects across the catalog


def test_worker_killed_mid_run_same_result(cluster, objects):
    from tracker.services.batch_dask import iter_dask_rows, open_client

    address, workers = cluster
    end = START + dt.timedelta(hours=12)
    plan = make_plan(len(objects), START, end, 60.0, span_samples=64, chunk_objects=25)
    ref = [r for rows in iter_batch_rows(objects, plan, numba_threads=1) for r in rows]
    assert len(plan.spans()) * len(plan.slices()) == 12 * 12

    killed = []

    class KillMidRun:
        done = chunks = 0

        def update(self, n):
            self.done += n
            self.chunks += 1
            if self.chunks == 10 and not killed:
                busy, held = client.processing(), client.has_what()
                load = {a: len(busy.get(a, ())) + len(held.get(a, ())) for a in workers}
                victim = max(workers, key=load.get)
                assert load[victim], (busy, held)       # running chunks or holding results
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait(timeout=10)
                killed.append(victim)

    progress = KillMidRun()
    with open_client(address, connect_timeout_s=10) as client:
        got = [r for rows in iter_dask_rows(client, objects, plan, progress=progress,
                                            stall_timeout_s=10) for r in rows]
        alive = set(client.scheduler_info()["workers"])
    assert killed and killed[0] not in alive and len(alive) == 1
    assert progress.done >= plan.propagations            # rerun chunks count again
    assert_rows_equal(got, ref)


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_on_cluster_matches_plain(cluster, objects, tmp_path, capsys, monkeypatch):
    address, workers = cluster
    alive = [a for a, p in workers.items() if p.poll() is None]
    assert alive
    path = tmp_path / "some.tle"
    path.write_text("".join(f"{es.name}\n{es.line1}\n{es.line2}\n" for es in objects[:40]))
    args = ["batch-stats", str(path), "--start", "2022-07-15T00:00:00Z", "--end",
            "2022-07-15T03:00:00Z", "--span-samples", "64", "--chunk-objects", "8"]
    code, plain, err = run(capsys, *args, "--engine", "plain")
    assert code == 0 and err == ""
    code, out, err = run(capsys, *args, "--scheduler", address, "--output",
                         str(tmp_path / "a.csv"))
    assert code == 0 and "on Dask" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "a.csv").read_text() == plain
    monkeypatch.setenv("ISS_TRACKER_SCHEDULER", address)
    code, out, err = run(capsys, *args)                   # auto: the env's cluster
    assert code == 0 and out == plain


def test_unreachable_scheduler_one_line_within_deadline(capsys, tmp_path):
    port = free_port()                                    # nothing listens there
    path = tmp_path / "one.tle"
    with open(CATALOG) as f:
        path.write_text("".join(next(f) for _ in range(3)))
    t0 = time.monotonic()
    code, out, err = run(capsys, "batch-stats", str(path), "--start", "2022-07-15T00:00:00Z",
                         "--end", "2022-07-15T01:00:00Z", "--scheduler",
                         f"tcp://127.0.0.1:{port}", "--connect-timeout-s", "2")
    elapsed = time.monotonic() - t0
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "did not answer within 2 s" in lines[0], err
    assert elapsed < 2 + 3.0
    assert not (tmp_path / "out.csv").exists()


def test_empty_catalog_one_line(capsys, tmp_path):
    empty = tmp_path / "empty.tle"
    empty.write_text("\n")
    code, out, err = run(capsys, "batch-stats", str(empty), "--start", "2022-07-15T00:00:00Z",
                         "--end", "2022-07-15T01:00:00Z", "--engine", "dask")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no element sets" in err


def test_set_failing_everywhere(cluster, objects):
    """A set whose orbit has decayed long before the interval (16.4 rev/day,
    B* 0.5, epoch 40 days earlier): error at the first sample, every sample
    failed, no altitude; its neighbours' rows are those of a run without it."""
    from tracker.services.batch_dask import iter_dask_rows, open_client

    address, _workers = cluster
    dead = ElementSet(satnum=99999, epoch_jd=2459735.5, epoch_fr=0.0, ndot=0.0, nddot=0.0,
                      bstar=0.5, inclination_deg=51.6, raan_deg=10.0, eccentricity=0.0005,
                      arg_perigee_deg=0.0, mean_anomaly_deg=0.0, mean_motion_rev_day=16.4)
    sets = [objects[0], dead, objects[1]]
    end = START + dt.timedelta(hours=2)
    plan = make_plan(len(sets), START, end, 60.0, span_samples=64, chunk_objects=2)
    with open_client(address) as client:
        got = [r for rows in iter_dask_rows(client, sets, plan) for r in rows]
    ref = [r for rows in iter_batch_rows(sets, plan) for r in rows]
    assert_rows_equal(got, ref)
    row = got[1]
    assert row["satnum"] == 99999 and row["error_code"] != 0
    assert row["error_time"] == "2022-07-15T00:00:00.000Z"
    assert row["failed_samples"] == plan.samples and row["orbits"] == 0
    assert math.isnan(row["min_alt_km"]) and math.isnan(row["mean_alt_km"])
    plan2 = make_plan(2, START, end, 60.0, span_samples=64, chunk_objects=2)
    alone = [r for rows in iter_batch_rows([objects[0], objects[1]], plan2) for r in rows]
    assert_rows_equal([got[0], got[2]], alone)


def test_output_formats_agree(capsys, tmp_path):
    """jsonl, json and parquet (pyarrow) carry the same rows; parquet needs --output."""
    import json

    import pyarrow.parquet as pq

    path = tmp_path / "five.tle"
    with open(CATALOG) as f:
        path.write_text("".join(next(f) for _ in range(15)))
    args = ["batch-stats", str(path), "--start", "2022-07-15T00:00:00Z", "--end",
            "2022-07-15T02:00:00Z", "--engine", "plain"]
    code, out, err = run(capsys, *args, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["objects"] == 5 and doc["samples"] == 121
    code, out, err = run(capsys, *args, "--format", "jsonl")
    assert [json.loads(line) for line in out.splitlines()] == doc["rows"]
    code, out, err = run(capsys, *args, "--format", "parquet", "--output",
                         str(tmp_path / "r.parquet"))
    assert code == 0 and out == "" and "5 objects" in err
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.to_pylist() == doc["rows"]
    assert json.loads(table.schema.metadata[b"samples"]) == 121
    code, out, err = run(capsys, *args, "--format", "parquet")
    assert code == 2 and out == "" and "--output" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, *args[:-2], "--workers", "0")
    assert code == 2 and "--workers must be at least 1" in err


@pytest.mark.slow           # ~2 s, but its own scheduler: keeps the default run near 15 s
def test_worker_without_the_package_one_line(capsys, tmp_path):
    """A worker whose Python cannot import ``tracker`` (a package of that name
    that fails, first on its PYTHONPATH): the start-up check says so in one
    line, exit 2, before any chunk is sent."""
    fake = tmp_path / "fake" / "tracker"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('iss-tracker is not installed here')\n")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "fake"))
    procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path),
             subprocess.Popen([os.path.join(BIN, "dask"), "worker", address, "--host",
                               "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                              cwd=tmp_path)]
    try:
        path = tmp_path / "one.tle"
        with open(CATALOG) as f:
            path.write_text("".join(next(f) for _ in range(3)))
        code, out, err = run(capsys, "batch-stats", str(path), "--start",
                             "2022-07-15T00:00:00Z", "--end", "2022-07-15T01:00:00Z",
                             "--scheduler", address, "--connect-timeout-s", "30")
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "cannot run the batch" in lines[0], err
        assert "install iss-tracker" in lines[0]
    finally:
        for p in procs:
            p.kill()
            p.wait()


@pytest.mark.slow           # its own scheduler and worker, ~10 s
def test_every_worker_gone_is_an_error_not_a_hang(objects):
    """The only worker SIGKILLed mid-run (holding results not yet fetched):
    ClusterError within two stall timeouts, no hang."""
    from tracker.errors import UserError
    from tracker.services.batch_dask import iter_dask_rows, open_client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    procs.append(subprocess.Popen([os.path.join(BIN, "dask"), "worker", address, "--host",
                                   "127.0.0.1", "--nthreads", "1", "--no-nanny",
                                   "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    plan = make_plan(len(objects), START, START + dt.timedelta(hours=12), 60.0,
                     span_samples=64, chunk_objects=25)
    killed_at = []

    class KillOnly:
        n = 0

        def update(self, _n):
            self.n += 1
            if self.n == 5:
                procs[1].send_signal(signal.SIGKILL)
                procs[1].wait(timeout=10)
                killed_at.append(time.monotonic())

    try:
        with open_client(address, connect_timeout_s=30) as client:
            with pytest.raises(UserError, match="no worker for 2 s"):
                for _rows in iter_dask_rows(client, objects, plan, progress=KillOnly(),
                                            stall_timeout_s=2):
                    pass
        assert killed_at and time.monotonic() - killed_at[0] < 2 * 2 + 5
    finally:
        for p in procs:
            p.kill()
            p.wait()


@pytest.mark.slow           # starts its own local cluster (~3 s)
def test_dashboard_address_is_printed(capsys, tmp_path):
    """--dashboard on the local cluster: its address on stderr, on 127.0.0.1 (bokeh installed)."""
    import re

    path = tmp_path / "three.tle"
    with open(CATALOG) as f:
        path.write_text("".join(next(f) for _ in range(9)))
    code, out, err = run(capsys, "batch-stats", str(path), "--start", "2022-07-15T00:00:00Z",
                         "--end", "2022-07-15T01:00:00Z", "--engine", "dask", "--workers", "1",
                         "--dashboard")
    assert code == 0, err
    m = re.search(r"Dask dashboard at (http://127\.0\.0\.1:\d+/status)", err)
    assert m, err
    assert len(out.strip().splitlines()) == 4            # header + 3 objects
