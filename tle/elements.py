"""The element-set record shared by every parser (TLE, 3LE, OMM JSON/CSV).

Angles are stored in degrees and mean motion in revolutions per day, as the
element sets print them; the propagation core converts to radians and
radians per minute. Times are split Julian dates in UTC.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

JD_UNIX_EPOCH = 2440587.5          # Julian date of 1970-01-01T00:00:00Z (the Unix epoch), declared once


@dataclass(frozen=True)
class ElementSet:
    """One mean element set (SGP4 theory, Kozai mean motion as in a TLE).

    Fields
    ------
    satnum : int            NORAD catalog number (Alpha-5 decoded to an int)
    epoch_jd, epoch_fr : float
        Epoch as a split Julian date, UTC (``epoch_jd`` ends in .5).
    ndot : float            first derivative of mean motion / 2, rev/day^2 (TLE field)
    nddot : float           second derivative of mean motion / 6, rev/day^3
    bstar : float           drag term, 1/earth radii
    inclination_deg, raan_deg, eccentricity, arg_perigee_deg, mean_anomaly_deg
    mean_motion_rev_day : float   Kozai mean motion, revolutions per day
    revnum : int            revolution number at epoch
    elnum : int             element set number
    ephtype : int           ephemeris type (0 or 4 for SGP4)
    classification : str    'U', 'C' or 'S'
    intldesg : str          international designator, e.g. '98067A'
    name : str | None       object name (3LE name line or OMM OBJECT_NAME)
    line1, line2 : str | None   the original TLE lines, when parsed from a TLE
    source : str            where the set came from (file name, URL, "<string>")
    """

    satnum: int
    epoch_jd: float
    epoch_fr: float
    ndot: float
    nddot: float
    bstar: float
    inclination_deg: float
    raan_deg: float
    eccentricity: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    mean_motion_rev_day: float
    revnum: int = 0
    elnum: int = 0
    ephtype: int = 0
    classification: str = "U"
    intldesg: str = ""
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    source: str = "<string>"

    @property
    def epoch(self) -> dt.datetime:
        """Epoch as a timezone-aware UTC datetime (microsecond resolution)."""
        days = (self.epoch_jd - JD_UNIX_EPOCH) + self.epoch_fr
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=days)

    @property
    def epoch_unix_s(self) -> float:
        """Epoch as Unix seconds, UTC."""
        return ((self.epoch_jd - JD_UNIX_EPOCH) + self.epoch_fr) * 86400.0
