"""``iss-tracker serve`` and the background element refresh.

The refresh runs the element-set engineer's ``tle.update.refresh`` for real,
from a local file (no network), into a temporary data directory; /health
must report each outcome. The serve test starts the real command in a
subprocess on a free port and talks HTTP to it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from importlib import resources

import pytest

from tle.update import refresh
from tracker.api import create_app
from tracker.cli import main as cli_main

FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)
NEWEST_EPOCH = "2026-10-09T19:42:49.140Z"


def newest_shipped_3le():
    lines = (resources.files("tle") / "data" / "iss_recent.tle").read_text().splitlines()
    return "\n".join(lines[-3:]) + "\n"


def test_refresh_outcomes_are_reported_in_health(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    source = tmp_path / "latest.tle"
    source.write_text(newest_shipped_3le())
    app = create_app({"CLOCK": lambda: FIXED_NOW, "DATA_DIR": str(data_dir)})
    res = app.extensions["iss_tracker"]
    client = app.test_client()

    res.refresh_once(lambda: refresh(str(data_dir), source=str(source), now_unix_s=FIXED_NOW.timestamp()))
    last = client.get("/health").get_json()["refresh"]["last"]
    assert last["ok"] is True and last["status"] == "unchanged"     # nothing newer than shipped
    assert client.get("/api/v1/tle").get_json()["epoch"] == NEWEST_EPOCH

    missing = tmp_path / "nowhere.tle"
    res.refresh_once(lambda: refresh(str(data_dir), source=str(missing), now_unix_s=FIXED_NOW.timestamp()))
    last = client.get("/health").get_json()["refresh"]["last"]
    assert last["ok"] is False and last["status"] == "failed"
    assert "nowhere.tle" in last["detail"]
    assert client.get("/api/v1/iss/now").status_code == 200             # still serving


def test_background_refresh_thread_runs_and_stops():
    app = create_app({"CLOCK": lambda: FIXED_NOW})
    res = app.extensions["iss_tracker"]
    calls = threading.Event()

    class Outcome:
        ok = True
        status = "unchanged"

        def __str__(self):
            return "nothing new"

    def fake_refresh():
        calls.set()
        return Outcome()

    res.start_refresh(0.01, refresh=fake_refresh)
    try:
        assert calls.wait(5)
        deadline = time.monotonic() + 5
        while res.last_refresh is None and time.monotonic() < deadline:
            time.sleep(0.01)
        body = app.test_client().get("/health").get_json()["refresh"]
        assert body["interval_hours"] == 0.01
        assert body["last"]["detail"] == "nothing new" and body["last"]["ok"] is True
    finally:
        res.stop_refresh()


def test_serve_command_runs_waitress_and_prints_the_url(tmp_path):
    tle_file = tmp_path / "one.tle"
    tle_file.write_text(newest_shipped_3le())
    env = dict(os.environ, ISS_TRACKER_DATA=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "serve", "--port", "0",
                             "--workers", "2", "--tle", str(tle_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        base = m.group(0).rstrip("/")
        with urllib.request.urlopen(base + "/api/v1/tle") as r:
            assert r.headers["Server"] == "iss-tracker"        # waitress, not werkzeug
            body = json.load(r)
        assert body["epoch"] == NEWEST_EPOCH and body["sets_in_store"] == 1
        with urllib.request.urlopen(base + "/") as r:
            assert b"Where is the ISS?" in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.mark.parametrize("argv, message", [
    (["serve", "--port", "70000"], "port must be in 0-65535"),
    (["serve", "--workers", "0"], "workers must be in 1-256"),
    (["serve", "--refresh-hours", "abc"], "refresh interval"),
    (["serve", "--tle", "/nonexistent/file.tle"], "no such file"),
])
def test_serve_refuses_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        status = cli_main(argv)
        raise SystemExit(status)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("host", ["256.1.1.1", "exa mple", "-bad-", "1.2.3"])
def test_serve_bad_host_is_one_line_exit_2(host):
    proc = subprocess.run([sys.executable, "-m", "tracker", "serve", "--host", host, "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--host" in lines[0] and "Traceback" not in proc.stderr
