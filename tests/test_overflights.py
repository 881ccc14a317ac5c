"""Overflights against skyfield 1.55.

Oracle: ``wgs84.subpoint_of(EarthSatellite(...).at(t))`` for the geodetic
sub-satellite point (with the element set the store picks at t), the
great-circle distance written out here (spherical law of cosines on the
6371.0088 km mean sphere, a different formula from the haversine used in
the code), skyfield's geometric Sun altitude at the sub-satellite point and
``is_sunlit`` with the DE421 ephemeris from skyfield-data.
"""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from tle.store import ElementStore
from tracker.services import overflights as O
from tracker.errors import TimeRangeError, UserError
from tracker.places.gazetteer import Place, resolve

from helpers import DAY_S, sky_time_unix

R_KM = 6371.0088


def gc_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(np.radians(np.asarray(lon2) - lon1))
    return R_KM * np.arccos(np.clip(c, -1.0, 1.0))


def sky_distance(sat, ts, place, unix_s):
    sp = wgs84.geographic_position_of(sat.at(sky_time_unix(ts, unix_s)))
    return gc_km(place.lat_deg, place.lon_deg, sp.latitude.degrees, sp.longitude.degrees), sp


@pytest.mark.parametrize("city, set_index, radius", [("Paris", 40, 500.0), ("Ho Chi Minh City", 10, 300.0),
                                                     ("Punta Arenas", -4, 800.0), ("Cairo", 60, 150.0)])
def test_overflights_match_skyfield(city, set_index, radius, ts, eph, store):
    es = store.sets[set_index]
    store = ElementStore([es])
    place = resolve(city)
    start = es.epoch_unix_s - 1.5 * DAY_S
    end = start + 3 * DAY_S
    rep = O.find_overflights(place, start, end, store=store, radius_km=radius)
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    # skyfield, sampled every 8 s over the window: every dip below the radius
    u = np.arange(start, end, 8.0)
    d, _ = sky_distance(sat, ts, place, u)
    k = np.nonzero((d[1:-1] <= d[:-2]) & (d[1:-1] < d[2:]) & (d[1:-1] < radius - 5.0))[0] + 1
    ours = np.array([o.unix_s for o in rep.overflights])
    assert len(ours) >= len(k) and len(ours) > 0
    for t in u[k]:
        assert np.min(np.abs(ours - t)) < 8.0
    for o in rep.overflights:
        assert start <= o.unix_s < end and o.ground_distance_km <= radius
        dd, sp = sky_distance(sat, ts, place, [o.unix_s - 0.5, o.unix_s, o.unix_s + 0.5])
        assert dd[1] <= dd[0] + 1e-3 and dd[1] <= dd[2] + 1e-3      # a minimum to +-0.5 s
        assert o.ground_distance_km == pytest.approx(dd[1], abs=0.05)
        # 3e-4 deg (33 m): we apply polar motion, skyfield's built-in timescale does not
        assert o.lat_deg == pytest.approx(sp.latitude.degrees[1], abs=3e-4)
        assert o.altitude_km == pytest.approx(sp.elevation.km[1], abs=0.01)
        for edge in (o.enter_unix_s, o.exit_unix_s):
            if edge is not None:
                assert sky_distance(sat, ts, place, [edge])[0][0] == pytest.approx(radius, abs=0.05)
        t = sky_time_unix(ts, o.unix_s)
        sun_alt = (eph["sun"] - (eph["earth"] + wgs84.latlon(o.lat_deg, o.lon_deg))).at(t).altaz()[0].degrees
        assert o.sun_altitude_deg == pytest.approx(sun_alt[0], abs=0.02)
        assert o.dark == (o.sun_altitude_deg < -6.0)
        lit = sat.at(sky_time_unix(ts, [o.unix_s - 10, o.unix_s, o.unix_s + 10])).is_sunlit(eph)
        if lit.all() or not lit.any():                      # not within 10 s of a shadow edge
            assert o.station_sunlit == bool(lit[1])
        assert o.timing_uncertainty_s > 0 and o.element_set_epoch_unix_s == es.epoch_unix_s


def test_multi_set_window_uses_the_store_choice(ts, store):
    place = resolve("Madrid")
    start = store.sets[30].epoch_unix_s
    rep = O.find_overflights(place, start, start + 8 * DAY_S, store=store, radius_km=400)
    assert len(rep.element_sets) > 2 and rep.overflights
    for o in rep.overflights:
        es = store.nearest(o.unix_s).element_set
        assert o.element_set_epoch_unix_s == es.epoch_unix_s
        sat = EarthSatellite(es.line1, es.line2, ts=ts)
        d, _ = sky_distance(sat, ts, place, [o.unix_s])
        assert o.ground_distance_km == pytest.approx(d[0], abs=0.05)


def test_chunk_boundaries_lose_nothing(store):
    """Chunked (5-day) and a window starting elsewhere give the same overflights."""
    place = resolve("Quito")
    start = store.sets[50].epoch_unix_s
    a = O.find_overflights(place, start, start + 12 * DAY_S, store=store, radius_km=600)
    b = O.find_overflights(place, start - 3.3 * DAY_S, start + 15 * DAY_S, store=store, radius_km=600)
    ta = [o.unix_s for o in a.overflights]
    tb = [o.unix_s for o in b.overflights if start <= o.unix_s < start + 12 * DAY_S]
    assert len(ta) > 10 and ta == pytest.approx(tb, abs=1e-3)


def test_night_only(store):
    place = resolve("Ho Chi Minh City")
    start = store.sets[20].epoch_unix_s
    every = O.find_overflights(place, start, start + 10 * DAY_S, store=store, radius_km=500)
    night = O.find_overflights(place, start, start + 10 * DAY_S, store=store, radius_km=500,
                               night_only=True)
    assert night.n_total == len(every.overflights)
    assert [o.unix_s for o in night.overflights] == [o.unix_s for o in every.overflights if o.dark]
    assert 0 < len(night.overflights) < len(every.overflights)


def test_far_from_the_orbit_has_none(store):
    start = store.sets[20].epoch_unix_s
    rep = O.find_overflights(Place.from_coordinates(75.0, 0.0), start, start + 3 * DAY_S,
                             store=store, radius_km=100)
    assert rep.overflights == [] and rep.n_total == 0


@pytest.mark.parametrize("start, end, radius, exc, what", [
    (0.0, 86400.0, 0.0, UserError, "radius 0"),
    (0.0, 86400.0, 3000.0, UserError, "at most 2500"),
    (86400.0, 0.0, 100.0, TimeRangeError,
     r"end \(1970-01-01T00:00:00.000Z\) must be after start \(1970-01-02T00:00:00.000Z\)"),
    (0.0, 800 * 86400.0, 100.0, TimeRangeError, "at most 731"),
    # outside the services' range (the Sun ephemeris ends in 2053): was EphemerisRangeError
    (2524608000.0, 2524608000.0 + 86400.0, 100.0, TimeRangeError, "start: 2050-01-01"),
    (2524608000.0 - 86400.0, 2524608000.0, 100.0, TimeRangeError, "end: 2050-01-01"),
])
def test_validation(start, end, radius, exc, what):
    with pytest.raises(exc, match=what):
        O.validate(start, end, radius)


def test_api_answers_what_the_cli_answers_over_the_year_in_space(capsys):
    """Issue 16.2: one range for both (tracker.ranges.OVERFLIGHT_DAYS, two
    years); the Year in Space over Ho Chi Minh City, night only, both ways."""
    import datetime as dt
    import json

    from helpers import run_cli
    from tracker.api import create_app
    from tracker.ranges import OVERFLIGHT_DAYS
    assert OVERFLIGHT_DAYS[1] >= 366
    client = create_app({"CLOCK": lambda: dt.datetime(2026, 10, 10, 12, tzinfo=dt.timezone.utc),
                         "TESTING": True}).test_client()
    days = (dt.datetime(2016, 3, 2, 4, 26, tzinfo=dt.timezone.utc)
            - dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=dt.timezone.utc)) / dt.timedelta(days=1)
    r = client.get("/api/v1/overflights", query_string={
        "city": "Ho Chi Minh City", "start": "2015-03-27T19:42:57Z", "days": repr(days),
        "night_only": "true"})
    assert r.status_code == 200, r.get_json()
    code, out, err = run_cli(capsys, "overflights", "--city", "Ho Chi Minh City", "--start",
                             "2015-03-27T19:42:57Z", "--end", "2016-03-02T04:26:00Z",
                             "--night-only", "--json")
    assert code == 0, err
    api, cli = r.get_json(), json.loads(out)
    assert api["count"] == cli["count"] > 10
    assert api["overflights"] == cli["overflights"]
    too_long = client.get("/api/v1/overflights", query_string={
        "city": "Paris", "days": str(OVERFLIGHT_DAYS[1] + 1)})
    assert too_long.status_code == 400 and too_long.get_json()["parameter"] == "days"
