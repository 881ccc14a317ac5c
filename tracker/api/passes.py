"""Passes over an observer: /api/v1/passes (JSON), /api/v1/passes.ics
(iCalendar) and /api/v1/overflights (sub-satellite point within a radius).

Thin handlers over ``tracker.services.passes.passes_for_place``, ``tracker.formats.ics`` and
``tracker.services.overflights.find_overflights`` (the services the CLI calls). The observer is ``city=`` (name, "Name, Country[, Region]" or a
GeoNames id) or ``lat=&lon=[&alt_m=]``. Identical requests within
``CACHE_TTL_S`` are answered from the in-app cache.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, current_app, request

from tracker.api import cache, params, resources
from tracker.api.common import (API_V1_COMMON, clean_warnings, element_headers, elements_info,
                                json_response)
from tracker.errors import UserError
from tracker.formats.ics import passes_to_ics
from tracker.services.overflights import DEFAULT_RADIUS_KM, find_overflights
from tracker.services.overflights import report_to_dict as overflights_to_dict
from tracker.services.passes import (DEFAULT_DAYS, DEFAULT_MIN_ELEVATION_DEG, DEFAULT_SUN_MAX_DEG,
                            passes_for_place, report_to_dict, validate_days,
                            validate_window_times)
from tracker.places.gazetteer import Place, validate_timezone
from tracker.astro.time import datetime_to_unix

bp = Blueprint("passes", __name__, url_prefix="/api/v1")

AUTO_TZ_MAX_KM = 300.0
OBSERVER_PARAMS = ("city", "lat", "lon", "alt_m", "tz")
WINDOW_PARAMS = ("start", "days", "min_elevation_deg", "visible_only", "sun_max_deg",
                 "allow_stale")


# ------------------------------------------------------------------ parsing

def parse_observer() -> tuple[Place, str]:
    """``city=`` or ``lat=&lon=[&alt_m=]``, with ``tz=`` (IANA zone or 'auto').

    Returns the place and the time zone of the local times (the place's own
    zone unless ``tz`` names another), as the CLI's ``--city``/``--tz`` do.
    """
    res = resources.current()
    city = params.get_str("city", max_length=200)
    has_coords = any(k in request.args for k in ("lat", "lon", "alt_m"))
    tz = params.get_str("tz", max_length=64)
    if city is not None and has_coords:
        raise UserError("give either city or lat/lon (with optional alt_m), not both",
                        parameter="city")
    if city is not None:
        place = res.gazetteer.resolve(city)
    elif not has_coords:
        raise UserError("missing observer: give city=NAME or lat=&lon= (degrees)",
                        parameter="city")
    else:
        lat = params.get_float("lat", required=True, unit="deg")
        lon = params.get_float("lon", required=True, unit="deg")
        alt_m = params.get_float("alt_m", default=0.0, unit="m")
        place = Place.from_coordinates(lat, lon, alt_m, "UTC")   # checks the ranges
        near, d_km = res.gazetteer.nearest(place.lat_deg, place.lon_deg)
        if d_km <= AUTO_TZ_MAX_KM:
            place = dataclasses.replace(place, timezone=near.timezone)
    if tz is None or tz == "auto":
        return place, place.timezone
    return place, validate_timezone(tz, parameter="tz")


def get_days():
    """``days``: the window length, checked by the service's ``validate_days``."""
    return validate_days(params.get_float("days", default=DEFAULT_DAYS, unit="days"))


def parse_window(clock):
    """The window parameters; their ranges are checked by the pass service."""
    start = params.get_time("start", now=clock, default=clock)
    days = get_days()
    min_el = params.get_float("min_elevation_deg", default=DEFAULT_MIN_ELEVATION_DEG, unit="deg")
    sun_max = params.get_float("sun_max_deg", default=DEFAULT_SUN_MAX_DEG, unit="deg")
    visible_only = params.get_bool("visible_only", default=False)
    allow_stale = params.get_bool("allow_stale", default=False)
    return start, days, min_el, sun_max, visible_only, allow_stale


def _report_for_query(clock):
    """The pass report for the query's observer and window; (report, time zone)."""
    place, tz_name = parse_observer()
    return compute_report(place, *parse_window(clock)), tz_name


def compute_report(place: Place, start: dt.datetime, days: float, min_el: float, sun_max: float,
                   visible_only: bool, allow_stale: bool):
    """The pass service with this app's resources."""
    res = resources.current()
    return passes_for_place(place, datetime_to_unix(start), days, store=res.store,
                            min_elevation_deg=min_el, sun_max_deg=sun_max,
                            visible_only=visible_only, allow_stale=allow_stale,
                            eop=res.earth, sun=res.sun)


def with_envelope(body: dict, start_unix_s: float):
    """The service's document plus what every answer carries: the element
    block for the window start and warnings without the CLI's prefix."""
    selection = resources.current().store.nearest(start_unix_s)
    body["elements"] = elements_info(selection)
    body["warnings"] = clean_warnings(body["warnings"])
    return body, selection


# ----------------------------------------------------------------- routes

@bp.get("/passes")
def passes():
    params.reject_unknown({*OBSERVER_PARAMS, *WINDOW_PARAMS, *API_V1_COMMON})
    return cache.cached(_passes)


def _passes():
    report, tz_name = _report_for_query(resources.current().now())
    body, selection = with_envelope(report_to_dict(report, tz_name), report.start_unix_s)
    return json_response(body, selection=selection, max_age=60)


@bp.get("/passes.ics")
def passes_ics():
    params.reject_unknown({*OBSERVER_PARAMS, *WINDOW_PARAMS, *API_V1_COMMON})
    return cache.cached(_passes_ics)


def _passes_ics():
    """Visible passes as an iCalendar file (one VEVENT per visible pass)."""
    res = resources.current()
    clock = res.now()
    report, _ = _report_for_query(clock)
    text = passes_to_ics(report, now_unix_s=datetime_to_unix(clock))
    response = current_app.response_class(text, mimetype="text/calendar")
    response.headers.update(element_headers(res.store.nearest(report.start_unix_s)))
    response.headers["Content-Disposition"] = 'inline; filename="iss-passes.ics"'
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


OVERFLIGHT_PARAMS = ("start", "days", "radius_km", "night_only", "allow_stale")


@bp.get("/overflights")
def overflights():
    params.reject_unknown({*OBSERVER_PARAMS, *OVERFLIGHT_PARAMS, *API_V1_COMMON})
    return cache.cached(_overflights)


def _overflights():
    res = resources.current()
    clock = res.now()
    place, tz_name = parse_observer()
    start = params.get_time("start", now=clock, default=clock)
    days = get_days()
    radius_km = params.get_float("radius_km", default=DEFAULT_RADIUS_KM, unit="km")
    night_only = params.get_bool("night_only", default=False)
    allow_stale = params.get_bool("allow_stale", default=False)
    start_unix_s = datetime_to_unix(start)
    end_unix_s = start_unix_s + days * 86400.0
    validate_window_times(start_unix_s, end_unix_s, end_parameter="days")
    report = find_overflights(place, start_unix_s, end_unix_s,
                              store=res.store, radius_km=radius_km, night_only=night_only,
                              allow_stale=allow_stale, eop=res.earth, sun=res.sun)
    body, selection = with_envelope(overflights_to_dict(report, tz_name), start_unix_s)
    return json_response(body, selection=selection, max_age=60)
