"""``ElementSet`` -> TLE text (for the user's history file and exports).

A set parsed from a TLE keeps its original lines verbatim. A set from OMM is
written in the fixed-column layout with fresh checksums; what a TLE cannot
hold is rounded: the epoch to 8 decimals of a day (at most 0.43 ms), angles
to 4 decimals, eccentricity to 7, mean motion to 8, ndot to 8, nddot and B*
to 5 significant digits.
"""
from __future__ import annotations

import datetime as dt
import math

from tle.elements import ElementSet
from tle.parse import checksum, encode_alpha5

_JD_UNIX_EPOCH = 2440587.5


def _implied_decimal(value: float, field: str) -> str:
    """0.00020780 -> ' 20780-3' (sign, 5 mantissa digits, exponent)."""
    if value == 0.0:
        return " 00000+0"
    exponent = math.floor(math.log10(abs(value))) + 1
    digits = round(abs(value) / 10.0 ** exponent * 1e5)
    if digits >= 100000:
        digits //= 10
        exponent += 1
    if not -9 <= exponent <= 9:
        raise ValueError(f"{field} = {value!r} does not fit the TLE field (exponent {exponent})")
    sign = "-" if value < 0 else " "
    return f"{sign}{digits:05d}{'-' if exponent < 0 else '+'}{abs(exponent)}"


def _epoch_field(es: ElementSet) -> str:
    """'YYDDD.DDDDDDDD' from the split Julian date."""
    days_since_1970 = int(es.epoch_jd - _JD_UNIX_EPOCH)   # exact: both end in .5
    units = round(es.epoch_fr * 1e8)                       # 1e-8 day steps
    days_since_1970 += units // 100000000
    units %= 100000000
    date = dt.date(1970, 1, 1) + dt.timedelta(days=days_since_1970)
    if not 1957 <= date.year <= 2056:
        raise ValueError(f"epoch year {date.year} cannot be written as a 2-digit TLE year (1957-2056)")
    day_of_year = date.timetuple().tm_yday
    return f"{date.year % 100:02d}{day_of_year:03d}.{units:08d}"


def _fixed(value: float, width: int, decimals: int, field: str) -> str:
    text = f"{value:{width}.{decimals}f}"
    if len(text) != width:
        raise ValueError(f"{field} = {value!r} does not fit {width} TLE columns")
    return text


def format_tle_lines(es: ElementSet) -> tuple[str, str]:
    """The two TLE lines of ``es`` (its original lines when it has them)."""
    if es.line1 and es.line2:
        return es.line1, es.line2
    sat = encode_alpha5(es.satnum)
    if abs(es.ndot) >= 1.0:
        raise ValueError(f"ndot = {es.ndot!r} rev/day^2 does not fit the TLE field")
    ndot = ("-" if es.ndot < 0 else " ") + f"{abs(es.ndot):.8f}"[1:]
    line1 = (f"1 {sat}{es.classification} {es.intldesg:<8.8} {_epoch_field(es)} {ndot} "
             f"{_implied_decimal(es.nddot, 'nddot')} {_implied_decimal(es.bstar, 'bstar')} "
             f"{es.ephtype % 10:1d} {es.elnum % 10000:4d}")
    ecc = f"{es.eccentricity:.7f}"
    if not ecc.startswith("0."):
        raise ValueError(f"eccentricity = {es.eccentricity!r} does not fit the TLE field")
    line2 = (f"2 {sat} {_fixed(es.inclination_deg, 8, 4, 'inclination')} "
             f"{_fixed(es.raan_deg, 8, 4, 'raan')} {ecc[2:]} "
             f"{_fixed(es.arg_perigee_deg, 8, 4, 'argument of perigee')} "
             f"{_fixed(es.mean_anomaly_deg, 8, 4, 'mean anomaly')} "
             f"{_fixed(es.mean_motion_rev_day, 11, 8, 'mean motion')}{es.revnum % 100000:5d}")
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
