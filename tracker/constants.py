"""Physical constants and unit conversions, each declared once, with its source.

Plain floats, importable from numba kernels (numba freezes module globals
as compile-time constants). Nothing here is computed at run time except
simple expressions of the declared values.

Two Earth models are in use, on purpose:

* WGS-72 for SGP4/SDP4 only: the element sets are fitted with it, so the
  propagator must use it (Vallado et al. 2006, "Revisiting Spacetrack
  Report #3", AIAA 2006-6753, sec. on gravity constants; ``wgs72`` in
  python-sgp4). They are declared here only; ``tracker/propagator/layout.py``
  imports them and derives the SGP4 internal units (XKE, J3/J2, km/s).
* WGS-84 for every geodetic quantity (latitude, longitude, height, observer
  positions, the Earth's limb for the shadow): NIMA TR8350.2, 3rd ed.
  (2000), table 3.1.

Distances along the ground use one mean radius, the IUGG mean radius R1 =
(2a + b) / 3 of the ellipsoid: 6371.0088 km (H. Moritz, "Geodetic Reference
System 1980", Bulletin Geodesique 54 (1980) / The Geodesist's Handbook;
also WGS-84 TR8350.2 table 3.5).
"""
from __future__ import annotations

# --- Time ----------------------------------------------------------------------
DAY_S = 86400.0                    # seconds per day (UTC day without a leap second)
from tle.elements import JD_UNIX_EPOCH  # noqa: E402,F401 (declared with the element sets, below tracker)
JD_J2000 = 2451545.0               # Julian date of J2000.0 (2000-01-01T12:00 TT)

# --- WGS-84 (geodesy): NIMA TR8350.2 table 3.1 -----------------------------------
WGS84_A_KM = 6378.137              # semi-major axis (equatorial radius)
WGS84_F = 1.0 / 298.257223563      # flattening
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)    # first eccentricity squared
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)   # semi-minor axis (polar radius)

# --- One mean Earth radius (great-circle distances, footprints) ------------------
MEAN_EARTH_RADIUS_KM = 6371.0088   # IUGG mean radius R1 = (2a + b) / 3 of WGS-84/GRS80

# --- WGS-72 (SGP4/SDP4 only): AIAA 2006-6753 "wgs72", as python-sgp4's wgs72 ---
WGS72_A_KM = 6378.135              # equatorial radius used by SGP4
WGS72_MU_KM3_S2 = 398600.8         # gravitational parameter used by SGP4
WGS72_J2 = 0.001082616             # zonal harmonics J2, J3, J4
WGS72_J3 = -0.00000253881
WGS72_J4 = -0.00000165597

# --- The Sun -------------------------------------------------------------------
SUN_RADIUS_KM = 695700.0           # IAU 2015 Resolution B3 nominal solar radius
MOON_RADIUS_KM = 1737.4            # IAU/IAG mean lunar radius (Archinal et al. 2018)
C_KM_S = 299792.458                # speed of light (exact, SI)

# --- Units ---------------------------------------------------------------------
KM_PER_MILE = 1.609344             # international (statute) mile, exactly
