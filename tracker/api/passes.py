"""Passes over an observer: /api/v1/passes (JSON), /api/v1/passes.ics
(iCalendar) and /api/v1/overflights (sub-satellite point within a radius).

Thin handlers over ``tracker.services.passes.passes_for_place``, ``tracker.formats.ics`` and
``tracker.services.overflights.find_overflights`` (the services the CLI calls). The observer is ``city=`` (name, "Name, Country[, Region]" or a
GeoNames id) or ``lat=&lon=[&alt_m=]``. Identical requests within
``CACHE_TTL_S`` are answered from the in-app cache.
"""
from __future__ import annotations

from flask import Blueprint

from tracker.api import cache, resources
from tracker.api.common import clean_warnings, elements_info, json_response, media_response
from tracker.astro.time import Instant, datetime_to_unix
from tracker.formats.ics import passes_to_ics
from tracker.places.gazetteer import Place, observer_place
from tracker.services.inputs import Observer, OverflightsRequest, PassesRequest, SkyChartRequest
from tracker.services.overflights import find_overflights
from tracker.services.overflights import report_to_dict as overflights_to_dict
from tracker.services.passes import passes_for_place, report_to_dict, validate_window_times

bp = Blueprint("passes", __name__, url_prefix="/api/v1")


# ------------------------------------------------------------------ the observer

def observer(q: Observer) -> tuple[Place, str]:
    """The place of a request and the time zone of its local times."""
    return observer_place(city=q.city, lat_deg=q.lat, lon_deg=q.lon,
                          alt_m=q.alt_m if "alt_m" in q.model_fields_set else None, tz=q.tz,
                          gazetteer=resources.current().gazetteer)


def observer_window(q: Observer, clock) -> tuple[Place, str, Instant]:
    """The place of a request, the zone of its local times and the window
    start: the request's ``start``, or ``clock`` (the request's now)."""
    place, tz_name = observer(q)
    return place, tz_name, Instant.from_datetime(clock) if q.start is None else q.start


def _report_for_query(q: PassesRequest, clock):
    """The pass report for the query's observer and window; (report, time zone)."""
    place, tz_name, start = observer_window(q, clock)
    res = resources.current()
    report = passes_for_place(place, start, q.days, store=res.store_for(q),
                              min_elevation_deg=q.min_elevation_deg, sun_max_deg=q.sun_max_deg,
                              visible_only=q.visible_only, allow_stale=q.allow_stale,
                              eop=res.earth, sun=res.sun)
    return report, tz_name


def with_envelope(body: dict, start, q=None):
    """The service's document plus what every answer carries: the element
    block for the window ``start`` (an ``Instant`` or Unix seconds) and
    warnings without the CLI's prefix."""
    selection = resources.current().store_for(q).nearest(float(Instant.of(start).unix_s))
    body["elements"] = elements_info(selection)
    body["warnings"] = clean_warnings(body["warnings"])
    return body, selection


# ----------------------------------------------------------------- routes

@cache.cached_get(bp, "/passes", PassesRequest)
def _passes(q, clock):
    report, tz_name = _report_for_query(q, clock)
    body, selection = with_envelope(report_to_dict(report, tz_name), report.start_unix_s, q)
    return json_response(body, selection=selection, max_age=60)


@cache.cached_get(bp, "/passes.ics", PassesRequest)
def _passes_ics(q, clock):
    """Visible passes as an iCalendar file (one VEVENT per visible pass)."""
    res = resources.current()
    report, tz_name = _report_for_query(q, clock)
    text = passes_to_ics(report, now_unix_s=datetime_to_unix(clock), tz=tz_name,
                         label=res.store_for(q).label)
    response = media_response(text, "text/calendar", max_age=60,
                              selection=res.store_for(q).nearest(report.start_unix_s))
    response.headers["Content-Disposition"] = 'inline; filename="iss-passes.ics"'
    return response


@cache.cached_get(bp, "/passes/sky.svg", SkyChartRequest)
def _passes_sky_svg(q: SkyChartRequest, clock):
    """Pass ``pass_index`` of the listing the same parameters give, on a polar sky chart."""
    from tracker.formats.skychart import sky_chart_svg
    from tracker.services.passes import sky_path

    res = resources.current()
    place, tz_name, start = observer_window(q, clock)
    store = res.store_for(q)
    path = sky_path(place, start, q.days, index=q.pass_index, store=store,
                    min_elevation_deg=q.min_elevation_deg, sun_max_deg=q.sun_max_deg,
                    visible_only=q.visible_only, allow_stale=q.allow_stale, eop=res.earth,
                    sun=res.sun)
    return media_response(sky_chart_svg(path, tz_name), "image/svg+xml", max_age=60,
                          selection=store.nearest(path.report.start_unix_s))


@cache.cached_get(bp, "/overflights", OverflightsRequest)
def _overflights(q: OverflightsRequest, clock):
    res = resources.current()
    place, tz_name, start = observer_window(q, clock)
    start_unix_s = float(start.unix_s)
    end_unix_s = start_unix_s + q.days * 86400.0
    validate_window_times(start_unix_s, end_unix_s, end_parameter="days")
    report = find_overflights(place, start, end_unix_s,
                              store=res.store_for(q), radius_km=q.radius_km, night_only=q.night_only,
                              allow_stale=q.allow_stale, eop=res.earth, sun=res.sun)
    body, selection = with_envelope(overflights_to_dict(report, tz_name), start_unix_s, q)
    return json_response(body, selection=selection, max_age=60)
