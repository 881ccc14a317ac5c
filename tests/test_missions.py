"""tracker.services.missions: the Year in Space preset, NASA's figures and the nominal model.

The published figures (5,440 orbits, 143,846,525 miles, 340 days) are the
thing we compare to: NASA's press release of 1 March 2016 (cited in
tracker/services/missions.py). Everything else here is computed: our statistics from
the shipped 2015-2016 element sets, and the nominal model from them.
"""
import datetime as dt
import math

import pytest

from tracker.errors import NotFoundError
from tracker.services.missions import (KM_PER_MILE, MEAN_EARTH_RADIUS_KM, compare, get_mission,
                              mission_store, nominal_model)
from tracker.services.stats import orbit_stats

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def yis():
    mission = get_mission("year-in-space")
    return mission, orbit_stats(mission_store(mission), mission.start, mission.end, step_s=30.0)


@pytest.mark.nojit
def test_nominal_model_arithmetic():
    # 10.6 days at 14.4 rev/day: 11 days x 14 orbits, circles of radius 6371.0088 + 500.25 km
    m = nominal_model(10.6 * 86400.0, 14.4, 500.25)
    assert (m["days"], m["orbits_per_day"], m["orbits"]) == (11, 14, 154)
    circumference = 2 * math.pi * (MEAN_EARTH_RADIUS_KM + 500.25)
    assert m["circumference_km"] == pytest.approx(circumference, rel=1e-15)
    assert m["distance_km"] == pytest.approx(154 * circumference, rel=1e-15)
    assert m["distance_mi"] == pytest.approx(154 * circumference / 1.609344, rel=1e-15)


@pytest.mark.nojit
def test_year_in_space_preset():
    mission = get_mission("year-in-space")
    assert mission.start == dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=UTC)
    assert mission.end == dt.datetime(2016, 3, 2, 4, 26, tzinfo=UTC)
    # NASA's "340 days" is the duration rounded: 340 d 8 h 43 min
    assert round((mission.end - mission.start) / dt.timedelta(days=1)) == mission.published["days"]
    store = mission_store(mission)
    assert len(store) == 78                       # tle/data/SOURCES.md: 78 sets, none deduplicated
    assert "iss_2015_2016.tle" in store.description
    with pytest.raises(NotFoundError, match="year-in-space"):
        get_mission("apollo-11")


def test_nominal_model_reproduces_nasa(yis):
    mission, stats = yis
    doc = compare(mission, stats)
    nominal, nasa = doc["nominal"], doc["nasa"]
    assert nominal["days"] == 340
    assert nominal["orbits_per_day"] == 16        # round(15.55)
    assert nominal["orbits"] == nasa["orbits"] == 5440
    # the issue asks for 0.1 %; the circle at the measured mean altitude gives ~0.09 %
    assert abs(doc["differences"]["nominal_vs_nasa_distance_relative"]) < 1e-3
    assert nominal["mean_alt_km"] == stats.mean_alt_km
    assert nasa["distance_km"] == pytest.approx(143_846_525 * KM_PER_MILE)


def test_ours_differ_from_nasa_by_the_mean_motion(yis):
    mission, stats = yis
    doc = compare(mission, stats)
    ours = doc["ours"]
    assert ours["orbits"] == stats.node_crossings
    # The real count is the duration times the true mean motion (~15.55 rev/day), not 16/day.
    # (The TLE's Kozai mean motion is not quite the node-to-node rate: J2 makes the ISS's
    # nodal period ~0.07 % shorter, hence rel=1e-3.)
    expected = ours["days"] * ours["mean_motion_rev_day"]
    assert ours["orbits"] == pytest.approx(expected, rel=1e-3)
    assert ours["orbits_per_day"] == pytest.approx(stats.orbits_fractional / ours["days"])
    assert doc["differences"]["ours_vs_nasa_orbits"] == stats.node_crossings - 5440
    # distance: ours is the inertial path, ~2.6 % short of NASA's circle arithmetic
    assert ours["inertial_distance_mi"] == pytest.approx(stats.inertial_distance_km / KM_PER_MILE)
    assert -0.03 < doc["differences"]["ours_vs_nasa_distance_relative"] < -0.02
    assert ours["sunrises_and_sunsets"] == 2 * stats.sunrises
