"""TEMPORARY SHIM (to be replaced by the numba core): same public API,
backed by sgp4's SatrecArray, so that services can be written against the
final call shape while the core is built.

    from tracker.propagation import Elements, propagate
    els = Elements.from_tle([(line1, line2), ...])
    e, r, v = propagate(els, jd, fr)
    # e: uint8 (n_sat, n_t); r, v: float64 (n_sat, n_t, 3), TEME, km and km/s
"""
from __future__ import annotations

import numpy as np
from sgp4.api import Satrec, SatrecArray, WGS72

from tle.elements import ElementSet


class Elements:
    """A batch of element sets (struct of arrays).

    Public read-only attributes (1-D arrays, one entry per satellite):
    ``satnum`` (int64), ``epoch_jd``, ``epoch_fr`` (split Julian date, UTC).
    """

    def __init__(self, satrecs):
        self._satrecs = list(satrecs)
        self._array = SatrecArray(self._satrecs)
        self.satnum = np.array([s.satnum for s in self._satrecs], dtype=np.int64)
        self.epoch_jd = np.array([s.jdsatepoch for s in self._satrecs])
        self.epoch_fr = np.array([s.jdsatepochF for s in self._satrecs])

    def __len__(self):
        return len(self._satrecs)

    @classmethod
    def from_tle(cls, pairs):
        return cls([Satrec.twoline2rv(l1, l2) for l1, l2 in pairs])

    @classmethod
    def from_satrecs(cls, satrecs):
        return cls(satrecs)

    @classmethod
    def from_element_sets(cls, sets: "list[ElementSet]"):
        recs = []
        for s in sets:
            if s.line1 and s.line2:
                recs.append(Satrec.twoline2rv(s.line1, s.line2))
                continue
            sat = Satrec()
            deg = np.pi / 180.0
            epoch_1949 = (s.epoch_jd - 2433281.5) + s.epoch_fr
            sat.sgp4init(WGS72, "i", s.satnum, epoch_1949, s.bstar,
                         s.ndot * 2 * np.pi / (1440.0 ** 2),
                         s.nddot * 2 * np.pi / (1440.0 ** 3), s.eccentricity,
                         s.arg_perigee_deg * deg, s.inclination_deg * deg,
                         s.mean_anomaly_deg * deg,
                         s.mean_motion_rev_day * 2 * np.pi / 1440.0,
                         s.raan_deg * deg)
            recs.append(sat)
        return cls(recs)


def propagate(els: Elements, jd, fr):
    """Propagate every satellite of ``els`` to every time (jd, fr), UTC."""
    jd = np.ascontiguousarray(jd, dtype=np.float64)
    fr = np.ascontiguousarray(fr, dtype=np.float64)
    return els._array.sgp4(jd, fr)
