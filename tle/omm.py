"""CCSDS Orbit Mean-Elements Messages (OMM) as CelesTrak serves them: JSON
(a list of flat objects) and CSV (one header row, the same key names).

Keys used (all required except OBJECT_NAME and OBJECT_ID, which may be
empty): OBJECT_NAME, OBJECT_ID (e.g. '1998-067A'), EPOCH (ISO 8601 UTC,
e.g. '2015-03-02T00:04:44.770944', a trailing 'Z' accepted), MEAN_MOTION
(rev/day), ECCENTRICITY, INCLINATION, RA_OF_ASC_NODE, ARG_OF_PERICENTER,
MEAN_ANOMALY (degrees), EPHEMERIS_TYPE, CLASSIFICATION_TYPE, NORAD_CAT_ID,
ELEMENT_SET_NO, REV_AT_EPOCH, BSTAR (1/earth radii), MEAN_MOTION_DOT
(rev/day^2, the TLE's ndot), MEAN_MOTION_DDOT (rev/day^3).

The epoch becomes days since 1949 December 31 00:00 UTC in one float, split
into whole and fractional Julian days -- the computation python-sgp4's
``sgp4.omm.initialize`` / ``Satrec.sgp4init`` performs -- so propagating an
OMM set here matches the reference bit for bit.

Bad records raise ``OMMFormatError`` naming the source, the record index
(0-based), the CSV line number where there is one, the key, what was
expected and what was found. Parsers never open paths.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re

from tle.elements import ElementSet
from tle.errors import OMMFormatError

REQUIRED_KEYS = (
    "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR", "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
OPTIONAL_KEYS = ("OBJECT_NAME", "OBJECT_ID")

_EPOCH0 = dt.datetime(1949, 12, 31)
_JD_EPOCH0 = 2433281.5
# ASCII only: Python's \d and int() would take other scripts' digits.
_EPOCH_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?", re.ASCII)
_OBJECT_ID_RE = re.compile(r"(\d{4})-(\d{3})([A-Z]{0,3})", re.ASCII)
_NUMBER_RE = re.compile(r"\s*[+-]?(?:\d{1,400}\.?\d{0,400}|\.\d{1,400})(?:[eE][+-]?\d{1,4})?\s*", re.ASCII)
_INT_RE = re.compile(r"\s*[+-]?\d{1,18}\s*", re.ASCII)


class _Record:
    def __init__(self, record, source, index, line_number):
        self.record = record
        self.source = source
        self.index = index
        self.line_number = line_number

    def fail(self, key, expected, found):
        where = f"record {self.index}" if self.index is not None else "record"
        raise OMMFormatError(f"OMM {where} field {key!r}: expected {expected}, found {found!r}",
                             record_index=self.index, source=self.source,
                             line_number=self.line_number, field=key,
                             expected=expected, found=found)

    def raw(self, key):
        if key not in self.record or self.record[key] is None or self.record[key] == "":
            self.fail(key, "a value", "nothing")
        return self.record[key]

    def number(self, key, low=None, high=None, high_open=False, what="a number"):
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(key, what, value)
        if isinstance(value, str):
            if not _NUMBER_RE.fullmatch(value):
                self.fail(key, what, value)
        try:
            number = float(value)
        except (OverflowError, ValueError):
            self.fail(key, what, value)
        if not math.isfinite(number):
            self.fail(key, what, value)
        if low is not None and number < low or high is not None and (
                number >= high if high_open else number > high):
            self.fail(key, what, value)
        return number

    def integer(self, key, low=0, high=None, what="an integer"):
        value = self.raw(key)
        if isinstance(value, bool):
            self.fail(key, what, value)
        if isinstance(value, str):
            if not _INT_RE.fullmatch(value):
                self.fail(key, what, value)
            number = int(value)
        elif isinstance(value, int):
            number = value
            if abs(number) > 10**18:
                self.fail(key, what, value)
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            self.fail(key, what, value)
        if number < low or high is not None and number > high:
            self.fail(key, what, value)
        return number

    def text(self, key, optional=False):
        value = self.record.get(key)
        if value is None or value == "":
            if optional:
                return ""
            self.fail(key, "a value", "nothing")
        if not isinstance(value, str):
            self.fail(key, "text", value)
        return value.strip()


def epoch_split_jd(epoch: dt.datetime) -> tuple[float, float]:
    """Naive UTC datetime -> (jd, fr) exactly as sgp4's OMM path computes it:
    days since 1949-12-31 in one float, then whole and fractional parts; when
    ``days * 1e8`` comes out a whole number in floating point, the fraction
    is rounded to 8 decimals (python-sgp4's ``sgp4init`` then assumes an
    exact TLE-style decimal, as an OMM converted from a TLE carries)."""
    days = (epoch - _EPOCH0).total_seconds() / 86400.0
    fr, whole = math.modf(days)
    scaled = days * 1e8
    if scaled == math.floor(scaled):
        fr = math.floor(fr * 1e8 + 0.5) / 1e8
    return whole + _JD_EPOCH0, fr


def _parse_epoch(rec):
    text = rec.text("EPOCH")
    m = _EPOCH_RE.fullmatch(text)
    expected = "ISO 8601 UTC like '2015-03-02T00:04:44.770944'"
    if not m:
        rec.fail("EPOCH", expected, text)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0").ljust(6, "0"))
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        rec.fail("EPOCH", expected, text)


def _intldesg(rec):
    text = rec.text("OBJECT_ID", optional=True)
    if not text:
        return ""
    m = _OBJECT_ID_RE.fullmatch(text)
    if not m:
        rec.fail("OBJECT_ID", "launch year-number-piece like '1998-067A', or empty", text)
    return m.group(1)[2:] + m.group(2) + m.group(3)


def element_set_from_omm(record: dict, *, source: str = "<string>", index: int | None = None,
                         line_number: int | None = None) -> ElementSet:
    """One OMM record (a dict of the keys above; values numbers or strings)
    -> ``ElementSet``. Raises ``OMMFormatError``."""
    rec = _Record(record, source, index, line_number)
    if not isinstance(record, dict):
        rec.fail("record", "a JSON object of OMM keys", type(record).__name__)
    epoch = _parse_epoch(rec)
    epoch_jd, epoch_fr = epoch_split_jd(epoch)
    classification = rec.text("CLASSIFICATION_TYPE")
    if classification not in ("U", "C", "S"):
        rec.fail("CLASSIFICATION_TYPE", "'U', 'C' or 'S'", classification)
    name = rec.text("OBJECT_NAME", optional=True) or None
    return ElementSet(
        satnum=rec.integer("NORAD_CAT_ID", 1, 339999, "a catalog number from 1 to 339999"),
        epoch_jd=epoch_jd, epoch_fr=epoch_fr,
        ndot=rec.number("MEAN_MOTION_DOT"),
        nddot=rec.number("MEAN_MOTION_DDOT"),
        bstar=rec.number("BSTAR"),
        inclination_deg=rec.number("INCLINATION", 0.0, 180.0, what="degrees from 0 to 180"),
        raan_deg=rec.number("RA_OF_ASC_NODE", 0.0, 360.0, what="degrees from 0 to 360"),
        eccentricity=rec.number("ECCENTRICITY", 0.0, 1.0, True, "a number from 0 to below 1"),
        arg_perigee_deg=rec.number("ARG_OF_PERICENTER", 0.0, 360.0, what="degrees from 0 to 360"),
        mean_anomaly_deg=rec.number("MEAN_ANOMALY", 0.0, 360.0, what="degrees from 0 to 360"),
        mean_motion_rev_day=_positive(rec, "MEAN_MOTION"),
        revnum=rec.integer("REV_AT_EPOCH"),
        elnum=rec.integer("ELEMENT_SET_NO"),
        ephtype=rec.integer("EPHEMERIS_TYPE", 0, 9, "a digit"),
        classification=classification,
        intldesg=_intldesg(rec),
        name=name,
        source=source,
    )


def _positive(rec, key):
    value = rec.number(key, what="a positive number of revolutions per day")
    if value <= 0.0:
        rec.fail(key, "a positive number of revolutions per day", rec.record[key])
    return value


def parse_omm_json(text_or_file, *, source: str | None = None) -> list[ElementSet]:
    """OMM JSON (a list of records, or one record) from a string, bytes or an
    open file -> element sets in the order given."""
    if source is None:
        name = getattr(text_or_file, "name", None)
        source = name if isinstance(name, str) else "<string>"
    text = text_or_file if isinstance(text_or_file, (str, bytes)) else text_or_file.read()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OMMFormatError(f"expected UTF-8 JSON, found byte {text[exc.start]:#04x}",
                                 source=source, field="encoding", expected="UTF-8",
                                 found=repr(text[exc.start:exc.start + 1])) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OMMFormatError(f"expected OMM JSON, found invalid JSON ({exc.msg}, column {exc.colno})",
                             source=source, line_number=exc.lineno, field="json",
                             expected="a JSON list of OMM objects", found=text[exc.pos:exc.pos + 20]) from None
    except RecursionError:
        raise OMMFormatError("expected OMM JSON (a list of flat objects), found JSON nested too deeply",
                             source=source, field="json", expected="a list of flat objects",
                             found="deep nesting") from None
    except ValueError as exc:    # e.g. an integer of more than 4,300 digits
        raise OMMFormatError(f"expected OMM JSON, found a value Python cannot read ({exc})",
                             source=source, field="json", expected="a JSON list of OMM objects",
                             found=str(exc)[:80]) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise OMMFormatError(f"expected a JSON list of OMM objects, found {type(data).__name__}",
                             source=source, field="json", expected="a list",
                             found=type(data).__name__)
    return [element_set_from_omm(rec, source=source, index=i) for i, rec in enumerate(data)]


def parse_omm_csv(fileobj, *, source: str | None = None) -> list[ElementSet]:
    """OMM CSV (header row of the keys above) from an open text file or a list
    of lines -> element sets. Errors give the CSV line number."""
    if isinstance(fileobj, (str, bytes)):
        raise TypeError("parse_omm_csv() takes an open text file or a list of lines, not a string")
    if source is None:
        name = getattr(fileobj, "name", None)
        source = name if isinstance(name, str) else "<string>"
    reader = csv.DictReader(line.lstrip("\ufeff") if i == 0 else line
                            for i, line in enumerate(fileobj))
    try:
        return _csv_records(reader, source)
    except csv.Error as exc:
        raise OMMFormatError(f"OMM CSV: cannot read line {reader.line_num} ({exc})",
                             source=source, line_number=reader.line_num, field="csv",
                             expected="CSV with a header row", found=str(exc)) from None


def _csv_records(reader, source):
    header = reader.fieldnames or []
    missing = [key for key in REQUIRED_KEYS if key not in header]
    if missing:
        raise OMMFormatError(f"OMM CSV header: expected the column {missing[0]!r}, found {header!r}",
                             source=source, line_number=1, field=missing[0],
                             expected=", ".join(REQUIRED_KEYS), found=",".join(header))
    sets = []
    for index, row in enumerate(reader):
        if None in row:
            raise OMMFormatError(f"OMM record {index}: more cells than header columns",
                                 record_index=index, source=source, line_number=reader.line_num,
                                 field="row", expected=f"{len(header)} cells", found=str(row[None]))
        sets.append(element_set_from_omm(row, source=source, index=index,
                                         line_number=reader.line_num))
    return sets
