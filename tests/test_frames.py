"""tracker.astro.frames: TEME -> ITRF -> WGS-84, topocentric, Earth orientation.

Oracle: skyfield 1.55 with ``load.timescale(builtin=True)`` (built by
skyfield's own loader from the same bundled tables) plus the polar-motion
table from the skyfield-data ``finals2000A.all`` read by skyfield's own
parser and installed with ``skyfield.data.iers.install_polar_motion_table``.
Skyfield converts TEME -> GCRS (GMST 1982 minus GAST, then the
precession-nutation matrix) and GCRS -> ITRS (GAST, polar motion): a
different route, so agreement checks both.
"""
import datetime as dt
import math
import os
import random

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs
from skyfield.sgp4lib import theta_GMST1982

from tle.parse import checksum, parse_tle_pair
from tracker.astro import timescale as T
from tracker.astro.frames import (EarthOrientation, footprint_km, geodetic_to_itrf,
                                  itrf_to_geodetic, teme_to_itrf, topocentric)
from tracker.astro.frames_kernels import gmst82_rad
from tracker.astro.time import Instant, unix_to_jdfr
from tracker.constants import JD_UNIX_EPOCH, MEAN_EARTH_RADIUS_KM
from tracker.propagator.api import Elements, propagate

from helpers import sky_time_jdfr, sky_time_unix

UTC = dt.timezone.utc
pytestmark = pytest.mark.nojit


def random_states(iss_sets, n_per_set, seed):
    """(jd, fr, r_teme, v_teme, element set index) at random times within 2 days of each epoch."""
    rng = np.random.default_rng(seed)
    out = []
    for k, s in enumerate(iss_sets):
        unix = s.epoch_unix_s + rng.uniform(-2, 2, n_per_set) * 86400.0
        jd, fr = unix_to_jdfr(unix)
        e, r, v = propagate(Elements.from_element_sets([s]), jd, fr)
        assert not e.any()
        out.append((jd, fr, r[0], v[0], np.full(n_per_set, k)))
    return [np.concatenate(parts) for parts in zip(*out)]


def test_gmst82_matches_skyfield():
    rng = np.random.default_rng(3)
    for jd, fr in zip(JD_UNIX_EPOCH + rng.integers(0, 25000, 50), rng.uniform(0, 1, 50)):
        theta, theta_dot = gmst82_rad(jd, fr)
        ref, ref_dot = theta_GMST1982(jd, fr)
        assert abs((theta - ref + math.pi) % (2 * math.pi) - math.pi) < 1e-12
        assert abs(theta_dot - ref_dot / 86400.0) < 1e-18


# Years the services answer for (tracker.astro.time.SERVICE_RANGE_TEXT).
SPAN_UNIX_S = (dt.datetime(1960, 1, 1, tzinfo=UTC).timestamp(),
               dt.datetime(2050, 1, 1, tzinfo=UTC).timestamp())


def test_ut1_and_polar_motion_match_skyfield_1960_2049(eop, ts):
    # Inside the daily table (1973-2027) and outside it, where skyfield's
    # long-term Delta T applies: UT1 within 1 microsecond (the issue asks 1 ms).
    rng = np.random.default_rng(4)
    unix = np.concatenate([rng.uniform(*SPAN_UNIX_S, 3000),
                           rng.uniform(1.0e8, 1.78e9, 300)])
    jd, fr = unix_to_jdfr(unix)
    t = sky_time_jdfr(ts, jd, fr)
    assert np.max(np.abs(eop.ut1_minus_utc_s(jd, fr) - t.dut1)) < 1e-6
    _, x_as, y_as = t.polar_motion_angles()
    xp, yp = eop.polar_motion_rad(jd, fr)
    arcsec = math.pi / 180 / 3600
    assert np.max(np.abs(xp / arcsec - x_as)) < 1e-9
    assert np.max(np.abs(yp / arcsec - y_as)) < 1e-9
    # An Instant gives the same, from the same timescale.
    inst = Instant.from_unix(unix)
    assert np.max(np.abs(inst.dut1_s - t.dut1)) < 1e-6
    tt_whole, tt_fr = inst.tt
    assert np.max(np.abs((tt_whole - t.whole) + (tt_fr - t.tt_fraction))) * 86400 < 1e-6
    ut1_whole, ut1_fr = inst.ut1
    assert np.max(np.abs((ut1_whole - t.whole) + (ut1_fr - t.ut1_fraction))) * 86400 < 1e-6


def test_polar_motion_reader_matches_skyfields_parser():
    from skyfield.data import iers

    mjd, x, y = T.read_finals_polar_motion(T.finals_path())
    with open(T.finals_path(), "rb") as f:
        ref = iers.parse_x_y_dut1_from_finals_all(f)
    assert len(mjd) == len(ref) > 19000
    assert np.array_equal(mjd, ref["utc_mjd"])
    assert np.array_equal(x, ref["x_arcseconds"]) and np.array_equal(y, ref["y_arcseconds"])


def test_leap_seconds_match_published_values(eop):
    # IERS Bulletin C: TAI-UTC 10 s from 1972-01-01, 11 s from 1972-07-01,
    # 35 s from 2012-07-01, 36 s from 2015-07-01, 37 s from 2017-01-01.
    def at(text):
        return float(eop.tai_minus_utc_s(Instant.parse(text)))
    assert at("1972-06-30T23:59:59Z") == 10.0 and at("1972-07-01T00:00:00Z") == 11.0
    assert at("2015-06-30T23:59:59Z") == 35.0 and at("2015-07-01T00:00:00Z") == 36.0
    assert at("2016-12-31T23:59:59Z") == 36.0 and at("2017-01-01T00:00:00Z") == 37.0
    assert at("2049-12-31T00:00:00Z") == 37.0
    # UT1-UTC jumps by +1 s across the 2015-06-30 leap second.
    before = eop.ut1_minus_utc_s(2457203.5, 1.0 - 1e-6)
    after = eop.ut1_minus_utc_s(2457204.5, 1e-6)
    assert 0.99 < after - before < 1.01
    # Outside the polar-motion table skyfield holds the edge values; so do we.
    first, last = eop.polar_motion_rad(np.array([2400000.5, 2460000.5 + 9000]), np.zeros(2))
    table = eop.timescale.polar_motion_table
    arcsec = math.pi / 180 / 3600
    assert first[0] == pytest.approx(table[1][0] * arcsec, abs=1e-15)
    assert first[1] == pytest.approx(table[1][-1] * arcsec, abs=1e-15)
    # UT1 = UTC and no polar motion; NaN times give NaN.
    zero = EarthOrientation.zero()
    dut1, xp, yp = zero.orientation(np.array([2457000.5, np.nan]), np.array([0.25, 0.0]))
    assert dut1[0] == 0.0 and xp[0] == 0.0 and np.isnan(dut1[1]) and np.isnan(yp[1])
    assert np.isnan(eop.ut1_minus_utc_s(np.array([np.nan]), np.array([0.0]))).all()


def iss_tle_with_epoch(line1, line2, when: dt.datetime):
    """The same ISS elements with their epoch moved to ``when`` (new checksum)."""
    start = dt.datetime(when.year, 1, 1, tzinfo=UTC)
    day = 1.0 + (when - start).total_seconds() / 86400.0
    body = f"{line1[:18]}{when.year % 100:02d}{day:012.8f}{line1[32:68]}"
    return body + str(checksum(body)), line2


def test_sub_satellite_point_matches_skyfield_1960_2049(eop, ts, iss_sets):
    """Sub-satellite point (lat, lon, alt) against skyfield's, at seeded random
    times over 1960-2049: the element set is one shipped ISS set with its epoch
    moved near each time, so both sides propagate the same elements over a
    day and only Earth orientation and geodesy are compared."""
    rnd = random.Random(12345)
    base = iss_sets[0]
    worst_m = 0.0
    for _ in range(60):
        when = dt.datetime.fromtimestamp(rnd.uniform(SPAN_UNIX_S[0] + 86400, SPAN_UNIX_S[1] - 86400),
                                         UTC).replace(microsecond=0)
        line1, line2 = iss_tle_with_epoch(base.line1, base.line2, when)
        es = parse_tle_pair(line1, line2)
        unix = es.epoch_unix_s + np.array([rnd.uniform(-86400, 86400) for _ in range(5)])
        jd, fr = unix_to_jdfr(unix)
        e, r, v = propagate(Elements.from_element_sets([es]), jd, fr)
        assert not e.any()
        r_itrf, _ = teme_to_itrf(jd, fr, r[0], v[0], eop=eop)
        lat, lon, alt = itrf_to_geodetic(r_itrf)
        gp = wgs84.geographic_position_of(EarthSatellite(line1, line2, ts=ts).at(
            sky_time_unix(ts, unix)))
        north_m = np.radians(lat - gp.latitude.degrees) * 6371e3
        east_m = (np.radians((lon - gp.longitude.degrees + 180) % 360 - 180)
                  * 6371e3 * np.cos(np.radians(lat)))
        up_m = (alt - gp.elevation.km) * 1e3
        worst_m = max(worst_m, float(np.max(np.sqrt(north_m ** 2 + east_m ** 2 + up_m ** 2))))
    # The issue asks for 5 m; measured 2.3 mm (the two routes differ by ~1e-8 deg).
    assert worst_m < 0.01, worst_m


def test_teme_to_geodetic_matches_skyfield(eop, ts, iss_sets):
    jd, fr, r, v, k = random_states(iss_sets, 40, seed=5)
    r_itrf, v_itrf = teme_to_itrf(jd, fr, r, v, eop=eop)
    t = sky_time_jdfr(ts, jd, fr)
    ref_r, ref_v = np.empty((len(jd), 3)), np.empty((len(jd), 3))
    for i, s in enumerate(iss_sets):
        sel = k == i
        pos = EarthSatellite(s.line1, s.line2, ts=ts).at(t[sel])
        rr, vv = pos.frame_xyz_and_velocity(itrs)
        ref_r[sel], ref_v[sel] = rr.km.T, vv.km_per_s.T
    # 3e-7 km is 0.3 mm (measured 2.5e-7 km).
    assert np.max(np.linalg.norm(r_itrf - ref_r, axis=1)) < 3e-7
    # Earth-fixed velocity (rotation term included): 5 mm/s. Skyfield's TEME ->
    # GCRS velocity leaves out the rate of the precession-nutation matrix and
    # its ITRS velocity uses a constant Earth rate; we measured ~1.1 mm/s.
    assert np.max(np.linalg.norm(v_itrf - ref_v, axis=1)) < 5e-6
    # Earth-fixed speed of the ISS is ~0.46 km/s below its inertial speed near the equator.
    assert np.all(np.linalg.norm(v_itrf, axis=1) < np.linalg.norm(v, axis=1))


def test_geodetic_matches_skyfield_at_the_readme_figures(eop, ts, iss_sets):
    """README: sub-satellite latitude/longitude and altitude against skyfield
    over 10,000 random times in 2015-2016, worst 2e-8 deg and 6e-8 m (each
    time with the newest shipped set at or before it)."""
    n = 1000 if os.environ.get("NUMBA_DISABLE_JIT") == "1" else 10_000
    epochs = np.array([s.epoch_unix_s for s in iss_sets])
    rng = np.random.default_rng(12345)
    unix = np.sort(rng.uniform(epochs.min(), epochs.max(), n))
    k = np.clip(np.searchsorted(epochs, unix, side="right") - 1, 0, len(iss_sets) - 1)
    jd, fr = unix_to_jdfr(unix)
    worst = np.zeros(3)
    for i in np.unique(k):
        sel = k == i
        s = iss_sets[i]
        e, r, _ = propagate(Elements.from_element_sets([s]), jd[sel], fr[sel])
        assert not e.any()
        lat, lon, alt = itrf_to_geodetic(teme_to_itrf(jd[sel], fr[sel], r[0], eop=eop)[0])
        assert np.all((lon > -180) & (lon <= 180))
        gp = wgs84.geographic_position_of(
            EarthSatellite(s.line1, s.line2, ts=ts).at(sky_time_jdfr(ts, jd[sel], fr[sel])))
        worst = np.maximum(worst, [np.max(np.abs(lat - gp.latitude.degrees)),
                                   np.max(np.abs((lon - gp.longitude.degrees + 180) % 360 - 180)),
                                   np.max(np.abs(alt - gp.elevation.km)) * 1e3])
    # 2e-8 and 6e-8 as the README rounds them (one significant figure).
    assert worst[0] < 2.5e-8 and worst[1] < 2.5e-8, worst
    assert worst[2] < 6.5e-8, worst


def test_teme_to_itrf_without_velocity_and_nan_rows(eop):
    r = np.array([[6778.0, 100.0, 50.0], [np.nan, np.nan, np.nan]])
    jd = np.array([2457100.5, 2457100.5])
    fr = np.array([0.25, 0.25])
    r_itrf, v_itrf = teme_to_itrf(jd, fr, r, eop=eop)
    assert v_itrf is None
    assert abs(np.linalg.norm(r_itrf[0]) - np.linalg.norm(r[0])) < 1e-9
    lat, lon, alt = itrf_to_geodetic(r_itrf)
    assert np.isnan(lat[1]) and np.isnan(alt[1]) and np.isfinite(alt[0])


@pytest.mark.parametrize("lat_deg", [-90.0, -89.9999, -45.5, 0.0, 12.3, 51.6, 89.99, 90.0])
@pytest.mark.parametrize("alt_km", [-0.4, 0.0, 420.0, 35786.0])
def test_geodetic_round_trip_and_skyfield(lat_deg, alt_km):
    lon_deg = -122.25
    r = geodetic_to_itrf(lat_deg, lon_deg, alt_km)
    ref = wgs84.latlon(lat_deg, lon_deg, elevation_m=alt_km * 1000.0).itrs_xyz.km
    assert np.max(np.abs(r - ref)) < 1e-9
    lat, lon, alt = itrf_to_geodetic(r)
    assert abs(lat - lat_deg) < 1e-9
    assert abs(alt - alt_km) < 1e-7       # 0.1 mm
    if abs(lat_deg) < 90.0:
        assert abs(lon - lon_deg) < 1e-9


def test_longitude_range():
    lat, lon, _ = itrf_to_geodetic(np.array([[-7000.0, 0.0, 0.0], [-7000.0, -1e-300, 0.0],
                                             [7000.0, 0.0, 0.0], [0.0, -7000.0, 0.0]]))
    assert list(lon) == [180.0, 180.0, 0.0, -90.0]


def test_topocentric_matches_skyfield(eop, ts, iss_sets):
    jd, fr, r, v, k = random_states(iss_sets[:4], 100, seed=6)
    r_itrf, _ = teme_to_itrf(jd, fr, r, eop=eop)
    lat_deg, lon_deg, alt_km = 40.7128, -74.0060, 0.010
    az, el, rng_km = topocentric(r_itrf, lat_deg, lon_deg, alt_km)
    t = sky_time_jdfr(ts, jd, fr)
    observer = wgs84.latlon(lat_deg, lon_deg, elevation_m=alt_km * 1000)
    for i, s in enumerate(iss_sets[:4]):
        sel = k == i
        sat = EarthSatellite(s.line1, s.line2, ts=ts)
        ref_el, ref_az, ref_rng = (sat - observer).at(t[sel]).altaz()
        assert np.max(np.abs(el[sel] - ref_el.degrees)) < 1e-5
        daz = (az[sel] - ref_az.degrees + 180) % 360 - 180
        assert np.max(np.abs(daz * np.cos(np.radians(el[sel])))) < 1e-5
        assert np.max(np.abs(rng_km[sel] - ref_rng.km)) < 1e-4
    assert np.all((az >= 0) & (az < 360)) and np.all((el >= -90) & (el <= 90))


def test_topocentric_cardinal_directions():
    obs = geodetic_to_itrf(0.0, 0.0, 0.0)
    # Straight up, due north-ish (towards +z), due east (towards +y).
    points = np.array([obs * 1.1, obs + [0.0, 0.0, 100.0], obs + [0.0, 100.0, 0.0]])
    az, el, rng_km = topocentric(points, 0.0, 0.0, 0.0)
    assert abs(el[0] - 90.0) < 1e-9
    assert abs(az[1] - 0.0) < 1e-9 and abs(el[1]) < 1e-9
    assert abs(az[2] - 90.0) < 1e-9 and abs(rng_km[2] - 100.0) < 1e-9


def test_footprint_is_the_zero_elevation_circle():
    # Independent check by vectors on a sphere: a ground point half a footprint
    # away from the sub-satellite point sees the satellite on its horizon.
    radius = MEAN_EARTH_RADIUS_KM
    for alt_km in (200.0, 420.0, 1000.0, 35786.0):
        half_angle = footprint_km(alt_km) / 2.0 / radius
        ground = radius * np.array([math.cos(half_angle), math.sin(half_angle), 0.0])
        sat = np.array([radius + alt_km, 0.0, 0.0])
        up = ground / radius
        to_sat = sat - ground
        elevation = math.degrees(math.asin(np.dot(up, to_sat) / np.linalg.norm(to_sat)))
        assert abs(elevation) < 1e-9
    # Published order of magnitude for the ISS: a ~4,500 km wide circle.
    assert 4400 < footprint_km(420.0) < 4600
    assert np.allclose(footprint_km(np.array([0.0, 420.0])), [0.0, footprint_km(420.0)])


def test_daily_orientation_nodes_match_skyfield_at_every_time():
    """Many times go through daily nodes (timescale.DAILY_NODES_ABOVE): against
    skyfield at every time, over 1960-2049 and across leap seconds (the jump
    stays between two days)."""
    from tracker.astro import timescale as T
    rnd = np.random.default_rng(2049)
    unix = np.sort(np.concatenate([
        rnd.uniform(SPAN_UNIX_S[0], SPAN_UNIX_S[1] - 86400, 3000),
        # the last and first minutes around the leap seconds of 2016-12-31 and 1972-06-30
        1483228800.0 + rnd.uniform(-300, 300, 400), 78796800.0 + rnd.uniform(-300, 300, 400)]))
    jd, fr = unix_to_jdfr(unix)
    assert unix.size > T.DAILY_NODES_ABOVE
    ours = T.earth_orientation(jd, fr)
    ref = T._earth_orientation_direct(*T._finite_split(jd, fr), None)
    assert np.max(np.abs(ours[0] - ref[0])) < 1e-6                       # s of UT1-UTC
    arcsec = np.degrees(np.max(np.abs(np.concatenate([ours[1] - ref[1], ours[2] - ref[2]])))) * 3600
    assert arcsec < 1e-5
    # NaN in, NaN out
    jd2, fr2 = jd.copy(), fr.copy()
    jd2[5] = np.nan
    assert np.isnan(T.earth_orientation(jd2, fr2)[0][5])
