"""Exceptions for bad user input. Each says what was wrong and what is allowed.

The CLI turns any ``UserError`` (and ``tle.errors.TLEError``) into one line on
stderr and exit status 2; the HTTP layer turns it into a 4xx problem document.
Subclasses set ``status`` (HTTP) and ``kind`` (the problem ``type`` slug).
"""


class UserError(ValueError):
    """Input the user can fix: a bad time, range, city, parameter..."""

    status = 400
    kind = "invalid-input"
    title = "Invalid input"

    def __init__(self, message, *, parameter=None):
        super().__init__(message)
        self.parameter = parameter


class NotFoundError(UserError):
    """A named thing (a city, a satellite) does not exist."""

    status = 404
    kind = "not-found"
    title = "Not found"


class TimeRangeError(UserError):
    """A time or interval outside what is allowed or what the data can cover."""

    kind = "time-range"
    title = "Time out of range"


class PropagationError(TimeRangeError):
    """The element set gives no usable position at the requested time(s):
    SGP4 reported an error, or the position lies outside every orbit the set
    describes (``tracker.services.position.orbit_span``). The user can fix it
    by choosing times nearer the set's epoch or another element set."""

    title = "Cannot propagate"
