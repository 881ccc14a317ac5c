"""Passes over an observer: /api/v1/passes (JSON), /api/v1/passes.ics
(iCalendar) and /api/v1/overflights (sub-satellite point within a radius).

Thin handlers over ``tracker.passes.passes_for_place``, ``tracker.ics`` and
``tracker.overflights.find_overflights`` (the services the CLI calls). The observer is ``city=`` (name, "Name, Country[, Region]" or a
GeoNames id) or ``lat=&lon=[&alt_m=]``. Identical requests within
``CACHE_TTL_S`` are answered from the in-app cache.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import Blueprint, request

from tracker.api import cache, params, resources
from tracker.api.common import (API_V1_COMMON, clean_warnings, elements_info,
                                json_response)
from tracker.errors import UserError
from tracker.ics import passes_to_ics
from tracker.overflights import (DEFAULT_RADIUS_KM, MAX_RADIUS_KM, find_overflights,
                                 report_to_dict)
from tracker.passes import (DEFAULT_DAYS, DEFAULT_MIN_ELEVATION_DEG,
                            DEFAULT_SUN_MAX_DEG, MAX_DAYS, passes_for_place)
from tracker.places import MAX_ALT_M, MIN_ALT_M, Place, validate_timezone
from tracker.timebase import datetime_to_unix, format_utc

bp = Blueprint("passes", __name__, url_prefix="/api/v1")

AUTO_TZ_MAX_KM = 300.0
OBSERVER_PARAMS = ("city", "lat", "lon", "alt_m", "tz")
WINDOW_PARAMS = ("start", "days", "min_elevation_deg", "visible_only", "sun_max_deg",
                 "allow_stale")


# ------------------------------------------------------------------ parsing

def parse_observer() -> Place:
    """``city=`` or ``lat=&lon=[&alt_m=]``, with ``tz=`` (IANA zone or 'auto')."""
    res = resources.current()
    city = params.get_str("city", max_length=200)
    has_coords = any(k in request.args for k in ("lat", "lon", "alt_m"))
    tz = params.get_str("tz", max_length=64)
    if city is not None and has_coords:
        raise UserError("give either city or lat/lon (with optional alt_m), not both",
                        parameter="city")
    if city is not None:
        place = res.gazetteer.resolve(city)
        if tz is not None and tz != "auto":
            place = _with_timezone(place, validate_timezone(tz))
        return place
    if not has_coords:
        raise UserError("missing observer: give city=NAME or lat=&lon= (degrees)",
                        parameter="city")
    lat = params.get_float("lat", lo=-90.0, hi=90.0, required=True, unit="deg")
    lon = params.get_float("lon", lo=-180.0, hi=180.0, required=True, unit="deg")
    alt_m = params.get_float("alt_m", lo=MIN_ALT_M, hi=MAX_ALT_M, default=0.0, unit="m")
    if tz is None or tz == "auto":
        near, d_km = res.gazetteer.nearest(lat, lon)
        tz = near.timezone if d_km <= AUTO_TZ_MAX_KM else "UTC"
    return Place.from_coordinates(lat, lon, alt_m, validate_timezone(tz))


def _with_timezone(place: Place, tz: str) -> Place:
    from dataclasses import replace
    return replace(place, timezone=tz)


def parse_window(clock):
    start = params.get_time("start", now=clock, default=clock)
    days = params.get_float("days", lo=0.0, hi=MAX_DAYS, lo_open=True, default=DEFAULT_DAYS,
                            unit="days")
    min_el = params.get_float("min_elevation_deg", lo=0.0, hi=90.0, hi_open=True,
                              default=DEFAULT_MIN_ELEVATION_DEG, unit="deg")
    sun_max = params.get_float("sun_max_deg", lo=-90.0, hi=90.0, default=DEFAULT_SUN_MAX_DEG,
                               unit="deg")
    visible_only = params.get_bool("visible_only", default=False)
    allow_stale = params.get_bool("allow_stale", default=False)
    return start, days, min_el, sun_max, visible_only, allow_stale


def compute_report(place: Place, start: dt.datetime, days: float, min_el: float, sun_max: float,
                   visible_only: bool, allow_stale: bool):
    """The pass service with this app's resources."""
    res = resources.current()
    return passes_for_place(place, datetime_to_unix(start), days, store=res.store,
                            min_elevation_deg=min_el, sun_max_deg=sun_max,
                            visible_only=visible_only, allow_stale=allow_stale,
                            eop=res.earth, sun=res.sun)


# --------------------------------------------------------------- formatting

def event_json(event, tz) -> dict | None:
    if event is None:
        return None
    local = dt.datetime.fromtimestamp(event.unix_s, tz)
    return {
        "time": format_utc(event.unix_s),
        "local_time": local.isoformat(timespec="seconds"),
        "azimuth_deg": round(event.azimuth_deg, 2),
        "elevation_deg": round(event.elevation_deg, 2),
        "range_km": round(event.range_km, 1),
        "compass": event.compass,
    }


def pass_json(p, tz) -> dict:
    return {
        "rise": event_json(p.rise, tz),
        "culmination": event_json(p.culmination, tz),
        "set": event_json(p.set, tz),
        "peak": event_json(p.peak, tz),
        "max_elevation_deg": round(p.max_elevation_deg, 2),
        "duration_s": round(p.duration_s, 1),
        "starts_before_window": p.starts_before_window,
        "ends_after_window": p.ends_after_window,
        "visible": p.visible,
        "visible_from": event_json(p.appear, tz),
        "visible_until": event_json(p.disappear, tz),
        "appears_from_shadow": p.appears_from_shadow,
        "disappears_into_shadow": p.disappears_into_shadow,
        "magnitude": None if p.magnitude is None else round(p.magnitude, 1),
        "element_set_epoch": format_utc(p.element_set_epoch_unix_s),
        "age_days": round(p.age_days, 3),
        "timing_uncertainty_s": round(p.timing_uncertainty_s, 1),
    }


def observer_json(place: Place) -> dict:
    return {
        "name": place.name,
        "label": place.label,
        "latitude_deg": place.lat_deg,
        "longitude_deg": place.lon_deg,
        "altitude_m": place.alt_m,
        "timezone": place.timezone,
        "geonameid": place.geonameid,
    }


def report_json(report) -> tuple[dict, object]:
    res = resources.current()
    tz = zoneinfo.ZoneInfo(report.place.timezone)
    selection = res.store.nearest(report.start_unix_s)
    body = {
        "observer": observer_json(report.place),
        "start": format_utc(report.start_unix_s),
        "end": format_utc(report.end_unix_s),
        "min_elevation_deg": report.min_elevation_deg,
        "sun_max_deg": report.sun_max_deg,
        "visible_only": report.visible_only,
        "count": len(report.passes),
        "passes_total": report.n_passes_total,
        "passes": [pass_json(p, tz) for p in report.passes],
        "reason": report.reason,
        "elements": elements_info(selection),
        "element_sets": [{"epoch": format_utc(es.epoch_unix_s), "from": format_utc(t0),
                          "until": format_utc(t1)} for t0, t1, es in report.element_sets],
        "warnings": clean_warnings(report.warnings),
    }
    return body, selection


# ----------------------------------------------------------------- routes

@bp.get("/passes")
def passes():
    params.reject_unknown({*OBSERVER_PARAMS, *WINDOW_PARAMS, *API_V1_COMMON})
    return cache.cached(_passes)


def _passes():
    clock = resources.current().now()
    place = parse_observer()
    window = parse_window(clock)
    body, selection = report_json(compute_report(place, *window))
    return json_response(body, selection=selection, max_age=60)


@bp.get("/passes.ics")
def passes_ics():
    params.reject_unknown({*OBSERVER_PARAMS, *WINDOW_PARAMS, *API_V1_COMMON})
    return cache.cached(_passes_ics)


def _passes_ics():
    """Visible passes as an iCalendar file (one VEVENT per visible pass)."""
    from flask import current_app
    res = resources.current()
    clock = res.now()
    place = parse_observer()
    window = parse_window(clock)
    report = compute_report(place, *window)
    text = passes_to_ics(report, now_unix_s=datetime_to_unix(clock))
    selection = res.store.nearest(report.start_unix_s)
    response = current_app.response_class(text, mimetype="text/calendar")
    response.headers.update(_element_headers(selection))
    response.headers["Content-Disposition"] = 'inline; filename="iss-passes.ics"'
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _element_headers(selection):
    from tracker.api.common import element_headers
    return element_headers(selection)


OVERFLIGHT_PARAMS = ("start", "days", "radius_km", "night_only", "allow_stale")


@bp.get("/overflights")
def overflights():
    params.reject_unknown({*OBSERVER_PARAMS, *OVERFLIGHT_PARAMS, *API_V1_COMMON})
    return cache.cached(_overflights)


def _overflights():
    res = resources.current()
    clock = res.now()
    place = parse_observer()
    start = params.get_time("start", now=clock, default=clock)
    days = params.get_float("days", lo=0.0, hi=MAX_DAYS, lo_open=True, default=DEFAULT_DAYS,
                            unit="days")
    radius_km = params.get_float("radius_km", lo=0.0, hi=MAX_RADIUS_KM, lo_open=True,
                                 default=DEFAULT_RADIUS_KM, unit="km")
    night_only = params.get_bool("night_only", default=False)
    allow_stale = params.get_bool("allow_stale", default=False)
    start_unix_s = datetime_to_unix(start)
    report = find_overflights(place, start_unix_s, start_unix_s + days * 86400.0,
                              store=res.store, radius_km=radius_km, night_only=night_only,
                              allow_stale=allow_stale, eop=res.earth, sun=res.sun)
    body = report_to_dict(report, place.timezone)
    selection = res.store.nearest(start_unix_s)
    body["elements"] = elements_info(selection)
    body["warnings"] = clean_warnings(body["warnings"])
    return json_response(body, selection=selection, max_age=60)
