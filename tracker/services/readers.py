"""How text becomes a number: one grammar for the CLI and the HTTP API.

A number is a finite decimal (``12``, ``-0.5``, ``1e-3``; not ``nan``,
``inf``, ``0x10``, ``1_000``, nor more than ``MAX_INT_DIGITS`` characters:
Python refuses ``int()`` of more than 4,300 digits, and no input of ours
needs 40). Kept free of pydantic so the one-shot CLI does not import it.
"""
from __future__ import annotations

import math
import re

from tracker.errors import UserError

MAX_INT_DIGITS = 40
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_RE = re.compile(r"[+-]?[0-9]+")


def _read(value, shown, parameter, within, pattern, convert, what):
    if isinstance(value, bool):
        raise UserError(f"{shown} must be {what}; got {value!r}", parameter=parameter)
    if isinstance(value, str):
        raw = value.strip()
        if len(raw) > MAX_INT_DIGITS or not pattern.fullmatch(raw):
            text = raw if len(raw) <= MAX_INT_DIGITS else raw[:20] + "..."
            raise UserError(f"{shown} must be {what}{within}; got {text!r}", parameter=parameter)
        value = convert(raw)
    return value


def read_number(value, shown: str, parameter=None, within: str = ""):
    """A finite decimal number from text (or a Python number); ``shown`` names
    the input in the message (``"query parameter 'lat'"``, ``"--lat"``)."""
    value = _read(value, shown, parameter, within, _FLOAT_RE, float, "a number")
    if isinstance(value, (int, float)) and not math.isfinite(value):
        raise UserError(f"{shown} must be a finite number{within}; got {value}",
                        parameter=parameter)
    return value


def read_integer(value, shown: str, parameter=None, within: str = ""):
    """An integer from text of at most ``MAX_INT_DIGITS`` characters (or a Python int)."""
    return _read(value, shown, parameter, within, _INT_RE, int, "an integer")
