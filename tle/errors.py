"""The element-set layer's exceptions; each carries what was wrong.

The modules that raise them re-export them (``tle.store.StaleElementsError``,
``tle.update.UpdateError``, ``tle.omm.OMMFormatError``,
``tle.history.HistoryError``).
"""


class TLEError(ValueError):
    """Base for element-set problems a user can fix (bad file, no usable set)."""


class TLEFormatError(TLEError):
    """A line of an element file could not be accepted.

    Attributes name where and what: ``source`` (file name or ``"<string>"``),
    ``line_number`` (1-based, in the source; ``None`` if unknown), ``field``
    (the TLE/OMM field, e.g. ``"checksum"``), ``expected`` and ``found``.
    """

    def __init__(self, message, *, source=None, line_number=None, field=None,
                 expected=None, found=None):
        self.source = source
        self.line_number = line_number
        self.field = field
        self.expected = expected
        self.found = found
        self.detail = message           # the message without the "source, line N: " prefix
        where = source or "<string>"
        if line_number is not None:
            where = f"{where}, line {line_number}"
        super().__init__(f"{where}: {message}")


class OMMFormatError(TLEFormatError):
    """An OMM record could not be accepted; ``record_index`` is 0-based."""

    def __init__(self, message, *, record_index=None, **kw):
        self.record_index = record_index
        super().__init__(message, **kw)


class StaleElementsError(TLEError):
    """The element set nearest the requested time is too far from it.

    Attributes: ``age_days`` (t - epoch, days; negative before the epoch),
    ``epoch`` (aware UTC datetime), ``limit_days``, ``along_track_km`` (the
    expected 1-sigma along-track error at that age, ``tle.accuracy``) and
    ``parameter`` = ``"allow_stale"`` (the option that would override it).
    """

    parameter = "allow_stale"

    def __init__(self, message, *, age_days, epoch, limit_days, along_track_km=None):
        self.age_days = age_days
        self.epoch = epoch
        self.limit_days = limit_days
        self.along_track_km = along_track_km
        super().__init__(message)


class NoElementSetError(TLEError):
    """A store was asked for a satellite it holds no element set for.

    Attribute ``satnum``: the catalog number asked for. The message names no
    command; each front end adds its own remedy.
    """

    def __init__(self, message, *, satnum):
        self.satnum = satnum
        super().__init__(message)


class HistoryError(TLEError):
    """The history or state file cannot be read, locked or written."""


class UnstorableError(HistoryError):
    """An element set holds a value the history file (TLE columns) cannot
    hold, or does not read back as the values it was given.

    ``record`` names the set (source and 0-based index in it, catalog
    number), ``field`` the field (e.g. ``"name"``, ``"mean motion"``).
    Nothing is written when this is raised.
    """

    def __init__(self, message, *, field, record=None):
        self.field = field
        self.record = record
        super().__init__(message)


class UpdateError(TLEError):
    """An update failed; the history was not changed.

    ``cause`` is a short slug ('http-403', 'http-5xx', 'timeout', 'network',
    'html', 'empty', 'truncated', 'format', 'wrong-satellite', 'future-epoch',
    'older', 'no-data', 'too-large', 'file', 'group'); ``source`` the URL or path.
    """

    def __init__(self, message, *, cause, source):
        self.cause = cause
        self.source = source
        super().__init__(message)


class UnknownObjectError(TLEError):
    """A name matches no object of the store, or several (``candidates``:
    ``(catalog number, name)`` pairs, at most ``tle.catalog.MAX_CANDIDATES``).
    ``parameter`` names the option to change."""

    status = 404
    kind = "not-found"

    def __init__(self, message, *, parameter="name", candidates=(), misuse=False):
        self.parameter = parameter
        self.candidates = tuple(candidates)
        if misuse:
            self.status, self.kind = 400, "invalid-input"
        elif len(self.candidates) > 1:
            self.status, self.kind = 400, "ambiguous-object"
        super().__init__(message)
