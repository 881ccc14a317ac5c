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
``tracker.services.events.magnitude_one``. Not modelled: atmospheric
extinction near the horizon (~0.3-1 mag below 20 deg) and the dimming in the
penumbra (a few seconds).

Timing uncertainty
------------------
The age-growth model of ``tle.accuracy`` (re-exported here): 1 km at the
epoch, +2 km per day, and 30 % of SGP4's drag term, along track, converted
to time with the orbital speed (~0.3 s at 1 day, ~25 s at 10 days for the
ISS). The store's staleness warning quotes the same model.
"""
from __future__ import annotations

import numpy as np

from tle.accuracy import (ALONG_TRACK_KM_PER_DAY, DRAG_RELATIVE_ERROR,  # noqa: F401 (re-exported)
                          EARTH_MU_KM3_S2, EPOCH_ALONG_TRACK_KM, along_track_sigma_km,
                          orbital_speed_km_s, timing_sigma_s)

ISS_STD_MAG = -1.8
"""ISS standard magnitude: at 1,000 km range and 90 deg phase angle."""

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
