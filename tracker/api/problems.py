"""The one error handler: exceptions -> ``application/problem+json`` (RFC 9457).

``tracker.errors.UserError`` subclasses carry ``status``, ``kind``, ``title``
and ``parameter``; ``tle.errors.TLEError`` subclasses may carry the same
attributes (defaults below). Werkzeug's HTTP errors (unknown path, wrong
method) become problem documents too, so every 4xx has the same shape:

    {"type": "urn:iss-tracker:problem:<kind>", "title": ..., "status": 400,
     "detail": "...names the parameter and the allowed range...",
     "parameter": "lat"}            # when one parameter is to blame
"""
from __future__ import annotations

import re

from flask import Flask, current_app, json
from werkzeug.exceptions import HTTPException

from tle.errors import StaleElementsError, TLEError
from tracker.errors import UserError

PROBLEM_MIME = "application/problem+json"
TYPE_PREFIX = "urn:iss-tracker:problem:"

# Problem kinds the API can answer with (documented in the OpenAPI spec).
KINDS = {
    "invalid-input": "Invalid input",
    "time-range": "Time out of range",
    "time-format": "Unreadable time",
    "ambiguous-place": "Ambiguous place name",
    "ambiguous-object": "Ambiguous object name",
    "not-found": "Not found",
    "stale-elements": "Element sets too old",
    "element-sets": "Element set problem",
    "method-not-allowed": "Method not allowed",
    "service-unavailable": "Service unavailable",
    "internal-error": "Internal server error",
}


def problem_response(status: int, kind: str, title: str, detail: str, parameter=None, headers=None):
    if parameter and not re.search(r"(?<![A-Za-z0-9_])" + re.escape(parameter) + r"(?![A-Za-z0-9_])",
                                   detail):
        detail = f"{parameter}: {detail}"          # the detail always names the parameter
    body = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail}
    if parameter:
        body["parameter"] = parameter
    response = current_app.response_class(json.dumps(body, separators=(",", ":")), status=status,
                                          mimetype=PROBLEM_MIME)
    response.headers["Cache-Control"] = "no-store"
    if headers:
        response.headers.update(headers)
    return response


def _detail(exc) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    try:                     # a file's name, never its path (the app's folders removed)
        from tracker.api import resources
        return resources.current().public_text(text)
    except (RuntimeError, KeyError):     # outside an app
        return text


def http_hint(exc) -> str | None:
    """The API's own remedy for an error, in query-parameter terms (service
    messages name no syntax; the CLI words its remedies in ``tracker.cli``)."""
    if isinstance(exc, StaleElementsError):
        return ("pass allow_stale=true to get an answer anyway, or ask the operator to "
                "refresh the element sets")
    return None


def to_problem(exc: Exception):
    """THE error handler: any exception raised while answering -> a problem document."""
    if isinstance(exc, UserError):
        return problem_response(exc.status, exc.kind, exc.title, _detail(exc), exc.parameter,
                                headers=getattr(exc, "headers", None))
    if isinstance(exc, TLEError):
        status = getattr(exc, "status", 422)
        kind = getattr(exc, "kind", None)
        if kind is None:
            kind = "stale-elements" if isinstance(exc, StaleElementsError) else "element-sets"
        title = getattr(exc, "title", None) or KINDS.get(kind, "Element set problem")
        detail = _detail(exc)
        hint = http_hint(exc)
        if hint:
            detail = f"{detail}; {hint}"
        return problem_response(status, kind, title, detail, getattr(exc, "parameter", None))
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        if status < 400:          # routing redirects (made relative in cache._after_request)
            return exc
        kind = {404: "not-found", 405: "method-not-allowed", 503: "service-unavailable"}.get(
            status, "internal-error" if status >= 500 else "invalid-input")
        headers = None
        if status == 405:
            allow = exc.get_response().headers.get("Allow")
            headers = {"Allow": allow} if allow else None
        return problem_response(status, kind, exc.name, exc.description or exc.name, headers=headers)
    current_app.logger.exception("unhandled error")
    return problem_response(500, "internal-error", "Internal server error",
                            "The server failed to answer this request; it has been logged.")


def init_app(app: Flask) -> None:
    app.register_error_handler(Exception, to_problem)
