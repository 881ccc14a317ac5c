"""The map page in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright, against the app served by waitress on an ephemeral
127.0.0.1 port in a thread.

The app runs on a fast clock (60 s of orbit per real second, starting at
2026-10-10T12:00Z, fresh elements) and the page refreshes every second, so
the station marker must visibly move between two refreshes. What the page
draws is checked against skyfield (station sub-point, Sun sub-point), and
the city search must produce the pass table the API computes.
At 360, 390 (phones) and 1280 px wide the page never scrolls sideways and
each pass row shows its +- from the API's uncertainty fields; an unknown
city says so and clears the table, an ambiguous one lists its candidates;
with week-old elements (a second server, fixed clock) the banner is one
short sentence with the details folded, and unreliable rows are marked.
One browser, one page (plus one for the second server).
Screenshots are saved in tests/artifacts/ (docs/ has scripts/screenshots.py's).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import urllib.request
import pathlib
import time

import pytest

# In CI (CI=true) the browser test must run: `make install` provides Debian's
# chromium and the playwright package, so a missing piece fails instead of skipping.
IN_CI = bool(os.environ.get("CI"))
if IN_CI:
    from playwright import sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")

from sgp4.api import Satrec  # noqa: E402
from skyfield.api import EarthSatellite, load, wgs84  # noqa: E402

TS = load.timescale(builtin=True)

import icalendar  # noqa: E402

from tracker.api import create_app  # noqa: E402
from helpers import served  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"
START = dt.datetime(2026, 10, 10, 12, 0, 0, tzinfo=dt.timezone.utc)
SPEEDUP = 60.0

pytestmark = pytest.mark.skipif(not IN_CI and not os.path.exists(CHROMIUM),
                                reason="Debian chromium not installed (apt-get install -y chromium)")


class FastClock:
    """START + SPEEDUP x (real time elapsed since creation)."""

    def __init__(self):
        self.t0 = time.monotonic()

    def __call__(self):
        return START + dt.timedelta(seconds=SPEEDUP * (time.monotonic() - self.t0))


@pytest.fixture(scope="module")
def server_url():
    with served(create_app({"CLOCK": FastClock(), "MAP_REFRESH_S": 1.0})) as url:
        yield url


@pytest.fixture(scope="module")
def page(server_url):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 1000}, timezone_id="UTC")
        page = context.new_page()
        external = []
        page.on("request", lambda r: None if r.url.startswith(server_url) or r.url.startswith("data:")
                else external.append(r.url))
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server_url + "/")
        yield page
        assert not external, f"the page fetched from outside the app: {external}"
        assert not errors, f"JavaScript errors: {errors}"
        browser.close()


def iss_oracle(time_iso: str):
    """(lat, lon) of the ISS from skyfield, with the shipped set nearest that time."""
    from importlib import resources
    t = dt.datetime.fromisoformat(time_iso.replace("Z", "+00:00"))
    lines = [l for l in (resources.files("tle") / "data" / "iss_recent.tle").read_text().splitlines()]
    pairs = [(l, lines[i + 1]) for i, l in enumerate(lines) if l.startswith("1 25544")]
    jd_t = t.timestamp() / 86400 + 2440587.5
    l1, l2 = min(pairs, key=lambda p: abs((lambda s: s.jdsatepoch + s.jdsatepochF - jd_t)(
        Satrec.twoline2rv(*p))))
    sat = EarthSatellite(l1, l2, ts=TS)
    sub = wgs84.subpoint_of(sat.at(TS.from_datetime(t)))
    return sub.latitude.degrees, sub.longitude.degrees


def marker(page):
    return page.evaluate("""() => {
        const s = window.issMap.state;
        const m = document.getElementById('station');
        return {updates: s.updates, time: s.position && s.position.time,
                lat: parseFloat(m.dataset.lat), lon: parseFloat(m.dataset.lon),
                transform: m.getAttribute('transform')};
    }""")


def test_map_draws_land_track_and_night(page):
    page.wait_for_function("() => document.getElementById('land').getAttribute('d').length > 1000",
                           timeout=20000)
    page.wait_for_function("() => window.issMap.state.updates >= 1", timeout=20000)
    page.wait_for_function("() => document.querySelector('#track-next path') && "
                           "document.querySelector('#track-next path').getAttribute('d').length > 100 && "
                           "document.querySelector('#track-past path').getAttribute('d').length > 100",
                           timeout=20000)
    assert len(page.get_attribute("#night", "d")) > 100
    assert "latitude" in page.inner_text("#status")


def test_station_marker_moves_and_matches_skyfield(page):
    page.wait_for_function("() => window.issMap.state.updates >= 1", timeout=20000)
    first = marker(page)
    page.wait_for_function(f"() => window.issMap.state.updates >= {first['updates'] + 1} && "
                           f"window.issMap.state.position.time !== '{first['time']}'", timeout=10000)
    second = marker(page)
    assert second["time"] > first["time"]
    assert second["transform"] != first["transform"]
    moved_deg = abs(second["lat"] - first["lat"]) + abs(second["lon"] - first["lon"])
    assert moved_deg > 0.5          # >= 60 s of orbit at ~0.065 deg/s along track
    for m in (first, second):
        lat, lon = iss_oracle(m["time"])
        assert m["lat"] == pytest.approx(lat, abs=0.02)
        assert (m["lon"] - lon + 180) % 360 - 180 == pytest.approx(0, abs=0.02)


def test_night_shading_is_on_the_side_away_from_the_sun(page):
    """The drawn night polygon contains the anti-solar point and not the subsolar
    point, both taken from skyfield + DE421 at the time the page shows."""
    import skyfield_data
    from skyfield.iokit import Loader
    data_dir = os.path.join(os.path.dirname(skyfield_data.__file__), "data")
    eph = Loader(data_dir, verbose=False)("de421.bsp")
    page.wait_for_function("() => window.issMap.state.updates >= 1", timeout=20000)
    shown = page.evaluate("window.issMap.state.position.time")
    t = TS.from_datetime(dt.datetime.fromisoformat(shown.replace("Z", "+00:00")))
    try:
        sun = wgs84.subpoint_of(eph["earth"].at(t).observe(eph["sun"]).apparent())
    finally:
        eph.close()
    lat, lon = sun.latitude.degrees, sun.longitude.degrees
    anti_lat, anti_lon = -lat, (lon + 360.0) % 360.0 - 180.0
    inside = page.evaluate("""([points]) => {
        const night = document.getElementById('night');
        const svg = document.getElementById('map');
        return points.map(([lon, lat]) => {
            const p = svg.createSVGPoint(); p.x = lon + 180; p.y = 90 - lat;
            return night.isPointInFill(p);
        });
    }""", [[[lon, lat], [anti_lon, anti_lat]]])
    assert inside == [False, True]


def test_city_search_shows_pass_table(page, server_url):
    import json
    import urllib.request
    page.fill("#city", "")
    page.type("#city", "Pari", delay=30)
    page.wait_for_selector("#suggestions li", timeout=10000)
    first = page.locator("#suggestions li").first
    assert first.inner_text().startswith("Paris")
    first.dispatch_event("mousedown")
    page.wait_for_function("() => !document.getElementById('passes').hidden || "
                           "document.getElementById('pass-status').textContent.startsWith('No')",
                           timeout=30000)
    rows = page.locator("#passes tbody tr")
    # What the API says for the same request (same clock within a minute: cached or recomputed)
    api = json.load(urllib.request.urlopen(
        server_url + "/api/v1/passes?city=2988507&days=10&visible_only=true&allow_stale=true"))
    assert rows.count() == len(api["passes"]) > 0
    assert "Europe/Paris" in page.inner_text("#pass-status")
    # the first row shows the rise time in Paris local time (CEST, UTC+2, in October 2026)
    first = api["passes"][0]["rise"]
    rise = dt.datetime.fromisoformat(first["time_utc"].replace("Z", "+00:00"))
    assert api["timezone"] == "Europe/Paris" and first["time_local"].endswith("+02:00")
    local = rise + dt.timedelta(hours=2)
    cells = rows.first.locator("td")
    assert cells.nth(1).inner_text() == local.strftime("%H:%M:%S")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)


# --------------------------------------------------------- phones, search, +-

WIDTHS = {360: 780, 390: 844, 1280: 900}       # width: height
PASS_QUERY = "days=10&visible_only=true&allow_stale=true"
AGED_NOW = dt.datetime(2026, 10, 16, 18, 0, 0, tzinfo=dt.timezone.utc)   # 6.9 days after the newest set


def api_json(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def search(page, text):
    """Type ``text`` and press Enter (the form's submit)."""
    page.fill("#city", text)
    page.press("#city", "Enter")


def seconds_shown(text):
    """The first "±N s" / "±N min" of a cell, in seconds."""
    m = re.search(r"±([0-9.]+) (s|min)", text)
    assert m, text
    return float(m.group(1)) * (60 if m.group(2) == "min" else 1)


def check_rows_against_api(page, api):
    """Each row's ± (68 %, and the 90 % in brackets) is the API's
    uncertainty_68_s / uncertainty_90_s as displayed (to its rounding), and
    the rows marked unreliable are those whose 90 % band is over 60 s or that
    may cross a manoeuvre."""
    rows = page.locator("#passes tbody tr")
    assert rows.count() == len(api["passes"]) > 0
    timing = page.locator("#passes tbody td.timing").all_inner_texts()
    classes = page.eval_on_selector_all("#passes tbody tr", "rs => rs.map(r => r.className)")
    for text, cls, p in zip(timing, classes, api["passes"]):
        u68, u90 = p["uncertainty_68_s"], p["uncertainty_90_s"]
        shown68, shown90 = seconds_shown(text), seconds_shown(text.split("(")[1])
        assert shown68 == pytest.approx(u68, rel=0.06, abs=0.06), (text, u68)
        assert shown90 == pytest.approx(u90, rel=0.06, abs=0.06), (text, u90)
        unreliable = u90 > 60 or p["may_cross_manoeuvre"]
        assert ("unreliable" in cls) == unreliable, (text, p)


def no_sideways_scroll(page):
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_page_fits_the_screen_and_rows_show_their_uncertainty(page, server_url, width):
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    search(page, "Paris")
    page.wait_for_function("() => document.querySelectorAll('#passes tbody tr').length > 0 && "
                           "document.getElementById('pass-status').textContent.includes('Europe/Paris')",
                           timeout=30000)
    scroll_w, inner_w = no_sideways_scroll(page)
    assert scroll_w <= inner_w == width
    # the same request as the page's: answered from the API's cache, same passes
    check_rows_against_api(page, api_json(f"{server_url}/api/v1/passes?city=Paris&{PASS_QUERY}"))
    # a calendar subscription for the place, and the file behind it
    webcal = page.get_attribute("#webcal", "href")
    host = server_url.split("://")[1]
    assert webcal.startswith(f"webcal://{host}/api/v1/passes.ics?city=2988507&")
    with urllib.request.urlopen("http://" + webcal[len("webcal://"):]) as r:
        assert r.headers["Content-Type"].startswith("text/calendar")
        events = list(icalendar.Calendar.from_ical(r.read()).walk("VEVENT"))
    assert abs(len(events) - page.locator("#passes tbody tr").count()) <= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map_{width}.png"), full_page=True)


def test_unknown_city_says_so_and_clears_the_table(page):
    page.set_viewport_size({"width": 390, "height": 844})
    search(page, "Paris")
    page.wait_for_selector("#passes tbody tr", timeout=30000)
    search(page, "Xyzzyvillequux")
    page.wait_for_function("() => document.getElementById('pass-status').textContent.startsWith('No place found')",
                           timeout=10000)
    assert "Xyzzyvillequux" in page.inner_text("#pass-status")
    assert page.locator("#passes tbody tr").count() == 0
    assert page.is_hidden("#passes") and page.is_hidden("#subscribe")


def test_ambiguous_city_lists_its_candidates(page, server_url):
    page.set_viewport_size({"width": 390, "height": 844})
    search(page, "Springfield")
    page.wait_for_selector("#candidates li button", timeout=10000)
    assert "several places" in page.inner_text("#pass-status")
    assert page.locator("#passes tbody tr").count() == 0
    shown = page.locator("#candidates li button").all_inner_texts()
    cities = api_json(server_url + "/api/v1/cities?q=Springfield&limit=8")["cities"]
    assert len(shown) == len(cities) > 1
    for text, c in zip(shown, cities):
        assert text.startswith(c["name"]) and c["timezone"] in text
    scroll_w, inner_w = no_sideways_scroll(page)
    assert scroll_w <= inner_w
    page.locator("#candidates li button").nth(1).click()    # the second one, not the default
    page.wait_for_selector("#passes tbody tr", timeout=30000)
    assert page.input_value("#city") == cities[1]["label"]
    assert page.is_hidden("#candidates")


@pytest.fixture(scope="module")
def aged_url():
    with served(create_app({"CLOCK": lambda: AGED_NOW})) as url:
        yield url


@pytest.mark.parametrize("width", [390, 1280])
def test_old_elements_banner_is_short_and_unreliable_rows_are_marked(page, aged_url, width):
    other = page.context.new_page()
    try:
        other.set_viewport_size({"width": width, "height": WIDTHS[width]})
        other.goto(aged_url + "/")
        other.wait_for_selector("#warning-summary code", timeout=20000)
        now = api_json(aged_url + "/api/v1/iss/now")
        assert now["warnings"]                                   # the API warns: so must the page
        summary = other.inner_text("#warning-summary")
        age = abs(now["elements"]["age_days"])
        assert f"{age:.1f} days old" in summary and "off by about" in summary
        assert "iss-tracker tle update" in summary
        assert summary.count(".") <= 3 and len(summary) < 140    # one short sentence
        assert other.get_attribute("#warning", "open") is None  # details on demand
        assert other.locator("#warning-details").text_content() == " ".join(now["warnings"])
        assert other.locator("#warning").bounding_box()["height"] < 0.15 * WIDTHS[width]
        search(other, "Paris")
        other.wait_for_selector("#passes tbody tr", timeout=30000)
        api = api_json(f"{aged_url}/api/v1/passes?city=Paris&{PASS_QUERY}")
        check_rows_against_api(other, api)
        assert any(p["uncertainty_90_s"] > 60 for p in api["passes"])    # the case is exercised
        assert other.is_visible("#legend") and "Unreliable" in other.inner_text("#legend")
        # the warning is not repeated under the table
        assert "element set used" not in other.inner_text("#city-passes")
        scroll_w, inner_w = no_sideways_scroll(other)
        assert scroll_w <= inner_w
    finally:
        other.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_opening_a_pass_shows_its_sky_chart(page, server_url, width):
    """A pass row opens the pass's sky chart (issue 15.2): the image the API
    draws for the same listing, loaded under the page's CSP, fitting a phone."""
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    search(page, "Paris")
    page.wait_for_selector("#passes tbody tr.pass", timeout=30000)
    first = page.locator("#passes tbody tr.pass").first
    culm_shown = first.locator("td").nth(2).inner_text()
    first.click()
    page.wait_for_function("() => { const i = document.querySelector('#passes tr.sky img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=30000)
    assert first.get_attribute("aria-expanded") == "true"
    src = page.get_attribute("#passes tr.sky img", "src")
    assert "pass_index=0" in src and "start=" in src
    with urllib.request.urlopen(server_url + src) as r:
        assert r.headers["Content-Type"].startswith("image/svg+xml")
        svg = r.read().decode()
    label = re.search(r'class="culmination-time"[^>]*>([0-9:]+)', svg).group(1)
    assert label == culm_shown
    assert page.evaluate("document.querySelector('#passes tr.sky img').naturalWidth") == 360
    scroll_w, inner_w = no_sideways_scroll(page)
    assert scroll_w <= inner_w == width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sky_{width}.png"), full_page=True)
    first.press("Enter")                                   # the keyboard closes it again
    assert page.locator("#passes tr.sky").count() == 0
    assert first.get_attribute("aria-expanded") == "false"


def test_transits_are_listed_and_their_centre_lines_drawn(page, server_url):
    """Issue 15.1 on the map page: the place's transits and near misses (what
    /api/v1/transits answers) under the passes, centre lines on the map."""
    page.set_viewport_size({"width": 1280, "height": 900})
    search(page, "Paris")
    # a fresh search clears the status first, so this waits for this search's answer
    page.wait_for_function("() => { const s = document.getElementById('transit-status').textContent;"
                           " return !document.getElementById('city-transits').hidden &&"
                           " /transit|No transit/.test(s) && !s.startsWith('Looking'); }",
                           timeout=60000)
    api = api_json(f"{server_url}/api/v1/transits?city=2988507&days=30&allow_stale=true")
    items = page.locator("#transits li").all_inner_texts()
    assert len(items) == len(api["transits"]) > 0          # 2026-10-14: a near miss of the Sun
    for text, t in zip(items, api["transits"]):
        # ("Sun" alone could be Sunday's date)
        assert text.startswith("Near miss") == (t["kind"] == "near-miss")
        assert ("Moon" in text) == (t["body"] == "moon")
    d = page.get_attribute("#centerlines path", "d")
    assert d and d.count("M") >= sum(1 for t in api["transits"] if t["centerline"])
    assert page.is_visible("#centerline-key")
    search(page, "Xyzzyvillequux")                          # another place clears them
    page.wait_for_function("() => document.getElementById('pass-status').textContent.startsWith('No place found')",
                           timeout=10000)
    assert page.is_hidden("#city-transits") and page.locator("#centerlines path").count() == 0
