"""tracker.astro.frames: TEME -> ITRF -> WGS-84, topocentric, Earth orientation.

Oracle: skyfield 1.55 with ``load.timescale(builtin=True)`` (the same
UT1 table we use) plus the polar-motion table from the skyfield-data
``finals2000A.all`` installed with ``skyfield.data.iers.install_polar_motion_table``
(the same data we use). Skyfield converts TEME -> GCRS (GMST 1982 minus
GAST, then the precession-nutation matrix) and GCRS -> ITRS (GAST, polar
motion): a different route, so agreement checks both.
"""
import datetime as dt
import math

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs
from skyfield.sgp4lib import theta_GMST1982

from tracker.astro.frames import (footprint_km,
                            geodetic_to_itrf, itrf_to_geodetic, teme_to_itrf, topocentric)
from tracker.astro.frames_kernels import gmst82_rad
from tracker.propagator.api import Elements, propagate
from tracker.astro.time import unix_to_jdfr

from helpers import sky_time_jdfr

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
    for jd, fr in zip(2440587.5 + rng.integers(0, 25000, 50), rng.uniform(0, 1, 50)):
        theta, theta_dot = gmst82_rad(jd, fr)
        ref, ref_dot = theta_GMST1982(jd, fr)
        assert abs((theta - ref + math.pi) % (2 * math.pi) - math.pi) < 1e-12
        assert abs(theta_dot - ref_dot / 86400.0) < 1e-18


def test_ut1_and_polar_motion_match_skyfield(eop, ts):
    rng = np.random.default_rng(4)
    jd, fr = unix_to_jdfr(rng.uniform(1.0e8, 1.78e9, 300))
    t = sky_time_jdfr(ts, jd, fr)
    assert np.max(np.abs(eop.ut1_minus_utc_s(jd, fr) - t.dut1)) < 1e-9
    _, x_as, y_as = t.polar_motion_angles()
    xp, yp = eop.polar_motion_rad(jd, fr)
    arcsec = math.pi / 180 / 3600
    assert np.max(np.abs(xp / arcsec - x_as)) < 1e-9
    assert np.max(np.abs(yp / arcsec - y_as)) < 1e-9


def test_leap_second_step_and_polar_motion_outside_table(eop):
    # 2015-06-30 had a leap second: UT1-UTC jumps by +1 s across it.
    before = eop.ut1_minus_utc_s(2457203.5, 1.0 - 1e-6)
    after = eop.ut1_minus_utc_s(2457204.5, 1e-6)
    assert 0.99 < after - before < 1.01
    assert eop.tai_minus_utc_s(2457204.5, 0.0) == 36.0
    xp, yp = eop.polar_motion_rad(np.array([2400000.5, eop.polar_last_jd + 10]), np.zeros(2))
    assert np.all(xp == 0.0) and np.all(yp == 0.0)


def test_teme_to_geodetic_matches_skyfield(eop, ts, iss_sets):
    jd, fr, r, v, k = random_states(iss_sets, 40, seed=5)
    r_itrf, v_itrf = teme_to_itrf(jd, fr, r, v, eop=eop)
    lat, lon, alt = itrf_to_geodetic(r_itrf)
    t = sky_time_jdfr(ts, jd, fr)
    ref_lat, ref_lon, ref_alt = np.empty(len(jd)), np.empty(len(jd)), np.empty(len(jd))
    ref_r, ref_v = np.empty((len(jd), 3)), np.empty((len(jd), 3))
    for i, s in enumerate(iss_sets):
        sel = k == i
        sat = EarthSatellite(s.line1, s.line2, ts=ts)
        pos = sat.at(t[sel])
        gp = wgs84.geographic_position_of(pos)
        ref_lat[sel], ref_lon[sel], ref_alt[sel] = (gp.latitude.degrees, gp.longitude.degrees,
                                                     gp.elevation.km)
        rr, vv = pos.frame_xyz_and_velocity(itrs)
        ref_r[sel], ref_v[sel] = rr.km.T, vv.km_per_s.T
    # 1e-6 deg is 0.1 m on the ground; 1e-4 km is 0.1 m.
    assert np.max(np.abs(lat - ref_lat)) < 1e-6
    assert np.max(np.abs((lon - ref_lon + 180) % 360 - 180)) < 1e-6
    assert np.max(np.abs(alt - ref_alt)) < 1e-4
    assert np.max(np.linalg.norm(r_itrf - ref_r, axis=1)) < 1e-4
    # Earth-fixed velocity (rotation term included): 5 mm/s. Skyfield's TEME ->
    # GCRS velocity leaves out the rate of the precession-nutation matrix and
    # its ITRS velocity uses a constant Earth rate; we measured ~1.1 mm/s.
    assert np.max(np.linalg.norm(v_itrf - ref_v, axis=1)) < 5e-6
    assert np.all((lon > -180) & (lon <= 180))
    # Earth-fixed speed of the ISS is ~0.46 km/s below its inertial speed near the equator.
    assert np.all(np.linalg.norm(v_itrf, axis=1) < np.linalg.norm(v, axis=1))


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
    radius = 6371.0
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
