"""Recognise an element file's format from its text and parse it.

Three formats are understood: TLE/3LE text, OMM JSON and OMM CSV (see
``tle.parse`` and ``tle.omm``). Detection looks only at the first
non-blank characters: '[' or '{' is JSON, a header line naming EPOCH and
MEAN_MOTION is CSV, anything else is TLE text.
"""
from __future__ import annotations

import io

from tle.elements import ElementSet
from tle.omm import parse_omm_csv, parse_omm_json
from tle.parse import parse_tle_text

FORMATS = ("tle", "omm-json", "omm-csv")


def detect_format(text: str) -> str:
    """'tle', 'omm-json' or 'omm-csv' for the given file text."""
    body = text.lstrip("\ufeff \t\r\n")
    if body[:1] in ("[", "{"):
        return "omm-json"
    first = body.split("\n", 1)[0]
    if "EPOCH" in first and "MEAN_MOTION" in first and "," in first:
        return "omm-csv"
    return "tle"


def parse_elements(text: str, *, source: str = "<string>", fmt: str | None = None) -> list[ElementSet]:
    """Parse element-file text in format ``fmt`` (detected when None)."""
    fmt = fmt or detect_format(text)
    if fmt == "tle":
        return parse_tle_text(text, source=source)
    if fmt == "omm-json":
        return parse_omm_json(text, source=source)
    if fmt == "omm-csv":
        return parse_omm_csv(io.StringIO(text, newline=""), source=source)
    raise ValueError(f"unknown element format {fmt!r}; expected one of {', '.join(FORMATS)}")
