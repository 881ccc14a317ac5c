"""Fresh elements: update from a real HTTP server on 127.0.0.1 (started here,
ephemeral port), the failure cases leaving the history byte-for-byte
unchanged, etiquette (2-hour pacing, conditional requests, 304), crash
safety under SIGKILL, concurrent updaters, and the ``tle`` CLI.

Fixture element sets: the newest shipped ISS set with its epoch field moved
later (checksum recomputed with sgp4.io.fix_checksum), so they are newer than
anything shipped; a real VANGUARD 1 set from the catalog for the
wrong-satellite case. Every test uses tmp_path as the data directory."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sgp4.api import Satrec
from sgp4.io import fix_checksum

from tle.errors import HistoryError
from tle.history import atomic_write_bytes, merge_into_history, read_history
from tle.parse import parse_tle_text
from tle.store import ElementStore, history_path, load_store, shipped_sets
from tle.update import MIN_INTERVAL_S, UpdateError, import_file, refresh, update
from tracker.cli import main

from helpers import http_server

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
DAY_S = 86400.0


def shifted_tle(hours: float, *, name="ISS (ZARYA)") -> str:
    """The newest shipped set with its epoch moved ``hours`` later (3LE)."""
    base = shipped_sets()[-1]
    sat = Satrec.twoline2rv(base.line1, base.line2)
    day = sat.epochdays + hours / 24.0
    line1 = fix_checksum(f"{base.line1[:20]}{day:012.8f}{base.line1[32:68]}")
    return f"{name}\n{line1}\n{base.line2}\n"


def epoch_unix(tle_text: str) -> float:
    _, l1, l2 = tle_text.splitlines()
    sat = Satrec.twoline2rv(l1, l2)
    return ((sat.jdsatepoch - 2440587.5) + sat.jdsatepochF) * DAY_S


NEW_TLE = shifted_tle(6.0)
NEWER_TLE = shifted_tle(12.0)
NOW = epoch_unix(NEW_TLE) + 0.25 * DAY_S          # the clock passed to update()
VANGUARD = "\n".join(DATA.joinpath("catalog_2022-07-15.tle").read_text().splitlines()[:3]) + "\n"


def _stations_group() -> str:
    """What CelesTrak's GROUP=stations answers, from the 2022 catalog: the
    ISS, the Chinese station's modules and a few visitors (3LE)."""
    lines = DATA.joinpath("catalog_2022-07-15.tle").read_text().splitlines()
    want = ("ISS (", "CSS (", "PROGRESS", "SOYUZ-MS", "SHENZHOU", "TIANZHOU")
    out = []
    for k in range(0, len(lines) - 2, 3):
        if lines[k].startswith(want):
            out += lines[k:k + 3]
    return "\n".join(out) + "\n"


STATIONS = _stations_group()
HTML = b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body>busy</body></html>\n"


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    log: list = []
    hang = threading.Event()

    def log_message(self, *args):   # keep pytest output clean
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        type(self).log.append((path, dict(self.headers)))
        route = self.routes.get(path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        kind, payload = route
        if kind in ("body", "plain"):     # "body" has an ETag and answers 304 to it
            etag = '"v1"' if kind == "body" else None
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = payload.encode() if isinstance(payload, str) else payload
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", "Fri, 09 Oct 2026 20:00:00 GMT")
            self.end_headers()
            self.wfile.write(body)
        elif kind == "status":
            self.send_error(payload)
        elif kind == "redirect":
            self.send_response(302)
            self.send_header("Location", payload)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif kind == "short":          # Content-Length promises more than is sent
            body = payload.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 80))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
        elif kind == "cut":            # no Content-Length, connection closed mid-line
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload.encode())
            self.close_connection = True
        elif kind == "hang":
            type(self).hang.wait(10)
        elif kind == "trickle":        # one byte every `payload` s: status line, headers, body
            text = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"1" * 100000
            for i in range(len(text)):
                if type(self).hang.wait(payload):
                    return
                try:
                    self.wfile.write(text[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return


@pytest.fixture(scope="module")
def server():
    routes = {
        "/gp.tle": ("body", NEW_TLE),
        "/newer.tle": ("body", NEWER_TLE),
        "/gp.json": ("body", None),
        "/redirect": ("redirect", "/newer.tle"),
        "/403": ("status", 403),
        "/404": ("status", 404),
        "/500": ("status", 500),
        "/503": ("status", 503),
        "/html": ("html", HTML),
        "/short": ("short", NEW_TLE),
        "/cut": ("cut", NEW_TLE[:-20]),
        "/empty": ("plain", ""),
        "/badsum": ("body", NEW_TLE.replace(NEW_TLE.splitlines()[2], NEW_TLE.splitlines()[2][:68]
                                            + str((int(NEW_TLE.splitlines()[2][68]) + 1) % 10))),
        "/wrongsat": ("plain", VANGUARD),
        "/nodata": ("plain", "No GP data found\n"),
        "/future": ("plain", shifted_tle(6.0 + 24 * 3)),
        "/old": ("plain", "".join(f"{es.name}\n{es.line1}\n{es.line2}\n" for es in shipped_sets()[:2])),
        "/hang": ("hang", None),
        "/trickle": ("trickle", 0.2),
        "/stations": ("plain", STATIONS),
    }
    omm = json.loads((DATA / "iss_recent_omm.json").read_text())[-1]
    omm["EPOCH"] = "2026-10-10T01:42:49.139712"    # 6 h after the newest shipped set
    routes["/gp.json"] = ("body", json.dumps([omm]))
    Handler.routes = routes
    with http_server(Handler) as url:
        yield url
        Handler.hang.set()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch, tmp_path):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("ISS_TRACKER_DATA", str(tmp_path / "data"))
    Handler.log = []


@pytest.fixture
def seeded(tmp_path):
    """A data dir whose history already holds one downloaded set."""
    data = tmp_path / "data"
    merge_into_history(data, parse_tle_text(shifted_tle(1.0)))
    return data


# --- normal operation ------------------------------------------------------------

def test_normal_update_adds_the_set(server, seeded):
    before = read_history(seeded)
    result = update(seeded, source=f"{server}/gp.tle", now_unix_s=NOW)
    assert result.status == "updated" and result.added == 1 and result.total == len(before) + 1
    assert "added 1 element set" in result.message
    store = load_store(data_dir=seeded)
    assert store.newest().line1 == NEW_TLE.splitlines()[1]
    assert len(store) == 127 + 2
    # the request identified itself and was for the path asked
    path, headers = Handler.log[-1]
    assert path == "/gp.tle" and headers["User-Agent"].startswith("iss-tracker/")


def test_omm_json_update(server, tmp_path):
    data = tmp_path / "data"
    result = update(data, source=f"{server}/gp.json", fmt="omm-json", now_unix_s=NOW)
    assert result.status == "updated" and result.newest_epoch == "2026-10-10T01:42:49Z"
    (es,) = read_history(data)
    assert es.satnum == 25544 and es.line1.startswith("1 25544U 98067A   26283.07140208")


def test_redirect_is_followed(server, tmp_path):
    result = update(tmp_path / "data", source=f"{server}/redirect", now_unix_s=NOW)
    assert result.status == "updated"
    assert [p for p, _ in Handler.log] == ["/redirect", "/newer.tle"]
    assert read_history(tmp_path / "data")[0].line1 == NEWER_TLE.splitlines()[1]


def test_same_set_again_is_unchanged(server, tmp_path):
    data = tmp_path / "data"
    update(data, source=f"{server}/gp.tle", now_unix_s=NOW)
    before = history_path(data).read_bytes()
    result = update(data, source=f"{server}/gp.tle", now_unix_s=NOW, force=True)
    # the server answers 304 to the conditional request: store untouched
    assert result.status == "not-modified"
    assert history_path(data).read_bytes() == before


def test_etiquette_two_hours_and_conditional_requests(server, tmp_path):
    data = tmp_path / "data"
    src = f"{server}/gp.tle"
    assert update(data, source=src, now_unix_s=NOW).status == "updated"
    assert len(Handler.log) == 1 and "If-None-Match" not in Handler.log[0][1]
    skipped = update(data, source=src, now_unix_s=NOW + 3600)
    assert skipped.status == "skipped" and "--force" in skipped.message
    assert len(Handler.log) == 1                       # no request made
    before = history_path(data).read_bytes()
    later = update(data, source=src, now_unix_s=NOW + MIN_INTERVAL_S + 1)
    assert later.status == "not-modified" and len(Handler.log) == 2
    headers = Handler.log[1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Fri, 09 Oct 2026 20:00:00 GMT"
    assert history_path(data).read_bytes() == before
    state = json.loads((data / "update_state.json").read_text())
    assert state[src]["etag"] == '"v1"' and state[src]["last_request_unix_s"] == NOW + MIN_INTERVAL_S + 1


# --- failures: history byte-for-byte unchanged, message names the cause ----------

@pytest.mark.parametrize("path, cause, words", [
    ("/403", "http-403", ["HTTP 403", "2 hours"]),
    ("/404", "http-404", ["HTTP 404"]),
    ("/500", "http-5xx", ["HTTP 500", "try again later"]),
    ("/503", "http-5xx", ["HTTP 503"]),
    ("/html", "html", ["HTML page", "503 Service Unavailable"]),
    ("/short", "truncated", ["truncated", "of"]),
    ("/cut", "truncated", ["truncated"]),
    ("/empty", "empty", ["empty response"]),
    ("/badsum", "format", ["checksum", "line 3"]),
    ("/wrongsat", "wrong-satellite", ["catalog number 25544", "found 5", "VANGUARD 1"]),
    ("/nodata", "no-data", ["No GP data found"]),
    ("/future", "future-epoch", ["after now"]),
    ("/old", "older", ["older than the one we have"]),
])
def test_failures_leave_history_untouched(server, seeded, path, cause, words):
    before = history_path(seeded).read_bytes()
    with pytest.raises(UpdateError) as info:
        update(seeded, source=f"{server}{path}", now_unix_s=NOW)
    err = info.value
    assert err.cause == cause and err.source == f"{server}{path}"
    message = str(err)
    assert "\n" not in message and "history unchanged" in message
    for word in words:
        assert word in message
    assert history_path(seeded).read_bytes() == before
    # the rejected answer's ETag is not kept (so /badsum, which has one, is
    # asked for in full again below rather than answered with 304)
    state = json.loads((seeded / "update_state.json").read_text())
    assert state[f"{server}{path}"]["last_request_unix_s"] == NOW
    assert state[f"{server}{path}"].get("etag") is None
    # and the background refresh reports the same without raising
    outcome = refresh(seeded, f"{server}{path}", now_unix_s=NOW, force=True)
    assert outcome.status == "failed" and not outcome.ok and outcome.cause == cause
    assert str(outcome) == outcome.message
    assert history_path(seeded).read_bytes() == before


def test_timeout(server, seeded):
    before = history_path(seeded).read_bytes()
    started = time.monotonic()
    with pytest.raises(UpdateError) as info:
        update(seeded, source=f"{server}/hang", now_unix_s=NOW, timeout_s=0.5)
    assert time.monotonic() - started < 5.0
    assert info.value.cause == "timeout" and "timed out after 0.5 s" in str(info.value)
    assert history_path(seeded).read_bytes() == before


def test_unreachable_host(seeded):
    with pytest.raises(UpdateError) as info:
        update(seeded, source="http://127.0.0.1:9/gp.tle", now_unix_s=NOW, timeout_s=2)
    assert info.value.cause in ("network", "timeout") and "history unchanged" in str(info.value)


def test_timeout_is_a_deadline_for_the_whole_exchange(server, seeded):
    """A server that trickles one byte every 0.2 s never lets a single read
    time out; the deadline still stops the exchange at T (issue 12)."""
    started = time.monotonic()
    with pytest.raises(UpdateError) as info:
        update(seeded, source=f"{server}/trickle", now_unix_s=NOW, timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5, elapsed
    assert info.value.cause == "timeout" and "timed out after 1 s" in str(info.value)


def test_no_answer_does_not_start_the_etiquette_clock(server, seeded, capsys, monkeypatch):
    """No network / timeout: the next update tries again at once; a server
    answer (here an HTTP error) starts the clock, and the skip after it is one
    line on stdout with exit status 3."""
    for src, timeout in (("http://127.0.0.1:9/gp.tle", 2), (f"{server}/hang", 0.3)):
        for _ in range(2):
            with pytest.raises(UpdateError) as info:
                update(seeded, source=src, now_unix_s=NOW, timeout_s=timeout)
            assert info.value.cause in ("network", "timeout")
        state_file = seeded / "update_state.json"
        assert not state_file.exists() or src not in json.loads(state_file.read_text())
    monkeypatch.setenv("ISS_TRACKER_DATA", str(seeded))
    assert main(["tle", "update", "--source", "http://127.0.0.1:9/gp.tle", "--timeout", "2"]) == 2
    assert main(["tle", "update", "--source", "http://127.0.0.1:9/gp.tle", "--timeout", "2"]) == 2
    capsys.readouterr()
    assert main(["tle", "update", "--source", f"{server}/503"]) == 2      # answered: clock starts
    capsys.readouterr()
    assert main(["tle", "update", "--source", f"{server}/503"]) == 3
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("skipped:") and "nothing fetched" in out
    outcome = refresh(seeded, f"{server}/503")
    assert outcome.status == "skipped" and not outcome.ok


def test_refresh_without_data_dir():
    outcome = refresh(None)
    assert outcome.status == "failed" and outcome.cause == "config"


def test_local_file_source_and_import(tmp_path):
    data = tmp_path / "data"
    src = tmp_path / "fresh.tle"
    src.write_text(NEW_TLE)
    result = update(data, source=str(src), now_unix_s=NOW)
    assert result.status == "updated"
    # import: any epochs, sets the package ships are not copied
    result = import_file(data, DATA / "iss_recent_omm.json", now_unix_s=NOW)
    assert result.status == "unchanged" and result.added == 0
    result = import_file(data, DATA / "catalog_2022-07-15.tle", catalog_number=5, now_unix_s=NOW)
    assert result.added == 1
    assert {es.satnum for es in read_history(data)} == {5, 25544}
    assert ElementStore.shipped(satnum=5, history=history_path(data)).newest().name == "VANGUARD 1"


def test_history_never_truncated_by_a_failed_write(tmp_path, monkeypatch):
    data = tmp_path / "data"
    merge_into_history(data, parse_tle_text(NEW_TLE))
    before = history_path(data).read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(HistoryError) as info:
        merge_into_history(data, parse_tle_text(NEWER_TLE))
    assert "No space left on device" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.undo()
    assert history_path(data).read_bytes() == before
    assert not list(data.glob(".history.tle.*.tmp"))


# --- crash safety and concurrency --------------------------------------------------

CHILD = textwrap.dedent("""
    # mode 'merge': lock-read-merge-write one new set per loop (the real path);
    # mode 'write': the same growing history rewritten with atomic_write_bytes
    # back to back, so that kills land inside writes too.
    import dataclasses, sys
    from tle.history import atomic_write_bytes, locked, merge_into_history, read_history
    from tle.store import history_path, shipped_sets
    from tle.write import format_tle_text
    data_dir, start, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    base = shipped_sets()[-1]

    def one(k):
        return dataclasses.replace(base, epoch_jd=base.epoch_jd + 1 + k // 1440,
                                   epoch_fr=base.epoch_fr + (k % 1440) / 1440.0 * 0.999,
                                   line1=None, line2=None)

    if mode == "write":
        with locked(data_dir):
            sets = read_history(data_dir)
            print("ready", flush=True)
            for k in range(start, start + count):
                sets.append(one(k))
                atomic_write_bytes(history_path(data_dir), format_tle_text(sets).encode())
    else:
        print("ready", flush=True)
        for k in range(start, start + count):
            merge_into_history(data_dir, [one(k)])
    print("done", flush=True)
""")


def _child(data, start, count, mode="merge"):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(data), str(start), str(count), mode],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONPATH": str(ROOT)})


def _seed_big_history(data, n):
    base = shipped_sets()[-1]
    text = "".join(
        f"{base.name}\n" + "\n".join(_shift_lines(base, 2 + i * 0.01)) + "\n" for i in range(n))
    data.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(history_path(data), text.encode())


def _shift_lines(base, days):
    sat = Satrec.twoline2rv(base.line1, base.line2)
    day = sat.epochdays + days
    return fix_checksum(f"{base.line1[:20]}{day:012.8f}{base.line1[32:68]}"), base.line2


def test_sigkill_never_corrupts_or_shortens_history(tmp_path):
    data = tmp_path / "data"
    _seed_big_history(data, 800)
    count = len(read_history(data))
    assert count == 800
    rng = random.Random(7)
    started = time.monotonic()
    killed_mid_write = 0
    for run in range(50):
        child = _child(data, 100000 + run * 1000, 1000, "write" if run % 2 else "merge")
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        killed_mid_write += bool(list(data.glob(".history.tle.*.tmp")))
        sets = read_history(data)              # parses: never unreadable
        assert len(sets) >= count              # never shorter
        count = len(sets)
    assert count > 800                         # some merges did land
    assert killed_mid_write >= 1               # and some kills hit a write in progress
    assert time.monotonic() - started < 60     # ~9 s on an idle 2-core machine
    # leftovers from killed writers are cleaned at the next locked merge
    merge_into_history(data, [])
    assert not list(data.glob(".history.tle.*.tmp"))


def test_two_concurrent_updaters_both_land(tmp_path):
    data = tmp_path / "data"
    a = _child(data, 0, 15)
    b = _child(data, 500, 15)
    for child in (a, b):
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0 and out.split() == ["ready", "done"]
    sets = read_history(data)
    assert len(sets) == 30
    assert len({es.epoch_unix_s for es in sets}) == 30


# --- the CLI -------------------------------------------------------------------------

def test_cli_update_show_import(server, tmp_path, capsys):
    data = tmp_path / "data"
    # the CLI reads the real clock: the fixture epoch (2026-10-10) must not be in its future
    assert epoch_unix(NEW_TLE) < time.time() + DAY_S
    assert main(["tle", "update", "--source", f"{server}/gp.tle", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "updated" and out["ok"] is True and out["added"] == 1
    assert history_path(data).exists()

    assert main(["tle", "update", "--source", f"{server}/gp.tle"]) == 3     # skipped: its own status
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("skipped:") and "at most one request per 2 hours" in out

    t = "2026-10-10T06:00:00Z"
    assert main(["tle", "show", "--time", t, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["line1"] == NEW_TLE.splitlines()[1] and shown["time"] == t
    assert shown["source"] == str(history_path(data)) and shown["verdict"] == "fresh"
    assert shown["store"]["sets"] == 128

    assert main(["tle", "show", "--time", "2026-11-30T00:00:00Z"]) == 0
    text = capsys.readouterr().out
    assert "verdict  stale" in text and "iss-tracker tle update" in text

    assert main(["tle", "import", str(DATA / "catalog_2022-07-15.tle"), "--catalog-number", "5"]) == 0
    assert "added 1 element set" in capsys.readouterr().out
    assert main(["tle", "show", "--catalog-number", "5", "--time", "2022-07-15T00:00:00Z"]) == 0
    assert "VANGUARD 1" in capsys.readouterr().out


def test_cli_errors_are_one_line(server, tmp_path, capsys):
    assert main(["tle", "update", "--source", f"{server}/404", "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "HTTP 404" in err and err.startswith("iss-tracker: error:")
    bad = tmp_path / "bad.tle"
    bad.write_text("ISS\n" + NEW_TLE.splitlines()[1][:60] + "\n")
    assert main(["tle", "show", "--tle", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 2" in err


def test_cli_show_with_user_file(tmp_path, capsys):
    path = tmp_path / "mine.tle"
    path.write_text(NEWER_TLE)
    assert main(["tle", "show", "--tle", str(path), "--json", "--time", "2026-10-10T08:00:00Z"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["store"]["sets"] == 1 and shown["source"] == str(path)
    assert abs(shown["age_days"] - (time_of("2026-10-10T08:00:00Z") - epoch_unix(NEWER_TLE)) / DAY_S) < 1e-6


def time_of(iso):
    import datetime as dt
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# --- CelesTrak GP groups (issue 15.4) ----------------------------------------------

def test_group_update_brings_every_object_of_the_group(server, tmp_path):
    from tle.catalog import load_object_store
    from tle.update import default_source
    assert default_source(group="stations") == \
        "https://celestrak.org/NORAD/elements/gp.php?GROUP=stations&FORMAT=TLE"
    assert default_source(group="stations", fmt="omm-json").endswith("GROUP=stations&FORMAT=JSON")
    data = tmp_path / "data"
    n = STATIONS.count("\n") // 3
    assert n >= 4 and "CSS (TIANHE-1)" in STATIONS
    result = update(data, source=f"{server}/stations", group="stations", now_unix_s=NOW)
    assert result.status == "updated" and result.added == n
    css = load_object_store(data, name="tiangong")
    assert css.satnum == 48274 and css.label == "CSS (TIANHE-1) (48274)"
    # the same group again: nothing new, history unchanged
    assert update(data, source=f"{server}/stations", group="stations", now_unix_s=NOW,
                  force=True).status == "unchanged"


@pytest.mark.parametrize("group", ["Stations", "../x", "", "a" * 33, "stations&FORMAT=JSON"])
def test_group_names_are_checked(group):
    from tle.update import default_source
    with pytest.raises(UpdateError) as exc:
        default_source(group=group)
    assert exc.value.cause == "group"


def test_cli_group_update_then_follow_by_name(server, tmp_path, capsys):
    from helpers import assert_one_line_error, run_cli
    code, out, err = run_cli(capsys, "tle", "update", "--group", "stations", "--source",
                             f"{server}/stations")
    assert code == 0 and out.startswith("added "), err
    code, out, err = run_cli(capsys, "now", "--name", "css", "--time", "2022-07-15T12:00:00Z")
    assert code == 0 and out.startswith("CSS (TIANHE-1) (48274) at "), err
    assert_one_line_error(*run_cli(capsys, "tle", "update", "--group", "Bad Name"), "group")
    assert_one_line_error(*run_cli(capsys, "tle", "update", "--group", "stations",
                                   "--catalog-number", "5"), "not allowed with")
