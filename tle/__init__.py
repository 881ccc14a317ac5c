"""Element sets: text in (TLE, 3LE, OMM), validated records out.

This package is the data layer. It never imports from ``tracker``.
"""
from tle.elements import ElementSet
from tle.errors import (HistoryError, NoElementSetError, OMMFormatError, StaleElementsError,
                        TLEError, TLEFormatError, UnstorableError, UpdateError)

__all__ = ["ElementSet", "HistoryError", "NoElementSetError", "OMMFormatError",
           "StaleElementsError", "TLEError", "TLEFormatError", "UnstorableError", "UpdateError"]
