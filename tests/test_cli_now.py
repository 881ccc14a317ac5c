"""CLI: ``iss-tracker now``, ``positions`` and ``groundtrack``.

Through ``tracker.cli.main([...])`` with capsys, and once via a subprocess.
Numbers are checked against skyfield (``EarthSatellite.at`` +
``wgs84.geographic_position_of``, built-in timescale; no polar-motion table,
hence the 0.0005 deg tolerance: polar motion is < 0.0002 deg). The user's
data directory is pointed at an empty temporary folder so that only the
shipped element sets are used.
"""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from skyfield.api import EarthSatellite, load, wgs84

from tle.store import ElementStore

from helpers import assert_one_line_error, run_cli

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_now_json_matches_skyfield(capsys):
    code, out, err = run_cli(capsys, "now", "--time", "2015-10-01T12:34:56Z", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    for field in ("time", "latitude_deg", "longitude_deg", "altitude_km", "speed_km_s",
                  "earth_fixed_speed_km_s", "ground_speed_km_s", "visibility", "footprint_km",
                  "solar_latitude_deg", "solar_longitude_deg", "tle", "warnings"):
        assert field in doc
    assert doc["time"] == "2015-10-01T12:34:56.000Z"
    assert set(doc["tle"]) == {"epoch", "age_days", "source", "line1", "line2"}
    ts = load.timescale(builtin=True)
    sat = EarthSatellite(doc["tle"]["line1"], doc["tle"]["line2"], ts=ts)
    gp = wgs84.geographic_position_of(sat.at(ts.utc(2015, 10, 1, 12, 34, 56)))
    assert abs(doc["latitude_deg"] - gp.latitude.degrees) < 0.0005
    assert abs(doc["longitude_deg"] - gp.longitude.degrees) < 0.0005
    assert abs(doc["altitude_km"] - gp.elevation.km) < 0.005
    assert doc["visibility"] in ("daylight", "penumbra", "eclipsed")


def test_now_text_and_miles(capsys):
    code, out, err = run_cli(capsys, "now", "--time", "1443702896", "--units", "mi")
    assert code == 0
    assert out.startswith("ISS at 2015-10-01T12:34:56.000Z")
    assert " mi" in out and "km" not in out
    code, out, err = run_cli(capsys, "now", "--time", "2015-10-01T14:34:56+02:00", "--units", "mi",
                         "--json")
    doc = json.loads(out)
    assert doc["time"] == "2015-10-01T12:34:56.000Z"
    assert "altitude_mi" in doc and "speed_mi_s" in doc and "altitude_km" not in doc


def test_now_with_todays_clock_warns_about_stale_elements(capsys):
    code, out, err = run_cli(capsys, "now")
    assert code == 0
    assert "ISS at" in out
    assert "warning:" in err and "days after the epoch" in err
    code, out, err = run_cli(capsys, "now", "--json")
    doc = json.loads(out)
    assert len(doc["warnings"]) == 1 and doc["tle"]["age_days"] > 3


def test_positions_json_csv_and_times(capsys):
    code, out, err = run_cli(capsys, "positions", "--start", "2015-06-01T00:00:00Z",
                         "--end", "2015-06-01T00:10:00Z", "--step-s", "120")
    assert code == 0
    doc = json.loads(out)
    assert doc["count"] == 6 and len(doc["positions"]) == 6
    assert doc["positions"][-1]["time"] == "2015-06-01T00:10:00.000Z"
    assert {"tle_epoch", "tle_age_days", "latitude_deg"} <= set(doc["positions"][0])
    code, out, err = run_cli(capsys, "positions", "--times",
                         "2015-06-01T00:00:00Z,2015-07-01T00:00:00Z", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["time"] for r in rows] == ["2015-06-01T00:00:00.000Z", "2015-07-01T00:00:00.000Z"]
    store = ElementStore.shipped()
    assert rows[1]["tle_epoch"].startswith(
        store.nearest(1435708800.0).element_set.epoch.strftime("%Y-%m-%dT%H:%M"))
    assert rows[0]["tle_epoch"] != rows[1]["tle_epoch"]


def test_groundtrack_geojson_and_csv(capsys):
    code, out, err = run_cli(capsys, "groundtrack", "--start", "2015-06-01T00:00:00Z",
                         "--end", "2015-06-01T01:40:00Z", "--footprint")
    assert code == 0
    doc = json.loads(out)
    track = doc["features"][0]
    assert track["geometry"]["type"] == "MultiLineString"
    assert sum(len(t) for t in track["properties"]["times"]) >= 201
    assert doc["features"][1]["properties"]["kind"] == "footprint"
    code, out, err = run_cli(capsys, "groundtrack", "--start", "2015-06-01T00:00:00Z",
                         "--end", "2015-06-01T00:05:00Z", "--step-s", "60", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6 and rows[0]["visibility"] in ("daylight", "penumbra", "eclipsed")


@pytest.mark.parametrize("argv, fragments", [
    (["now", "--time", "tomorrow-ish"], ["'tomorrow-ish'", "ISO 8601", "Unix seconds"]),
    (["now", "--time", "2015-03-27T19:42:57"], ["no time zone", "Z"]),
    (["positions", "--start", "2015-06-02T00:00:00Z", "--end", "2015-06-01T00:00:00Z"],
     ["must be after start"]),
    (["positions", "--start", "2015-06-01T00:00:00Z", "--end", "2015-06-02T00:00:00Z",
      "--step-s", "0"], ["step_s", "positive"]),
    (["groundtrack", "--start", "2015-06-01T00:00:00Z", "--end", "2015-06-02T00:00:00Z",
      "--step-s", "-5"], ["positive"]),
    (["groundtrack", "--start", "2015-01-01T00:00:00Z", "--end", "2015-06-01T00:00:00Z",
      "--step-s", "1"], ["13,046,401", "10,000,000"]),
    (["positions", "--times", "2015-06-01T00:00:00Z", "--start", "2015-06-01T00:00:00Z"],
     ["either --times"]),
    (["positions", "--start", "2015-06-01T00:00:00Z"], ["--end"]),
    (["positions", "--times", "2026-12-30T00:00:00Z"], ["30-day limit", "--allow-stale"]),
    (["now", "--time", "2051-01-01T00:00:00Z"], ["outside the supported range"]),
    (["groundtrack", "--start", "2015-06-01T00:00:00Z", "--end", "2015-06-02T00:00:00Z",
      "--step-s", "abc"], ["--step-s"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragments):
    code, out, err = None, None, None
    try:
        code, out, err = run_cli(capsys, *argv)
    except SystemExit as exc:                # argparse usage errors exit by themselves
        out, err = capsys.readouterr()
        code = exc.code
    assert_one_line_error(code, out, err, *fragments)


def test_tle_file_that_does_not_parse(capsys, tmp_path):
    bad = tmp_path / "bad.tle"
    bad.write_text("1 25544U 98067A   15061.00329596  .00013725  00000-0  20780-3 0  9995\n"
                   "this is not a TLE line\n")
    code, out, err = run_cli(capsys, "now", "--time", "2015-03-02T00:00:00Z", "--tle", str(bad))
    assert_one_line_error(code, out, err, "bad.tle")


def test_subprocess_offline_now_and_error(tmp_path):
    env = dict(os.environ, ISS_TRACKER_DATA=str(tmp_path), PYTHONPATH=ROOT)
    ok = subprocess.run([sys.executable, "-m", "tracker", "now", "--time", "2015-03-27T19:42:57Z",
                         "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["time"] == "2015-03-27T19:42:57.000Z"
    bad = subprocess.run([sys.executable, "-m", "tracker", "groundtrack", "--start", "now",
                          "--end", "2015-01-01T00:00:00Z"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert "after start" in bad.stderr


def test_tle_file_without_the_station_names_the_remedy(capsys, tmp_path):
    # A real element file holding another object (Vanguard 1, from the 2022 catalog).
    lines = (Path(ROOT) / "tests" / "data" / "catalog_2022-07-15.tle").read_text().splitlines()[:3]
    path = tmp_path / "vanguard.tle"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(capsys, "now", "--tle", str(path))
    assert_one_line_error(code, out, err, "no element set for catalog number 25544",
                          "only catalog numbers 5", "iss-tracker tle update --catalog-number 25544")
