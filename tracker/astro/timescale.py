"""The one authority for leap seconds, TT, UT1 (Delta T) and polar motion.

Everything comes from one ``skyfield.timelib.Timescale`` (``builtin_timescale``)
built from data shipped inside the installed packages, never downloaded:

* leap seconds and daily Delta T: skyfield's bundled ``skyfield/data/iers.npz``
  (the table ``load.timescale(builtin=True)`` uses, 1973 to about a year after
  the skyfield release). Outside that table skyfield's own long-term Delta T
  applies (the Morrison, Stephenson, Hohenkerk & Zawilski 2020 splines before
  1973, a spline joining the long-term parabola after the table ends), so UT1
  is skyfield's at every time from 1960 to 2049, not a held edge value.
* polar motion: the IERS ``finals2000A.all`` bundled in the skyfield-data
  package, installed as ``Timescale.polar_motion_table`` exactly as
  ``skyfield.data.iers.install_polar_motion_table`` does (keyed in TT,
  interpolated linearly, edge values held outside the table as skyfield
  holds them). The file is read by a vectorised fixed-width reader because
  ``skyfield.data.iers.parse_x_y_dut1_from_finals_all`` (a regular expression
  over 3.7 MB) costs ~45 ms of every CLI start; tests/test_frames.py asserts
  the two readers give identical tables.

Only ``skyfield.timelib`` is imported (on first use), not ``skyfield.api``,
whose downloader (http, ssl) every CLI start-up would pay for.

``sky_time(jd, fr)`` turns split Julian dates UTC into a skyfield ``Time``
(one conversion, no detour through Unix seconds); ``earth_orientation(jd, fr)``
gives UT1-UTC and polar motion from it. Non-finite times give NaN.
"""
from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

from tracker.astro.time import DAY_S, JD_UNIX_EPOCH

ARCSEC_RAD = np.pi / (180.0 * 3600.0)


def skyfield_data_dir() -> str:
    """The skyfield-data package's data folder, located without importing it.

    (Importing it and calling ``get_skyfield_data_path`` warns that the bundled
    IERS file has expired; coverage is reported by ``polar_motion_span_jd``.)
    """
    spec = importlib.util.find_spec("skyfield_data")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the skyfield-data package is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def finals_path() -> str:
    """The bundled IERS ``finals2000A.all``."""
    return os.path.join(skyfield_data_dir(), "finals2000A.all")


@functools.lru_cache(maxsize=1)
def builtin_time_tables():
    """skyfield's bundled daily Delta T and leap-second tables (``iers.npz``),
    read once: ``(tt_jd, delta_t_s, leap_dates, leap_offsets)``, the arrays
    ``Timescale`` is built from (as ``load.timescale(builtin=True)`` builds it)."""
    from skyfield.functions import load_bundled_npy

    arrays = load_bundled_npy("iers.npz")
    tt = arrays["tt_jd_minus_arange"] + np.arange(len(arrays["tt_jd_minus_arange"]))
    delta_t = (arrays["delta_t_1e7"] / 1e7).round(7)
    return tt, delta_t, arrays["leap_dates"], arrays["leap_offsets"]


def _fixed_decimal(field):
    """ASCII fixed-point numbers, (n, width) array of single bytes -> float64 (n,).

    Every row must have its '.' in the same column and only digits, spaces
    and '-' elsewhere; returns None otherwise (the caller then parses
    another way). Exact: the digits form an integer (< 2**53, so exact in
    float64) that is divided once by a power of ten, which rounds like
    ``float(text)``.
    """
    codes = field.view(np.uint8)
    n, width = codes.shape
    if n == 0:
        return None
    dot = int(np.argmax(codes[0] == ord(".")))
    if codes[0, dot] != ord(".") or not np.all(codes[:, dot] == ord(".")):
        return None
    values = codes.astype(np.float64) - ord("0")
    is_digit = (values >= 0.0) & (values <= 9.0)
    minus = codes == ord("-")
    if not np.all(is_digit | minus | (codes == ord(" ")) | (codes == ord("."))):
        return None
    if np.count_nonzero(codes == ord(".")) != n:
        return None
    values[~is_digit] = 0.0
    exponents = np.arange(width - 1, -1, -1, dtype=np.float64)
    exponents[:dot] -= 1.0                  # the dot column itself takes no power
    weights = 10.0 ** exponents
    weights[dot] = 0.0
    value = (values @ weights) / 10.0 ** (width - dot - 1)
    return np.where(minus.any(axis=1), -value, value)


def read_finals_polar_motion(path):
    """``(utc_mjd, x_arcsec, y_arcsec)`` of the rows of an IERS finals2000A file
    that carry polar-motion values: the rows and columns
    ``skyfield.data.iers.parse_x_y_dut1_from_finals_all`` reads.

    Columns (IERS readme.finals2000A): MJD 8-15, PM flag 17 ('I' or 'P'),
    x 19-27, y 38-46 (arcsec). Fixed-width files are sliced with numpy in
    one go; anything irregular is read line by line.
    """
    with open(path, "rb") as f:
        raw = f.read()
    width = raw.find(b"\n") + 1
    if width > 46 and len(raw) % width == 0:
        table = np.frombuffer(raw, dtype="S1").reshape(-1, width)
        if np.all(table[:, -1] == b"\n"):
            keep = (table[:, 16] == b"I") | (table[:, 16] == b"P")
            table = table[keep]
            columns = [_fixed_decimal(table[:, a:b]) for a, b in ((7, 15), (18, 27), (37, 46))]
            if all(c is not None for c in columns):
                return columns[0], columns[1], columns[2]
    mjd, xs, ys = [], [], []
    for line in raw.splitlines():
        if len(line) < 46 or line[16:17] not in (b"I", b"P"):
            continue
        mjd.append(float(line[7:15]))
        xs.append(float(line[18:27]))
        ys.append(float(line[37:46]))
    return np.array(mjd), np.array(xs), np.array(ys)


def install_polar_motion(ts, utc_mjd, x_arcsec, y_arcsec) -> None:
    """``skyfield.data.iers.install_polar_motion_table`` for arrays already read."""
    t = ts.utc(1858, 11, 17.0 + np.asarray(utc_mjd, dtype=np.float64))
    ts.polar_motion_table = (t.tt, np.asarray(x_arcsec, dtype=np.float64),
                             np.asarray(y_arcsec, dtype=np.float64))


@functools.lru_cache(maxsize=1)
def builtin_timescale():
    """The shared skyfield ``Timescale``: bundled leap seconds and Delta T
    (with skyfield's long-term Delta T beyond them) and the bundled polar
    motion. Built once, on first use (~5 ms)."""
    from skyfield.timelib import Timescale

    tt, delta_t, leap_dates, leap_offsets = builtin_time_tables()
    ts = Timescale((tt, delta_t), leap_dates, leap_offsets)
    install_polar_motion(ts, *read_finals_polar_motion(finals_path()))
    return ts


def _finite_split(jd, fr):
    jd = np.asarray(jd, dtype=np.float64)
    fr = np.asarray(fr, dtype=np.float64)
    jd, fr = np.broadcast_arrays(jd, fr)
    ok = np.isfinite(jd) & np.isfinite(fr)
    if not ok.all():
        jd = np.where(ok, jd, JD_UNIX_EPOCH)
        fr = np.where(ok, fr, 0.0)
    return jd, fr, ok


def sky_time(jd, fr, ts=None):
    """skyfield ``Time`` for split Julian dates UTC (scalars or arrays).

    Non-finite inputs become 1970-01-01 (the caller masks them: see
    ``earth_orientation``); skyfield's long-term Delta T fails on NaN.
    """
    ts = ts or builtin_timescale()
    jd, fr, _ = _finite_split(jd, fr)
    return ts.utc(1970, 1, 1.0 + (jd - JD_UNIX_EPOCH), 0, 0, fr * DAY_S)


def sky_time_unix(unix_s, ts=None):
    """skyfield ``Time`` for Unix seconds (scalars or arrays), whole UTC days
    and seconds of the day handed to skyfield as they are (non-finite: as
    ``sky_time``)."""
    ts = ts or builtin_timescale()
    unix_s = np.asarray(unix_s, dtype=np.float64)
    unix_s = np.where(np.isfinite(unix_s), unix_s, 0.0)     # see sky_time
    days = np.floor(unix_s / DAY_S)
    return ts.utc(1970, 1, 1.0 + days, 0, 0, unix_s - days * DAY_S)


def polar_motion_arcsec(t):
    """``(xp, yp)`` arcsec of skyfield ``Time`` ``t``: the interpolation of
    ``Time.polar_motion_angles`` (without the TIO locator s', < 0.0001 arcsec);
    zeros when the timescale has no polar-motion table."""
    table = t.ts.polar_motion_table
    if table is None:
        zero = np.zeros(np.shape(t.tt))
        return zero, zero.copy()
    tt, x, y = table
    return np.interp(t.tt, tt, x), np.interp(t.tt, tt, y)


# Above this many times, UT1-UTC and polar motion are evaluated by skyfield at
# the start and the end of each UTC day involved and interpolated linearly in
# between: skyfield interpolates its daily IERS table linearly too (knots a
# minute from ours, an error below 1 us and 1e-6 arcsec), and a leap second,
# which falls at the end of a UTC day, stays a jump between two days.
DAILY_NODES_ABOVE = 256
_DAY_END_S = DAY_S - 1e-3


def earth_orientation(jd, fr, ts=None):
    """``(ut1_minus_utc_s, xp_rad, yp_rad)`` at split Julian dates UTC, from
    skyfield's ``Time`` (arrays of the broadcast shape; NaN where a time is
    not finite); many times through daily nodes (``DAILY_NODES_ABOVE``)."""
    jd, fr, ok = _finite_split(jd, fr)
    if jd.size > DAILY_NODES_ABOVE:
        return _earth_orientation_daily(jd, fr, ok, ts)
    return _earth_orientation_direct(jd, fr, ok, ts)


def _earth_orientation_daily(jd, fr, ok, ts):
    unix = (jd - JD_UNIX_EPOCH) * DAY_S + fr * DAY_S
    day = np.floor(unix / DAY_S)
    fin = day[ok]
    if not fin.size:
        return _earth_orientation_direct(jd, fr, ok, ts)
    d0, d1 = float(fin.min()), float(fin.max())
    if 2 * (d1 - d0 + 1) >= jd.size:
        return _earth_orientation_direct(jd, fr, ok, ts)
    # every day from the first to the last (a dense span: no sort needed)
    days = np.arange(d0, d1 + 1.0)
    which = np.where(ok, day - d0, 0.0).astype(np.int64)
    starts = days * DAY_S
    nodes = np.concatenate([starts, starts + _DAY_END_S])
    d_jd = np.floor(nodes / DAY_S) + JD_UNIX_EPOCH
    d_fr = (nodes - np.floor(nodes / DAY_S) * DAY_S) / DAY_S
    values = _earth_orientation_direct(d_jd, d_fr, np.ones(nodes.shape, bool), ts)
    frac = (unix - day * DAY_S) / _DAY_END_S
    which = which.reshape(jd.shape)
    out = []
    for v in values:
        a, b = v[:days.size][which], v[days.size:][which]
        x = a + frac * (b - a)
        out.append(np.where(ok, x, np.nan) if not ok.all() else x)
    return tuple(out)


def _earth_orientation_direct(jd, fr, ok, ts):
    t = sky_time(jd, fr, ts)
    dut1 = np.asarray(t.dut1, dtype=np.float64)
    xp, yp = polar_motion_arcsec(t)
    xp = np.asarray(xp, dtype=np.float64) * ARCSEC_RAD
    yp = np.asarray(yp, dtype=np.float64) * ARCSEC_RAD
    if not ok.all():
        dut1, xp, yp = (np.where(ok, a, np.nan) for a in (dut1, xp, yp))
    return dut1, xp, yp
