"""Messages in plain, consistent words (issue 16, item 7): the CLI and the API
say the same warning (the CLI prefixes ``warning: ``), no figure is rounded
onto the limit it is said to exceed, local files are called files, an
interval error names both ends, a list item is named once, and the Sun limit
of a visible pass is a twilight value (at most 0 deg, ``tracker.ranges``)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from helpers import assert_one_line_error, run_cli
from tracker.ranges import SUN_MAX_DEG

UTC = dt.timezone.utc


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_plus(store, days: float) -> dt.datetime:
    es = store.newest()
    return dt.datetime.fromtimestamp(es.epoch_unix_s + days * 86400.0, UTC).replace(microsecond=0)


@pytest.mark.parametrize("command, url, text_flag, json_flag", [
    (["now", "--time", "{t}"], "/api/v1/iss/now?time={t}", [], ["--json"]),
    (["passes", "--city", "Paris", "--start", "{t}", "--days", "1"],
     "/api/v1/passes?city=Paris&start={t}&days=1", [], ["--json"]),
    (["positions", "--start", "{t}", "--end", "{t2}"], "/api/v1/iss/positions?start={t}&end={t2}",
     ["--format", "csv"], []),
])
def test_cli_and_api_warnings_are_the_same_text(capsys, client, store, command, url, text_flag, json_flag):
    """The CLI's stderr line is ``warning: `` + the API's text; the CLI's JSON
    document carries the API's text as it is."""
    t0 = epoch_plus(store, 5.0)
    t, t2 = iso(t0), iso(t0 + dt.timedelta(minutes=5))
    argv = [a.format(t=t, t2=t2) for a in command]
    api = client.get(url.format(t=t, t2=t2)).get_json()["warnings"]
    assert api and not any(w.startswith("warning") for w in api)
    code, out, err = run_cli(capsys, *argv, *text_flag)
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning")] == ["warning: " + w for w in api]
    code, out, err = run_cli(capsys, *argv, *json_flag)
    assert code == 0
    assert json.loads(out)["warnings"] == api


@pytest.mark.parametrize("days", [3.0 + 25 / 86400, 3.04, 30.03])
def test_no_age_is_rounded_onto_the_limit_it_exceeds(capsys, store, days):
    t = epoch_plus(store, days)
    true_age = (t.timestamp() - store.newest().epoch_unix_s) / 86400.0
    code, out, err = run_cli(capsys, "now", "--time", iso(t), "--json")
    assert code == 0
    out = " ".join(json.loads(out)["warnings"])
    m = re.search(r"is (just over |)([0-9.]+) days after .*more than ([0-9]+) days", out)
    assert m, err
    shown, limit = float(m.group(2)), float(m.group(3))
    assert true_age > limit
    assert m.group(1) or shown > limit             # never "3.0 days ... more than 3 days"
    if days > 30:
        code, out, err = run_cli(capsys, "positions", "--start", iso(t), "--end",
                                 iso(t + dt.timedelta(minutes=2)))
        m = re.search(r"is ([0-9.]+) days after .*more than the ([0-9]+)-day limit", err)
        assert code == 2 and m, err
        assert float(m.group(1)) > float(m.group(2))


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00binary", b"just some words\n"])
def test_local_files_are_called_files(capsys, tmp_path, content):
    path = tmp_path / "sets.tle"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, "tle", "import", str(path))
    assert_one_line_error(code, out, err, "sets.tle")
    assert "response" not in err and "file" in err


def test_end_before_start_names_both_ends(capsys, store):
    start, end = "2015-06-02T00:00:00Z", "2015-06-01T00:00:00Z"
    for cmd in (["overflights", "--city", "Paris"], ["positions"], ["stats"]):
        code, out, err = run_cli(capsys, *cmd, "--start", start, "--end", end)
        assert_one_line_error(code, out, err, "must be after start")
        assert "2015-06-02T00:00:00" in err and "2015-06-01T00:00:00" in err, err
    from tracker.errors import TimeRangeError
    from tracker.places.gazetteer import resolve
    from tracker.services.overflights import find_overflights
    t0 = dt.datetime(2015, 6, 2, tzinfo=UTC).timestamp()
    with pytest.raises(TimeRangeError, match=r"end \(2015-06-01T00:00:00.000Z\) must be after start "
                                             r"\(2015-06-02T00:00:00.000Z\)"):
        find_overflights(resolve("Paris"), t0, t0 - 86400.0, store=store)


def test_a_list_item_is_named_once(client):
    for raw, item in (("1427485377,abc", 2), ("abc", 1), ("1427485377,,1427485378", 2)):
        r = client.get("/api/v1/iss/positions?timestamps=" + raw)
        assert r.status_code == 400
        body = r.get_json()
        assert body["parameter"] == "timestamps"
        assert body["detail"].startswith(f"timestamps item {item}")
        assert body["detail"].count("timestamps") == 1 and "[" not in body["detail"].split(":")[0]


def test_sun_limit_is_a_twilight_value(capsys, client):
    assert SUN_MAX_DEG[1] == 0.0
    code, out, err = run_cli(capsys, "passes", "--city", "Paris", "--start", "2015-06-01T00:00:00Z",
                             "--days", "1", "--sun-max-deg", "50")
    assert_one_line_error(code, out, err, "sun", "50", "0 deg")
    for value, status in (("50", 400), ("0.5", 400), ("0", 200), ("-6", 200), ("-18", 200)):
        r = client.get(f"/api/v1/passes?city=Paris&start=2015-06-01T00:00:00Z&days=1&sun_max_deg={value}")
        assert r.status_code == status, (value, r.get_json())
        if status == 400:
            assert r.get_json()["parameter"] == "sun_max_deg"
    spec = client.get("/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/passes"]["get"]["parameters"]}
    assert params["sun_max_deg"]["schema"]["maximum"] == 0
