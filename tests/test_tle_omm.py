"""OMM JSON/CSV parsing, checked against python-sgp4's OMM path
(sgp4.omm.initialize -> Satrec.sgp4init) as the oracle, and the TLE writer
checked by re-parsing with Satrec.twoline2rv.

Fixtures: tests/data/iss_recent_omm.json / .csv, written by
tests/data/make_omm_fixtures.py from tle/data/iss_recent.tle (CelesTrak's
layout); plus records generated here with sgp4.exporter.export_omm."""
from __future__ import annotations

import copy
import dataclasses
import io
import json
import math
from importlib import resources
from pathlib import Path

import pytest
from sgp4 import omm
from sgp4.api import Satrec
from sgp4.exporter import export_omm

from tle.omm import OMMFormatError, element_set_from_omm, parse_omm_csv, parse_omm_json
from tle.parse import parse_tle_file, parse_tle_pair

from helpers import assert_elements_match_satrec
from tle.write import format_tle_lines, format_tle_text

DATA = Path(__file__).parent / "data"
XPDOTP = 1440.0 / (2.0 * math.pi)


def oracle(fields):
    sat = Satrec()
    omm.initialize(sat, fields)
    return sat


def assert_matches_omm_oracle(es, fields):
    sat = oracle(fields)
    # the units sgp4.omm divides by (SGP4.cpp)
    assert_elements_match_satrec(es, sat, ndot_per_rad_min2=1036800.0 / math.pi,
                                 nddot_per_rad_min3=2985984000.0 / 2.0 / math.pi)
    assert es.mean_motion_rev_day / 720.0 * math.pi == sat.no_kozai
    assert (es.revnum, es.elnum, es.ephtype) == (sat.revnum, sat.elnum, sat.ephtype)
    assert es.classification == sat.classification
    assert es.intldesg == sat.intldesg


def shipped_sets():
    with (resources.files("tle") / "data" / "iss_recent.tle").open("r") as f:
        return parse_tle_file(f)


def test_json_fixture_matches_sgp4_omm():
    text = (DATA / "iss_recent_omm.json").read_text()
    records = json.loads(text)
    sets = parse_omm_json(text, source="iss.json")
    assert len(sets) == len(records) == 49
    for es, fields in zip(sets, records):
        assert_matches_omm_oracle(es, fields)
        assert es.name == "ISS (ZARYA)" and es.intldesg == "98067A" and es.source == "iss.json"
        assert es.line1 is None


def test_csv_fixture_matches_sgp4_omm():
    with open(DATA / "iss_recent_omm.csv", newline="") as f:
        rows = list(omm.parse_csv(f))
    with open(DATA / "iss_recent_omm.csv", newline="") as f:
        sets = parse_omm_csv(f)
    assert len(sets) == len(rows) == 49
    for es, fields in zip(sets, rows):
        assert_matches_omm_oracle(es, fields)


def test_omm_and_tle_of_the_same_set_agree():
    """The OMM epoch and the TLE epoch agree within 2 us (the fixture's EPOCH
    keeps whole microseconds, <= 1 us; the OMM path holds days since 1949 in
    one float, ~0.4 us); every element is equal."""
    tle_sets = shipped_sets()
    with open(DATA / "iss_recent_omm.json", "rb") as f:
        omm_sets = parse_omm_json(f)
    for a, b in zip(tle_sets, omm_sets):
        assert abs((a.epoch_jd - b.epoch_jd) + (a.epoch_fr - b.epoch_fr)) * 86400.0 < 2e-6
        for name in ("satnum", "inclination_deg", "raan_deg", "eccentricity", "arg_perigee_deg",
                     "mean_anomaly_deg", "mean_motion_rev_day", "ndot", "revnum", "elnum"):
            assert getattr(a, name) == getattr(b, name)
        assert b.bstar == pytest.approx(a.bstar, rel=1e-12)


def test_records_from_sgp4_exporter():
    """Records written by sgp4's own exporter (floats with round-off) parse to
    the same Satrec values, including a deep-space object from the catalog."""
    with open(DATA / "catalog_2022-07-15.tle") as f:
        sample = [es for i, es in enumerate(parse_tle_file(f)) if i % 997 == 0]
    records = [export_omm(Satrec.twoline2rv(es.line1, es.line2), es.name) for es in sample]
    sets = parse_omm_json(json.dumps(records))
    assert any(es.mean_motion_rev_day < 6.4 for es in sets)   # deep space present
    for es, fields in zip(sets, records):
        assert_matches_omm_oracle(es, fields)


def test_single_object_and_trailing_z():
    record = json.loads((DATA / "iss_recent_omm.json").read_text())[-1]
    record["EPOCH"] += "Z"
    (es,) = parse_omm_json(json.dumps(record))
    record["EPOCH"] = record["EPOCH"][:-1]
    assert_matches_omm_oracle(es, record)


def _record():
    return copy.deepcopy(json.loads((DATA / "iss_recent_omm.json").read_text())[3])


@pytest.mark.parametrize("key, value, expected", [
    ("EPOCH", "2026-13-01T00:00:00.000000", "ISO 8601"),
    ("EPOCH", "yesterday", "ISO 8601"),
    ("ECCENTRICITY", 1.2, "from 0 to below 1"),
    ("ECCENTRICITY", "0.0001x", "from 0 to below 1"),
    ("INCLINATION", -1.0, "0 to 180"),
    ("MEAN_MOTION", 0, "positive"),
    ("MEAN_MOTION", "NaN", "positive"),
    ("BSTAR", True, "a number"),
    ("BSTAR", None, "a value"),
    ("NORAD_CAT_ID", "25544.5", "catalog number"),
    ("CLASSIFICATION_TYPE", "X", "'U', 'C' or 'S'"),
    ("OBJECT_ID", "98067A", "1998-067A"),
])
def test_bad_record_names_index_and_field(key, value, expected):
    records = [_record(), _record()]
    records[1][key] = value
    with pytest.raises(OMMFormatError) as info:
        parse_omm_json(json.dumps(records), source="gp.json")
    e = info.value
    assert e.record_index == 1 and e.field == key and e.source == "gp.json"
    assert expected in e.expected
    assert str(e).startswith(f"gp.json: OMM record 1 field {key!r}: expected")


def test_missing_key():
    record = _record()
    del record["MEAN_ANOMALY"]
    with pytest.raises(OMMFormatError) as info:
        element_set_from_omm(record, source="x", index=0)
    assert info.value.field == "MEAN_ANOMALY" and "found 'nothing'" in str(info.value)


def test_invalid_json_and_html():
    with pytest.raises(OMMFormatError) as info:
        parse_omm_json("<html><body>Error</body></html>", source="gp.json")
    assert info.value.field == "json" and info.value.line_number == 1
    with pytest.raises(OMMFormatError):
        parse_omm_json('{"a": 1', source="gp.json")
    with pytest.raises(OMMFormatError) as info:
        parse_omm_json('"No GP data found"')
    assert "found str" in str(info.value)


def test_csv_errors_give_line_numbers():
    text = (DATA / "iss_recent_omm.csv").read_text().splitlines(True)
    header = text[0].rstrip("\n").split(",")
    row = text[2].rstrip("\n").split(",")
    row[header.index("ECCENTRICITY")] = "1.5"
    lines = text[:2] + [",".join(row) + "\n"]
    with pytest.raises(OMMFormatError) as info:
        parse_omm_csv(lines, source="gp.csv")
    assert info.value.line_number == 3 and info.value.record_index == 1
    assert info.value.field == "ECCENTRICITY"
    with pytest.raises(OMMFormatError) as info:
        parse_omm_csv(io.StringIO("OBJECT_NAME,EPOCH\nISS,2020-01-01T00:00:00\n"))
    assert info.value.line_number == 1 and info.value.field == "MEAN_MOTION"


# --- the TLE writer ---------------------------------------------------------

def test_written_tle_from_omm_reparses_like_sgp4():
    with open(DATA / "iss_recent_omm.json") as f:
        omm_sets = parse_omm_json(f)
    tle_sets = shipped_sets()
    for es, orig in zip(omm_sets, tle_sets):
        line1, line2 = format_tle_lines(es)
        # the same columns, except that a zero nddot may be written '-0' or '+0'
        assert line2 == orig.line2
        assert line1[:50] + line1[51:68] == orig.line1[:50] + orig.line1[51:68]
        again = parse_tle_pair(line1, line2)
        sat = Satrec.twoline2rv(line1, line2)
        assert (again.epoch_jd, again.epoch_fr) == (sat.jdsatepoch, sat.jdsatepochF)


def test_writer_round_trips_the_catalog_values():
    with open(DATA / "catalog_2022-07-15.tle") as f:
        sets = parse_tle_file(f)[::50]
    for es in sets:
        bare = dataclasses.replace(es, line1=None, line2=None)
        line1, line2 = format_tle_lines(bare)
        again = parse_tle_pair(line1, line2, name=es.name)
        assert dataclasses.replace(again, line1=None, line2=None, source=es.source) == bare


def test_format_tle_text_keeps_names_and_verbatim_lines():
    sets = shipped_sets()[:3]
    text = format_tle_text(sets)
    assert parse_tle_file(io.StringIO(text)) == [
        dataclasses.replace(es, source="<string>") for es in sets]


@pytest.mark.parametrize("object_id, intldesg", [("1970-025", "70025"), ("1999-025EKU", "99025EKU"), ("", "")])
def test_object_id_forms(object_id, intldesg):
    record = _record()
    record["OBJECT_ID"] = object_id
    es = element_set_from_omm(record)
    assert es.intldesg == intldesg
    if object_id:
        assert oracle(record).intldesg == intldesg
