"""Open Notify compatibility: /iss-now.json and /iss-pass.json, as the
original api.open-notify.org answered them, so existing clients work
unchanged (numbers in ``iss_position`` are strings, times are Unix integers).

* ``callback=NAME`` wraps the answer as JSONP (``application/javascript``);
  NAME must be a dotted JavaScript identifier path (``cb``, ``jQuery_123``,
  ``app.handlers.iss``), at most 128 characters: nothing else is echoed.
* Old element sets: these clients cannot send ``allow_stale``, so both
  endpoints always answer (like ``now``); the age is in the
  ``X-Elements-Age-Days`` / ``X-Elements-Epoch`` headers, and beyond 3 days a
  ``warnings`` list is added to the body (an extra key old clients ignore).
* Bad input is a 400 ``application/problem+json`` document like every other
  endpoint's (the original answered ``{"message": "failure", ...}``).
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, current_app

from tracker.api import params, resources
from tracker.api.common import clean_warnings, element_headers, stale_warnings
from tracker.api.iss import station_now
from tracker.errors import UserError
from tracker.services.passes import DEFAULT_MIN_ELEVATION_DEG, passes_for_place
from tracker.places.gazetteer import Place
from tracker.astro.time import datetime_to_unix

bp = Blueprint("opennotify", __name__)

CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")
CALLBACK_MAX = 128
PASS_MIN_ELEVATION_DEG = DEFAULT_MIN_ELEVATION_DEG   # what counts as a pass (10 deg)
MAX_N = 100
ALT_RANGE_M = (0.0, 10_000.0)
SEARCH_DAYS = (10.0, 30.0)                            # widen once if too few passes


def _callback():
    name = params.get_str("callback", max_length=CALLBACK_MAX)
    if name is not None and not CALLBACK_RE.fullmatch(name):
        raise UserError("callback must be a JavaScript identifier or dotted path of identifiers "
                        f"(letters, digits, _ and $; at most {CALLBACK_MAX} characters), "
                        f"e.g. callback=handleIss", parameter="callback")
    return name


def _answer(body: dict, selection, callback, max_age: int):
    text = json.dumps(body, separators=(", ", ": "))
    if callback:
        response = current_app.response_class(f"/**/{callback}({text});",
                                              mimetype="application/javascript")
        response.headers["X-Content-Type-Options"] = "nosniff"
    else:
        response = current_app.response_class(text, mimetype="application/json")
    response.headers.update(element_headers(selection))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.get("/iss-now.json")
def iss_now():
    callback = _callback()
    clock = resources.current().now()
    t = clock.replace(microsecond=0)
    report, selection = station_now(t, "km")
    body = {
        "message": "success",
        "timestamp": int(datetime_to_unix(t)),
        "iss_position": {"latitude": f"{report['latitude_deg']:.4f}",
                         "longitude": f"{report['longitude_deg']:.4f}"},
    }
    if report["warnings"]:
        body["warnings"] = report["warnings"]
    return _answer(body, selection, callback, max_age=1)


@bp.get("/iss-pass.json")
def iss_pass():
    callback = _callback()
    res = resources.current()
    lat = params.get_float("lat", required=True, unit="deg")     # ranges: Place checks them
    lon = params.get_float("lon", required=True, unit="deg")
    alt = params.get_float("alt", lo=ALT_RANGE_M[0], hi=ALT_RANGE_M[1], default=100.0, unit="m")
    n = params.get_int("n", lo=1, hi=MAX_N, default=5)
    now = res.now().replace(microsecond=0)
    start_unix_s = datetime_to_unix(now)
    place = Place.from_coordinates(lat, lon, alt, "UTC")
    found = []
    warnings = []
    for days in SEARCH_DAYS:
        report = passes_for_place(place, start_unix_s, days, store=res.store,
                                  min_elevation_deg=PASS_MIN_ELEVATION_DEG, allow_stale=True,
                                  eop=res.earth, sun=res.sun)
        found = [p for p in report.passes if p.rise is not None]
        warnings = clean_warnings(report.warnings)
        if len(found) >= n:
            break
    selection = res.store.nearest(start_unix_s)
    body = {
        "message": "success",
        "request": {"altitude": int(round(alt)) if float(alt).is_integer() else alt,
                    "datetime": int(start_unix_s), "latitude": lat, "longitude": lon,
                    "passes": n},
        "response": [{"duration": int(round(p.duration_s)), "risetime": int(round(p.rise.unix_s))}
                     for p in found[:n]],
    }
    warnings = warnings or stale_warnings(selection)
    if warnings:
        body["warnings"] = warnings
    return _answer(body, selection, callback, max_age=60)
