"""Named missions: preset intervals with published figures to compare against.

``year-in-space``: Scott Kelly's One-Year Mission on the ISS. Launch on Soyuz
TMA-16M 2015-03-27 19:42:57 UTC, landing on Soyuz TMA-18M 2016-03-02
04:26 UTC (340 days, as NASA rounds it). NASA summed it up as 5,440 orbits
and 143,846,525 miles. Our statistics come from the shipped ISS element
sets of 2015-2016 (``tle/data/iss_2015_2016.tle``) only, so the preset does
not depend on the user's history file.

The nominal model (``nominal_model``) reproduces NASA's arithmetic from our
own measurements: the duration rounded to whole days times the mean motion
rounded to whole orbits per day, each orbit a circle of radius R_earth +
the mission's mean altitude. See docs/year_in_space.md.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from importlib import resources

from tle.store import ElementStore
from tle.formats import parse_elements
from tracker.errors import NotFoundError
from tracker.constants import KM_PER_MILE, MEAN_EARTH_RADIUS_KM

_UTC = dt.timezone.utc


@dataclass(frozen=True)
class Mission:
    """A preset interval of the ISS with published figures.

    ``published`` maps a figure's name to its value; ``citation`` says where
    the figures were published.
    """

    key: str
    title: str
    start: dt.datetime
    end: dt.datetime
    element_file: str               # shipped file in tle/data
    published: dict
    citation: str
    step_s: float = 1.0             # sampling step of the comparison, s: the CLI and the API use it


MISSIONS = {
    "year-in-space": Mission(
        key="year-in-space",
        title="Scott Kelly's Year in Space (ISS One-Year Mission, Expeditions 43-46)",
        start=dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=_UTC),   # Soyuz TMA-16M launch
        end=dt.datetime(2016, 3, 2, 4, 26, 0, tzinfo=_UTC),        # Soyuz TMA-18M landing
        element_file="iss_2015_2016.tle",
        # Published figures, the thing we compare to: NASA press release
        # "NASA Astronaut Scott Kelly Returns Safely to Earth after One-Year
        # Mission" (1 March 2016): "During the record-setting One-Year mission
        # ... Kelly and Kornienko orbited Earth 5,440 times, traveling a total
        # of 143,846,525 miles" (also in NASA's #YearInSpace infographic:
        # 340 days, 10,944 sunrises and sunsets).
        published={"days": 340, "orbits": 5440, "distance_mi": 143_846_525,
                   "sunrises_and_sunsets": 10_944},
        citation="NASA, 'NASA Astronaut Scott Kelly Returns Safely to Earth after "
                 "One-Year Mission', press release, 1 March 2016; NASA #YearInSpace "
                 "infographic, March 2016",
    ),
}


def get_mission(key: str) -> Mission:
    """The mission named ``key``; ``NotFoundError`` lists the known ones."""
    try:
        return MISSIONS[key]
    except KeyError:
        raise NotFoundError(f"unknown mission {key!r}; known missions: "
                            f"{', '.join(sorted(MISSIONS))}", parameter="mission") from None


def mission_store(mission: Mission) -> ElementStore:
    """The store of the mission's shipped element file (no user history)."""
    text = (resources.files("tle") / "data" / mission.element_file).read_text(encoding="ascii")
    sets = parse_elements(text, source=f"{mission.element_file} (shipped)", fmt="tle")
    return ElementStore(sets, description=f"the shipped {mission.element_file}")


def nominal_model(duration_s: float, mean_motion_rev_day: float, mean_alt_km: float,
                  *, earth_radius_km: float = MEAN_EARTH_RADIUS_KM) -> dict:
    """NASA-style round-number arithmetic, from measured inputs.

    days = duration rounded to whole days; orbits_per_day = mean motion
    rounded to a whole number; orbits = days x orbits_per_day; each orbit a
    circle of circumference 2 pi (earth_radius_km + mean_alt_km).
    """
    days = round(duration_s / 86400.0)
    per_day = round(mean_motion_rev_day)
    orbits = days * per_day
    circumference_km = 2.0 * math.pi * (earth_radius_km + mean_alt_km)
    distance_km = orbits * circumference_km
    return {
        "days": days,
        "orbits_per_day": per_day,
        "orbits": orbits,
        "earth_radius_km": earth_radius_km,
        "mean_alt_km": mean_alt_km,
        "circumference_km": circumference_km,
        "distance_km": distance_km,
        "distance_mi": distance_km / KM_PER_MILE,
    }


def _relative(ours: float, theirs: float) -> float:
    return (ours - theirs) / theirs


def compare(mission: Mission, stats) -> dict:
    """The mission section of the output: NASA's figures, ours, the nominal
    model, and relative differences. ``stats`` is a ``tracker.services.stats.OrbitStats``."""
    pub = mission.published
    nominal = nominal_model(stats.duration_s, stats.mean_motion_rev_day, stats.mean_alt_km)
    ours_mi = stats.inertial_distance_km / KM_PER_MILE
    out = {
        "mission": mission.key,
        "title": mission.title,
        "nasa": {
            "days": pub["days"],
            "orbits": pub["orbits"],
            "distance_mi": pub["distance_mi"],
            "distance_km": pub["distance_mi"] * KM_PER_MILE,
            "sunrises_and_sunsets": pub["sunrises_and_sunsets"],
            "citation": mission.citation,
        },
        "ours": {
            "days": stats.duration_s / 86400.0,
            "orbits": stats.node_crossings,
            "orbits_fractional": stats.orbits_fractional,
            "inertial_distance_mi": ours_mi,
            "inertial_distance_km": stats.inertial_distance_km,
            "ground_track_distance_mi": stats.ground_track_distance_km / KM_PER_MILE,
            "sunrises_and_sunsets": 2 * stats.sunrises,
            "orbits_per_day": stats.orbits_fractional * 86400.0 / stats.duration_s,
            "mean_motion_rev_day": stats.mean_motion_rev_day,
            "mean_alt_km": stats.mean_alt_km,
        },
        "nominal": nominal,
        "differences": {
            "ours_vs_nasa_orbits": stats.node_crossings - pub["orbits"],
            "ours_vs_nasa_orbits_relative": _relative(stats.node_crossings, pub["orbits"]),
            "ours_vs_nasa_distance_relative": _relative(ours_mi, pub["distance_mi"]),
            "nominal_vs_nasa_orbits_relative": _relative(nominal["orbits"], pub["orbits"]),
            "nominal_vs_nasa_distance_relative": _relative(nominal["distance_mi"],
                                                           pub["distance_mi"]),
        },
    }
    return out
