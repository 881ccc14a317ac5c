"""Constants and the coefficient table layout shared by the SGP4/SDP4 kernels.

Earth model: WGS-72, as the element sets are fitted with it (Vallado et al.,
"Revisiting Spacetrack Report #3", AIAA 2006-6753, section "Gravitational
constants"), declared once in ``tracker.constants``. Internal SGP4 units
are earth radii and minutes; ``XKE`` is sqrt(GM) in (earth radii)^1.5 per
minute.

Coefficient table
-----------------
Initialisation writes one column per satellite into a float64 array of shape
``(N_COEFF, n_sat)`` (struct of arrays: row ``K`` holds quantity ``K`` for
every satellite, so ``coeffs[INCLO]`` is a contiguous 1-D array). The row
indices below are module constants, which numba folds at compile time.

Flags are stored as floats too (``METHOD``: 0 near-Earth, 1 deep space;
``ISIMP``: 1 for the simplified drag model; ``IREZ``: 0 none, 1 one-day,
2 half-day resonance), so the whole state of a satellite is one column.
Angles are radians, mean motions radians per minute, times minutes.
"""
from __future__ import annotations

import math

from tracker.constants import WGS72_A_KM, WGS72_J2, WGS72_J3, WGS72_J4, WGS72_MU_KM3_S2

# ---- WGS-72 (declared once in tracker.constants; AIAA 2006-6753 "wgs72") ----
MU_KM3_S2 = WGS72_MU_KM3_S2
RADIUS_EARTH_KM = WGS72_A_KM
J2 = WGS72_J2
J3 = WGS72_J3
J4 = WGS72_J4
XKE = 60.0 / math.sqrt(RADIUS_EARTH_KM ** 3 / MU_KM3_S2)  # er^1.5 / min
J3OJ2 = J3 / J2
VKMPERSEC = RADIUS_EARTH_KM * XKE / 60.0   # (er/min) -> km/s

TWOPI = 2.0 * math.pi
X2O3 = 2.0 / 3.0
DEEP_SPACE_PERIOD_MIN = 225.0              # period at or above -> SDP4
JD_1950 = 2433281.5                        # 1949 Dec 31 00:00 UT, the SGP4 epoch origin

# ---- coefficient rows ----
_NAMES = (
    # mean elements at epoch (Brouwer mean motion, i.e. "un-Kozai'd")
    "NO", "ECCO", "INCLO", "NODEO", "ARGPO", "MO", "BSTAR",
    # secular rates and drag
    "MDOT", "ARGPDOT", "NODEDOT", "NODECF", "CC1", "BSTAR_CC4", "T2COF",
    "ISIMP", "OMGCOF", "ETA", "XMCOF", "DELMO", "D2", "D3", "D4",
    "BSTAR_CC5", "SINMAO", "T3COF", "T4COF", "T5COF",
    # long- and short-period terms
    "AO", "AYCOF", "XLCOF", "CON41", "X1MTH2", "X7THM1", "SINIO", "COSIO",
    # model choice and sidereal time at epoch
    "METHOD", "GSTO",
    # lunar-solar periodics (dscom)
    "E3", "EE2", "SE2", "SE3", "SGH2", "SGH3", "SGH4", "SH2", "SH3",
    "SI2", "SI3", "SL2", "SL3", "SL4", "XGH2", "XGH3", "XGH4", "XH2", "XH3",
    "XI2", "XI3", "XL2", "XL3", "XL4", "ZMOL", "ZMOS",
    # lunar-solar secular rates and resonances (dsinit)
    "IREZ", "D2201", "D2211", "D3210", "D3222", "D4410", "D4422",
    "D5220", "D5232", "D5421", "D5433", "DEDT", "DIDT", "DMDT", "DNODT",
    "DOMDT", "DEL1", "DEL2", "DEL3", "XFACT", "XLAMO",
)
COEFF_NAMES = _NAMES
N_COEFF = len(_NAMES)

(NO, ECCO, INCLO, NODEO, ARGPO, MO, BSTAR,
 MDOT, ARGPDOT, NODEDOT, NODECF, CC1, BSTAR_CC4, T2COF,
 ISIMP, OMGCOF, ETA, XMCOF, DELMO, D2, D3, D4,
 BSTAR_CC5, SINMAO, T3COF, T4COF, T5COF,
 AO, AYCOF, XLCOF, CON41, X1MTH2, X7THM1, SINIO, COSIO,
 METHOD, GSTO,
 E3, EE2, SE2, SE3, SGH2, SGH3, SGH4, SH2, SH3,
 SI2, SI3, SL2, SL3, SL4, XGH2, XGH3, XGH4, XH2, XH3,
 XI2, XI3, XL2, XL3, XL4, ZMOL, ZMOS,
 IREZ, D2201, D2211, D3210, D3222, D4410, D4422,
 D5220, D5232, D5421, D5433, DEDT, DIDT, DMDT, DNODT,
 DOMDT, DEL1, DEL2, DEL3, XFACT, XLAMO) = range(N_COEFF)

# ---- mean-element input rows (what sgp4_init_many reads) ----
# epoch_days: days since JD_1950; no_kozai: rad/min; ndot: rad/min^2 (the TLE
# field converted, i.e. n-dot/2); nddot: rad/min^3 (n-ddot/6); angles: rad.
ELEMENT_NAMES = ("EPOCH_DAYS", "NO_KOZAI", "ECC", "INCL", "NODE", "ARGP",
                 "M", "BSTAR_IN", "NDOT", "NDDOT")
N_ELEMENT = len(ELEMENT_NAMES)
(EL_EPOCH_DAYS, EL_NO_KOZAI, EL_ECC, EL_INCL, EL_NODE, EL_ARGP,
 EL_M, EL_BSTAR, EL_NDOT, EL_NDDOT) = range(N_ELEMENT)

# ---- error codes (as sgp4.api.SGP4_ERRORS) ----
ERR_NONE = 0
ERR_MEAN_ECC = 1        # mean eccentricity outside [-0.001, 1)
ERR_MEAN_MOTION = 2     # mean motion <= 0
ERR_PERT_ECC = 3        # perturbed eccentricity outside [0, 1]
ERR_SEMILATUS = 4       # semi-latus rectum < 0
ERR_DECAYED = 6         # radius < 1 earth radius (positions still returned)
