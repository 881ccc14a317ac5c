"""Two-line element sets (TLE) and three-line files (3LE) -> ``ElementSet``.

Parsers here take strings, lines or open file objects and never open paths
(the store and the updater own files). Every field of both lines is checked
against its fixed columns; any problem raises ``TLEFormatError`` naming the
source, the 1-based line number, the field and its columns, what was expected
(with the punch-card template of that field) and what was found.

Units are those printed in the TLE: degrees, revolutions per day (ndot in
rev/day^2, nddot in rev/day^3), B* in 1/earth radii. The epoch becomes a split
Julian date (UTC) computed step by step as the reference SGP4 code does
(day of year -> month, day, h, min, s -> Julian day + fraction of day, the
fraction rounded to the TLE's 8 decimals), so propagating from it matches
the reference bit for bit.
"""
from __future__ import annotations

import math
import re
from typing import Iterable

from tle.elements import ElementSet
from tle.errors import TLEFormatError

LINE_LENGTH = 69

# The punch-card templates (N: digit, C: classification, A: letter).
TEMPLATE_LINE1 = "1 NNNNNC NNNNNAAA NNNNN.NNNNNNNN +.NNNNNNNN +NNNNN-N +NNNNN-N N NNNNN"
TEMPLATE_LINE2 = "2 NNNNN NNN.NNNN NNN.NNNN NNNNNNN NNN.NNNN NNN.NNNN NN.NNNNNNNNNNNNNN"

_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A=10 ... Z=33; I and O are not used

# Field patterns (whole field, fixed width).
_SATNUM_RE = re.compile(r"(?: *[0-9]+|[A-HJ-NP-Z][0-9]{4})")
_INTLDESG_RE = re.compile(r"(?:[0-9]{5}[A-Z]{0,3} *| {8})")
_YEAR_RE = re.compile(r"[0-9]{2}")
# Leading blanks only: a blank inside a number ('0 1.0032', '1 1.1234') is refused.
_DAY_RE = re.compile(r" *[0-9]+\.[0-9]{8}")
_NDOT_RE = re.compile(r"[ +-]\.[0-9]{8}")
_EXP_RE = re.compile(r"[ +-][0-9]{5}[+-][0-9]")
_DIGIT_OR_BLANK_RE = re.compile(r"[0-9 ]")
_INT_RE = re.compile(r" *[0-9]+")
_ANGLE_RE = re.compile(r" *[0-9]+\.[0-9]{4}")
_ECC_RE = re.compile(r"[0-9]{7}")
_MEAN_MOTION_RE = re.compile(r" ?[0-9]+\.[0-9]{8}")

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns: digits count their value,
    '-' counts 1, everything else 0."""
    total = 0
    for ch in line[:68]:
        if ch.isdigit():
            total += ord(ch) - 48
        elif ch == "-":
            total += 1
    return total % 10


def decode_alpha5(text: str) -> int:
    """Catalog number from a 5-column field: digits (space padding allowed)
    or Alpha-5 (A0000 = 100000, ..., Z9999 = 339999; no I or O)."""
    text = text.strip()
    if text and text[0].isalpha():
        return (_ALPHA5_LETTERS.index(text[0]) + 10) * 10000 + int(text[1:])
    return int(text)


def encode_alpha5(satnum: int) -> str:
    """The 5-column catalog field for ``satnum`` (0 <= satnum <= 339999)."""
    if not 0 <= satnum <= 339999:
        raise ValueError(f"catalog number {satnum} cannot be written in 5 columns (0..339999)")
    if satnum < 100000:
        return f"{satnum:05d}"
    high, low = divmod(satnum, 10000)
    return f"{_ALPHA5_LETTERS[high - 10]}{low:04d}"


def epoch_split_jd(two_digit_year: int, day_of_year: float) -> tuple[float, float]:
    """TLE epoch (2-digit year, fractional day of year) -> (jd, fr), UTC.

    Years 57-99 are 1957-1999, 00-56 are 2000-2056. Follows the reference
    SGP4 steps exactly (days2mdhms, jday, then the fraction rounded to the 8
    decimals a TLE carries) so that ``jd`` ends in .5 and both parts equal the
    reference values bit for bit.
    """
    year = two_digit_year + (1900 if two_digit_year >= 57 else 2000)
    day_whole = math.floor(day_of_year)
    lengths = list(_MONTH_DAYS)
    if year % 4 == 0:
        lengths[1] = 29
    month, days_before = 1, 0
    while day_whole > days_before + lengths[month - 1] and month < 12:
        days_before += lengths[month - 1]
        month += 1
    day = day_whole - days_before
    temp = (day_of_year - day_whole) * 24.0
    hour = math.floor(temp)
    temp = (temp - hour) * 60.0
    minute = math.floor(temp)
    second = (temp - minute) * 60.0
    jd = (367.0 * year - math.floor((7 * (year + math.floor((month + 9) / 12.0))) * 0.25)
          + math.floor(275 * month / 9.0) + day + 1721013.5)
    fr = (second + minute * 60.0 + hour * 3600.0) / 86400.0
    fr = math.floor(fr * 1e8 + 0.5) / 1e8   # C round() of a positive value
    return jd, fr


class _Line:
    """One TLE line plus where it came from, for error messages."""

    def __init__(self, text, number, source, line_number):
        self.text = text
        self.number = number            # 1 or 2 (which TLE line)
        self.source = source
        self.line_number = line_number  # in the file, or None
        self.template = TEMPLATE_LINE1 if number == 1 else TEMPLATE_LINE2

    def fail(self, field, start, end, expected, found, message=None):
        cols = f"column {start + 1}" if end - start == 1 else f"columns {start + 1}-{end}"
        shape = self.template[start:end]
        text = message or (f"TLE line {self.number} field {field!r} ({cols}): expected {expected}"
                           f" (template {shape!r}), found {found!r}")
        raise TLEFormatError(text, source=self.source, line_number=self.line_number,
                             field=field, expected=expected, found=found)

    def field(self, name, start, end, pattern, expected):
        value = self.text[start:end]
        if not pattern.fullmatch(value):
            self.fail(name, start, end, expected, value)
        return value

    def blank(self, start):
        if self.text[start] != " ":
            self.fail("separator", start, start + 1, "a space", self.text[start])


def _prepare(text, number, source, line_number):
    if not isinstance(text, str):
        raise TLEFormatError(f"TLE line {number}: expected text, found {type(text).__name__}",
                             source=source, line_number=line_number, field="line",
                             expected="str", found=type(text).__name__)
    stripped = text.rstrip()
    line = _Line(stripped, number, source, line_number)
    bad = [ch for ch in stripped if not (" " <= ch <= "~")]
    if bad:
        line.fail("characters", 0, len(stripped), "printable ASCII", stripped,
                  message=f"TLE line {number}: expected printable ASCII only, found {bad[0]!r} in {stripped!r}")
    if len(stripped) != LINE_LENGTH:
        line.fail("length", 0, LINE_LENGTH, f"{LINE_LENGTH} columns", stripped,
                  message=(f"TLE line {number}: expected {LINE_LENGTH} columns, found {len(stripped)}"
                           f" in {stripped!r} (template {line.template!r})"))
    if stripped[0] != str(number):
        line.fail("line number", 0, 1, f"'{number}'", stripped[0])
    line.blank(1)
    expected_sum = checksum(stripped)
    found_sum = stripped[68]
    if not found_sum.isdigit() or int(found_sum) != expected_sum:
        line.fail("checksum", 68, 69, str(expected_sum), found_sum,
                  message=(f"TLE line {number} checksum (column 69): the digits sum to {expected_sum} "
                           f"modulo 10 ('-' counts 1) but the line says {found_sum!r}"))
    return line


def _implied_decimal(line, name, start):
    """An 8-column field like ' 20780-3' or '-11606-4' -> float (0.20780e-3)."""
    value = line.field(name, start, start + 8, _EXP_RE,
                       "sign, 5 mantissa digits, exponent sign and digit, e.g. ' 12345-4'")
    sign = "-" if value[0] == "-" else ""
    return float(f"{sign}.{value[1:6]}") * 10.0 ** int(value[6:8])


def parse_tle_pair(line1: str, line2: str, *, source: str = "<string>",
                   line_number: int | None = None, name: str | None = None) -> ElementSet:
    """Parse and validate one TLE (two lines) into an ``ElementSet``.

    ``line_number`` is the 1-based number of ``line1`` in its file (line 2 is
    reported as the next line); ``name`` is the object name from a 3LE name
    line, if any. Trailing whitespace (including CR) is ignored; otherwise
    every column is checked. Raises ``TLEFormatError``.
    """
    n2 = line_number + 1 if line_number is not None else None
    return _parse_pair(line1, line2, source, line_number, n2, name)


def _parse_pair(line1, line2, source, line_number, n2, name):
    a = _prepare(line1, 1, source, line_number)
    b = _prepare(line2, 2, source, n2)

    satnum_text = a.field("catalog number", 2, 7, _SATNUM_RE,
                          "5 digits (space padding allowed) or Alpha-5 such as 'A0001'")
    satnum = decode_alpha5(satnum_text)
    classification = a.text[7]
    if classification not in "UCS ":
        a.fail("classification", 7, 8, "'U', 'C' or 'S'", classification)
    classification = classification if classification != " " else "U"
    a.blank(8)
    intldesg = a.field("international designator", 9, 17, _INTLDESG_RE,
                       "launch year, launch number and piece, e.g. '98067A  ', or blank").rstrip()
    a.blank(17)
    year = int(a.field("epoch year", 18, 20, _YEAR_RE, "2 digits"))
    day_text = a.field("epoch day", 20, 32, _DAY_RE, "day of year with 8 decimals, e.g. '061.00329596'")
    day_of_year = float(day_text)
    full_year = year + (1900 if year >= 57 else 2000)
    days_in_year = 366 if full_year % 4 == 0 else 365
    if not 1.0 <= day_of_year < days_in_year + 1:
        a.fail("epoch day", 20, 32, f"a day of year from 1 to {days_in_year}.99999999", day_text)
    a.blank(32)
    ndot = float(a.field("ndot", 33, 43, _NDOT_RE, "sign, '.', 8 digits, e.g. ' .00013725'").replace(" ", ""))
    a.blank(43)
    nddot = _implied_decimal(a, "nddot", 44)
    a.blank(52)
    bstar = _implied_decimal(a, "bstar", 53)
    a.blank(61)
    ephtype_text = a.field("ephemeris type", 62, 63, _DIGIT_OR_BLANK_RE, "a digit")
    ephtype = int(ephtype_text) if ephtype_text != " " else 0
    a.blank(63)
    elnum = int(a.field("element set number", 64, 68, _INT_RE, "up to 4 digits, right-aligned"))

    satnum2_text = b.field("catalog number", 2, 7, _SATNUM_RE,
                           "5 digits (space padding allowed) or Alpha-5 such as 'A0001'")
    if satnum2_text != satnum_text:      # the same text, as python-sgp4 requires
        b.fail("catalog number", 2, 7, f"{satnum_text!r} as on line 1", satnum2_text,
               message=(f"TLE line 2 field 'catalog number' (columns 3-7): expected {satnum_text!r}"
                        f" as on line 1, found {satnum2_text!r}"))
    b.blank(7)
    angles = {}
    for field, start, limit in (("inclination", 8, 180.0), ("right ascension of node", 17, 360.0),
                                ("argument of perigee", 34, 360.0), ("mean anomaly", 43, 360.0)):
        text = b.field(field, start, start + 8, _ANGLE_RE, "degrees as 'NNN.NNNN'")
        value = float(text)
        if value > limit:
            b.fail(field, start, start + 8, f"0 to {limit:g} degrees", text)
        angles[field] = value
        b.blank(start + 8)
    eccentricity = float("0." + b.field("eccentricity", 26, 33, _ECC_RE,
                                        "7 digits after an implied decimal point"))
    b.blank(33)
    mm_text = b.field("mean motion", 52, 63, _MEAN_MOTION_RE, "revolutions per day as 'NN.NNNNNNNN'")
    mean_motion = float(mm_text)
    if mean_motion <= 0.0:
        b.fail("mean motion", 52, 63, "a positive number of revolutions per day", mm_text)
    revnum = int(b.field("revolution number", 63, 68, _INT_RE, "up to 5 digits, right-aligned"))

    epoch_jd, epoch_fr = epoch_split_jd(year, day_of_year)
    return ElementSet(
        satnum=satnum, epoch_jd=epoch_jd, epoch_fr=epoch_fr, ndot=ndot, nddot=nddot, bstar=bstar,
        inclination_deg=angles["inclination"], raan_deg=angles["right ascension of node"],
        eccentricity=eccentricity, arg_perigee_deg=angles["argument of perigee"],
        mean_anomaly_deg=angles["mean anomaly"], mean_motion_rev_day=mean_motion,
        revnum=revnum, elnum=elnum, ephtype=ephtype, classification=classification,
        intldesg=intldesg, name=name, line1=a.text, line2=b.text, source=source)


def _looks_like(text, number):
    return text.startswith(f"{number} ") or text == str(number)


def _text_lines(lines, source, lenient=False):
    """Yield (line_number, text) with line ends, CR and a leading BOM removed.
    A bytes line that is not ASCII raises TLEFormatError (yielded instead
    when ``lenient``)."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, (bytes, bytearray)):
            try:
                raw = raw.decode("ascii")
            except UnicodeDecodeError as exc:
                error = TLEFormatError(f"expected ASCII text, found byte {raw[exc.start]:#04x}",
                                       source=source, line_number=number, field="encoding",
                                       expected="ASCII", found=repr(bytes(raw[exc.start:exc.start + 1])))
                if not lenient:
                    raise error from None
                yield number, error
                continue
        text = raw.rstrip("\r\n")
        if number == 1:
            text = text.lstrip("\ufeff")
        yield number, text


def _printable(text):
    return all(" " <= ch <= "~" for ch in text)


def parse_tle_lines(lines: Iterable, *, source: str = "<string>",
                    skipped: list | None = None) -> list[ElementSet]:
    """Parse TLE or 3LE text given as lines (str or bytes), in file order.

    A set is an optional name line (``ISS (ZARYA)`` or ``0 ISS (ZARYA)``)
    followed by line 1 and line 2. Blank lines, CRLF line ends and trailing
    whitespace are ignored. Errors carry the real line numbers.

    With ``skipped`` (a list), a damaged record does not stop the parse: its
    ``TLEFormatError`` is appended to ``skipped`` and the parse goes on with
    the next record; name lines must then be printable ASCII (the history
    file's reader uses this, so one bad record never hides the others).
    """
    lenient = skipped is not None
    result = []
    name = name_line = None
    pending = None  # (line_number, text) of a line 1 waiting for its line 2

    def damaged(error):
        if not lenient:
            raise error
        skipped.append(error)

    for number, text in _text_lines(lines, source, lenient):
        if isinstance(text, TLEFormatError):
            damaged(text)
            name = name_line = pending = None
            continue
        stripped = text.strip()
        if not stripped:
            continue
        if pending is not None:
            if not _looks_like(text, 2):
                damaged(TLEFormatError(
                    f"expected TLE line 2 after line 1 (line {pending[0]}), found {stripped!r}",
                    source=source, line_number=number, field="line number",
                    expected="a line starting '2 '", found=stripped))
                # lenient: the record of ``pending`` is lost; this line starts afresh
                pending = None
                name = name_line = None
            else:
                try:
                    result.append(_parse_pair(pending[1], text, source, pending[0], number, name))
                except TLEFormatError as error:
                    damaged(error)
                pending = None
                name = name_line = None
                continue
        if _looks_like(text, 1):
            pending = (number, text)
        elif _looks_like(text, 2):
            damaged(TLEFormatError(
                f"found TLE line 2 without a line 1 before it: {stripped!r}",
                source=source, line_number=number, field="line number",
                expected="a line starting '1 ' first", found=stripped))
            name = name_line = None
        else:
            if name is not None:
                damaged(TLEFormatError(
                    f"expected TLE line 1 after the name line {name!r} (line {name_line}), found {stripped!r}",
                    source=source, line_number=number, field="line number",
                    expected="a line starting '1 '", found=stripped))
            if lenient and not _printable(stripped):
                damaged(TLEFormatError(
                    f"name line: expected printable ASCII, found {stripped!r}",
                    source=source, line_number=number, field="name",
                    expected="printable ASCII", found=stripped))
                name = name_line = None
                continue
            name = stripped[2:].strip() if stripped.startswith("0 ") else stripped
            name_line = number
    if pending is not None:
        damaged(TLEFormatError("the file ends after TLE line 1; line 2 is missing",
                               source=source, line_number=pending[0], field="line number",
                               expected="a line starting '2 '", found="end of file"))
    elif name is not None:
        damaged(TLEFormatError(f"the file ends after the name line {name!r}; its TLE lines are missing",
                               source=source, line_number=name_line, field="line number",
                               expected="a line starting '1 '", found="end of file"))
    return result


def parse_tle_file(fileobj, *, source: str | None = None) -> list[ElementSet]:
    """Parse an open TLE/3LE file (text or binary) or any iterable of lines.

    ``source`` defaults to the file object's ``name`` when it has one.
    """
    if isinstance(fileobj, (str, bytes)):
        raise TypeError("parse_tle_file() takes an open file or a list of lines; "
                        "use parse_tle_text() for a string (it never opens paths)")
    if source is None:
        name = getattr(fileobj, "name", None)
        source = name if isinstance(name, str) else "<string>"
    return parse_tle_lines(fileobj, source=source)


def parse_tle_text(text: str, *, source: str = "<string>") -> list[ElementSet]:
    """Parse TLE/3LE text held in one string. Lines end at LF (CRLF is
    fine); other characters ``str.splitlines`` would break at (form feed,
    U+2028, ...) stay in their line and are refused there, so line numbers
    are those of the file."""
    if text.endswith("\n"):
        text = text[:-1]
    return parse_tle_lines(text.split("\n") if text else [], source=source)
