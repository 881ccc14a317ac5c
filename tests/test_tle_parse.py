"""TLE/3LE parsing, checked against python-sgp4's own parser (Satrec.twoline2rv,
the compiled Vallado code) as the oracle, on every shipped ISS set and on a
22,677-object Space-Track catalog (tests/data/catalog_2022-07-15.tle)."""
from __future__ import annotations

import io
import math
from importlib import resources
from pathlib import Path

import pytest
from sgp4 import alpha5
from sgp4.api import Satrec
from sgp4.io import compute_checksum, fix_checksum

from tle.errors import TLEFormatError
from tle.parse import parse_tle_file, parse_tle_lines, parse_tle_pair, parse_tle_text

from helpers import assert_elements_match_satrec

DATA = Path(__file__).parent / "data"
CATALOG = DATA / "catalog_2022-07-15.tle"
SHIPPED = ("iss_2015_2016.tle", "iss_recent.tle")

# sgp4's unit conversions (io.py / SGP4.cpp twoline2rv)
XPDOTP = 1440.0 / (2.0 * math.pi)

ISS1 = "1 25544U 98067A   15061.00329596  .00013725  00000-0  20780-3 0  9995"
ISS2 = "2 25544  51.6457 259.3732 0007864  63.2699  94.7821 15.54945907931352"


def assert_matches_sgp4(es):
    """Every parsed value equals what sgp4 stores, after its unit conversion."""
    sat = Satrec.twoline2rv(es.line1, es.line2)
    assert_elements_match_satrec(es, sat, ndot_per_rad_min2=XPDOTP * 1440.0,
                                 nddot_per_rad_min3=XPDOTP * 1440.0 * 1440)
    assert es.mean_motion_rev_day / XPDOTP == sat.no_kozai
    assert es.revnum == sat.revnum
    assert es.elnum == sat.elnum
    assert es.ephtype == sat.ephtype
    assert es.classification == sat.classification
    assert es.intldesg == sat.intldesg


@pytest.mark.nojit
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_sets_match_sgp4(name):
    ref = resources.files("tle") / "data" / name
    with ref.open("r") as f:
        sets = parse_tle_file(f, source=name)
    lines = [ln for ln in ref.read_text().splitlines() if ln.strip()]
    assert len(sets) == len(lines) // 3
    for es in sets:
        assert es.name == "ISS (ZARYA)"
        assert es.source == name
        assert_matches_sgp4(es)
        assert es.epoch_jd % 1.0 == 0.5


def test_shipped_counts():
    counts = {}
    for name in SHIPPED:
        with (resources.files("tle") / "data" / name).open("r") as f:
            counts[name] = len(parse_tle_file(f))
    assert counts == {"iss_2015_2016.tle": 78, "iss_recent.tle": 49}


def test_whole_catalog_matches_sgp4():
    with open(CATALOG) as f:
        sets = parse_tle_file(f)
    raw = CATALOG.read_text().splitlines()
    assert len(sets) == len(raw) // 3
    assert sets[0].source == str(CATALOG)
    for es in sets:
        assert_matches_sgp4(es)
    # the space-padded catalog field ('1     5U') decodes like sgp4 does
    assert sets[0].line1.startswith("1     5U") and sets[0].satnum == 5
    names = {es.name for es in sets}
    assert "ISS (ZARYA)" in names and "VANGUARD 1" in names


def test_epoch_datetime_agrees_with_sgp4_epoch_fields():
    es = parse_tle_pair(ISS1, ISS2)
    sat = Satrec.twoline2rv(ISS1, ISS2)
    assert es.epoch.year == 2000 + sat.epochyr
    assert es.epoch.timetuple().tm_yday == int(sat.epochdays)


@pytest.mark.parametrize("year_field, century", [("57", 1900), ("99", 1900), ("00", 2000), ("56", 2000)])
def test_two_digit_year_pivot(year_field, century):
    line1 = fix_checksum(ISS1[:18] + year_field + ISS1[20:68])
    es = parse_tle_pair(line1, ISS2)
    sat = Satrec.twoline2rv(line1, ISS2)
    assert es.epoch.year == century + int(year_field)
    assert (es.epoch_jd, es.epoch_fr) == (sat.jdsatepoch, sat.jdsatepochF)


@pytest.mark.parametrize("satnum", [100000, 123456, 179999, 189999, 229999, 239999, 339999])
def test_alpha5_catalog_numbers(satnum):
    field = alpha5.to_alpha5(satnum)
    line1 = fix_checksum(ISS1[:2] + field + ISS1[7:68])
    line2 = fix_checksum(ISS2[:2] + field + ISS2[7:68])
    es = parse_tle_pair(line1, line2)
    assert es.satnum == satnum == alpha5.from_alpha5(field)
    assert es.satnum == Satrec.twoline2rv(line1, line2).satnum


def test_alpha5_letters_i_and_o_rejected():
    for letter in "IO":
        line1 = fix_checksum(ISS1[:2] + letter + "0001" + ISS1[7:68])
        line2 = fix_checksum(ISS2[:2] + letter + "0001" + ISS2[7:68])
        with pytest.raises(TLEFormatError) as info:
            parse_tle_pair(line1, line2)
        assert info.value.field == "catalog number"


def test_negative_exponent_fields():
    line1 = fix_checksum(ISS1[:33] + "-.00000123 -11606-4 -34552-2" + ISS1[61:68])
    es = parse_tle_pair(line1, ISS2)
    assert es.ndot < 0 and es.nddot < 0 and es.bstar < 0
    assert_matches_sgp4(es)


def test_trailing_whitespace_and_cr_tolerated():
    es = parse_tle_pair(ISS1 + "  \r", ISS2 + "\r\n")
    assert es.line1 == ISS1 and es.line2 == ISS2


# --- malformed input: each case names its field, expected and found ---------

def _replace(line, start, text):
    return line[:start] + text + line[start + len(text):]


def _err(line1=ISS1, line2=ISS2, fix=True, **kw):
    if fix:
        line1, line2 = fix_checksum(line1[:68]), fix_checksum(line2[:68])
    with pytest.raises(TLEFormatError) as info:
        parse_tle_pair(line1, line2, source="iss.tle", line_number=7, **kw)
    return info.value


def test_checksum_error_gives_both_sums():
    bad = ISS1[:68] + str((int(ISS1[68]) + 3) % 10)
    e = _err(bad, fix=False)
    assert e.field == "checksum" and e.line_number == 7 and e.source == "iss.tle"
    assert e.expected == str(compute_checksum(ISS1)) and e.found == bad[68]
    assert str(e).startswith("iss.tle, line 7: ")
    assert f"sum to {compute_checksum(ISS1)}" in str(e) and f"says '{bad[68]}'" in str(e)


def test_line2_checksum_reports_next_line_number():
    bad = ISS2[:68] + str((int(ISS2[68]) + 1) % 10)
    e = _err(line2=bad, fix=False)
    assert e.field == "checksum" and e.line_number == 8


@pytest.mark.parametrize("line1, length", [(ISS1[:68], 68), (ISS1 + "7", 70), ("", 0)])
def test_wrong_length(line1, length):
    e = _err(line1, fix=False)
    assert e.field == "length" and f"found {length}" in str(e) and "expected 69 columns" in str(e)


def test_lines_swapped():
    e = _err(ISS2, ISS1, fix=False)
    assert e.field == "line number" and e.expected == "'1'" and e.found == "2"


def test_catalog_numbers_differ():
    e = _err(line2=_replace(ISS2, 2, "25545"))
    assert e.field == "catalog number" and e.line_number == 8
    assert "'25544'" in str(e) and "'25545'" in str(e)


@pytest.mark.parametrize("line, start, text, field", [
    (1, 2, "25X44", "catalog number"),
    (1, 7, "X", "classification"),
    (1, 9, "98-67A  ", "international designator"),
    (1, 18, "1X", "epoch year"),
    (1, 20, "061.0032959X", "epoch day"),
    (1, 20, "000.00329596", "epoch day"),
    (1, 20, "366.00329596", "epoch day"),     # 2015 has 365 days
    (1, 33, " .0001372X", "ndot"),
    (1, 33, "  00013725", "ndot"),
    (1, 44, " 0000A-0", "nddot"),
    (1, 44, " 00000*0", "nddot"),
    (1, 53, " 20780 3", "bstar"),
    (1, 53, "  2078-3", "bstar"),
    (1, 53, "nan     ", "bstar"),
    (1, 62, "X", "ephemeris type"),
    (1, 64, " 99X", "element set number"),
    (1, 32, "X", "separator"),
    (2, 8, " 51.64X7", "inclination"),
    (2, 8, "181.0000", "inclination"),
    (2, 17, "259,3732", "right ascension of node"),
    (2, 26, "00078 4", "eccentricity"),
    (2, 26, "-000786", "eccentricity"),
    (2, 34, " 6.32699", "argument of perigee"),
    (2, 43, "400.0000", "mean anomaly"),
    (2, 52, "15.5494590X", "mean motion"),
    (2, 52, " 0.00000000", "mean motion"),
    (2, 63, "9313A", "revolution number"),
    # a blank inside a number is the format error, not a ValueError
    (1, 20, "0 1.00329596", "epoch day"),
    (1, 20, "06 .00329596", "epoch day"),
    (2, 43, " 9 .7821", "mean anomaly"),
    (2, 43, "9 4.7821", "mean anomaly"),
    (2, 8, "5 1.6457", "inclination"),
    (2, 52, "1 .54945907", "mean motion"),
    # column 34 of line 2 is fixed blank (python-sgp4 reads other elements there)
    (2, 33, "7", "separator"),
])
def test_bad_field(line, start, text, field):
    line1 = _replace(ISS1, start, text) if line == 1 else ISS1
    line2 = _replace(ISS2, start, text) if line == 2 else ISS2
    e = _err(line1, line2)
    assert e.field == field
    assert e.line_number == (7 if line == 1 else 8)
    assert e.found == (line1 if line == 1 else line2)[start:start + len(text)]
    assert e.expected
    msg = str(e)
    assert msg.startswith(f"iss.tle, line {e.line_number}: TLE line {line} field {field!r}")
    assert f"found {e.found!r}" in msg and "template" in msg


def test_non_ascii_rejected():
    e = _err(_replace(ISS1, 24, "\u00b0"), fix=False)
    assert e.field == "characters"


# --- files: TLE, 3LE, '0 NAME', blank lines, CRLF ---------------------------

def test_two_line_and_three_line_files():
    two = parse_tle_text(f"{ISS1}\n{ISS2}\n")
    three = parse_tle_text(f"ISS (ZARYA)\n{ISS1}\n{ISS2}\n")
    zero = parse_tle_text(f"0 ISS (ZARYA)\r\n{ISS1}\r\n{ISS2}\r\n")
    assert two[0].name is None and three[0].name == "ISS (ZARYA)" == zero[0].name
    assert two[0].epoch_fr == three[0].epoch_fr == zero[0].epoch_fr


def test_binary_file_blank_lines_and_mixed_names():
    sat = fix_checksum(ISS1[:2] + "00005" + ISS1[7:68]), fix_checksum(ISS2[:2] + "00005" + ISS2[7:68])
    text = f"\n{ISS1}\n{ISS2}\n\n\nVANGUARD 1\n{sat[0]}\n\n{sat[1]}\n"
    sets = parse_tle_file(io.BytesIO(text.encode()))
    assert [s.satnum for s in sets] == [25544, 5]
    assert [s.name for s in sets] == [None, "VANGUARD 1"]


def test_file_errors_carry_real_line_numbers():
    bad2 = ISS2[:68] + str((int(ISS2[68]) + 1) % 10)
    text = f"ISS\n{ISS1}\n{ISS2}\n\nISS\n{ISS1}\n\n{bad2}\n"
    with pytest.raises(TLEFormatError) as info:
        parse_tle_lines(text.splitlines(True), source="my.tle")
    assert info.value.line_number == 8 and info.value.field == "checksum"
    assert str(info.value).startswith("my.tle, line 8:")


@pytest.mark.parametrize("text, line_number, snippet", [
    (f"{ISS1}\nISS\n{ISS2}\n", 2, "expected TLE line 2 after line 1 (line 1)"),
    (f"ISS\n{ISS2}\n", 2, "line 2 without a line 1"),
    (f"ISS\nZARYA\n{ISS1}\n{ISS2}\n", 2, "expected TLE line 1 after the name line 'ISS' (line 1)"),
    (f"ISS\n{ISS1}\n", 2, "line 2 is missing"),
    (f"{ISS1}\n{ISS2}\nISS\n\n", 3, "its TLE lines are missing"),
])
def test_file_structure_errors(text, line_number, snippet):
    with pytest.raises(TLEFormatError) as info:
        parse_tle_text(text, source="f.tle")
    assert info.value.line_number == line_number
    assert snippet in str(info.value)


def test_non_ascii_bytes_in_file():
    with pytest.raises(TLEFormatError) as info:
        parse_tle_file(io.BytesIO(b"ISS\n" + ISS1.encode() + b"\n\xff\n"), source="b.tle")
    assert info.value.line_number == 3 and info.value.field == "encoding"


def test_parse_tle_file_refuses_a_string():
    with pytest.raises(TypeError):
        parse_tle_file("iss.tle")


def test_empty_input_gives_no_sets():
    assert parse_tle_text("\n\n") == []


def test_column_34_of_line_2_changes_what_sgp4_reads():
    """Why column 34 is checked: with a digit there python-sgp4's compiled
    parser reads other elements than its Python parser refuses to read."""
    line2 = fix_checksum(_replace(ISS2, 33, "7")[:68])
    from sgp4.io import twoline2rv
    from sgp4.earth_gravity import wgs72
    with pytest.raises(ValueError):
        twoline2rv(ISS1, line2, wgs72)
    assert _err(line2=line2, fix=False).field == "separator"


def test_form_feed_and_unicode_line_breaks_stay_in_their_line():
    (es,) = parse_tle_text(f"X\u2028Y\x0cZ\n{ISS1}\n{ISS2}\n", source="x.tle")
    assert es.name == "X\u2028Y\x0cZ"
    with pytest.raises(TLEFormatError) as info:
        parse_tle_text(f"X\u2028Y\x0cZ\n{ISS1}\n{ISS2[:30]}\u2028{ISS2[31:]}\n", source="x.tle")
    assert info.value.line_number == 3 and info.value.field == "characters"


def test_lenient_reader_skips_damaged_records_and_keeps_the_rest():
    bad1 = ISS1[:68] + str((int(ISS1[68]) + 1) % 10)
    lines = ["A", ISS1, ISS2, "B", bad1, ISS2, ISS2, "C", "D", ISS1, ISS2, "E", ISS1]
    skipped = []
    sets = parse_tle_lines(lines, source="h.tle", skipped=skipped)
    assert [es.name for es in sets] == ["A", "D"]
    assert [(e.line_number, e.field) for e in skipped] == [
        (5, "checksum"), (7, "line number"), (9, "line number"), (13, "line number")]
    with pytest.raises(TLEFormatError):
        parse_tle_lines(lines, source="h.tle")
