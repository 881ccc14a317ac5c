"""SIGKILL at random moments never damages the element history (issue 12,
"Must show: Store").

For each writer -- ``iss-tracker tle import FILE``, ``iss-tracker tle update
--source URL`` (from a server on 127.0.0.1) and the serve process's
background refresh (``Resources.refresh_once`` with ``tle.update.refresh``,
the code ``serve --refresh-hours`` runs) -- 50 runs are each killed with
SIGKILL at a seeded moment spread over the measured length of an unkilled
run (so kills land before, during and after the write). Each run has its own
data directory seeded with a history of ``BASE`` sets; after the kill the
history must read back with the startup reader with no damaged record and
hold either exactly the old sets or exactly the old plus the new ones
(never a part), and ``update_state.json``, when present, must parse. Across
the 50 runs both outcomes must occur (the kills did straddle the commit).

The killed processes are forks of this test process running the real entry
points (``tracker.cli.main([...])`` for import and update): a fresh Python
interpreter costs 0.4 s of CPU per run, 60 s for the 150 runs on two cores,
while a fork starts in milliseconds. The entry point itself is exercised as
a real ``iss-tracker`` executable by the concurrency check: 8 ``iss-tracker
tle import`` processes started at once into one data directory, each with
its own 40 sets: all 320 land (0 lost).

The three kill runs are marked slow (2-4 s each here); the concurrency check
runs by default (about 2 s: eight interpreters).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sgp4.api import Satrec
from sgp4.io import fix_checksum

from tle.store import history_path, parse_history_bytes, shipped_sets

from helpers import http_server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")

ROOT = Path(__file__).resolve().parent.parent
RUNS = 50
BASE = 60           # sets already in each history
NEW = 100           # sets each killed writer adds
SEED = 1212


def _tle_text(first: int, count: int, *, days_from_newest: float) -> str:
    """``count`` ISS sets 0.01 day apart (epoch index ``first`` on), the newest
    shipped set's lines with the epoch field moved (python-sgp4's
    ``fix_checksum`` for the checksums)."""
    base = shipped_sets()[-1]
    sat = Satrec.twoline2rv(base.line1, base.line2)
    out = []
    for k in range(first, first + count):
        day = sat.epochdays + days_from_newest + k * 0.01
        line1 = fix_checksum(f"{base.line1[:20]}{day:012.8f}{base.line1[32:68]}")
        out += [base.name, line1, base.line2]
    return "\n".join(out) + "\n"


def _count_sets(data: Path) -> int:
    """Sets in the history read with the startup reader; fails on any damage."""
    path = history_path(data)
    if not path.exists():
        return 0
    sets, problems = parse_history_bytes(path.read_bytes())
    assert not problems, problems
    return len(sets)


def _check_state(data: Path) -> None:
    state = data / "update_state.json"
    if state.exists():
        assert isinstance(json.loads(state.read_text()), dict)


def _fork(target) -> int:
    pid = os.fork()
    if pid == 0:             # the child: run, never return into pytest
        code = 70
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            code = target()
        except BaseException:   # noqa: BLE001 - a crash shows as exit 70
            pass
        finally:
            os._exit(code if isinstance(code, int) else 0)
    return pid


def _kill_runs(tmp_path: Path, name: str, make_target, seed_text: str):
    """50 forked runs of ``make_target(data_dir)``, each killed at a seeded
    moment; returns (outcomes, run length in s)."""
    seeded = tmp_path / f"{name}-seed"
    seeded.mkdir()
    history_path(seeded).write_text(seed_text)
    assert _count_sets(seeded) == BASE

    def fresh(i):
        d = tmp_path / f"{name}-{i}"
        d.mkdir()
        history_path(d).write_bytes(history_path(seeded).read_bytes())
        return d

    # one run in this process first, so that the forks start with every
    # module imported and every kernel loaded (a run is then the writer's
    # own work, not Python's start-up)
    saved = os.environ.get("ISS_TRACKER_DATA")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert make_target(fresh("warm"))() == 0
    if saved is None:
        os.environ.pop("ISS_TRACKER_DATA", None)
    else:
        os.environ["ISS_TRACKER_DATA"] = saved
    # the length of one unkilled run, to spread the kills over
    # and the moment the new history replaced the old one (its mtime), to
    # aim half of the kills at the write itself
    probe = fresh("probe")
    started, started_wall = time.perf_counter(), time.time()
    pid = _fork(make_target(probe))
    _, status = os.waitpid(pid, 0)
    length_s = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 0, f"{name}: an unkilled run failed"
    assert _count_sets(probe) == BASE + NEW
    commit_s = min(max(history_path(probe).stat().st_mtime - started_wall, 0.0), length_s)

    rng = random.Random(f"{SEED}-{name}")
    outcomes = {"old": 0, "new": 0, "temp file left": 0, "finished": 0}
    for i in range(RUNS):
        d = fresh(i)
        if i % 2:       # around the commit: the last third before it, a little after
            delay = rng.uniform(commit_s * 0.67, commit_s + 0.25 * length_s)
        else:           # anywhere in the run, or just after it
            delay = rng.uniform(0.0, 1.2 * length_s)
        pid = _fork(make_target(d))
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        outcomes["finished"] += os.WIFEXITED(status)
        count = _count_sets(d)                          # readable, nothing damaged
        assert count in (BASE, BASE + NEW), (name, i, count)
        outcomes["old" if count == BASE else "new"] += 1
        outcomes["temp file left"] += bool(list(d.glob(".history.tle.*.tmp")))
        _check_state(d)
    outcomes["commit at ms"] = round(commit_s * 1000, 1)
    return outcomes, length_s


class _Handler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    _Handler.body = _tle_text(0, NEW, days_from_newest=0.5).encode()
    with http_server(_Handler) as url:
        yield url


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def _assert_straddled(name, outcomes, length_s):
    print(f"\n{name}: {RUNS} SIGKILLs over a {length_s * 1000:.0f} ms run: {outcomes}")
    # kills landed before the commit and after it: the window was covered
    assert outcomes["old"] >= 1 and outcomes["new"] >= 1, outcomes


@pytest.mark.slow
def test_sigkill_during_tle_import(tmp_path):
    from tracker.cli import main
    new_file = tmp_path / "new.tle"
    new_file.write_text(_tle_text(0, NEW, days_from_newest=-200))

    def make_target(d):
        def run():
            os.environ["ISS_TRACKER_DATA"] = str(d)
            return main(["tle", "import", str(new_file)])
        return run

    outcomes, length_s = _kill_runs(tmp_path, "import", make_target,
                                    _tle_text(0, BASE, days_from_newest=-250))
    _assert_straddled("tle import", outcomes, length_s)


@pytest.mark.slow
def test_sigkill_during_tle_update(tmp_path, server):
    from tracker.cli import main

    def make_target(d):
        def run():
            os.environ["ISS_TRACKER_DATA"] = str(d)
            return main(["tle", "update", "--source", f"{server}/gp.tle", "--force",
                         "--timeout", "20"])
        return run

    outcomes, length_s = _kill_runs(tmp_path, "update", make_target,
                                    _tle_text(0, BASE, days_from_newest=-100))
    _assert_straddled("tle update", outcomes, length_s)


@pytest.mark.slow
def test_sigkill_during_serve_refresh(tmp_path, server):
    from tle.update import refresh
    from tracker.api import create_app

    def make_target(d):
        def run():
            app = create_app({"DATA_DIR": str(d)})
            res = app.extensions["iss_tracker"]
            last = res.refresh_once(lambda: refresh(d, f"{server}/gp.tle", force=True,
                                                    timeout_s=20))
            return 0 if last["ok"] else 1
        return run

    outcomes, length_s = _kill_runs(tmp_path, "refresh", make_target,
                                    _tle_text(0, BASE, days_from_newest=-100))
    _assert_straddled("serve refresh", outcomes, length_s)


def test_eight_concurrent_importers_lose_no_set(tmp_path):
    """8 real ``iss-tracker tle import`` processes at once into one data
    directory, 40 distinct sets each: every one of the 320 sets lands."""
    data = tmp_path / "data"
    files = []
    for i in range(8):
        f = tmp_path / f"part{i}.tle"
        f.write_text(_tle_text(i * 40, 40, days_from_newest=-150))
        files.append(f)
    exe = Path(sys.executable).with_name("iss-tracker")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker"]
    env = os.environ | {"ISS_TRACKER_DATA": str(data), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(cmd + ["tle", "import", str(f)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and "added 40 element sets" in out, (out, err)
    assert _count_sets(data) == 320
    sets, _ = parse_history_bytes(history_path(data).read_bytes())
    assert len({round(es.epoch_unix_s) for es in sets}) == 320
