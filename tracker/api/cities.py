"""GET /api/v1/cities?q=&limit= : city-name autocomplete from the gazetteer."""
from __future__ import annotations

from flask import Blueprint

from tracker.api import resources
from tracker.api.common import current_selection, elements_info, json_response
from tracker.api.query import parse
from tracker.services.inputs import CitiesRequest

bp = Blueprint("cities", __name__, url_prefix="/api/v1")


def city_json(place) -> dict:
    return {
        "id": place.geonameid,
        "name": place.name,
        "label": place.label,
        "admin1": place.admin1_name or place.admin1_code or None,
        "country": place.country_code or None,
        "latitude_deg": place.lat_deg,
        "longitude_deg": place.lon_deg,
        "timezone": place.timezone,
        "population": place.population,
    }


@bp.get("/cities")
def cities():
    q = parse(CitiesRequest)
    query = q.q
    places = resources.current().gazetteer.search(query, q.limit)
    selection = current_selection()
    body = {"query": query, "count": len(places), "cities": [city_json(p) for p in places],
            "elements": elements_info(selection)}
    return json_response(body, selection=selection, max_age=3600)
