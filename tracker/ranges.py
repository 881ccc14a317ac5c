"""Every input range and default, declared once.

The operations' declarations (``tracker.services.inputs``, from which the
HTTP validation and the OpenAPI document are generated), the CLI and the
services' own checks for Python callers all read these, so they cannot
disagree. Pairs are ``(lowest, highest)`` in the unit the name ends with;
whether an end is excluded is said next to it.
"""
from __future__ import annotations


LAT_DEG = (-90.0, 90.0)
LON_DEG = (-180.0, 180.0)
OBSERVER_ALT_M = (-500.0, 10_000.0)        # Dead Sea shore .. the highest mountains and a margin
STEP_S = (1.0, 86_400.0)                   # positions and ground-track grids
STATS_STEP_S = (1.0, 600.0)                # the API's stats sampling step
BATCH_STEP_S = (1.0, 600.0)
PASS_DAYS = (1.0 / 86400.0, 30.0)          # at least 1 s (shorter windows vanish in float seconds)
OVERFLIGHT_DAYS = (1.0 / 86400.0, 731.0)   # CLI and API alike: two years cost ~1 s on one core
MIN_ELEVATION_DEG = (0.0, 90.0)            # 90 itself excluded: a pass must have an extent
SUN_MAX_DEG = (-90.0, 0.0)                 # twilight only: with the Sun above the horizon it is day
RADIUS_KM = (0.0, 2500.0)                  # 0 itself excluded
OPEN_NOTIFY_ALT_M = (0.0, 10_000.0)
OPEN_NOTIFY_N = (1, 100)
CITIES_LIMIT = (1, 50)
PASS_INDEX = (0, 499)                      # a pass of a listing (30 days hold about 150)
CATALOG_NUMBER = (1, 339_999)              # NORAD numbers TLE's five columns hold (Alpha-5 to Z9999)
TRANSIT_DAYS = (1.0 / 86400.0, 60.0)       # transit searches: at least 1 s, at most 60 days
TRANSIT_RADIUS_KM = (0.0, 200.0)           # near misses within this of the centre line; 0 excluded

DEFAULT_DAYS = 10.0
DEFAULT_MIN_ELEVATION_DEG = 10.0
DEFAULT_SUN_MAX_DEG = -6.0                 # civil twilight
DEFAULT_RADIUS_KM = 100.0
DEFAULT_TRANSIT_RADIUS_KM = 10.0
POSITIONS_DEFAULT_STEP_S = 60.0
GROUNDTRACK_DEFAULT_STEP_S = 30.0
STATS_DEFAULT_STEP_S = 10.0

