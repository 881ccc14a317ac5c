"""Nothing can poison the element history (issue 12, sections 1 and 2).

Every value a TLE's columns cannot hold is refused at import, naming the
record and the field, with the history byte-for-byte unchanged and still
readable by the reader startup uses; a damaged record already in the file
(edited by hand) is skipped with one warning naming the file and line, and
``tle show`` reports it; a full disk, a corrupt update_state.json and
``/dev/zero`` give one-line errors. The oracle for "readable" is
python-sgp4: every set the store returns after a refusal still gives
python-sgp4's elements from its own lines."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from pathlib import Path

import pytest
from sgp4.api import Satrec

from tle.errors import HistoryError, TLEError, UnstorableError
from tle.history import merge_into_history, read_history
from tle.parse import parse_tle_text
from tle.store import history_path, load_store, read_history_file, shipped_sets
from tle.update import UpdateError, import_file
from tracker.cli import main

DATA = Path(__file__).parent / "data"
NOW = 3.0e9                                   # 2065: no fixture epoch is in its future
BASE = json.loads((DATA / "iss_recent_omm.json").read_text())[-1]
BASE["EPOCH"] = "2026-10-10T01:42:49.139712"  # not a shipped epoch, so it is new
L1, L2 = shipped_sets()[-1].line1, shipped_sets()[-1].line2
XPDOTP = 1440.0 / (2 * 3.141592653589793)


def seed(data_dir: Path) -> bytes:
    """A history holding one good set; returns its bytes."""
    rec = dict(BASE, EPOCH="2026-10-10T03:00:00.000000")
    path = data_dir.parent / "seed.json"
    path.write_text(json.dumps([rec]))
    assert import_file(data_dir, path, now_unix_s=NOW).added == 1
    return history_path(data_dir).read_bytes()


def assert_store_readable(data_dir: Path):
    """The store loads and each history set equals python-sgp4's reading of its lines."""
    sets = read_history(data_dir)
    assert sets
    for es in sets:
        sat = Satrec.twoline2rv(es.line1, es.line2)
        assert sat.no_kozai * 1440.0 / (2 * 3.141592653589793) == pytest.approx(es.mean_motion_rev_day, abs=1e-8)
        assert (sat.jdsatepoch, sat.jdsatepochF) == pytest.approx((es.epoch_jd, es.epoch_fr), abs=1e-12)
    load_store(data_dir)


POISON = [
    ("OBJECT_NAME", "ISS\nX", "name"),
    ("OBJECT_NAME", "ISS\rX", "name"),
    ("OBJECT_NAME", "1 ISS", "name"),
    ("OBJECT_NAME", "2 ISS", "name"),
    ("OBJECT_NAME", "0 ISS", "name"),
    ("OBJECT_NAME", "ISS \u0417\u0410\u0420\u042f", "name"),
    ("MEAN_MOTION", 1e-9, "mean motion"),
    ("MEAN_MOTION", 100.0, "mean motion"),
    ("MEAN_MOTION", 99.999999999, "mean motion"),
    ("MEAN_MOTION_DOT", 1.0, "ndot"),
    ("MEAN_MOTION_DOT", -0.999999999, "ndot"),
    ("ECCENTRICITY", 0.99999999, "eccentricity"),
    ("ECCENTRICITY", -0.0, "eccentricity"),
    ("BSTAR", 1e308, "bstar"),
    ("MEAN_MOTION_DDOT", 1e10, "nddot"),
    ("EPOCH", "1956-12-31T23:59:59", "epoch"),
    ("EPOCH", "2057-01-01T00:00:00", "epoch"),
    ("EPOCH", "0001-01-01T00:00:00", "epoch"),
    ("MEAN_ANOMALY", -0.0, "mean anomaly"),
    ("INCLINATION", -0.0, "inclination"),
    ("REV_AT_EPOCH", 100000, "revolution number"),
    ("ELEMENT_SET_NO", 10000, "element set number"),
]


@pytest.mark.parametrize("key, value, field", POISON, ids=[f"{k}={v!r}" for k, v, _ in POISON])
def test_unstorable_values_are_refused_naming_record_and_field(tmp_path, key, value, field):
    data = tmp_path / "data"
    before = seed(data)
    good = dict(BASE, EPOCH="2026-10-10T05:00:00")
    bad = dict(BASE, **{key: value})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([good, bad]))
    with pytest.raises(UnstorableError) as info:
        import_file(data, path, now_unix_s=NOW)
    message = str(info.value)
    assert info.value.field == field and f"'{field}'" in message
    assert "record 1" in message and "nothing written" in message and "\n" not in message
    assert history_path(data).read_bytes() == before
    assert_store_readable(data)


def test_cli_refuses_a_poisoned_import_in_one_line(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("ISS_TRACKER_DATA", str(data))
    before = seed(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([dict(BASE, OBJECT_NAME="ISS\nZARYA")]))
    assert main(["tle", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'name'" in err and "record 0" in err
    assert history_path(data).read_bytes() == before
    for argv in (["tle", "show", "--json"], ["now", "--json", "--time", "2026-10-10T04:00:00Z"]):
        assert main(argv) == 0, argv
        capsys.readouterr()


def test_values_at_the_edge_of_the_fields_round_trip(tmp_path):
    """What the columns can hold is stored, and python-sgp4 reads the stored
    lines back as the values given (to each field's precision)."""
    data = tmp_path / "data"
    rec = dict(BASE, MEAN_MOTION=0.00012345, ECCENTRICITY=0.9999999, BSTAR=-3.2e-12,
               MEAN_MOTION_DDOT=1.23456e-5, MEAN_MOTION_DOT=-0.99999999, MEAN_ANOMALY=359.99996,
               OBJECT_NAME="  padded  ", NORAD_CAT_ID=339999, REV_AT_EPOCH=99999)
    path = tmp_path / "edge.json"
    path.write_text(json.dumps([rec]))
    assert import_file(data, path, now_unix_s=NOW).added == 1
    (es,) = read_history(data)
    sat = Satrec.twoline2rv(es.line1, es.line2)
    assert es.name == "padded" and sat.satnum_str == "Z9999" and sat.revnum == 99999
    assert sat.bstar == pytest.approx(-3.2e-12, abs=0.5e-14)
    assert sat.nddot * XPDOTP * 1440 * 1440 == pytest.approx(1.23456e-5, rel=5e-5)
    assert sat.ndot * XPDOTP * 1440 == pytest.approx(-0.99999999, abs=1e-12)
    assert sat.ecco == pytest.approx(0.9999999, abs=1e-12)
    assert sat.mo * 180 / 3.141592653589793 == pytest.approx(360.0, abs=1e-9)


def write_damaged_history(data: Path) -> list[str]:
    data.mkdir(parents=True)
    l1, l2 = L1, L2
    l1b = l1[:20] + "283" + l1[23:68]
    l1b += str(sum(int(c) if c.isdigit() else c == "-" for c in l1b) % 10)
    l1c = l1[:20] + "284" + l1[23:68]
    l1c += str(sum(int(c) if c.isdigit() else c == "-" for c in l1c) % 10)
    lines = ["ISS (ZARYA)", l1b, l2,                  # 1-3 good
             "ISS (HAND EDIT)", l1b[:40] + "X" + l1b[41:], l2,   # 4-6 bad checksum
             "ISS \xe9", l1c, l2]                     # 7 non-ASCII name line; 8-9 good, unnamed
    history_path(data).write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return lines


def test_damaged_history_records_are_skipped_with_one_warning_each(tmp_path, caplog, capsys, monkeypatch):
    data = tmp_path / "data"
    write_damaged_history(data)
    monkeypatch.setenv("ISS_TRACKER_DATA", str(data))
    with caplog.at_level(logging.WARNING):
        sets, skipped = read_history_file(history_path(data))
    assert len(sets) == 2 and len(skipped) == 2 and sets[1].name is None
    assert "history.tle line 5" in skipped[0] and "checksum" in skipped[0]
    assert "history.tle line 7" in skipped[1]
    assert [r.getMessage().count("\n") for r in caplog.records] == [0, 0]
    assert all("history.tle line" in r.getMessage() for r in caplog.records)
    # the product keeps working, and `tle show` says what it skipped
    assert main(["tle", "show", "--json", "--time", "2026-10-10T12:00:00Z"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["store"]["skipped"]) == 2
    assert main(["tle", "show", "--time", "2026-10-10T12:00:00Z"]) == 0
    assert "skipped  2 damaged records" in capsys.readouterr().out
    # the next write keeps the old file before leaving the damaged records out
    old = history_path(data).read_bytes()
    path = tmp_path / "new.json"
    path.write_text(json.dumps([BASE]))
    assert import_file(data, path, now_unix_s=NOW).added == 1
    assert (data / "history.tle.damaged").read_bytes() == old
    assert read_history_file(history_path(data))[1] == []
    assert len(read_history(data)) == 3


def test_full_disk_is_one_line_and_changes_nothing(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("ISS_TRACKER_DATA", str(data))
    before = seed(data)
    path = tmp_path / "new.json"
    path.write_text(json.dumps([BASE]))
    real_write = os.write

    def full(fd, b):
        raise OSError(28, "No space left on device")

    import tle.history
    monkeypatch.setattr(tle.history.os, "fsync", lambda fd: full(fd, b""))
    assert main(["tle", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    monkeypatch.undo()
    assert real_write is os.write
    assert history_path(data).read_bytes() == before
    assert not list(data.glob(".history.tle.*.tmp"))


@pytest.mark.parametrize("text", ["{not json", "[1, 2", "[]", "\x00\x01", "{\"a\": {\"b\": 1}}", ""])
def test_corrupt_update_state_is_treated_as_absent_with_a_warning(tmp_path, caplog, text):
    from tle.history import read_state, write_state
    data = tmp_path / "data"
    data.mkdir()
    (data / "update_state.json").write_text(text)
    with caplog.at_level(logging.WARNING):
        state = read_state(data)
    if text == "{\"a\": {\"b\": 1}}":
        assert state == {"a": {"b": 1}}
        return
    assert state == {} and len(caplog.records) == 1 and "update_state.json" in caplog.records[0].getMessage()
    write_state(data, "x", {"last_request_unix_s": 1.0})
    assert json.loads((data / "update_state.json").read_text()) == {"x": {"last_request_unix_s": 1.0}}


def test_import_of_dev_zero_fails_fast(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ISS_TRACKER_DATA", str(tmp_path / "data"))
    started = time.monotonic()
    assert main(["tle", "import", "/dev/zero"]) == 2
    assert time.monotonic() - started < 5.0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "larger than 32 MiB" in err
    assert main(["now", "--tle", "/dev/zero"]) == 2
    assert "larger than 32 MiB" in capsys.readouterr().err


@pytest.mark.parametrize("body, words", [
    ("\u3000\u2003\n\u00a0\u2028\n", "blank"),
    ("\x1c\x1d\x1e\x85\n", "blank"),
    ("IS\x0cS\n" + L1 + "\n" + L2 + "\n", "'name'"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ("[{\"NORAD_CAT_ID\": " + "9" * 5000 + "}]", "JSON"),
    ("[" + json.dumps(dict(BASE, BSTAR="1" * 500)) + "]", "BSTAR"),
    ("[" + json.dumps(dict(BASE, NORAD_CAT_ID="\u0662\u0665\u0665\u0664\u0664")) + "]", "NORAD_CAT_ID"),
    ("EPOCH,MEAN_MOTION,X\n\"" + "a" * 200000 + "\",1,2\n", "OMM CSV"),
])
def test_hostile_files_give_the_format_error(tmp_path, body, words):
    path = tmp_path / "hostile.txt"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TLEError) as info:
        import_file(tmp_path / "data", path, now_unix_s=NOW)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert not history_path(tmp_path / "data").exists()


def test_merge_refuses_what_does_not_read_back(tmp_path):
    """Directly through the history API (serve's refresh path): the same check."""
    es = parse_tle_text(f"{L1}\n{L2}\n")[0]
    with pytest.raises(UnstorableError) as info:
        merge_into_history(tmp_path / "data", [dataclasses.replace(es, name="A\nB")])
    assert info.value.field == "name"
    assert not history_path(tmp_path / "data").exists()
    assert isinstance(info.value, HistoryError) and not isinstance(info.value, UpdateError)
