"""The batched pass service and the scan's below-the-horizon skipping.

* ``passes_for_places`` (several places, one track) gives each place the
  report ``passes_for_place`` gives it alone.
* The scan skips intervals and blocks of the track that lie below the
  observer's horizon plane (``tracker.services.events.track_blocks``,
  ``HERMITE_BOUND``). The bound itself is checked on the interpolant, and
  passes at a 0 deg threshold (where the skipping is tightest: it stops right
  at the horizon) against skyfield's ``find_events``.
"""
import math

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from tle.store import ElementStore
from tracker.places.gazetteer import Place, resolve
from tracker.services import events as K
from tracker.services import passes as P
from tracker.services.sampled_track import build_track

from helpers import DAY_S, sky_time_unix

PLACES = ["Paris", "Sydney", "Quito", "Reykjavik"]


@pytest.fixture(scope="module")
def window(store):
    es = store.sets[40]
    return ElementStore([es]), es.epoch_unix_s - DAY_S


def test_batched_reports_equal_single_reports(window):
    one, start = window
    places = [resolve(n) for n in PLACES] + [Place.from_coordinates(80.0, 15.0)]
    for visible_only in (False, True):
        batch = P.passes_for_places(places, start, 3, store=one, visible_only=visible_only)
        assert len(batch) == len(places)
        for place, rep in zip(places, batch):
            alone = P.passes_for_place(place, start, 3, store=one, visible_only=visible_only)
            assert rep.place == place
            assert rep.passes == alone.passes
            assert (rep.reason, rep.n_passes_total) == (alone.reason, alone.n_passes_total)
    assert batch[-1].passes == [] and "latitude 80.00" in batch[-1].reason
    assert sum(len(r.passes) for r in batch[:-1]) > 0


def test_block_spheres_hold_the_interpolated_track(store):
    """Every point of the Hermite track (1 s apart, across an element-set
    switch) lies inside its block's sphere."""
    switch = 0.5 * (store.sets[60].epoch_unix_s + store.sets[61].epoch_unix_s)
    track = build_track(ElementStore(store.sets[58:63]), switch - 0.25 * DAY_S,
                        switch + 0.25 * DAY_S, with_sun=False)
    t_s, r, v = track.t_s, track.r_itrf_km, track.v_itrf_km_s
    assert np.any(np.diff(t_s) == 0.0)                       # the window holds a switch
    centre, radius = K.track_blocks(t_s, r, v)
    assert centre.shape == (len(radius), 3) and np.all(np.isfinite(radius))
    worst = 0.0
    for i in range(t_s.shape[0] - 1):
        if t_s[i + 1] <= t_s[i]:
            continue
        q = np.linspace(t_s[i], t_s[i + 1], 31)
        pts = np.array([K.hermite(t_s, r, v, i, x)[:3] for x in q])
        b = i // K.SCAN_BLOCK
        d = np.linalg.norm(pts - centre[b], axis=1)
        worst = max(worst, float(np.max(d / radius[b])))
    assert worst < 1.0


def test_block_with_a_failed_sample_is_never_skipped():
    t = np.arange(0.0, 300.0, 30.0)
    r = np.tile([7000.0, 0.0, 0.0], (t.size, 1))
    v = np.tile([0.0, 7.5, 0.0], (t.size, 1))
    r[3] = np.nan
    _, radius = K.track_blocks(t, r, v)
    assert radius[0] == math.inf


@pytest.mark.parametrize("city", ["Paris", "Singapore", "Ushuaia"])
def test_horizon_passes_match_skyfield(city, store, ts):
    """At a 0 deg threshold rises and sets sit on the horizon itself, where
    the skipping stops: our events against find_events(altitude_degrees=0),
    and skyfield's altitude at our times."""
    es = store.sets[70]
    place = resolve(city)
    start = es.epoch_unix_s - DAY_S
    rep = P.passes_for_place(place, start, 2, store=ElementStore([es]), min_elevation_deg=0.0)
    sat = EarthSatellite(es.line1, es.line2, ts=ts)
    topos = wgs84.latlon(place.lat_deg, place.lon_deg, elevation_m=place.alt_m)
    t_sky, kinds = sat.find_events(topos, sky_time_unix(ts, start)[0],
                                   sky_time_unix(ts, start + 2 * DAY_S)[0], altitude_degrees=0.0)
    ours = []
    for p in rep.passes:
        ours += [(0, p.rise)] if p.rise else []
        ours += [(1, c) for c in p.culminations]
        ours += [(2, p.set)] if p.set else []
    assert [k for k, _ in ours] == list(kinds)
    u_ours = np.array([e.unix_s for _, e in ours])
    u_sky = np.array([d.timestamp() for d in t_sky.utc_datetime()])
    assert np.max(np.abs(u_ours - u_sky)) < 0.35
    edge = np.array(kinds) != 1
    alt = (sat - topos).at(sky_time_unix(ts, u_ours[edge])).altaz()[0].degrees
    assert np.max(np.abs(alt)) < 0.002


def test_more_passes_than_the_one_scan_table_holds():
    """An elevation oscillating about the threshold every 60 s: 21 passes in
    1,200 s, more than the rows the one-scan table gives an observer (4 +
    16 a day); the table is filled again and every crossing is where the
    analytic elevation crosses 10 deg."""
    from tracker.astro.frames_kernels import geodetic_to_itrf_one
    from tracker.services.sampled_track import SampledTrack

    def el(t):
        return 10.0 + 5.0 * np.sin(2 * np.pi * (t + 7.0) / 60.0)

    obs = np.empty(3)
    geodetic_to_itrf_one(0.0, 0.0, 0.0, obs)
    up, north = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])

    def pos(tt):
        e = np.radians(el(tt))
        return obs + 1000.0 * (np.sin(e)[:, None] * up + np.cos(e)[:, None] * north)

    t = np.arange(0.0, 1200.0 + 1.0, 2.0)
    h = 1e-4
    r = np.ascontiguousarray(pos(t))
    v = np.ascontiguousarray((pos(t + h) - pos(t - h)) / (2 * h))
    track = SampledTrack(1.0e9, t, r, v, r, v, None, None, None, None, [], [], 0)
    table = P.find_passes(track, [0.0], [0.0], [0.0], min_elevation_deg=10.0, sun_max_deg=None)
    rise, set_ = table.p[:, K.P_RISE], table.p[:, K.P_SET]
    # up at the start (a pass cut by the window), then up at 60 k - 7 s and down 30 s later
    assert table.obs.shape[0] == 21
    assert np.isnan(rise[0]) and np.isnan(set_[-1])
    k = np.arange(1, 21)
    np.testing.assert_allclose(rise[1:], 60.0 * k - 7.0, atol=1e-3)
    np.testing.assert_allclose(set_[:-1], 60.0 * k - 37.0, atol=1e-3)
