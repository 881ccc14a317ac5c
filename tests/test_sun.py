"""tracker.astro.sun: Sun positions, subsolar point, Earth-shadow model.

Oracle: skyfield 1.55 with its built-in timescale and the DE421 ephemeris
from skyfield-data (the data we use), evaluated at every time without
interpolation; ``EarthSatellite.at(t).is_sunlit(eph)`` for the shadow.
Both sides use the one timescale (``SunEphemeris.builtin`` shares
``tracker.astro.timescale.builtin_timescale``, polar motion included), so
Earth-fixed results are compared with identical Earth orientation.
"""

import numpy as np
import pytest
from skyfield.api import EarthSatellite, wgs84

from tracker.astro.sun import (DAYLIGHT, ECLIPSED, ILLUMINATION_NAMES, PENUMBRA, UNKNOWN,
                               SunEphemeris, illumination, illumination_name, subsolar_point,
                               sun_altitude_deg, sun_itrf_km, sun_teme_km)
from tracker.astro.time import Instant, unix_to_jdfr
from tracker.propagator.api import Elements, propagate

from helpers import sky_time_jdfr

pytestmark = pytest.mark.nojit


def test_sun_methods_that_repeat_module_functions_are_gone():
    for name in ("sun_itrf_km", "subsolar_point", "sun_altitude_deg"):
        assert not hasattr(SunEphemeris, name)


def test_codes_and_names():
    assert (ECLIPSED, PENUMBRA, DAYLIGHT) == (0, 1, 2)
    assert ILLUMINATION_NAMES[ECLIPSED] == "eclipsed"
    assert ILLUMINATION_NAMES[PENUMBRA] == "penumbra"
    assert ILLUMINATION_NAMES[DAYLIGHT] == "daylight"
    assert illumination_name(UNKNOWN) == "unknown"


@pytest.mark.parametrize("lo, hi", [(1420070400, 1451606400), (1767225600, 1798761600)])
def test_interpolated_sun_matches_skyfield(sun, lo, hi):
    rng = np.random.default_rng(lo % 1000)
    jd, fr = unix_to_jdfr(np.sort(rng.uniform(lo, lo + 30 * 86400, 3000)))
    ours = sun.sun_teme_km(jd, fr)
    ref = sun.exact_sun_teme_km(jd, fr)
    assert ours.shape == (3000, 3)
    assert np.max(np.linalg.norm(ours - ref, axis=1)) < 30.0
    cos = np.sum(ours * ref, axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() * 3600 < 0.04
    # The grid nodes themselves are exact.
    node = np.array([unix_to_jdfr(np.array([lo + 7200.0]))]).reshape(2, 1)
    assert np.max(np.abs(sun.sun_teme_km(*node) - sun.exact_sun_teme_km(*node))) < 1e-6
    assert np.allclose(sun_teme_km(jd[:5], fr[:5], sun=sun), ours[:5])
    # An Instant gives the same, and the exact path agrees with skyfield built separately.
    assert np.array_equal(sun.sun_teme_km(Instant.from_jdfr(jd, fr)), ours)
    assert np.array_equal(sun.exact_sun_teme_km(Instant.from_jdfr(jd[:5], fr[:5])), ref[:5])


def test_subsolar_point_and_sun_altitude_match_skyfield(sun, eop, ts, eph):
    assert sun._ts is eop.timescale          # one timescale for the Sun and the frames
    rng = np.random.default_rng(11)
    jd, fr = unix_to_jdfr(rng.uniform(1420070400, 1798761600, 200))
    t = sky_time_jdfr(ts, jd, fr)
    lat, lon = subsolar_point(jd, fr, eop=eop, sun=sun)
    ref = wgs84.subpoint_of((eph["sun"] - eph["earth"]).at(t))
    assert np.max(np.abs(lat - ref.latitude.degrees)) < 1e-4
    assert np.max(np.abs((lon - ref.longitude.degrees + 180) % 360 - 180)) < 1e-4
    assert np.all(np.abs(lat) < 23.45)
    observer = wgs84.latlon(-33.87, 151.21, elevation_m=0.0)
    alt = sun_altitude_deg(jd, fr, -33.87, 151.21, eop=eop, sun=sun)
    ref_alt, _, _ = (eph["sun"] - (eph["earth"] + observer)).at(t).altaz()
    assert np.max(np.abs(alt - ref_alt.degrees)) < 1e-4
    assert np.array_equal(sun_itrf_km(Instant.from_jdfr(jd, fr), eop=eop, sun=sun),
                          sun_itrf_km(jd, fr, eop=eop, sun=sun))


def test_illumination_geometry():
    s = np.array([1.496e8, 0.0, 0.0])
    r = np.array([[7000.0, 0.0, 0.0],          # towards the Sun
                  [-7000.0, 0.0, 0.0],         # straight behind the Earth
                  [0.0, 7000.0, 0.0],          # beside the Earth, well lit
                  [-7000.0, 6378.137, 0.0],    # on the line grazing the limb: penumbra
                  [np.nan, 0.0, 0.0],          # failed propagation
                  [1000.0, 0.0, 0.0]])         # inside the Earth
    assert list(illumination(r, s)) == [DAYLIGHT, ECLIPSED, DAYLIGHT, PENUMBRA, UNKNOWN, UNKNOWN]
    # (n_sat, n_t, 3) positions with an (n_t, 3) Sun broadcast against them.
    stacked = np.stack([r[:3], r[:3]])
    assert illumination(stacked, np.broadcast_to(s, (3, 3))).shape == (2, 3)


def test_illumination_agrees_with_skyfield_is_sunlit(sun, iss_sets):
    """Same codes as is_sunlit except within 15 s of one of its shadow edges."""
    ts, eph = sun._ts, sun._eph
    n_transitions = n_penumbra = 0
    for s in (iss_sets[0], iss_sets[30], iss_sets[70]):
        unix = s.epoch_unix_s + np.arange(0.0, 6 * 3600.0, 2.0)
        jd, fr = unix_to_jdfr(unix)
        e, r, _ = propagate(Elements.from_element_sets([s]), jd, fr)
        codes = illumination(r[0], sun.sun_teme_km(jd, fr))
        t = sky_time_jdfr(ts, jd, fr)
        lit = EarthSatellite(s.line1, s.line2, ts=ts).at(t).is_sunlit(eph)
        edges = unix[1:][np.diff(lit.astype(np.int8)) != 0]
        n_transitions += len(edges)
        n_penumbra += int(np.sum(codes == PENUMBRA))
        assert set(np.unique(codes)) <= {ECLIPSED, PENUMBRA, DAYLIGHT}
        differ = (codes != DAYLIGHT) & lit | (codes != ECLIPSED) & ~lit
        if differ.any():
            distance_s = np.min(np.abs(unix[differ][:, None] - edges[None, :]), axis=1)
            assert distance_s.max() <= 15.0
    # 6 h is ~4 orbits: an entry and an exit each.
    assert n_transitions >= 3 * 6
    assert n_penumbra > 0


@pytest.mark.parametrize("lo", [1420070400, 1767225600])
def test_interpolated_rotation_matches_skyfield_at_the_nodes(sun, lo):
    """The hourly nodes over 30 days, rotated with the GCRS -> TEME matrix
    interpolated between daily nodes, against skyfield's rotation at every node."""
    from tracker.astro import timescale as T
    nodes = lo + np.arange(0, 30 * 86400 + 1, 3600.0)
    ours = sun._nodes_teme_km(nodes)
    ref = sun._teme_km(T.sky_time_unix(nodes, sun._ts))
    # the angle as atan2(|a x b|, a . b): arccos cannot resolve it near 1
    angle = np.arctan2(np.linalg.norm(np.cross(ours, ref), axis=1), np.sum(ours * ref, axis=1))
    assert np.degrees(angle).max() * 3600 < 1e-3                             # arcsec
    assert np.max(np.abs(np.linalg.norm(ours, axis=1) - np.linalg.norm(ref, axis=1))) < 1e-3  # km


def test_illumination_matches_the_disc_angle_form():
    """The kernel compares cosines; the textbook form compares the disc radii
    asin(R/|r|), asin(R_sun/|s - r|) with the angle between the disc centres.
    Seeded positions from low orbit to beyond the Moon, many near the edges."""
    from tracker.astro.sun import SHADOW_EARTH_RADIUS_KM, SUN_RADIUS_KM

    rng = np.random.default_rng(31)
    n = 40_000
    sun_km = np.array([1.496e8, 0.0, 0.0])
    dist = np.exp(rng.uniform(np.log(6500.0), np.log(2e6), n))
    # directions concentrated around the anti-solar cone's edge
    ang = np.pi - np.arcsin(np.clip(SHADOW_EARTH_RADIUS_KM / dist, 0, 1)) \
        + rng.normal(0.0, 0.01, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    r = np.stack([dist * np.cos(ang), dist * np.sin(ang) * np.cos(phi),
                  dist * np.sin(ang) * np.sin(phi)], axis=1)
    ours = illumination(r, sun_km)
    d = sun_km - r
    rn, dn = np.linalg.norm(r, axis=1), np.linalg.norm(d, axis=1)
    a_e = np.arcsin(SHADOW_EARTH_RADIUS_KM / rn)
    a_s = np.arcsin(SUN_RADIUS_KM / dn)
    theta = np.arccos(np.clip(np.einsum("ij,ij->i", -r, d) / (rn * dn), -1, 1))
    ref = np.where(theta >= a_e + a_s, DAYLIGHT, np.where(theta <= a_e - a_s, ECLIPSED,
                                                           PENUMBRA))
    ref = np.where(rn > SHADOW_EARTH_RADIUS_KM, ref, UNKNOWN)
    # decided differently only within rounding of an edge
    edge = np.minimum(np.abs(theta - (a_e + a_s)), np.abs(theta - (a_e - a_s)))
    differ = ours != ref
    assert (edge[differ] < 1e-12).all(), edge[differ].max(initial=0)
    assert {ECLIPSED, PENUMBRA, DAYLIGHT} <= set(ours.tolist())
    assert differ.sum() <= 2
