"""Transits of the station across the Sun and the Moon: /api/v1/transits.

A thin handler over ``tracker.services.transits.find_transits`` (the service
the CLI calls). The observer is ``city=`` or ``lat=&lon=[&alt_m=]`` as for
passes; ``format=geojson`` answers the events' centre lines as a GeoJSON
FeatureCollection instead of the JSON document. Identical requests within
``CACHE_TTL_S`` are answered from the in-app cache.
"""
from __future__ import annotations

from flask import Blueprint

from tracker.api import cache, resources
from tracker.api.common import json_response
from tracker.api.passes import observer_window, with_envelope
from tracker.services.inputs import TransitsRequest

bp = Blueprint("transits", __name__, url_prefix="/api/v1")


@cache.cached_get(bp, "/transits", TransitsRequest)
def _transits(q: TransitsRequest, clock):
    from tracker.services.transits import find_transits, report_to_dict, report_to_geojson

    res = resources.current()
    place, tz_name, start = observer_window(q, clock)
    report = find_transits(place, start, q.days, store=res.store_for(q), body=q.body,
                           radius_km=q.radius_km, allow_stale=q.allow_stale, eop=res.earth,
                           sun=res.sun)
    if q.format == "geojson":
        body, selection = with_envelope(report_to_geojson(report, tz_name), start, q)
        return json_response(body, selection=selection, max_age=60,
                             mimetype="application/geo+json")
    body, selection = with_envelope(report_to_dict(report, tz_name), start, q)
    return json_response(body, selection=selection, max_age=60)
