"""Element sets: text in (TLE, 3LE, OMM), validated records out.

This package is the data layer. It never imports from ``tracker``.
"""
from tle.elements import ElementSet
from tle.errors import TLEError, TLEFormatError

__all__ = ["ElementSet", "TLEError", "TLEFormatError"]
