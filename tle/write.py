"""``ElementSet`` -> TLE text (for the user's history file and exports).

A set parsed from a TLE keeps its original lines verbatim. A set from OMM is
written in the fixed-column layout with fresh checksums; what a TLE cannot
hold is rounded: the epoch to 8 decimals of a day (at most 0.43 ms), angles
to 4 decimals, eccentricity to 7, mean motion to 8, ndot to 8, nddot and B*
to 5 significant digits (below 1e-10, to 1e-14).

A value the columns cannot hold at all (a name with a line break or one
that reads as a TLE line, a non-ASCII name, mean motion >= 100, ndot >= 1,
an eccentricity that rounds to 1, an epoch outside 1957-2056, an angle of
-0, ...) raises ``UnstorableError`` naming the field. ``check_storable``
goes further: it writes the set, reads it back with the history's reader
and compares every field to the field's precision.
"""
from __future__ import annotations

import datetime as dt
import math

from tle.elements import JD_UNIX_EPOCH, ElementSet
from tle.errors import TLEFormatError, UnstorableError
from tle.parse import checksum, encode_alpha5, parse_tle_lines



def _unfit(field, value, expected, record=None):
    where = f"{record}: " if record else ""
    return UnstorableError(f"{where}field {field!r} cannot be stored in a TLE: expected {expected}, "
                           f"found {value!r}", field=field, record=record)


def _implied_decimal(value: float, field: str) -> str:
    """0.00020780 -> ' 20780-3' (sign, 5 mantissa digits, exponent)."""
    if not math.isfinite(value):
        raise _unfit(field, value, "a finite number")
    if value == 0.0:
        return " 00000+0"
    exponent = math.floor(math.log10(abs(value))) + 1
    if exponent < -9:           # below 0.1e-9: unnormalised mantissa at exponent -9
        exponent = -9
        digits = round(abs(value) * 1e14)
        if digits == 0:
            return " 00000+0"
    elif exponent > 9:
        raise _unfit(field, value, "a magnitude below 1e9 (5 digits and a 1-digit exponent)")
    else:
        digits = round(abs(value) / 10.0 ** exponent * 1e5)
    if digits >= 100000:
        digits //= 10
        exponent += 1
    if not -9 <= exponent <= 9:
        raise _unfit(field, value, "a magnitude below 1e9 (5 digits and a 1-digit exponent)")
    sign = "-" if value < 0 else " "
    return f"{sign}{digits:05d}{'-' if exponent < 0 else '+'}{abs(exponent)}"


def _epoch_field(es: ElementSet) -> str:
    """'YYDDD.DDDDDDDD' from the split Julian date."""
    if not (math.isfinite(es.epoch_jd) and math.isfinite(es.epoch_fr)):
        raise _unfit("epoch", (es.epoch_jd, es.epoch_fr), "a finite Julian date")
    days_since_1970 = int(es.epoch_jd - JD_UNIX_EPOCH)   # exact: both end in .5
    units = round(es.epoch_fr * 1e8)                       # 1e-8 day steps
    days_since_1970 += units // 100000000
    units %= 100000000
    try:
        date = dt.date(1970, 1, 1) + dt.timedelta(days=days_since_1970)
    except OverflowError:
        date = None
    if date is None or not 1957 <= date.year <= 2056:
        raise _unfit("epoch", es.epoch.isoformat() if date else es.epoch_jd,
                     "a year from 1957 to 2056 (a 2-digit TLE year)")
    day_of_year = date.timetuple().tm_yday
    return f"{date.year % 100:02d}{day_of_year:03d}.{units:08d}"


def _fixed(value: float, width: int, decimals: int, field: str) -> str:
    if not math.isfinite(value) or math.copysign(1.0, value) < 0:
        raise _unfit(field, value, "a finite number, not negative (nor -0)")
    text = f"{value:{width}.{decimals}f}"
    if len(text) != width:
        raise _unfit(field, value, f"a number that fits {width} TLE columns with {decimals} decimals")
    return text


def format_tle_lines(es: ElementSet) -> tuple[str, str]:
    """The two TLE lines of ``es`` (its original lines when it has them)."""
    if es.line1 and es.line2:
        return es.line1, es.line2
    if not isinstance(es.satnum, int) or not 0 <= es.satnum <= 339999:
        raise _unfit("catalog number", es.satnum, "0 to 339999 (5 columns, Alpha-5)")
    sat = encode_alpha5(es.satnum)
    if not math.isfinite(es.ndot) or abs(es.ndot) >= 1.0 or f"{abs(es.ndot):.8f}"[:2] != "0.":
        raise _unfit("ndot", es.ndot, "a magnitude below 1 rev/day^2")
    ndot = ("-" if es.ndot < 0 else " ") + f"{abs(es.ndot):.8f}"[1:]
    if es.classification not in ("U", "C", "S"):
        raise _unfit("classification", es.classification, "'U', 'C' or 'S'")
    for field, value, high in (("revolution number", es.revnum, 99999),
                               ("element set number", es.elnum, 9999),
                               ("ephemeris type", es.ephtype, 9)):
        if not isinstance(value, int) or not 0 <= value <= high:
            raise _unfit(field, value, f"an integer from 0 to {high}")
    ecc = f"{es.eccentricity:.7f}" if math.isfinite(es.eccentricity) else "nan"
    line1 = (f"1 {sat}{es.classification} {es.intldesg:<8.8} {_epoch_field(es)} {ndot} "
             f"{_implied_decimal(es.nddot, 'nddot')} {_implied_decimal(es.bstar, 'bstar')} "
             f"{es.ephtype:1d} {es.elnum:4d}")
    if not ecc.startswith("0."):
        raise _unfit("eccentricity", es.eccentricity, "0 to below 1 after rounding to 7 decimals")
    line2 = (f"2 {sat} {_fixed(es.inclination_deg, 8, 4, 'inclination')} "
             f"{_fixed(es.raan_deg, 8, 4, 'right ascension of node')} {ecc[2:]} "
             f"{_fixed(es.arg_perigee_deg, 8, 4, 'argument of perigee')} "
             f"{_fixed(es.mean_anomaly_deg, 8, 4, 'mean anomaly')} "
             f"{_fixed(es.mean_motion_rev_day, 11, 8, 'mean motion')}{es.revnum:5d}")
    return line1 + str(checksum(line1)), line2 + str(checksum(line2))


def format_tle_text(sets, *, names: bool = True) -> str:
    """3LE text (name line, line 1, line 2 per set; name lines when ``names``
    and the set has a name), ending with a newline."""
    out = []
    for es in sets:
        if names and es.name:
            out.append(es.name)
        out.extend(format_tle_lines(es))
    return "".join(line + "\n" for line in out)


# --- the round trip ------------------------------------------------------------------

# Half a unit of each field's last written digit, plus float slack.
_TOL = {"ndot": 0.5e-8, "inclination": 0.5e-4, "right ascension of node": 0.5e-4,
        "eccentricity": 0.5e-7, "argument of perigee": 0.5e-4, "mean anomaly": 0.5e-4,
        "mean motion": 0.5e-8}
_FIELDS = (("inclination", "inclination_deg"), ("right ascension of node", "raan_deg"),
           ("eccentricity", "eccentricity"), ("argument of perigee", "arg_perigee_deg"),
           ("mean anomaly", "mean_anomaly_deg"), ("mean motion", "mean_motion_rev_day"),
           ("ndot", "ndot"))


def _close(a, b, tol):
    return abs(a - b) <= tol * (1.0 + 1e-9) + 1e-12 * abs(a)


def roundtrip_mismatch(given: ElementSet, read: ElementSet) -> tuple[str, object, object] | None:
    """(field, given value, value read back) for the first field where
    ``read`` differs from ``given`` by more than the field's precision, or
    None when every field agrees."""
    if given.satnum != read.satnum:
        return "catalog number", given.satnum, read.satnum
    epoch_diff_days = (given.epoch_jd - read.epoch_jd) + (given.epoch_fr - read.epoch_fr)
    if not abs(epoch_diff_days) <= 0.5e-8 * (1 + 1e-6):
        return "epoch", given.epoch.isoformat(), read.epoch.isoformat()
    for field, attr in _FIELDS:
        a, b = getattr(given, attr), getattr(read, attr)
        if not _close(a, b, _TOL[field]):
            return field, a, b
    for field, attr in (("nddot", "nddot"), ("bstar", "bstar")):
        a, b = getattr(given, attr), getattr(read, attr)
        if not abs(a - b) <= max(5.0001e-5 * abs(a), 0.50001e-14):
            return field, a, b
    for field, attr in (("revolution number", "revnum"), ("element set number", "elnum"),
                        ("ephemeris type", "ephtype"), ("classification", "classification"),
                        ("international designator", "intldesg"), ("name", "name")):
        a, b = getattr(given, attr), getattr(read, attr)
        if (a or None) != (b or None) if attr in ("intldesg", "name") else a != b:
            return field, a, b
    return None


def _check_name(name, record):
    if not name:
        return
    if not isinstance(name, str) or not all(" " <= ch <= "~" for ch in name):
        raise _unfit("name", name, "printable ASCII on one line", record)
    if name != name.strip() or name.startswith(("1 ", "2 ", "0 ")) or name in ("1", "2"):
        raise _unfit("name", name, "a name that does not read as a TLE line "
                     "(no leading '0 ', '1 ' or '2 ', no surrounding blanks)", record)


def check_storable(es: ElementSet, record: str | None = None) -> tuple[str, ...]:
    """The history-file lines of ``es`` (name line when it has a name, line
    1, line 2), after checking that reading them back gives ``es``'s values
    to each field's precision. ``record`` names the set in the error.
    Raises ``UnstorableError``."""
    _check_name(es.name, record)
    try:
        lines = format_tle_lines(es)
    except UnstorableError as exc:
        if record is None:
            raise
        raise UnstorableError(f"{record}: {exc}", field=exc.field, record=record) from None
    out = ((es.name,) if es.name else ()) + tuple(lines)
    skipped: list = []
    back = parse_tle_lines(out, source="<check>", skipped=skipped)
    if skipped or len(back) != 1:
        err = skipped[0] if skipped else None
        field = getattr(err, "field", None) or "line"
        raise UnstorableError(
            f"{record + ': ' if record else ''}field {field!r} cannot be stored in a TLE: the written "
            f"lines do not read back ({err.detail if err else 'no set'})", field=field, record=record)
    diff = roundtrip_mismatch(es, back[0])
    if diff is not None:
        field, given, read = diff
        raise UnstorableError(
            f"{record + ': ' if record else ''}field {field!r} cannot be stored in a TLE: "
            f"{given!r} reads back as {read!r}", field=field, record=record)
    return out

