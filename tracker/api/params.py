"""Query-parameter parsing: strict, and every refusal names the parameter
and what is allowed (``UserError(..., parameter=name)`` -> 400 problem).

Nothing is coerced silently: "abc", "nan", "inf", "1e999", an empty value
or a value outside its range is an error, never a default.
"""
from __future__ import annotations

import math
import re

from flask import request

from tracker.errors import UserError

_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _raw(name: str, required: bool):
    value = request.args.get(name)
    if value is None:
        if required:
            raise UserError(f"missing query parameter '{name}'", parameter=name)
        return None
    value = value.strip()
    if value == "":
        raise UserError(f"query parameter '{name}' is empty", parameter=name)
    return value


def _range_text(lo, hi, lo_open=False, hi_open=False, unit=""):
    u = f" {unit}" if unit else ""
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    return f"{left}{lo:g}, {hi:g}{right}{u}"


def get_float(name: str, *, lo: float | None = None, hi: float | None = None, default=None,
              required=False, unit="", hi_open=False, lo_open=False):
    """A finite decimal number; in [lo, hi] (``hi_open``: hi excluded) when
    the bounds are given. Give them for the API's own limits only: a range
    the service checks (naming the same parameter) is left to the service."""
    raw = _raw(name, required)
    if raw is None:
        return default
    bounded = lo is not None and hi is not None
    within = f" in {_range_text(lo, hi, lo_open, hi_open, unit)}" if bounded else ""
    if not _FLOAT_RE.fullmatch(raw):
        raise UserError(f"query parameter '{name}' must be a number{within}; got {raw!r}",
                        parameter=name)
    value = float(raw)
    if not math.isfinite(value):
        raise UserError(f"query parameter '{name}' must be a finite number{within}; got {raw}",
                        parameter=name)
    if bounded and (value < lo or value > hi or (hi_open and value >= hi)
                    or (lo_open and value <= lo)):
        raise UserError(f"query parameter '{name}' must be{within}; got {raw}", parameter=name)
    return value


def get_int(name: str, *, lo: int, hi: int, default=None, required=False, unit=""):
    """An integer in [lo, hi]."""
    raw = _raw(name, required)
    if raw is None:
        return default
    allowed = _range_text(lo, hi, unit=unit)
    if not _INT_RE.fullmatch(raw):
        raise UserError(f"query parameter '{name}' must be an integer in {allowed}; got {raw!r}",
                        parameter=name)
    value = int(raw)
    if value < lo or value > hi:
        raise UserError(f"query parameter '{name}' must be in {allowed}; got {raw}", parameter=name)
    return value


def get_bool(name: str, *, default: bool) -> bool:
    raw = _raw(name, False)
    if raw is None:
        return default
    low = raw.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise UserError(f"query parameter '{name}' must be true or false; got {raw!r}", parameter=name)


def get_choice(name: str, choices, *, default):
    raw = _raw(name, False)
    if raw is None:
        return default
    if raw not in choices:
        raise UserError(f"query parameter '{name}' must be one of {', '.join(choices)}; got {raw!r}",
                        parameter=name)
    return raw


def get_str(name: str, *, required=False, max_length=200, default=None):
    raw = _raw(name, required)
    if raw is None:
        return default
    if len(raw) > max_length:
        raise UserError(f"query parameter '{name}' must be at most {max_length} characters; "
                        f"got {len(raw)}", parameter=name)
    if any(ord(c) < 32 for c in raw):
        raise UserError(f"query parameter '{name}' contains control characters", parameter=name)
    return raw


def reject_unknown(allowed) -> None:
    """Refuse parameters this endpoint does not know (catches typos like ?lattitude=)."""
    for key in request.args.keys():
        if key not in allowed:
            raise UserError(f"unknown query parameter '{key}'; this endpoint accepts: "
                            f"{', '.join(sorted(allowed)) or 'none'}", parameter=key)


def get_time(name: str, *, now, required=False, default=None):
    """A time (ISO 8601 with zone, Unix seconds or 'now'), via ``timebase.parse_time``
    (which refuses, naming ``name``, anything outside the years it accepts).

    Returns an aware UTC datetime, or ``default`` when absent.
    """
    from tracker.astro.time import parse_time
    raw = get_str(name, required=required, max_length=64)
    if raw is None:
        return default
    return parse_time(raw, now=now, parameter=name)
