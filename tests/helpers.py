"""Plain helpers shared by the tests (fixtures live in conftest.py).

The oracles' set-up is here once: reading the shipped element sets as raw
text for python-sgp4 and skyfield (independent of our parser), converting
times for skyfield, and running the CLI in-process.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
from importlib import resources

import numpy as np
from sgp4.api import Satrec

from tracker.cli import main

UTC = dt.timezone.utc
DAY_S = 86400.0
JD_UNIX_EPOCH = 2440587.5

# The API tests' fixed clock: a day after the newest shipped epoch
# (2026-10-09T19:42Z), so answers are fresh and reproducible.
FIXED_NOW = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=UTC)


def shipped_pairs(*names: str) -> list[tuple[str, str]]:
    """(line1, line2) of every ISS set in the shipped files, read as raw text."""
    out = []
    for name in names or ("iss_2015_2016.tle", "iss_recent.tle"):
        lines = (resources.files("tle") / "data" / name).read_text().splitlines()
        out += [(l1, lines[i + 1]) for i, l1 in enumerate(lines) if l1.startswith("1 25544")]
    return out


def newest_shipped_pair() -> tuple[str, str]:
    """The shipped ISS set with the latest epoch (by python-sgp4's reading)."""
    def epoch(pair):
        sat = Satrec.twoline2rv(*pair)
        return sat.jdsatepoch + sat.jdsatepochF
    return max(shipped_pairs("iss_recent.tle"), key=epoch)


def sky_time_unix(ts, unix_s):
    """skyfield Time for Unix seconds (UTC), exact to the microsecond."""
    unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
    days = np.floor(unix_s / DAY_S)      # whole days as a day count: no leap-second overflow
    return ts.utc(1970, 1, 1 + days, 0, 0, unix_s - days * DAY_S)


def sky_time_jdfr(ts, jd, fr):
    """skyfield Time for split Julian dates (UTC)."""
    return ts.utc(1970, 1, 1.0 + (np.asarray(jd) - JD_UNIX_EPOCH), 0, 0, np.asarray(fr) * DAY_S)


def run_cli(capsys, *argv):
    """Run ``iss-tracker ARGV`` in-process: (exit status, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:            # argparse usage errors: one line, status 2
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *fragments):
    """Exit status 2, nothing on stdout, one ``iss-tracker: error:`` line naming ``fragments``."""
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("iss-tracker") and "error:" in lines[0]
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_problem(response, status, parameter=None, kind=None):
    """An RFC 9457 problem document: ``status``, the problem media type, the
    required members, a ``detail`` naming ``parameter``, and the ``kind`` slug."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("urn:iss-tracker:problem:")
    assert body["detail"]
    if parameter is not None:
        assert body.get("parameter") == parameter, body
        assert parameter in body["detail"], body
    if kind is not None:
        assert body["type"].endswith(":" + kind), body
    return body


@contextlib.contextmanager
def http_server(handler):
    """A ``ThreadingHTTPServer`` on an ephemeral 127.0.0.1 port answering with
    ``handler`` (a ``BaseHTTPRequestHandler`` class) in a thread; yields the
    base URL (``http://127.0.0.1:PORT``), stops on exit."""
    from http.server import ThreadingHTTPServer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def served(app):
    """Serve ``app`` with the production server (waitress) on an ephemeral
    127.0.0.1 port in a thread; yields the base URL, stops on exit."""
    from tracker.cli.serve_cmd import make_server

    server = make_server(app, "127.0.0.1", 0, 4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def assert_elements_match_satrec(es, sat, *, ndot_per_rad_min2, nddot_per_rad_min3):
    """An ``ElementSet`` holds exactly python-sgp4's ``Satrec`` elements
    (``ndot``/``nddot`` in the caller's source units per SGP4's rad/min^n)."""
    import math

    deg2rad = math.pi / 180.0
    assert es.satnum == sat.satnum
    assert es.epoch_jd == sat.jdsatepoch
    assert es.epoch_fr == sat.jdsatepochF
    assert es.ndot / ndot_per_rad_min2 == sat.ndot
    assert es.nddot / nddot_per_rad_min3 == sat.nddot
    assert es.bstar == sat.bstar
    assert es.inclination_deg * deg2rad == sat.inclo
    assert es.raan_deg * deg2rad == sat.nodeo
    assert es.arg_perigee_deg * deg2rad == sat.argpo
    assert es.mean_anomaly_deg * deg2rad == sat.mo
    assert es.eccentricity == sat.ecco


def assert_busy_but_light_answers(client, path):
    """With every heavy slot taken: ``path`` (a heavy request) is a 503
    problem with Retry-After, and the light requests still answer."""
    r = client.get(path)
    body = assert_problem(r, 503, kind="service-unavailable")
    assert r.headers["Retry-After"] == "1" and "busy" in body["detail"]
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/iss/now").status_code == 200
