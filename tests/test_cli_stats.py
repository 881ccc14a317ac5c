"""``iss-tracker stats`` / ``batch-stats`` through ``tracker.cli.main``, and the progress bar.

The CLI only parses and formats: its numbers must equal the service's
(``orbit_stats``, ``batch_stats``, computed here directly), bad input must be
one stderr line and exit status 2.
"""
import datetime as dt
import io
import json
import os

import pytest

from tle.parse import parse_tle_file
from tle.store import ElementStore
from tracker.cli import main
from tracker.formats.progress import ProgressBar
from tracker.services.stats import orbit_stats

UTC = dt.timezone.utc
DATA = os.path.join(os.path.dirname(__file__), "..", "tle", "data", "iss_2015_2016.tle")
CATALOG = os.path.join(os.path.dirname(__file__), "data", "catalog_2022-07-15.tle")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:          # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert match in lines[0], lines[0]
    return lines[0]


def test_stats_json_equals_the_service(capsys):
    code, out, err = run(capsys, "stats", "--start", "2015-11-05T00:00:00Z",
                         "--end", "2015-11-05T06:00:00Z", "--step-s", "5", "--tle", DATA, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    with open(DATA) as f:
        store = ElementStore(parse_tle_file(f))
    res = orbit_stats(store, dt.datetime(2015, 11, 5, tzinfo=UTC),
                      dt.datetime(2015, 11, 5, 6, tzinfo=UTC), step_s=5.0)
    assert doc["orbits"]["node_crossings"] == res.node_crossings
    assert doc["distance"]["inertial_distance_km"] == pytest.approx(res.inertial_distance_km, rel=1e-12)
    assert doc["distance"]["inertial_distance_mi"] == pytest.approx(res.inertial_distance_km / 1.609344)
    assert doc["distance"]["ground_track_distance_km"] == pytest.approx(res.ground_track_distance_km)
    assert doc["altitude"]["mean_alt_km"] == pytest.approx(res.mean_alt_km)
    assert doc["sunlight"]["sunrises"] == res.sunrises
    assert doc["start"] == "2015-11-05T00:00:00.000Z" and doc["samples"] == 4321
    assert "mission" not in doc


def test_stats_text_and_plot(capsys, tmp_path):
    png = tmp_path / "alt.png"
    code, out, err = run(capsys, "stats", "--start", "2015-11-05T00:00:00Z",
                         "--end", "2015-11-06T00:00:00Z", "--step-s", "30", "--plot", str(png))
    assert code == 0 and err == ""
    assert "ascending-node crossings" in out and "ground track" in out
    assert f"plot written to {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mission_year_in_space_json(capsys):
    code, out, err = run(capsys, "stats", "--mission", "year-in-space", "--step-s", "60", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    m = doc["mission"]
    assert m["nasa"]["orbits"] == 5440 and m["nasa"]["distance_mi"] == 143_846_525
    assert m["ours"]["orbits"] == doc["orbits"]["node_crossings"]
    assert m["nominal"]["orbits"] == 5440
    assert abs(m["differences"]["nominal_vs_nasa_distance_relative"]) < 1e-3
    assert doc["start"] == "2015-03-27T19:42:57.000Z" and doc["end"] == "2016-03-02T04:26:00.000Z"


def test_mission_text(capsys):
    code, out, _ = run(capsys, "stats", "--mission", "year-in-space", "--step-s", "120")
    assert code == 0
    assert "NASA vs ours" in out and "143,846,525" in out and "340 days x 16 orbits/day" in out


@pytest.mark.nojit
def test_stats_bad_input_is_one_line_and_exit_2(capsys, tmp_path):
    one_line_error(capsys, "stats", "--start", "2015-11-05T06:00:00Z", "--end",
                   "2015-11-05T00:00:00Z", match="must be after start")
    one_line_error(capsys, "stats", "--start", "2019-01-01T00:00:00Z", "--end",
                   "2019-01-02T00:00:00Z", "--tle", DATA, match="30-day limit")
    empty = tmp_path / "empty.tle"
    empty.write_text("")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00Z", "--end",
                   "2015-11-05T01:00:00Z", "--tle", str(empty), match="no element set")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00Z", "--end",
                   "2015-11-05T01:00:00Z", "--step-s", "0", match="step_s")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00", "--end",
                   "2015-11-05T01:00:00Z", match="--start")
    one_line_error(capsys, "stats", "--mission", "year-in-space", "--start", "2015-11-05T00:00:00Z",
                   match="--mission")
    one_line_error(capsys, "stats", "--mission", "apollo-11",
                   match="unknown mission 'apollo-11'; known missions: year-in-space")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00Z", match="--end")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00Z", "--end",
                   "2015-11-05T01:00:00Z", "--plot", str(tmp_path / "a.txt"), match="--plot")
    one_line_error(capsys, "stats", "--start", "2015-11-05T00:00:00Z", "--end",
                   "2015-11-05T01:00:00Z", "--plot", str(tmp_path / "no" / "a.png"),
                   match="does not exist")


def test_batch_stats_csv_and_json(capsys, tmp_path):
    with open(CATALOG) as f:
        head = [next(f) for _ in range(9)]                    # three objects (3LE)
    small = tmp_path / "three.tle"
    small.write_text("".join(head))
    code, out, err = run(capsys, "batch-stats", str(small), "--start", "2022-07-15T00:00:00Z",
                         "--end", "2022-07-15T03:00:00Z")
    assert code == 0 and err == ""
    rows = out.strip().splitlines()
    assert rows[0].startswith("satnum,name,epoch,orbits,orbits_fractional")
    assert len(rows) == 4
    code, out, err = run(capsys, "batch-stats", str(small), "--start", "2022-07-15T00:00:00Z",
                         "--end", "2022-07-15T03:00:00Z", "--format", "json", "--step-s", "30")
    doc = json.loads(out)
    assert doc["objects"] == 3 and doc["samples"] == 361 and doc["step_s"] == 30.0
    assert [r["satnum"] for r in doc["rows"]] == [int(row.split(",")[0]) for row in rows[1:]]


@pytest.mark.nojit
def test_batch_stats_bad_input(capsys, tmp_path):
    empty = tmp_path / "empty.tle"
    empty.write_text("\n\n")
    one_line_error(capsys, "batch-stats", str(empty), "--start", "2022-07-15T00:00:00Z",
                   "--end", "2022-07-16T00:00:00Z", match="no element sets")
    one_line_error(capsys, "batch-stats", str(tmp_path / "missing.tle"), "--start",
                   "2022-07-15T00:00:00Z", "--end", "2022-07-16T00:00:00Z", match="no such")
    one_line_error(capsys, "batch-stats", CATALOG, "--start", "2022-07-16T00:00:00Z",
                   "--end", "2022-07-15T00:00:00Z", match="must be after start")


# ---- progress bar ------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.nojit
def test_progress_bar_draws_only_when_asked_or_on_a_tty():
    quiet = io.StringIO()                                    # not a TTY
    with ProgressBar(10, stream=quiet) as bar:
        bar.update(5)
    assert quiet.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    clock = FakeClock()
    with ProgressBar(200, label="stats", stream=tty, clock=clock, min_interval_s=1.0) as bar:
        clock.now = 2.0
        bar.update(50)                                       # drawn: 25 %, ETA 6 s
        clock.now = 2.5
        bar.update(50)                                       # too soon: not drawn
        clock.now = 4.0
        bar.update(100)
    text = tty.getvalue()
    assert "stats [" in text and " 25.0%  2.0 s, ETA 6.0 s" in text
    assert " 50.0%" not in text
    assert text.endswith("100.0%  4.0 s\033[K\n")
    never = Tty()
    with ProgressBar(10, stream=never, force=False) as bar:
        bar.update(10)
    assert never.getvalue() == ""
    forced = io.StringIO()
    with ProgressBar(0, stream=forced, force=True):
        pass
    assert "100.0%" in forced.getvalue()


def test_stats_outside_the_supported_time_range_is_a_one_line_error(capsys):
    # 2054 is past the Sun ephemeris (DE421 ends in 2053) and the service range:
    # even with --allow-stale it must be a usage error naming the bound, not a traceback.
    from tracker.cli import main
    from tracker.astro.time import SERVICE_RANGE_TEXT

    status = main(["stats", "--start", "2054-01-01T00:00:00Z", "--end", "2054-01-02T00:00:00Z",
                   "--step-s", "60", "--allow-stale"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "start" in err and SERVICE_RANGE_TEXT in err
