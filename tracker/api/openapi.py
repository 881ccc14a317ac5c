"""The OpenAPI 3.1 document served at /openapi.json.

Every endpoint, parameter (with its unit and allowed range), response body
and problem type is described here; tests/test_openapi_fuzz.py generates
requests from this document and validates every answer against it, so the
document and the handlers cannot drift apart silently.
"""
from __future__ import annotations

from tracker import __version__
from tracker.api.problems import KINDS, TYPE_PREFIX

# ---------------------------------------------------------------- helpers

NUM = {"type": "number"}
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "pattern": "Z$",
        "description": "UTC, ISO 8601 with milliseconds and Z"}
TIME_PARAM_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 64}
TIME_PARAM_TEXT = ("ISO 8601 with `Z` or an offset (`2026-10-10T12:00:00Z`, "
                   "`2026-10-10T14:00:00+02:00`), Unix seconds (`1791633600`) or `now`. "
                   "A time without a zone is refused (400).")


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, description=None, **extra):
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else list(required)}
    if description:
        schema["description"] = description
    schema.update(extra)
    return schema


def qparam(name, schema, description, required=False, example=None):
    p = {"name": name, "in": "query", "required": required, "description": description,
         "schema": schema}
    if example is not None:
        p["example"] = example
    return p


def number_param(name, lo, hi, unit, description, required=False, default=None, example=None):
    schema = {"type": "number", "minimum": lo, "maximum": hi}
    if default is not None:
        schema["default"] = default
    return qparam(name, schema, f"{description} ({unit}, {lo:g} to {hi:g}).", required, example)


def integer_param(name, lo, hi, description, required=False, default=None, example=None):
    schema = {"type": "integer", "minimum": lo, "maximum": hi}
    if default is not None:
        schema["default"] = default
    return qparam(name, schema, f"{description} ({lo} to {hi}).", required, example)


def bool_param(name, default, description):
    return qparam(name, {"type": "boolean", "default": default}, description)


def time_param(name, description, required=False, example=None):
    return qparam(name, TIME_PARAM_SCHEMA, f"{description} {TIME_PARAM_TEXT}", required, example)


def problem_responses(*statuses):
    texts = {400: "Bad input: a missing, malformed or out-of-range parameter. `detail` names "
                  "the parameter and the allowed values.",
             404: "Not found (unknown city, path).",
             422: "The element sets cannot answer: too old for a prediction "
                  "(pass `allow_stale=true`) or unusable."}
    return {str(s): {"description": texts[s],
                     "content": {"application/problem+json": {"schema": ref("Problem")}}}
            for s in statuses}


def json_ok(schema, description, headers=True):
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = ELEMENT_HEADERS
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
        "/": {"get": {
            "operationId": "mapPage", "tags": ["meta"], "summary": "The live map page (HTML).",
            "responses": {"200": {"description": "HTML page",
                                  "content": {"text/html": {"schema": STR}}}}}},
        "/health": {"get": {
            "operationId": "health", "tags": ["meta"],
            "summary": "Liveness, element-set age, background refresh outcome, cache counters.",
            "responses": {"200": json_ok(obj({
                "status": {"type": "string", "enum": ["ok", "stale", "degraded"],
                           "description": "stale: the element set is more than 30 days old"},
                "version": STR,
                "time": TIME,
                "uptime_s": NUM,
                "elements": {"oneOf": [ref("Elements"), {"type": "null"}]},
                "refresh": obj({
                    "interval_hours": {"type": ["number", "null"]},
                    "last": {"oneOf": [{"type": "null"}, obj({"time": TIME, "ok": BOOL,
                                                              "detail": STR})]},
                }),
                "cache": obj({"entries": INT, "hits": INT, "misses": INT, "ttl_s": NUM}),
            }, required=["status", "version", "time", "elements", "refresh", "cache"]),
                "Service health", headers=False)}}},
        "/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["meta"], "summary": "This document.",
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }


def _cities_paths():
    return {"/api/v1/cities": {"get": {
        "operationId": "cities", "tags": ["places"],
        "summary": "City-name autocomplete (GeoNames cities of 15,000+ people).",
        "description": "Cities having a name or alternate name starting with `q` "
                       "(case- and accent-insensitive), own-name matches first, most populous "
                       "first. Use a result's `id` as `city=` in the pass endpoints.",
        "parameters": [
            qparam("q", {"type": "string", "minLength": 1, "maxLength": 100},
                   "Beginning of a city name (1 to 100 characters).", required=True,
                   example="Par"),
            integer_param("limit", 1, 50, "Most cities to return", default=10),
        ],
        "responses": {
            "200": json_ok(obj({
                "query": STR, "count": INT,
                "cities": {"type": "array", "items": ref("City")},
                "elements": ref("Elements"),
            }), "Matching cities"),
            **problem_responses(400),
        }}}}


def _tle_paths():
    return {"/api/v1/tle": {"get": {
        "operationId": "currentElements", "tags": ["elements"],
        "summary": "The element set (TLE) used for the station at a time, with its age.",
        "description": "The store picks the set whose epoch is nearest to `time`. `verdict` is "
                       "`fresh` (within 3 days of the epoch), `aging` (3 to 30 days) or `stale` "
                       "(over 30 days: predictions are refused unless `allow_stale=true`).",
        "parameters": [time_param("time", "When (default: now).")],
        "responses": {
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
            **problem_responses(400),
        }}}}


PATH_BUILDERS = [_meta_paths, _cities_paths, _tle_paths]


def build_spec(config=None) -> dict:
    paths = {}
    for builder in PATH_BUILDERS:
        paths.update(builder())
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
