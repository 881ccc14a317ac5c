"""Models behind a pass's brightness and its timing uncertainty.

Brightness (visual magnitude)
-----------------------------
``mag = STD_MAG + 5 log10(range_km / 1000) - 2.5 log10(F(a))`` with the phase
law of a diffuse (Lambertian) sphere normalised to 1 at a 90 deg phase angle,
``F(a) = sin a + (pi - a) cos a`` (``a``: angle at the station between the
directions to the Sun and to the observer; ``F = pi`` at full phase, 1 at
half phase, 0 when back-lit). This is the convention of Mike McCants' and
Ted Molczan's "standard magnitude": the magnitude at 1,000 km range and 50 %
illuminated (90 deg phase) -- see the description of the ``qs.mag`` / line-0
format at mmccants.org/tles/mccdesc.html. ``ISS_STD_MAG = -1.8`` is the value
in common use for the complete ISS in pass predictors (Heavens-Above-style
models; also the ISS entry of several open-source magnitude tables); the
true brightness depends on the attitude of the solar arrays, so predictions
are typically good to about +/- 1 magnitude. The kernel evaluating it is
``tracker.kernels.events.magnitude_one``. Not modelled: atmospheric
extinction near the horizon (~0.3-1 mag below 20 deg) and the dimming in the
penumbra (a few seconds).

Timing uncertainty
------------------
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
"""
from __future__ import annotations

import math

import numpy as np

ISS_STD_MAG = -1.8
"""ISS standard magnitude: at 1,000 km range and 90 deg phase angle."""

EPOCH_ALONG_TRACK_KM = 1.0
ALONG_TRACK_KM_PER_DAY = 2.0
DRAG_RELATIVE_ERROR = 0.3
EARTH_MU_KM3_S2 = 398600.4418
BACKLIT_F = 1e-9
"""Phase-law values below this count as back-lit: magnitude +inf."""


def phase_law(phase_angle_rad):
    """Diffuse-sphere phase function normalised to 1 at 90 deg: sin a + (pi - a) cos a."""
    a = np.asarray(phase_angle_rad, dtype=np.float64)
    return np.sin(a) + (np.pi - a) * np.cos(a)


def visual_magnitude(range_km, phase_angle_rad, std_mag: float = ISS_STD_MAG):
    """Magnitude from range (km) and phase angle (rad); +inf when back-lit (F <= 0)."""
    f = phase_law(phase_angle_rad)
    f = np.where(f > BACKLIT_F, f, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = std_mag + 5.0 * np.log10(np.asarray(range_km, dtype=np.float64) / 1000.0) \
            - 2.5 * np.log10(np.where(f > 0, f, np.nan))
    return np.where(f > 0, mag, np.inf)


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
