"""The inputs of every operation, declared once.

One pydantic model per operation (now, positions, ground track, passes,
overflights, stats, batch, cities, element sets, Open Notify): each field's
type, unit, range, default and description. From these declarations

* the HTTP layer validates query strings (``tracker.api.query.parse``) and
  turns the first failure into a 400 problem naming the parameter;
* the OpenAPI 3.1 document's parameters are generated
  (``tracker.api.openapi``): pydantic's JSON Schema 2020-12 is OpenAPI
  3.1's own schema dialect, so a field's schema is used as it stands;
* the CLI reads the same ranges for its options (``tracker.cli.argtypes``:
  ``declared_float(Model, "field", "--flag")``).

Values arrive as text (a query string, an argv item) or as Python values;
either way a number must be finite and written as a decimal number (no
``nan``, ``inf``, ``0x10``, ``1_000``), an integer at most 40 characters
long (Python's int-string limit is 4,300 digits), a flag one of
true/false/1/0/yes/no, and a time one of ``tracker.astro.time``'s forms (an
``Instant`` comes out). A refusal is a ``UserError`` naming the field.

The services keep their own checks for Python callers; their ranges are the
constants imported here, so the declaration and the check cannot differ.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      ValidationInfo, WithJsonSchema, model_validator)

from tracker.astro.time import SERVICE_RANGE_TEXT, Instant, TimeFormatError, parse_time
from tracker.errors import UserError
from tracker.services.readers import read_integer, read_number

from tracker.ranges import (BATCH_STEP_S, CATALOG_NUMBER, CITIES_LIMIT, DEFAULT_DAYS, DEFAULT_MIN_ELEVATION_DEG,
                            DEFAULT_RADIUS_KM, DEFAULT_SUN_MAX_DEG, GROUNDTRACK_DEFAULT_STEP_S,
                            LAT_DEG, LON_DEG, MIN_ELEVATION_DEG, OBSERVER_ALT_M,
                            OPEN_NOTIFY_ALT_M, OPEN_NOTIFY_N, OVERFLIGHT_DAYS, PASS_DAYS, PASS_INDEX,
                            POSITIONS_DEFAULT_STEP_S, RADIUS_KM, STATS_DEFAULT_STEP_S,
                            STATS_STEP_S, STEP_S, SUN_MAX_DEG)

MAX_TEXT = 200
MAX_TIME_TEXT = 64
CALLBACK_MAX = 128

TIME_TEXT = ("ISO 8601 with `Z` or an offset (`2026-10-10T12:00:00Z`, "
             "`2026-10-10T14:00:00+02:00`), Unix seconds (`1791633600`, `1791633600.25`) "
             "or `now`. A time without a zone is refused (400), and so is one outside "
             "the years 1900 to 2199; computations answer for 1960 to 2049 (400 outside).")

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
CALLBACK_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")


# ------------------------------------------------------------------ value readers

def _name(info: ValidationInfo) -> str:
    names = (info.context or {}).get("names", {})
    return names.get(info.field_name, f"'{info.field_name}'")


def _text(value, info: ValidationInfo) -> str:
    """Text stripped of surrounding blanks; empty text is refused."""
    value = value.strip()
    if value == "":
        raise UserError(f"{_name(info)} is empty", parameter=info.field_name)
    return value


def _number(value, info: ValidationInfo):
    if isinstance(value, str):
        _text(value, info)
    return read_number(value, _name(info), info.field_name, _within(info))


def _integer(value, info: ValidationInfo):
    if isinstance(value, str):
        _text(value, info)
    return read_integer(value, _name(info), info.field_name, _within(info))


def _flag(value, info: ValidationInfo):
    if isinstance(value, bool):
        return value
    low = _text(str(value), info).lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise UserError(f"{_name(info)} must be true or false; got {value!r}", parameter=info.field_name)


def _plain_text(value, info: ValidationInfo):
    if not isinstance(value, str):
        raise UserError(f"{_name(info)} must be text; got {value!r}", parameter=info.field_name)
    value = _text(value, info)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UserError(f"{_name(info)} contains control characters", parameter=info.field_name)
    return value


def _time(value, info: ValidationInfo):
    if isinstance(value, Instant):
        return value
    if not isinstance(value, str):
        raise TimeFormatError(f"{_name(info)} must be a time as text; got {value!r}",
                              parameter=info.field_name)
    raw = _plain_text(value, info)
    if len(raw) > MAX_TIME_TEXT:
        raise TimeFormatError(f"{_name(info)} must be at most {MAX_TIME_TEXT} characters; "
                              f"got {len(raw)}", parameter=info.field_name)
    now = (info.context or {}).get("now")
    return Instant.from_datetime(parse_time(raw, now=now, parameter=info.field_name))


def _within(info: ValidationInfo) -> str:
    """' in [lo, hi] unit' from the field's declaration (for messages)."""
    model = (info.context or {}).get("model")
    if model is None:
        return ""
    text = range_text(model, info.field_name)
    return f" in {text}" if text else ""


# ------------------------------------------------------------------ field types

_TIME_SCHEMA = {"type": "string", "format": "iss-time", "minLength": 1,
                "maxLength": MAX_TIME_TEXT}

Number = Annotated[float, BeforeValidator(_number)]
Integer = Annotated[int, BeforeValidator(_integer)]
Flag = Annotated[bool, BeforeValidator(_flag),
                 WithJsonSchema({"type": "boolean"})]
Text = Annotated[str, BeforeValidator(_plain_text)]
Time = Annotated[Instant, BeforeValidator(_time), WithJsonSchema(_TIME_SCHEMA)]


def number(lo, hi, unit: str, description: str, *, default=None, lo_open=False, hi_open=False,
           shown=None, **extra):
    """A finite number in [lo, hi] (``lo_open`` / ``hi_open``: that end excluded) in ``unit``;
    ``shown``: how messages write the range when the bounds alone read badly."""
    bounds = {("gt" if lo_open else "ge"): lo, ("lt" if hi_open else "le"): hi}
    if shown:
        extra["x-range"] = shown
    return Field(default, description=description, json_schema_extra={"x-unit": unit, **extra},
                 **bounds)


def integer(lo, hi, description: str, *, default=None):
    return Field(default, ge=lo, le=hi, description=description)


def time(description: str):
    return Field(None, description=f"{description} {TIME_TEXT}")


def flag(default: bool, description: str):
    return Field(default, description=description + " Accepted: true/false/1/0/yes/no.")


ALLOW_STALE_TEXT = ("Answer even when the element set is more than 30 days from a requested "
                    "time (otherwise 422 stale-elements).")


# ------------------------------------------------------------------ models

class Request(BaseModel):
    """Base of every declaration: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              validate_default=False)

    @classmethod
    def read(cls, values: dict, *, now=None, names=None) -> "Request":
        """Validate ``values`` (text or Python values by field name).

        ``now``: the clock reading for the time text ``"now"``; ``names``:
        how messages name each field (``{"step_s": "--step-s"}``), default
        ``'field'``. Raises the first ``UserError`` (naming the field).
        """
        names = names or {}
        if cls.model_config.get("extra") == "forbid":
            for key in values:
                if key not in cls.model_fields:
                    allowed = ", ".join(cls.model_fields) or "none"
                    raise UserError(f"unknown parameter {names.get(key, repr(key))}; "
                                    f"this operation accepts: {allowed}", parameter=key)
        for name in required_fields(cls):
            if values.get(name) is None:
                raise UserError(f"missing {names.get(name, repr(name))}", parameter=name)
        context = {"now": now, "names": names, "model": cls}
        try:
            return cls.model_validate(values, context=context)
        except ValidationError as exc:
            raise first_error(cls, exc, names) from None


def required_fields(model) -> tuple:
    """Names of the fields a caller must give, in declaration order."""
    return tuple(n for n, f in model.model_fields.items() if f.is_required())


def first_error(model, exc: ValidationError, names: dict) -> UserError:
    """The first failure of a validation as the ``UserError`` we raise for it."""
    err = exc.errors(include_url=False)[0]
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, UserError):
        return original
    field = str(err["loc"][0]) if err["loc"] else None
    shown = names.get(field, f"'{field}'")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(model.model_fields)) or "none"
        return UserError(f"unknown parameter {shown}; accepted: {allowed}", parameter=field)
    if field in model.model_fields:
        text = range_text(model, field)
        if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            return UserError(f"{shown} must be in {text}; got {err['input']:g}", parameter=field)
        if kind == "literal_error":
            return UserError(f"{shown} must be one of {err['ctx']['expected']}; got "
                             f"{err['input']!r}", parameter=field)
        if kind == "string_too_long":
            return UserError(f"{shown} must be at most {err['ctx']['max_length']} characters; "
                             f"got {len(err['input'])}", parameter=field)
    if isinstance(original, ValueError):
        return UserError(f"{shown}: {original}", parameter=field)
    return UserError(f"{shown}: {err['msg']}", parameter=field)


def field_bounds(model, name: str):
    """``(lo, hi, lo_open, hi_open, unit)`` of a declared number (None where unbounded)."""
    info = model.model_fields[name]
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        for attr, is_lo, is_open in (("ge", True, False), ("gt", True, True),
                                     ("le", False, False), ("lt", False, True)):
            v = getattr(m, attr, None)
            if v is not None:
                if is_lo:
                    lo, lo_open = v, is_open
                else:
                    hi, hi_open = v, is_open
    extra = info.json_schema_extra or {}
    return lo, hi, lo_open, hi_open, extra.get("x-unit", "")


def range_text(model, name: str) -> str:
    """'[1, 86400] s' for a declared number; '' when unbounded."""
    lo, hi, lo_open, hi_open, unit = field_bounds(model, name)
    shown = (model.model_fields[name].json_schema_extra or {}).get("x-range")
    if shown:
        return shown
    if lo is None or hi is None:
        return ""
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"
    return f"{left}{lo:g}, {hi:g}{right}" + (f" {unit}" if unit else "")


class Observer(Request):
    """Where the observer is: a city or coordinates."""

    city: Text = Field(None, max_length=MAX_TEXT,
                       description="Observer city: a name ('Paris'), a qualified name "
                                   "('Springfield, US, IL') or a GeoNames id (from "
                                   "/api/v1/cities). Or give lat/lon instead.",
                       examples=["Paris"])
    lat: Number = number(*LAT_DEG, "deg", "Observer geodetic latitude, north positive "
                                          "(with lon)")
    lon: Number = number(*LON_DEG, "deg", "Observer longitude, east positive (with lat)")
    alt_m: Number = number(*OBSERVER_ALT_M, "m", "Observer height above the WGS-84 ellipsoid "
                           "(with city or lat/lon)", default=0.0)
    tz: Text = Field(None, max_length=MAX_TIME_TEXT,
                     description="IANA time zone of the `time_local` fields ('Europe/Paris'), "
                                 "echoed as `timezone`; default: the city's zone, or for "
                                 "lat/lon the zone of the nearest city within 300 km (else "
                                 "UTC); 'auto' the same.")

    @model_validator(mode="after")
    def _one_place(self):
        coords = "lat" in self.model_fields_set or "lon" in self.model_fields_set
        if self.city is not None and coords:
            raise UserError("give either city or lat/lon, not both",
                            parameter="city")
        if self.city is None and not coords:
            raise UserError("missing observer: give city=NAME or lat=&lon= (degrees)",
                            parameter="city")
        if self.city is None:
            for name in ("lat", "lon"):
                if getattr(self, name) is None:
                    raise UserError(f"missing '{name}' (degrees): give lat and lon together",
                                    parameter=name)
        return self


class Target(Request):
    """Which object: the ISS unless a catalog number or a name is given."""

    norad: Integer = integer(*CATALOG_NUMBER, "NORAD catalog number of the object to follow "
                             "(default: the ISS, 25544); any object in the element store.")
    name: Text = Field(None, max_length=64,
                       description="Name of the object to follow, instead of norad: the "
                                   "catalog's name ('HST', 'CSS (TIANHE-1)'), a common name "
                                   "('hubble', 'tiangong') or part of one that picks a single "
                                   "object (several matches: 400 listing them).")

    @model_validator(mode="after")
    def _one_object(self):
        if self.norad is not None and self.name is not None:
            raise UserError("give either norad or name, not both", parameter="name")
        return self


class NowRequest(Target):
    """Where the station is at one time (default now)."""

    time: Time = time("When (default: now).")
    units: Literal["km", "mi"] = Field("km", description="Length unit of altitude, speeds and "
                                       "footprint (field names change accordingly: "
                                       "altitude_km or altitude_mi).")


class PositionsRequest(Target):
    """Positions on a time grid (start, end, step_s) or at listed times (timestamps)."""

    start: Time = time("First time (with end).")
    end: Time = time("Last time (with start).")
    step_s: Number = number(*STEP_S, "s", "Time step (with start/end)",
                            default=POSITIONS_DEFAULT_STEP_S)
    timestamps: Text = Field(None, description="Comma-separated times, each " + TIME_TEXT
                             + " At most 10,000 (also accepted as a POST form field).",
                             examples=["2026-10-10T12:00:00Z,1791633660"])
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)

    @model_validator(mode="after")
    def _grid_or_list(self):
        if self.timestamps is not None:
            if self.model_fields_set & {"start", "end", "step_s"}:
                raise UserError("give either timestamps or start/end/step_s, not both",
                                parameter="timestamps")
            return self
        for name in ("start", "end"):
            if getattr(self, name) is None:
                raise UserError(f"missing '{name}' (or give timestamps)", parameter=name)
        return self


class GroundTrackRequest(Target):
    """The ground track as GeoJSON (default: one orbital period from now every 30 s)."""

    start: Time = time("First time (default: now).")
    end: Time = time("Last time (default: start + one orbital period).")
    step_s: Number = number(*STEP_S, "s", "Time step", default=GROUNDTRACK_DEFAULT_STEP_S)
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)
    footprint: Flag = flag(False, "Add the visibility footprint at `start` as a second feature "
                                  "(Polygon or MultiPolygon).")


_DAYS_TEXT = (f"Length of the window (at least 1 s = {PASS_DAYS[0]:.6g} days, at most "
              f"{PASS_DAYS[1]:g}). The whole window must lie in {SERVICE_RANGE_TEXT}")


_DAYS_RANGE = f"1 s ({PASS_DAYS[0]:.4g} days) to {PASS_DAYS[1]:g} days"


class PassesRequest(Observer, Target):
    """Passes of the station over an observer."""

    start: Time = time("Start of the search window (default: now).")
    days: Number = number(*PASS_DAYS, "days", _DAYS_TEXT, default=DEFAULT_DAYS, shown=_DAYS_RANGE)
    min_elevation_deg: Number = number(*MIN_ELEVATION_DEG, "deg", "Lowest elevation that counts "
                                       "as a pass", default=DEFAULT_MIN_ELEVATION_DEG,
                                       hi_open=True)
    visible_only: Flag = flag(False, "List only passes the observer can see (station sunlit, "
                                     "sky dark).")
    sun_max_deg: Number = number(*SUN_MAX_DEG, "deg", "Highest Sun altitude at which the sky "
                                 "counts as dark (-6 civil, -12 nautical, -18 astronomical "
                                 "twilight; at most 0: with the Sun up it is day)",
                                 default=DEFAULT_SUN_MAX_DEG)
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)


class SkyChartRequest(PassesRequest):
    """One pass of a pass listing drawn on a polar sky chart."""

    pass_index: Integer = integer(*PASS_INDEX, "Which pass of the listing the same parameters "
                                  "give (0 = the first).", default=0)


from tracker.ranges import DEFAULT_TRANSIT_RADIUS_KM, TRANSIT_DAYS, TRANSIT_RADIUS_KM  # noqa: E402

_TRANSIT_DAYS_RANGE = f"1 s ({TRANSIT_DAYS[0]:.4g} days) to {TRANSIT_DAYS[1]:g} days"


class TransitsRequest(Observer, Target):
    """Transits of the station across the Sun and the Moon seen from an observer."""

    start: Time = time("Start of the search window (default: now).")
    days: Number = number(*TRANSIT_DAYS, "days", f"Length of the window (at least 1 s, at most "
                          f"{TRANSIT_DAYS[1]:g} days). The whole window must lie in "
                          f"{SERVICE_RANGE_TEXT}", default=DEFAULT_DAYS,
                          shown=_TRANSIT_DAYS_RANGE)
    body: Literal["sun", "moon", "both"] = Field("both", description="Which disc: sun, moon "
                                                 "or both.")
    radius_km: Number = number(*TRANSIT_RADIUS_KM, "km", "Near misses: also list closest "
                               "approaches with the observer within this distance of the "
                               "centre line; more than 0", default=DEFAULT_TRANSIT_RADIUS_KM,
                               lo_open=True)
    format: Literal["json", "geojson"] = Field("json", description="json: the events (each "
                                               "with its centre line as a GeoJSON LineString); "
                                               "geojson: a FeatureCollection of the centre "
                                               "lines.")
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)


class OverflightsRequest(Observer, Target):
    """When the sub-satellite point passes within a radius of a place."""

    start: Time = time("Start of the window (default: now).")
    days: Number = number(*OVERFLIGHT_DAYS, "days", f"Length of the window (at least 1 s, at most "
                          f"{OVERFLIGHT_DAYS[1]:g} days, as the CLI). The whole window must lie "
                          f"in {SERVICE_RANGE_TEXT}", default=DEFAULT_DAYS,
                          shown=f"1 s ({OVERFLIGHT_DAYS[0]:.4g} days) to {OVERFLIGHT_DAYS[1]:g} days")
    radius_km: Number = number(*RADIUS_KM, "km", "Ground distance; more than 0",
                               default=DEFAULT_RADIUS_KM, lo_open=True)
    night_only: Flag = flag(False, "Only overflights with the ground below in darkness.")
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)


class StatsRequest(Request):
    """How far it went: orbits, distance, altitude and sunlight over an interval."""

    start: Time = Field(description="Start of the interval. " + TIME_TEXT,
                        examples=["2026-10-01T00:00:00Z"])
    end: Time = Field(description="End of the interval (after start). " + TIME_TEXT,
                      examples=["2026-10-02T00:00:00Z"])
    step_s: Number = number(*STATS_STEP_S, "s", "Sampling step", default=STATS_DEFAULT_STEP_S)
    allow_stale: Flag = flag(False, ALLOW_STALE_TEXT)


class BatchRequest(Request):
    """Orbit statistics for every object of a catalog over one interval."""

    start: Time = Field(description="Start of the interval. " + TIME_TEXT)
    end: Time = Field(description="End of the interval (after start). " + TIME_TEXT)
    step_s: Number = number(*BATCH_STEP_S, "s", "Sampling step", default=60.0)


class MissionRequest(Request):
    """A mission preset: takes no parameters."""


class CitiesRequest(Request):
    """City-name autocomplete (GeoNames cities of 15,000+ people)."""

    q: Text = Field(min_length=1, max_length=100, description="Beginning of a city name "
                    "(1 to 100 characters).", examples=["Par"])
    limit: Integer = integer(*CITIES_LIMIT, "Most cities to return", default=10)


class ElementsRequest(Target):
    """The element set (TLE) used for the station at a time, with its age."""

    time: Time = time("When (default: now).")


def _callback(value, info: ValidationInfo):
    value = _plain_text(value, info)
    if len(value) > CALLBACK_MAX or not CALLBACK_RE.fullmatch(value):
        raise UserError("callback must be a JavaScript identifier or dotted path of identifiers "
                        f"(letters, digits, _ and $; at most {CALLBACK_MAX} characters), "
                        f"e.g. callback=handleIss", parameter="callback")
    return value


Callback = Annotated[str, BeforeValidator(_callback),
                     WithJsonSchema({"type": "string", "maxLength": CALLBACK_MAX,
                                     "pattern": r"^[A-Za-z_$][A-Za-z0-9_$]*"
                                                r"(\.[A-Za-z_$][A-Za-z0-9_$]*)*$"})]
_CALLBACK_FIELD = Field(None, description="JSONP: wrap the answer as `/**/NAME(...);` "
                        "(application/javascript). NAME is a JavaScript identifier or dotted "
                        "path, at most 128 characters.")


class OpenNotifyNowRequest(Request):
    """Open Notify compatible current position (numbers as strings)."""

    model_config = ConfigDict(extra="ignore")      # the original ignored unknown parameters
    callback: Callback = _CALLBACK_FIELD


class OpenNotifyPassRequest(Request):
    """Open Notify compatible pass predictions (rise times and durations)."""

    model_config = ConfigDict(extra="ignore")
    lat: Number = number(*LAT_DEG, "deg", "Observer latitude", default=..., examples=[45.0])
    lon: Number = number(*LON_DEG, "deg", "Observer longitude, east positive", default=...,
                         examples=[-122.3])
    alt: Number = number(*OPEN_NOTIFY_ALT_M, "m", "Observer altitude", default=100.0)
    n: Integer = integer(*OPEN_NOTIFY_N, "Number of passes", default=5)
    callback: Callback = _CALLBACK_FIELD

