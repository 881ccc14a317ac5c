"""Exceptions raised for bad element-set input; each carries what was wrong."""


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
        where = source or "<string>"
        if line_number is not None:
            where = f"{where}, line {line_number}"
        super().__init__(f"{where}: {message}")
