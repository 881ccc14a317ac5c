"""The OpenAPI 3.1 document served at /openapi.json.

Parameters are generated from the operations' declarations
(``tracker.services.inputs``: the same models the handlers validate with),
so a range, default or unit is written once. What is declared here is the
other half: each path's summary, the shape of its answers (JSON Schema
2020-12, OpenAPI 3.1's own dialect) and the problem types.
tests/test_openapi_fuzz.py generates requests from this document and
validates every answer against it.
"""
from __future__ import annotations

import functools

from tracker import __version__
from tracker.api.problems import KINDS, TYPE_PREFIX
from tracker.services import inputs
from tracker.services.inputs import field_bounds, range_text
from tracker.services.passes import COMPASS_16

# ---------------------------------------------------------------- helpers

NUM = {"type": "number"}
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "pattern": "Z$",
        "description": "UTC, ISO 8601 with milliseconds and Z"}
def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, description=None, **extra):
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else list(required)}
    if description:
        schema["description"] = description
    schema.update(extra)
    return schema


def parameters(model) -> list[dict]:
    """The query parameters of an operation, from its declaration."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "x-unit", "x-range")}
        description = prop.pop("description", "")
        examples = prop.pop("examples", None)
        if prop.get("default", 0) is None:
            del prop["default"]
        if prop.get("type") in ("number", "integer"):
            unit = field_bounds(model, name)[4]
            description = f"{description} ({unit + ', ' if unit else ''}{range_text(model, name)})."
        param = {"name": name, "in": "query", "required": name in required,
                 "description": description, "schema": prop}
        if examples:
            param["example"] = examples[0]
        out.append(param)
    return out


def summary(model) -> str:
    return (model.__doc__ or "").strip().splitlines()[0]


def problem_responses(*statuses):
    texts = {400: "Bad input: a missing, malformed or out-of-range parameter. `detail` names "
                  "the parameter and the allowed values.",
             404: "Not found (unknown city, path).",
             422: "The element sets cannot answer: too old for a prediction "
                  "(pass `allow_stale=true`) or unusable.",
             503: "Every heavy-computation slot is busy and the queue is full; retry after "
                  "`Retry-After` seconds."}
    return {str(s): {"description": texts[s],
                     "content": {"application/problem+json": {"schema": ref("Problem")}}}
            for s in statuses}


def json_ok(schema, description, headers=True):
    """A JSON 200 answer (``media`` for other types)."""
    return media(description, "application/json", schema, headers)


def get(op_id, tag, summary, responses, *, description=None, request=None,
        path_parameters=None, problems=(400,)):
    """One GET operation: its id, tag and texts, the query parameters from
    the ``request`` declaration (or ``path_parameters`` as given), the 200
    (or other) ``responses`` and the problem answers for ``problems``."""
    op = {"operationId": op_id, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    if request is not None:
        op["parameters"] = parameters(request)
    if path_parameters is not None:
        op["parameters"] = path_parameters
    op["responses"] = {**responses, **problem_responses(*problems)}
    return {"get": op}


def media(description, content_type, schema, headers=True):
    """A 200 answer of one media type (``json_ok`` for JSON)."""
    response = {"description": description}
    if headers:
        response["headers"] = ELEMENT_HEADERS
    response["content"] = {content_type: {"schema": schema}}
    return response


ELEMENT_HEADERS = {
    "X-Elements-Epoch": {"description": "Epoch of the element set used (UTC).",
                         "schema": {"type": "string"}},
    "X-Elements-Age-Days": {"description": "Requested time minus the element-set epoch, days.",
                            "schema": {"type": "string"}},
}

# ---------------------------------------------------------------- schemas

SCHEMAS = {
    "Problem": obj({
        "type": {"type": "string", "pattern": "^" + TYPE_PREFIX + "[a-z-]+$",
                 "description": "Problem type (RFC 9457); the kinds are listed above."},
        "title": STR,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What was wrong, naming the parameter and "
                                                    "the allowed range."},
        "parameter": {"type": "string", "description": "The parameter at fault, when one is."},
    }, required=["type", "title", "status", "detail"],
        description="An error (RFC 9457 problem details), media type application/problem+json."),
    "Elements": obj({
        "satnum": {"type": "integer", "description": "NORAD catalog number"},
        "name": {"type": ["string", "null"]},
        "epoch": TIME,
        "age_days": {"type": "number", "description": "Requested time minus the epoch, days "
                                                      "(negative: before the epoch)."},
    }, required=["satnum", "epoch", "age_days"],
        description="The element set (TLE) the answer was computed from."),
    "Warnings": {"type": "array", "items": {"type": "string"},
                 "description": "Plain-language caveats, e.g. about old element sets."},
    "City": obj({
        "id": {"type": "integer", "description": "GeoNames id; usable as `city=`"},
        "name": STR,
        "label": STR,
        "admin1": {"type": ["string", "null"], "description": "region / state"},
        "country": {"type": ["string", "null"], "description": "ISO 3166 alpha-2"},
        "latitude_deg": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude_deg": {"type": "number", "minimum": -180, "maximum": 180},
        "timezone": {"type": "string", "description": "IANA time zone"},
        "population": INT,
    }),
}

# ---------------------------------------------------------------- paths


def _meta_paths():
    return {
        "/": get("mapPage", "meta", "The live map page (HTML).",
                 {"200": media("HTML page", "text/html", STR, headers=False)}, problems=()),
        "/health": get(
            "health", "meta",
            "Liveness, element-set age, background refresh outcome, cache counters.",
            {"200": json_ok(obj({
                "status": {"type": "string", "enum": ["ok", "stale", "degraded"],
                           "description": "stale: the element set is more than 30 days old"},
                "version": STR,
                "time": TIME,
                "uptime_s": NUM,
                "elements": {"oneOf": [ref("Elements"), {"type": "null"}]},
                "refresh": obj({
                    "interval_hours": {"type": ["number", "null"]},
                    "last": {"oneOf": [{"type": "null"}, obj({
                        "time": TIME, "ok": BOOL,
                        "status": {"type": "string", "description": "updated, unchanged, "
                                   "not-modified, skipped or failed"},
                        "detail": STR})]},
                }),
                "cache": obj({"entries": INT, "hits": INT, "misses": INT, "ttl_s": NUM}),
                "heavy": obj({"slots": INT, "running": INT, "waiting": INT, "queue": INT,
                              "refused": INT}, description="heavy-computation slots"),
            }, required=["status", "version", "time", "elements", "refresh", "cache"]),
                "Service health", headers=False)}, problems=()),
        "/openapi.json": get("openapi", "meta", "This document.",
                             {"200": json_ok({"type": "object"}, "OpenAPI 3.1 document",
                                             headers=False)}, problems=()),
    }


def _cities_paths():
    return {"/api/v1/cities": get(
        "cities", "places", "City-name autocomplete (GeoNames cities of 15,000+ people).",
        description="Cities having a name or alternate name starting with `q` "
                       "(case- and accent-insensitive), own-name matches first, most populous "
                       "first. Use a result's `id` as `city=` in the pass endpoints.",
        request=inputs.CitiesRequest,
        responses={"200": json_ok(obj({
            "query": STR, "count": INT,
            "cities": {"type": "array", "items": ref("City")},
            "elements": ref("Elements"),
        }), "Matching cities")})}


def _tle_paths():
    return {"/api/v1/tle": get(
        "currentElements", "elements",
        "The element set (TLE) used for the station at a time, with its age.",
        description="The store picks the set whose epoch is nearest to `time`. `verdict` is "
                       "`fresh` (within 3 days of the epoch), `aging` (3 to 30 days) or `stale` "
                       "(over 30 days: predictions are refused unless `allow_stale=true`).",
        request=inputs.ElementsRequest,
        responses={
            "200": json_ok(obj({
                "satnum": INT, "name": {"type": ["string", "null"]}, "intldesg": STR,
                "epoch": TIME,
                "line1": {"type": "string", "minLength": 69, "maxLength": 69},
                "line2": {"type": "string", "minLength": 69, "maxLength": 69},
                "inclination_deg": NUM, "raan_deg": NUM, "eccentricity": NUM,
                "arg_perigee_deg": NUM, "mean_anomaly_deg": NUM,
                "mean_motion_rev_day": NUM, "period_min": NUM,
                "bstar_per_earth_radius": NUM, "revnum": INT, "source": STR,
                "time": TIME, "age_days": NUM,
                "verdict": {"type": "string", "enum": ["fresh", "aging", "stale"]},
                "sets_in_store": INT,
                "warnings": ref("Warnings"), "elements": ref("Elements"),
            }), "The element set"),
            }
        )}


def _now_schema(u):
    return obj({
        "time": TIME,
        "latitude_deg": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude_deg": {"type": "number", "minimum": -180, "maximum": 180},
        f"altitude_{u}": NUM,
        f"speed_{u}_s": {"type": "number", "description": "inertial speed |v_TEME|"},
        f"earth_fixed_speed_{u}_s": {"type": "number", "description": "speed relative to the "
                                                                      "rotating Earth"},
        f"ground_speed_{u}_s": {"type": "number", "description": "speed of the sub-satellite "
                                                                "point over the ground"},
        "visibility": {"type": "string", "enum": ["daylight", "penumbra", "eclipsed", "unknown"]},
        f"footprint_{u}": {"type": "number", "description": "diameter of the area that sees the "
                                                           "station above the horizon"},
        "solar_latitude_deg": NUM, "solar_longitude_deg": NUM,
        "tle": obj({"epoch": TIME, "age_days": NUM, "source": STR, "line1": STR, "line2": STR}),
        "elements": ref("Elements"),
        "warnings": ref("Warnings"),
    }, title=f"Position ({u})")


POSITION_ROW = obj({
    "time": TIME,
    "latitude_deg": {"type": ["number", "null"]}, "longitude_deg": {"type": ["number", "null"]},
    "altitude_km": {"type": ["number", "null"]}, "speed_km_s": {"type": ["number", "null"]},
    "ground_speed_km_s": {"type": ["number", "null"]},
    "visibility": {"type": "string"},
    "tle_epoch": TIME, "tle_age_days": NUM,
}, description="null coordinates: SGP4 could not propagate to that time")

GEOJSON = {
    "type": "object", "required": ["type", "features", "elements", "warnings"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"const": "Feature"},
                "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                    "type": {"enum": ["MultiLineString", "Polygon", "MultiPolygon"]},
                    "coordinates": {"type": "array"}}},
                "properties": {"type": "object"}}}},
        "elements": ref("Elements"),
        "warnings": ref("Warnings"),
    },
    "description": "RFC 7946 GeoJSON ([longitude, latitude] in degrees). The track is a "
                   "MultiLineString cut at the antimeridian (a line ends at +/-180 and the next "
                   "starts at -/+180); `properties.times` lists each vertex's time.",
}


def _iss_paths():
    return {
        "/api/v1/iss/now": get(
            "issNow", "iss",
            "Where the station is at one time (default now).",
            description="Always answers, even from old element sets (then with `warnings`). "
                           "WGS-84 geodetic coordinates; longitude in (-180, 180]. Without "
                           "`time`, now is taken to the whole second.",
            request=inputs.NowRequest,
            responses={"200": json_ok({"oneOf": [_now_schema("km"), _now_schema("mi")]},
                                         "Position"),
                          }),
        "/api/v1/iss/positions": get(
            "issPositions", "iss",
            "Positions on a time grid or at listed times.",
            description="Either `start`, `end` (and `step_s`) or `timestamps`; at most 10,000 "
                           "times per request. Each time uses the element set with the nearest "
                           "epoch.",
            request=inputs.PositionsRequest,
            responses={"200": json_ok(obj({
                "count": INT, "step_s": {"type": ["number", "null"]},
                "positions": {"type": "array", "items": POSITION_ROW},
                "elements": ref("Elements"),
                "element_set_epochs": {"type": "array", "items": TIME},
                "warnings": ref("Warnings"),
            }), "Positions")}, problems=(400, 422, 503)),
        "/api/v1/iss/groundtrack": get(
            "issGroundTrack", "iss",
            "The ground track as GeoJSON, split at the antimeridian.",
            description="Default: one orbital period from now, every 30 s. At most 10,000 "
                           "points. Identical requests within a minute are served from memory.",
            request=inputs.GroundTrackRequest,
            responses={"200": media("GeoJSON FeatureCollection", "application/geo+json",
                                    GEOJSON)}, problems=(400, 422, 503)),
    }


EVENT = {"oneOf": [{"type": "null"}, obj({
    "time_utc": TIME,
    "time_local": {"type": "string", "description": "the same instant in `timezone`, "
                                                    "ISO 8601 with offset, to the second"},
    "azimuth_deg": {"type": "number", "minimum": 0, "maximum": 360},
    "elevation_deg": {"type": "number", "minimum": -90, "maximum": 90},
    "compass": {"type": "string", "enum": list(COMPASS_16)},
    "range_km": NUM})]}
PASS = obj({
    "rise": EVENT, "culmination": EVENT, "set": EVENT, "peak": EVENT,
    "culminations": {"type": "array", "items": EVENT,
                     "description": "every local maximum above the threshold (usually one)"},
    "max_elevation_deg": NUM,
    "range_km": {"type": "number", "description": "range at the peak"},
    "duration_s": NUM,
    "starts_before_window": BOOL, "ends_after_window": BOOL,
    "visible": BOOL,
    "visible_segment": {"oneOf": [{"type": "null"}, obj({
        "appear": EVENT, "disappear": EVENT, "duration_s": NUM,
        "appears_from_shadow": BOOL, "disappears_into_shadow": BOOL})],
        "description": "the longest stretch the observer can see (null: not visible)"},
    "brightest": EVENT,
    "magnitude": {"type": ["number", "null"], "description": "brightest estimated visual "
                                                             "magnitude while visible"},
    "element_set_epoch_utc": TIME, "element_set_age_days": NUM,
    "timing_uncertainty_s": {"type": "number", "description": "1-sigma timing uncertainty "
                                                              "from the element-set age"},
}, description="rise/set null: the pass is cut by the window; culmination null: its highest "
               "point is outside the window (peak: the highest point inside)")
PLACE = obj({
    "name": STR, "label": STR,
    "lat_deg": {"type": "number", "minimum": -90, "maximum": 90},
    "lon_deg": {"type": "number", "minimum": -180, "maximum": 180},
    "alt_m": NUM,
    "timezone": {"type": "string", "description": "the place's own IANA zone"},
    "country_code": {"type": ["string", "null"]}, "admin1_code": {"type": ["string", "null"]},
    "admin1_name": {"type": ["string", "null"]}, "population": {"type": ["integer", "null"]},
    "geonameid": {"type": ["integer", "null"]}},
    description="The observer: a gazetteer city, or the coordinates given")


def _passes_paths():
    return {**_passes_json_path(), **_passes_ics_path(), **_sky_chart_path(), **_overflights_path()}


def _sky_chart_path():
    return {"/api/v1/passes/sky.svg": get(
        "passSkyChart", "passes",
        "One pass on a polar sky chart (SVG).",
        description="The parameters of /api/v1/passes pick the listing; `pass_index` the "
                       "pass in it (0 = the first). Zenith at the centre, horizon outside, "
                       "30 and 60 degree rings, north up and east left (the sky seen from "
                       "below); the path dashed where the station cannot be seen, solid where "
                       "it can, the point where it enters Earth's shadow and the culmination "
                       "with its local time.",
        request=inputs.SkyChartRequest,
        responses={"200": media("SVG image", "image/svg+xml", STR)}, problems=(400, 404, 422, 503))}


def _passes_ics_path():
    return {"/api/v1/passes.ics": get(
        "passesCalendar", "passes",
        "Visible passes as an iCalendar file (one event per visible pass).",
        description="Same parameters as /api/v1/passes; only passes the observer can see "
                       "become events, whatever `visible_only` says.",
        request=inputs.PassesRequest,
        responses={"200": media("iCalendar (RFC 5545)", "text/calendar", STR)}, problems=(400, 404, 422, 503))}


def _overflights_path():
    event = {"oneOf": [{"type": "null"}, obj({"time_utc": TIME, "time_local": STR})]}
    return {"/api/v1/overflights": get(
        "overflights", "passes",
        "When the sub-satellite point passes within a radius of a place.",
        description="Closest approaches of the ground track (great circle on the mean-radius "
                       "sphere) within `radius_km`; `dark`: Sun below -6 deg at the point below "
                       "the station.",
        request=inputs.OverflightsRequest,
        responses={"200": json_ok(obj({
            "place": PLACE, "timezone": STR, "start_utc": TIME, "end_utc": TIME,
            "radius_km": NUM, "night_only": BOOL, "count": INT, "count_before_night_filter": INT,
            "overflights": {"type": "array", "items": obj({
                "closest_approach": event, "ground_distance_km": NUM,
                "subpoint_lat_deg": NUM, "subpoint_lon_deg": NUM, "altitude_km": NUM,
                "enter": event, "exit": event, "sun_altitude_deg": NUM, "dark": BOOL,
                "station_sunlit": BOOL, "element_set_epoch_utc": TIME,
                "element_set_age_days": NUM, "timing_uncertainty_s": NUM})},
            "elements": ref("Elements"), "warnings": ref("Warnings"),
        }, required=["place", "timezone", "start_utc", "end_utc", "radius_km", "count",
                     "overflights", "elements", "warnings"]), "Overflights"),
            }, problems=(400, 404, 422, 503))}


def _passes_json_path():
    return {"/api/v1/passes": get(
        "passes", "passes",
        "Passes of the station over an observer.",
        description="A pass is an interval with the station at or above `min_elevation_deg`. "
                       "Give `city` or `lat`/`lon`. Identical requests within a minute are "
                       "served from memory. `reason` explains an empty list.",
        request=inputs.PassesRequest,
        responses={"200": json_ok(obj({
            "place": PLACE,
            "timezone": {"type": "string", "description": "IANA zone of every `time_local`"},
            "start_utc": TIME, "end_utc": TIME,
            "min_elevation_deg": NUM, "sun_max_deg": NUM, "visible_only": BOOL,
            "count": INT, "count_before_visible_filter": INT,
            "passes": {"type": "array", "items": PASS},
            "reason": {"type": ["string", "null"], "description": "why the list is empty"},
            "warnings": ref("Warnings"),
            "element_sets": {"type": "array", "items": obj({
                "epoch_utc": TIME, "used_from_utc": TIME, "used_to_utc": TIME, "source": STR})},
            "model": {"type": "object", "description": "the definitions used, in words"},
            "elements": ref("Elements"),
        }), "Passes (the same document as `iss-tracker passes --json`, plus `elements`)"),
            }, problems=(400, 404, 422, 503))}


def open_notify_ok(description, schema):
    """An Open Notify 200: JSON, or JSONP (``application/javascript``) with ``callback``."""
    return {"description": description, "headers": ELEMENT_HEADERS,
            "content": {"application/json": {"schema": schema},
                        "application/javascript": {"schema": STR}}}


def _opennotify_paths():
    stale_note = ("Open Notify clients cannot send allow_stale, so this always answers; the "
                  "element-set age is in the X-Elements-Age-Days header, and beyond 3 days a "
                  "`warnings` list is added.")
    return {
        "/iss-now.json": get(
            "openNotifyNow", "open-notify",
            "Open Notify compatible current position (numbers as strings).",
            description=stale_note,
            request=inputs.OpenNotifyNowRequest,
            responses={"200": open_notify_ok("Current position", obj({
                "message": {"const": "success"},
                "timestamp": {"type": "integer", "description": "Unix seconds"},
                "iss_position": obj({
                    "latitude": {"type": "string", "pattern": r"^-?\d+\.\d{4}$",
                                 "description": "degrees, as a string"},
                    "longitude": {"type": "string", "pattern": r"^-?\d+\.\d{4}$",
                                  "description": "degrees, as a string"}}),
                "warnings": ref("Warnings"),
            }, required=["message", "timestamp", "iss_position"]))}),
        "/iss-pass.json": get(
            "openNotifyPasses", "open-notify",
            "Open Notify compatible pass predictions (rise times and durations).",
            description="Passes above 10 degrees elevation from now. " + stale_note,
            request=inputs.OpenNotifyPassRequest,
            responses={"200": open_notify_ok("Passes", obj({
                "message": {"const": "success"},
                "request": obj({"altitude": NUM, "datetime": INT, "latitude": NUM,
                                "longitude": NUM, "passes": INT}),
                "response": {"type": "array", "items": obj({
                    "duration": {"type": "integer", "description": "seconds"},
                    "risetime": {"type": "integer", "description": "Unix seconds"}})},
                "warnings": ref("Warnings"),
            }, required=["message", "request", "response"]))}),
    }


STATS_BODY = {
    "type": "object",
    "required": ["start", "end", "duration_s", "step_s", "samples", "orbits", "distance",
                 "altitude", "sunlight", "elements", "warnings"],
    "properties": {
        "start": TIME, "end": TIME, "duration_s": NUM, "duration_days": NUM, "step_s": NUM,
        "samples": INT, "failed_samples": INT,
        "orbits": {"type": "object", "required": ["node_crossings", "fractional"],
                   "properties": {"node_crossings": INT, "fractional": NUM}},
        "distance": {"type": "object",
                     "required": ["inertial_distance_km", "inertial_distance_mi",
                                  "ground_track_distance_km", "ground_track_distance_mi"],
                     "properties": {k: NUM for k in (
                         "inertial_distance_km", "inertial_distance_mi",
                         "ground_track_distance_km", "ground_track_distance_mi")}},
        "altitude": {"type": "object", "required": ["min_alt_km", "mean_alt_km", "max_alt_km"],
                     "properties": {k: NUM for k in ("min_alt_km", "mean_alt_km", "max_alt_km")}},
        "reboosts": {"type": "array"},
        "sunlight": {"type": "object", "required": ["sunrises", "daylight_fraction"],
                     "properties": {"sunrises": INT, "daylight_fraction": NUM,
                                    "penumbra_fraction": NUM, "eclipsed_fraction": NUM}},
        "mean_motion_rev_day": NUM,
        "data_quality": {"type": "object"},
        "element_set_epochs": {"type": "array", "items": TIME},
        "elements": ref("Elements"),
        "warnings": ref("Warnings"),
    },
    "description": "Orbits are ascending-node crossings (NORAD convention); inertial distance "
                   "integrates |v| in TEME; ground-track distance sums the sub-satellite path "
                   "on the WGS-84 ellipsoid; altitudes are geodetic.",
}


def _stats_paths():
    mission = dict(STATS_BODY)
    mission["properties"] = {**STATS_BODY["properties"], "mission": {
        "type": "object", "required": ["mission", "nasa", "ours", "differences"],
        "properties": {"mission": STR, "title": STR, "nasa": {"type": "object"},
                       "ours": {"type": "object"}, "nominal": {"type": "object"},
                       "differences": {"type": "object"}}}}
    mission["required"] = STATS_BODY["required"] + ["mission"]
    return {
        "/api/v1/stats": get(
            "orbitStats", "stats",
            "How far it went: orbits, distance, altitude and sunlight over an interval.",
            description="At most 300,000 samples per request (e.g. 3.4 days at 1 s, 34 "
                           "days at 10 s, 5.7 years at 600 s), checked before any work. "
                           "Cached like passes.",
            request=inputs.StatsRequest,
            responses={"200": json_ok(STATS_BODY, "Statistics"),
                          }, problems=(400, 422, 503)),
        "/api/v1/missions/year-in-space": get(
            "yearInSpace", "stats",
            "Scott Kelly's Year in Space (2015-03-27 to 2016-03-02) against NASA's "
                       "published 5,440 orbits and 143,846,525 miles.",
            description="Computed from the shipped 2015-2016 element sets every 60 s, once "
                           "per server process.",
            responses={"200": json_ok(mission, "Mission statistics and comparison")}, problems=()),
    }


def _transits_path():
    when = {"oneOf": [{"type": "null"}, obj({"time_utc": TIME, "time_local": STR})]}
    num_or_null = {"type": ["number", "null"]}
    line = obj({"type": {"const": "LineString"},
                "coordinates": {"type": "array", "items": {
                    "type": "array", "items": NUM, "minItems": 2, "maxItems": 2}}},
               description="GeoJSON LineString ([longitude, latitude] deg) of the centre line "
                           "near the observer")
    event = obj({
        "body": {"type": "string", "enum": ["sun", "moon"]},
        "kind": {"type": "string", "enum": ["transit", "near-miss"],
                 "description": "transit: the station's centre crosses the disc"},
        "time_utc": TIME, "time_local": STR,
        "duration_s": {"type": ["number", "null"], "description": "time the station's centre "
                       "is inside the disc (null for a near miss)"},
        "ingress": when, "egress": when,
        "min_separation_arcsec": NUM, "body_radius_arcsec": NUM,
        "iss_angular_size_arcsec": {"type": "number", "description": "108.5 m span at the "
                                    "slant range"},
        "slant_range_km": NUM,
        "iss_altitude_deg": NUM, "iss_azimuth_deg": NUM,
        "body_altitude_deg": NUM, "body_azimuth_deg": NUM,
        "angular_speed_deg_s": NUM,
        "distance_to_centerline_km": num_or_null, "centerline_width_km": num_or_null,
        "iss_sunlit": BOOL,
        "element_set_epoch_utc": TIME, "element_set_age_days": NUM,
        "uncertainty_68_s": num_or_null, "uncertainty_90_s": num_or_null,
        "may_cross_manoeuvre": BOOL,
        "centerline": line,
    })
    geojson = {
        "type": "object", "required": ["type", "features", "elements", "warnings"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": obj({
                "type": {"const": "Feature"}, "geometry": line,
                "properties": {"type": "object", "description": "the event, as in the JSON "
                               "answer, without its centerline"}})},
            "elements": ref("Elements"), "warnings": ref("Warnings")},
        "description": "The centre lines of the events, one LineString feature each."}
    return {"/api/v1/transits": get(
        "transits", "passes",
        summary(inputs.TransitsRequest),
        description="Apparent topocentric positions of the station and of the Sun or the "
                       "Moon (DE421; light time and aberration on both, as skyfield's "
                       "`observe().apparent()`; refraction on neither: it bends both alike). "
                       "A `transit` is a closest approach with the station's centre inside "
                       "the disc; a `near-miss` one with the observer within `radius_km` of "
                       "the centre line. Identical requests within a minute are served from "
                       "memory.",
        request=inputs.TransitsRequest,
        responses={"200": {
            "description": "Transits (the same document as `iss-tracker transits --json`, plus "
                           "`elements`), or with `format=geojson` their centre lines",
            "headers": ELEMENT_HEADERS,
            "content": {
                "application/json": {"schema": obj({
                    "place": PLACE, "timezone": STR, "start_utc": TIME, "end_utc": TIME,
                    "bodies": {"type": "array", "items": {"enum": ["sun", "moon"]}},
                    "radius_km": NUM, "count": INT, "count_transits": INT,
                    "transits": {"type": "array", "items": event},
                    "warnings": ref("Warnings"),
                    "element_sets": {"type": "array", "items": obj({
                        "epoch_utc": TIME, "used_from_utc": TIME, "used_to_utc": TIME,
                        "source": STR})},
                    "model": {"type": "object", "description": "the definitions used, in "
                                                               "words"},
                    "elements": ref("Elements"),
                })},
                "application/geo+json": {"schema": geojson}}},
            }, problems=(400, 404, 422, 503))}


def _batch_paths():
    """POST /api/v1/batch and its job resources (``tracker.api.batch``)."""
    from tracker.api.batch import JOB_ID_PATTERN

    def problem(description):
        return {"description": description,
                "content": {"application/problem+json": {"schema": ref("Problem")}}}

    num_or_null = {"type": ["number", "null"]}
    time_or_null = {"oneOf": [{"type": "null"}, TIME]}
    row = obj({
        "satnum": INT, "name": STR, "epoch": TIME, "orbits": INT,
        "orbits_fractional": num_or_null, "period_min": num_or_null,
        "perigee_alt_km": num_or_null, "apogee_alt_km": num_or_null,
        "min_alt_km": num_or_null, "mean_alt_km": num_or_null, "max_alt_km": num_or_null,
        "distance_km": num_or_null, "sunlit_fraction": num_or_null,
        "error_code": INT, "error_time": time_or_null, "decay_time": time_or_null,
        "failed_samples": INT},
        description="One object: ascending-node crossings, mean-element perigee/apogee, "
                    "sampled geodetic altitude min/mean/max, inertial distance (trapezoid of "
                    "|v|), share of the time in full daylight, the first SGP4 error (6: "
                    "decayed) and the samples from it on.")
    job = obj({
        "id": {"type": "string", "pattern": JOB_ID_PATTERN}, "status": {
            "type": "string", "enum": ["queued", "running", "done", "failed"]},
        "url": STR, "result_url": STR, "created": TIME, "started": time_or_null,
        "finished": time_or_null, "start": TIME, "end": TIME, "step_s": NUM,
        "objects": INT, "samples": INT, "propagations": INT, "propagations_done": INT,
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "engine": {"type": "string", "enum": ["in-process", "dask"]},
        "error": {"oneOf": [{"type": "null"}, {"type": "object"}]}},
        description="A batch job. Jobs live in the server's memory: a restart loses them.")
    result = obj({"id": STR, "start": TIME, "end": TIME, "step_s": NUM, "samples": INT,
                  "objects": INT, "decayed": INT, "failed": INT,
                  "rows": {"type": "array", "items": row}})
    job_id = [{"name": "job_id", "in": "path", "required": True,
               "description": "The job's id, from the answer to POST /api/v1/batch.",
               "schema": {"type": "string", "pattern": JOB_ID_PATTERN}}]
    not_found = problem("No such job: unknown, forgotten (only the newest BATCH_MAX_JOBS are "
                        "kept) or lost in a restart.")
    return {
        "/api/v1/batch": {"post": {
            "operationId": "batchStart", "tags": ["stats"],
            "summary": "Start a batch job: orbit statistics for every object of an element "
                       "file (the body) over one interval.",
            "description": "The body is a TLE, 3LE or OMM JSON/CSV element file (at most the "
                           "server's body limit, 1 MiB by default). Bounded: at most 5,000 "
                           "objects and 50,000,000 objects x samples per job (400 naming the "
                           "limit), at most 2 jobs queued or running (429, problem type "
                           "too-many-jobs, Retry-After). Jobs run one at a time, on the "
                           "service's Dask cluster when it has one, and live in memory only: "
                           "a restart loses them.",
            "parameters": parameters(inputs.BatchRequest),
            "requestBody": {"required": True, "content": {"text/plain": {"schema": {
                "type": "string", "description": "TLE, 3LE or OMM JSON/CSV text"}}}},
            "responses": {
                "202": {"description": "Accepted: the job, its URL also in Location.",
                        "headers": {"Location": {"description": "The job's URL.",
                                                 "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": job}}},
                **problem_responses(400, 422),
                "413": problem("The body is larger than the server accepts."),
                "429": problem("Too many jobs queued or running (BATCH_MAX_ACTIVE) or kept "
                               "unfinished (BATCH_MAX_JOBS); retry after Retry-After seconds.")}}},
        "/api/v1/batch/{job_id}": get(
            "batchStatus", "stats",
            "A batch job's status and progress (propagations done of the total).",
            path_parameters=job_id,
            responses={"200": json_ok(job, "The job", headers=False), "404": not_found}, problems=()),
        "/api/v1/batch/{job_id}/result": get(
            "batchResult", "stats",
            "A finished batch job's rows (NaN as null).",
            path_parameters=job_id,
            responses={"200": json_ok(result, "The rows", headers=False), "404": not_found,
                          "409": problem("The job has not finished, or it failed (problem "
                                         "type job-not-ready; the detail says which).")}, problems=()),
    }


PATH_BUILDERS = [_meta_paths, _iss_paths, _passes_paths, _transits_path, _stats_paths,
                 _batch_paths, _cities_paths, _tle_paths, _opennotify_paths]


def form_body(model) -> dict:
    """A form request body with the declaration's fields (every value as text)."""
    props = {p["name"]: {"type": "string", "description": p["description"]}
             for p in parameters(model)}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {
        "schema": {"type": "object", "properties": props, "additionalProperties": False}}}}


@functools.lru_cache(maxsize=1)
def build_spec() -> dict:
    """The document (built once per process: it depends on declarations only)."""
    paths = {}
    for builder in PATH_BUILDERS:
        paths.update(builder())
    get = paths["/api/v1/iss/positions"]["get"]
    paths["/api/v1/iss/positions"]["post"] = {
        **{k: v for k, v in get.items() if k != "parameters"},
        "operationId": "issPositionsForm",
        "summary": "Positions, with the fields in a form body (10,000 timestamps do not fit "
                   "in a URL).",
        "requestBody": form_body(inputs.PositionsRequest)}
    for methods in paths.values():          # norad/name: unknown (404), no sets (422), ambiguous (400)
        for op in methods.values():
            names = {p["name"] for p in op.get("parameters", ())}
            fields = op.get("requestBody", {}).get("content", {})
            if "norad" in names or any("norad" in str(c) for c in fields.values()):
                for status, doc in problem_responses(400, 404, 422).items():
                    op["responses"].setdefault(status, doc)
    problem_types = "\n".join(f"* `{TYPE_PREFIX}{k}`: {title}" for k, title in KINDS.items())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "iss-tracker",
            "version": __version__,
            "summary": "Offline ISS positions, ground tracks, passes and orbit statistics.",
            "description": (
                "All times are UTC, ISO 8601 with `Z`; every raw number carries its unit in its "
                "name (`altitude_km`, `duration_s`). Every answer names the element set it was "
                "computed from (`elements.epoch`, `elements.age_days`; also the "
                "`X-Elements-Epoch` and `X-Elements-Age-Days` headers).\n\n"
                "Errors are `application/problem+json` (RFC 9457) with `type`, `title`, "
                "`status`, `detail` and, when one parameter is at fault, `parameter`. "
                "Problem types:\n" + problem_types + "\n\n"
                "Successful GET answers carry an `ETag` (send `If-None-Match` for a 304) and "
                "`Cache-Control`; identical pass and ground-track requests within a minute are "
                "answered from memory. CORS: any origin may read."),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": n} for n in ("iss", "passes", "stats", "elements", "places",
                                       "open-notify", "meta")],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
