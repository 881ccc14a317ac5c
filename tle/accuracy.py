"""How far an SGP4 prediction may drift from the truth as an element set ages.

SGP4 element sets degrade with age, mainly along the track: the station runs
early or late. Three independent terms, added in quadrature (1 sigma):

* ``EPOCH_ALONG_TRACK_KM`` = 1 km at the epoch and a linear growth of
  ``ALONG_TRACK_KM_PER_DAY`` = 2 km per day -- the order of the published
  accuracy of TLEs for low orbits (about a kilometre at epoch, growing by
  one to a few kilometres per day; e.g. Vallado & Cefola, "Two-line element
  sets - practice and use", IAC-12.C1.6.12, 2012);
* drag: SGP4 advances the mean anomaly by ``ndot/2 * age^2`` revolutions
  (``ndot/2`` is the TLE's first field, rev/day^2). The atmospheric density
  ahead, hence the real decay, is uncertain by tens of percent (solar and
  geomagnetic activity forecasts); with ``DRAG_RELATIVE_ERROR`` = 30 % the
  along-track error is ``0.3 * |ndot/2| * age^2`` revolutions -- quadratic in
  age and dominant after about a week.

Converted to time with the orbital speed. For the ISS with ndot/2 ~ 1.5e-4
rev/day^2 this gives ~0.3 s at 1 day, ~25 s at 10 days, ~2 min at 20 days
and ~8 min at 43 days (the shipped sets have ndot/2 from ~6e-5 to ~2e-4, so
from about half to about 1.3 times these). Re-boost and debris-avoidance
manoeuvres are not in any element set and can shift passes by minutes
without warning: fresh elements are the only cure.

The model lives here, with the element sets, so that the store's staleness
warning (``tle.store``) and the pass timing uncertainty
(``tracker.astro.visibility``) quote the same numbers.
"""
from __future__ import annotations

import math

import numpy as np

EPOCH_ALONG_TRACK_KM = 1.0
ALONG_TRACK_KM_PER_DAY = 2.0
DRAG_RELATIVE_ERROR = 0.3
EARTH_MU_KM3_S2 = 398600.4418


def orbital_speed_km_s(mean_motion_rev_day: float) -> float:
    """Circular-orbit speed for a mean motion (rev/day): (mu n)^(1/3)."""
    n_rad_s = mean_motion_rev_day * 2.0 * math.pi / 86400.0
    return (EARTH_MU_KM3_S2 * n_rad_s) ** (1.0 / 3.0)


def along_track_sigma_km(age_days, ndot_half_rev_day2: float, mean_motion_rev_day: float):
    """1-sigma along-track position error (km) after ``age_days`` (either sign)."""
    age = np.abs(np.asarray(age_days, dtype=np.float64))
    n_rad_s = mean_motion_rev_day * 2.0 * math.pi / 86400.0
    a_km = (EARTH_MU_KM3_S2 / n_rad_s ** 2) ** (1.0 / 3.0)
    drag_km = DRAG_RELATIVE_ERROR * abs(ndot_half_rev_day2) * age ** 2 * 2.0 * math.pi * a_km
    return np.sqrt(EPOCH_ALONG_TRACK_KM ** 2 + (ALONG_TRACK_KM_PER_DAY * age) ** 2 + drag_km ** 2)


def timing_sigma_s(age_days, ndot_half_rev_day2: float, mean_motion_rev_day: float):
    """1-sigma timing uncertainty (s) of events predicted ``age_days`` from the epoch."""
    return along_track_sigma_km(age_days, ndot_half_rev_day2, mean_motion_rev_day) \
        / orbital_speed_km_s(mean_motion_rev_day)
