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

from flask import Blueprint, current_app

from tracker.api import resources
from tracker.api.common import clean_warnings, element_headers, stale_warnings
from tracker.api.iss import station_now
from tracker.api.query import parse
from tracker.astro.time import datetime_to_unix
from tracker.places.gazetteer import Place
from tracker.ranges import DEFAULT_MIN_ELEVATION_DEG
from tracker.services.inputs import OpenNotifyNowRequest, OpenNotifyPassRequest
from tracker.services.passes import passes_for_place

bp = Blueprint("opennotify", __name__)

PASS_MIN_ELEVATION_DEG = DEFAULT_MIN_ELEVATION_DEG   # what counts as a pass (10 deg)
SEARCH_DAYS = (10.0, 30.0)                            # widen once if too few passes


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
    callback = parse(OpenNotifyNowRequest).callback
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
    q = parse(OpenNotifyPassRequest)
    callback, lat, lon, alt, n = q.callback, q.lat, q.lon, q.alt, q.n
    res = resources.current()
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
