"""Sky charts (issue 15.2): one pass on a polar altitude/azimuth chart, SVG.

The path's directions are checked against skyfield (the same element set,
``(sat - observer).at(t).altaz()``), its visible part against skyfield's
``is_sunlit`` and the Sun's altitude, the drawing by mapping its points back
to directions, and the file is rendered by Chromium."""
from __future__ import annotations

import base64
import datetime as dt
import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tracker.api import create_app
from tracker.formats.skychart import RADIUS_PX, SIZE_PX, sky_chart_svg, sky_xy
from tracker.places.gazetteer import default_gazetteer
from tracker.services.passes import sky_path
from tle.store import load_store

SVG = "{http://www.w3.org/2000/svg}"
# 2015-12-20: evening passes over Beijing that end in Earth's shadow
START = dt.datetime(2015, 12, 20, tzinfo=dt.timezone.utc)
CLOCK = dt.datetime(2026, 10, 10, 12, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def beijing():
    return default_gazetteer().resolve("Beijing")


@pytest.fixture(scope="module")
def paths(beijing):
    store = load_store()
    first = sky_path(beijing, START.timestamp(), 1.0, index=0, store=store, visible_only=True)
    return [first] + [sky_path(beijing, START.timestamp(), 1.0, index=i, store=store,
                               visible_only=True) for i in range(1, len(first.report.passes))]


def test_path_directions_match_skyfield(paths, beijing, ts):
    from skyfield.api import EarthSatellite, wgs84
    worst = 0.0
    for path in paths:
        es = next(seg[2] for seg in path.report.element_sets
                  if seg[0] <= path.pass_.peak.unix_s <= seg[1])
        sat = EarthSatellite(es.line1, es.line2, ts=ts)
        where = wgs84.latlon(beijing.lat_deg, beijing.lon_deg, beijing.alt_m)
        t = ts.from_datetimes([dt.datetime.fromtimestamp(u, dt.timezone.utc)
                               for u in path.unix_s.tolist()])
        alt, az, _ = (sat - where).at(t).altaz()
        d_el = np.abs(path.elevation_deg - alt.degrees)
        d_az = np.abs((path.azimuth_deg - az.degrees + 180.0) % 360.0 - 180.0)
        d_az *= np.cos(np.radians(alt.degrees))          # on the sky, not in azimuth
        worst = max(worst, float(d_el.max()), float(d_az.max()))
        assert path.elevation_deg.min() >= path.report.min_elevation_deg - 1e-3
        assert np.all(np.diff(path.unix_s) > 0) and np.diff(path.unix_s).max() <= 5.0 + 1e-9
    assert worst < 0.01, worst         # degrees (measured ~1e-4)


def test_visible_part_is_sunlit_under_a_dark_sky(paths, beijing, ts, eph):
    from skyfield.api import EarthSatellite, wgs84
    where = wgs84.latlon(beijing.lat_deg, beijing.lon_deg, beijing.alt_m)
    checked = 0
    for path in paths:
        p = path.pass_
        es = next(seg[2] for seg in path.report.element_sets if seg[0] <= p.peak.unix_s <= seg[1])
        sat = EarthSatellite(es.line1, es.line2, ts=ts)
        # away from the boundaries: skyfield's is_sunlit treats the Sun as a
        # point, ours the umbra's edge (the penumbra takes ~8 s to cross); 10 s
        inner = np.ones(len(path.unix_s), bool)
        for e in (p.appear, p.disappear):
            if e is not None:
                inner &= np.abs(path.unix_s - e.unix_s) > 10.0
        u = path.unix_s[inner]
        t = ts.from_datetimes([dt.datetime.fromtimestamp(x, dt.timezone.utc) for x in u.tolist()])
        sunlit = sat.at(t).is_sunlit(eph)
        sun_alt = (eph["earth"] + where).at(t).observe(eph["sun"]).apparent().altaz()[0].degrees
        theirs = sunlit & (sun_alt <= path.report.sun_max_deg)
        bad = np.nonzero(path.visible[inner] != theirs)[0]
        assert not bad.size, [(dt.datetime.fromtimestamp(u[k], dt.timezone.utc).isoformat(),
                               bool(path.visible[inner][k]), bool(sunlit[k]), float(sun_alt[k]))
                              for k in bad[:5]] + [p.appear, p.disappear, p.set]
        checked += len(u)
    assert checked > 100


def _parse(svg_text):
    root = ET.fromstring(svg_text)
    return root, list(root.iter())


def _back_to_sky(x, y):
    c = SIZE_PX / 2.0
    r = math.hypot(x - c, y - c)
    return math.degrees(math.atan2(c - x, c - y)) % 360.0, 90.0 - 90.0 * r / RADIUS_PX


def test_drawing_maps_back_to_the_path(paths):
    path = max(paths, key=lambda q: q.pass_.peak.elevation_deg)
    root, nodes = _parse(sky_chart_svg(path, "Asia/Shanghai"))
    circles = {n.get("class"): n for n in nodes if n.tag == SVG + "circle"}
    assert float(circles["horizon"].get("r")) == RADIUS_PX
    assert float(circles["ring ring-30"].get("r")) == pytest.approx(RADIUS_PX * 60 / 90, abs=0.05)
    assert float(circles["ring ring-60"].get("r")) == pytest.approx(RADIUS_PX * 30 / 90, abs=0.05)
    compass = [n.text for n in nodes if n.tag == SVG + "text" and n.get("class") == "compass"]
    assert compass == ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
    # north up, east left (the sky seen from below)
    assert sky_xy(0, 0)[1] < SIZE_PX / 2 and sky_xy(90, 0)[0] < SIZE_PX / 2
    visible = [n for n in nodes if n.tag == SVG + "polyline" and n.get("class") == "visible"]
    assert visible, "a visible pass draws its visible part"
    drawn = [tuple(map(float, xy.split(","))) for xy in visible[0].get("points").split()]
    want = [(a, e) for a, e, v in zip(path.azimuth_deg, path.elevation_deg, path.visible) if v]
    got = [_back_to_sky(x, y) for x, y in drawn]
    # the polyline starts one point before the visible part (joining the dashed part)
    for (az, el), (gaz, gel) in zip(want[-len(got) + 1:], got[1:]):
        assert abs(gel - el) < 0.5 and (el > 85 or abs((gaz - az + 180) % 360 - 180) < 1.0)
    # the culmination and its local time
    p = path.pass_
    top = p.culmination or p.peak
    label = next(n.text for n in nodes if n.get("class") == "culmination-time")
    local = dt.datetime.fromtimestamp(round(top.unix_s), dt.timezone(dt.timedelta(hours=8)))
    assert label.startswith(local.strftime("%H:%M:%S"))
    az, el = _back_to_sky(float(circles["culmination"].get("cx")),
                          float(circles["culmination"].get("cy")))
    assert abs(el - top.elevation_deg) < 0.5


def test_shadow_entry_is_marked(paths):
    into = [q for q in paths if q.pass_.disappears_into_shadow]
    assert into, "Beijing's evening passes of 2015-12-20 end in Earth's shadow"
    path = into[0]
    _, nodes = _parse(sky_chart_svg(path, "Asia/Shanghai"))
    mark = next(n for n in nodes if n.get("class") == "shadow-entry")
    az, el = _back_to_sky(float(mark.get("cx")), float(mark.get("cy")))
    assert abs(el - path.pass_.disappear.elevation_deg) < 0.5
    assert any(n.text and n.text.startswith("enters shadow") for n in nodes)
    lit = [q for q in paths if not q.pass_.disappears_into_shadow]
    for q in lit:
        assert not any(n.get("class") == "shadow-entry" for n in _parse(sky_chart_svg(q))[1])


def test_hostile_place_names_are_escaped(paths):
    svg = sky_chart_svg(paths[0], title="<script>alert(1)</script> & co")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _parse(svg)                                       # still well-formed XML


@pytest.fixture(scope="module")
def client():
    return create_app({"CLOCK": lambda: CLOCK, "TESTING": True}).test_client()


def test_api_sky_svg(client):
    q = "city=Beijing&start=2015-12-20T00:00:00Z&days=1&visible_only=true"
    listing = client.get(f"/api/v1/passes?{q}").get_json()["passes"]
    r = client.get(f"/api/v1/passes/sky.svg?{q}&pass_index={len(listing) - 1}")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert "Content-Security-Policy" in r.headers and r.headers["X-Content-Type-Options"] == "nosniff"
    _, nodes = _parse(r.get_data(as_text=True))
    label = next(n.text for n in nodes if n.get("class") == "culmination-time")
    culm = listing[-1]["culmination"]["time_local"]
    assert label.startswith(culm[11:19])


@pytest.mark.parametrize("extra, status", [("&pass_index=99", 400), ("&pass_index=-1", 400),
                                           ("&pass_index=x", 400), ("&pass_index=500", 400)])
def test_api_sky_svg_bad_index(client, extra, status):
    r = client.get("/api/v1/passes/sky.svg?city=Beijing&start=2015-12-20T00:00:00Z&days=1"
                   "&visible_only=true" + extra)
    assert r.status_code == status and r.mimetype == "application/problem+json"
    assert r.get_json()["parameter"] == "pass_index"


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                    reason="Debian chromium not installed")
def test_chromium_renders_the_chart(paths, tmp_path):
    from playwright import sync_api
    path = max(paths, key=lambda q: q.pass_.peak.elevation_deg)
    data = base64.b64encode(sky_chart_svg(path, "Asia/Shanghai").encode()).decode()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 400, "height": 420})
        page.set_content(f'<img id="c" src="data:image/svg+xml;base64,{data}">')
        page.wait_for_function("document.getElementById('c').complete")
        size = page.evaluate("[document.getElementById('c').naturalWidth, "
                             "document.getElementById('c').naturalHeight]")
        png = page.locator("#c").screenshot(path=str(tmp_path / "sky.png"))
        browser.close()
    assert size[0] == SIZE_PX and size[1] > SIZE_PX
    # the yellow visible path is drawn: count yellow-ish pixels in the PNG
    import matplotlib.image as mpimg
    img = mpimg.imread(tmp_path / "sky.png")
    yellow = (img[..., 0] > 0.9) & (img[..., 1] > 0.7) & (img[..., 2] < 0.5)
    assert yellow.sum() > 50 and png


def test_cli_writes_the_chart_of_the_listed_pass(capsys, tmp_path, client):
    from helpers import assert_one_line_error, run_cli
    out_svg = tmp_path / "pass.svg"
    argv = ("passes", "--city", "Beijing", "--start", "2015-12-20T00:00:00Z", "--days", "1",
            "--visible-only")
    code, out, err = run_cli(capsys, *argv, "--sky-chart", str(out_svg), "--pass-index", "1")
    assert code == 0 and "wrote the sky chart of pass 1" in err
    api = client.get("/api/v1/passes/sky.svg?city=Beijing&start=2015-12-20T00:00:00Z&days=1"
                     "&visible_only=true&pass_index=1").get_data(as_text=True)
    assert out_svg.read_text() == api
    assert_one_line_error(*run_cli(capsys, *argv, "--sky-chart", str(out_svg), "--pass-index", "9"),
                          "pass_index")
    assert_one_line_error(*run_cli(capsys, *argv, "--sky-chart", str(tmp_path / "no" / "x.svg")),
                          "cannot write the sky chart")
