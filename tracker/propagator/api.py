"""The public face of the SGP4/SDP4 core: ``Elements`` and ``propagate``.

    from tracker.propagator.api import Elements, propagate
    els = Elements.from_tle([(line1, line2), ...])
    e, r, v = propagate(els, jd, fr)
    # e: uint8 (n_sat, n_t) error codes as sgp4.api.SGP4_ERRORS
    # r, v: float64 (n_sat, n_t, 3), TEME, km and km/s

Same call shape and results as ``sgp4.api.SatrecArray.sgp4`` (WGS-72,
improved operation mode, as ``Satrec.twoline2rv`` uses by default), computed
by our numba kernels in this package (``init`` and ``deep_init``: the
coefficients; ``near``: the step and the batch loops; ``block`` and
``deep_block``: the vectorised near-Earth and deep-space blocks; ``deep``:
the scalar SDP4 terms). Errors are per sample: codes 1-4 give NaN r and v,
code 6 (decayed) keeps the computed r and v; nothing raises mid-array.

For fused kernels, ``tracker.propagator.near.sgp4_one`` (one satellite, one
time) and ``tracker.propagator.near.propagate_into`` (caller-allocated outputs)
take ``els.coeffs``; ``propagate_into`` here is the checked Python wrapper.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

from tle.elements import ElementSet
from tracker.propagator import near as _sgp4
from tracker.propagator import init as _init
from tracker.propagator.layout import (
    COEFF_NAMES, EL_ARGP, EL_BSTAR, EL_ECC, EL_EPOCH_DAYS, EL_INCL, EL_M,
    EL_NDDOT, EL_NDOT, EL_NO_KOZAI, EL_NODE, JD_1950, N_COEFF, N_ELEMENT,
    RADIUS_EARTH_KM,
)

__all__ = ["Elements", "propagate", "propagate_into", "propagate_tsince"]

# TLE units -> SGP4 units, computed as the reference twoline2rv does.
_XPDOTP = 1440.0 / (2.0 * math.pi)      # rev/day per rad/min
_DEG2RAD = math.pi / 180.0


def _element_row(row):
    """A read-only property: row ``row`` of ``Elements.elements``."""
    return property(lambda self: self.elements[row])


class Elements:
    """A batch of SGP4 mean element sets and their derived coefficients.

    Struct of arrays, one entry per satellite:

    ``satnum`` (int64), ``epoch_jd``, ``epoch_fr`` (split Julian date, UTC)
        public 1-D arrays;
    ``elements``: float64 (N_ELEMENT, n) mean elements in SGP4 units (rows
        ``tracker.propagator.layout.ELEMENT_NAMES``; also as the properties
        ``no_kozai_rad_min``, ``ecc``, ``incl_rad``, ``raan_rad``,
        ``argp_rad``, ``mean_anomaly_rad``, ``bstar_per_er``);
    ``coeffs``: float64 (N_COEFF, n) the initialised coefficient table read
        by the kernels (rows ``sgp4_layout.COEFF_NAMES``; ``coefficient(name)``).

    Build with the ``from_*`` constructors; ``els[idx]`` / ``els.subset(idx)``
    take satellites by index, slice or mask without re-initialising.
    """

    __slots__ = ("satnum", "epoch_jd", "epoch_fr", "elements", "coeffs")

    def __init__(self, satnum, epoch_jd, epoch_fr, elements, coeffs=None):
        self.satnum = np.ascontiguousarray(satnum, dtype=np.int64).reshape(-1)
        self.epoch_jd = _kernel_array(np.reshape(epoch_jd, -1))
        self.epoch_fr = _kernel_array(np.reshape(epoch_fr, -1))
        elements = _kernel_array(elements)
        n = self.satnum.shape[0]
        if elements.shape != (N_ELEMENT, n) or self.epoch_jd.shape != (n,) \
                or self.epoch_fr.shape != (n,):
            raise ValueError(f"Elements: expected elements of shape ({N_ELEMENT}, {n}) and "
                             f"{n} epochs, got {elements.shape}, {self.epoch_jd.shape}, "
                             f"{self.epoch_fr.shape}")
        self.elements = elements
        if coeffs is None:
            coeffs = np.empty((N_COEFF, n))
            if n:
                _init.sgp4_init_many(elements, coeffs)
        elif np.shape(coeffs) != (N_COEFF, n):
            raise ValueError(f"Elements: expected coeffs of shape ({N_COEFF}, {n}), "
                             f"got {np.shape(coeffs)}")
        self.coeffs = _kernel_array(coeffs)

    # ---- size and selection ----
    def __len__(self):
        return self.satnum.shape[0]

    def __repr__(self):
        return f"Elements({len(self)} satellites)"

    def subset(self, index) -> "Elements":
        """The satellites at ``index`` (int, slice, index array or boolean mask)."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return Elements(self.satnum[index], self.epoch_jd[index], self.epoch_fr[index],
                        self.elements[:, index], self.coeffs[:, index])

    __getitem__ = subset

    def coefficient(self, name: str) -> np.ndarray:
        """Row ``name`` of the coefficient table (e.g. ``"NO"``: Brouwer mean
        motion, rad/min; ``"METHOD"``: 1.0 for deep space)."""
        return self.coeffs[COEFF_NAMES.index(name)]

    no_kozai_rad_min = _element_row(EL_NO_KOZAI)
    ecc = _element_row(EL_ECC)
    incl_rad = _element_row(EL_INCL)
    raan_rad = _element_row(EL_NODE)
    argp_rad = _element_row(EL_ARGP)
    mean_anomaly_rad = _element_row(EL_M)
    bstar_per_er = _element_row(EL_BSTAR)

    @property
    def is_deep_space(self):
        """Boolean (n,): period >= 225 min, propagated with SDP4."""
        return self.coefficient("METHOD") == 1.0

    # ---- constructors ----
    @classmethod
    def from_sgp4_units(cls, satnum, epoch_jd, epoch_fr, no_kozai_rad_min, ecc,
                        incl_rad, raan_rad, argp_rad, mean_anomaly_rad,
                        bstar_per_er, ndot_rad_min2, nddot_rad_min3) -> "Elements":
        """From 1-D arrays already in SGP4 units (as ``Satrec`` attributes):
        rad, rad/min, ndot rad/min^2 (n-dot/2), nddot rad/min^3 (n-ddot/6)."""
        epoch_jd = np.asarray(epoch_jd, dtype=np.float64)
        epoch_fr = np.asarray(epoch_fr, dtype=np.float64)
        el = np.empty((N_ELEMENT, epoch_jd.shape[0]))
        el[EL_EPOCH_DAYS] = (epoch_jd + epoch_fr) - JD_1950
        el[EL_NO_KOZAI] = no_kozai_rad_min
        el[EL_ECC] = ecc
        el[EL_INCL] = incl_rad
        el[EL_NODE] = raan_rad
        el[EL_ARGP] = argp_rad
        el[EL_M] = mean_anomaly_rad
        el[EL_BSTAR] = bstar_per_er
        el[EL_NDOT] = ndot_rad_min2
        el[EL_NDDOT] = nddot_rad_min3
        return cls(satnum, epoch_jd, epoch_fr, el)

    @classmethod
    def from_element_sets(cls, sets: "Iterable[ElementSet]") -> "Elements":
        """From ``tle.elements.ElementSet`` records (degrees, rev/day)."""
        sets = list(sets)
        cols = np.array([(s.epoch_jd, s.epoch_fr, s.mean_motion_rev_day, s.eccentricity,
                          s.inclination_deg, s.raan_deg, s.arg_perigee_deg,
                          s.mean_anomaly_deg, s.bstar, s.ndot, s.nddot) for s in sets],
                        dtype=np.float64).reshape(len(sets), 11).T
        return cls.from_sgp4_units(
            [s.satnum for s in sets], cols[0], cols[1],
            cols[2] / _XPDOTP, cols[3], cols[4] * _DEG2RAD, cols[5] * _DEG2RAD,
            cols[6] * _DEG2RAD, cols[7] * _DEG2RAD, cols[8],
            cols[9] / (_XPDOTP * 1440.0), cols[10] / (_XPDOTP * 1440.0 * 1440.0))

    @classmethod
    def from_tle(cls, pairs: "Iterable[Sequence[str]]", *, source: str = "<string>") -> "Elements":
        """From ``(line1, line2)`` pairs; raises ``tle.errors.TLEFormatError``
        naming the pair, line and field of a malformed TLE."""
        from tle.parse import parse_tle_pair

        sets = []
        for k, pair in enumerate(pairs):
            line1, line2 = pair
            sets.append(parse_tle_pair(line1, line2, source=source, line_number=2 * k + 1))
        return cls.from_element_sets(sets)

    @classmethod
    def from_omm(cls, records: "Iterable[dict]", *, source: str = "<string>") -> "Elements":
        """From OMM records (dicts with CelesTrak's keys, e.g. from JSON)."""
        from tle.omm import element_set_from_omm

        return cls.from_element_sets(element_set_from_omm(r, source=source, index=k)
                                     for k, r in enumerate(records))

    @classmethod
    def from_satrecs(cls, satrecs) -> "Elements":
        """From ``sgp4.api.Satrec`` objects (WGS-72, improved mode only)."""
        satrecs = list(satrecs)
        for s in satrecs:
            if s.radiusearthkm != RADIUS_EARTH_KM or s.operationmode != "i":
                raise ValueError(f"satellite {s.satnum}: only WGS-72 in improved mode "
                                 f"('i') is supported, got radius {s.radiusearthkm} km, "
                                 f"mode {s.operationmode!r}")
        a = np.array([(s.jdsatepoch, s.jdsatepochF, s.no_kozai, s.ecco, s.inclo, s.nodeo,
                       s.argpo, s.mo, s.bstar, s.ndot, s.nddot) for s in satrecs],
                     dtype=np.float64).reshape(len(satrecs), 11).T
        return cls.from_sgp4_units([s.satnum for s in satrecs], *a)


def _kernel_array(x):
    """float64, C-contiguous and writeable: the one array type the cached
    kernels are compiled for (a read-only or strided array would compile a
    new specialisation, seconds of JIT)."""
    a = np.ascontiguousarray(x, dtype=np.float64)
    return a if a.flags.writeable else a.copy()


def _times(jd, fr):
    jd = np.asarray(jd, dtype=np.float64)
    fr = np.asarray(fr, dtype=np.float64)
    if jd.ndim > 1 or fr.ndim > 1:
        raise ValueError(f"jd and fr must be 1-D (or scalars), got shapes {jd.shape}, {fr.shape}")
    jd, fr = np.broadcast_arrays(np.atleast_1d(jd), np.atleast_1d(fr))
    return _kernel_array(jd), _kernel_array(fr)


def propagate(els: Elements, jd, fr):
    """Propagate every satellite of ``els`` to every time (split JD, UTC).

    ``jd``, ``fr``: 1-D float64 arrays of equal length (or scalars).
    Returns ``e`` uint8 (n_sat, n_t), ``r`` km and ``v`` km/s float64
    (n_sat, n_t, 3) in TEME.
    """
    jd, fr = _times(jd, fr)
    n_sat, n_t = len(els), jd.shape[0]
    e = np.empty((n_sat, n_t), dtype=np.uint8)
    r = np.empty((n_sat, n_t, 3))
    v = np.empty((n_sat, n_t, 3))
    if n_sat and n_t:
        _sgp4.propagate_into(els.coeffs, els.epoch_jd, els.epoch_fr, jd, fr, e, r, v)
    return e, r, v


def propagate_into(els: Elements, jd, fr, e_out, r_out, v_out):
    """As ``propagate`` but writing into caller-allocated arrays (reuse them
    across time chunks): ``e_out`` uint8 (n_sat, n_t), ``r_out``/``v_out``
    float64 C-contiguous (n_sat, n_t, 3)."""
    jd, fr = _times(jd, fr)
    n_sat, n_t = len(els), jd.shape[0]
    for name, arr, dtype, shape in (("e_out", e_out, np.uint8, (n_sat, n_t)),
                                    ("r_out", r_out, np.float64, (n_sat, n_t, 3)),
                                    ("v_out", v_out, np.float64, (n_sat, n_t, 3))):
        if arr.dtype != dtype or arr.shape != shape or not arr.flags.c_contiguous:
            raise ValueError(f"{name}: expected C-contiguous {np.dtype(dtype).name} {shape}, "
                             f"got {arr.dtype} {arr.shape}")
    if n_sat and n_t:
        _sgp4.propagate_into(els.coeffs, els.epoch_jd, els.epoch_fr, jd, fr,
                             e_out, r_out, v_out)


def propagate_tsince(els: Elements, tsince_min):
    """Propagate to times given in minutes since each satellite's epoch.

    ``tsince_min``: (n_t,) shared by all satellites, or (n_sat, n_t).
    Returns ``e, r, v`` as ``propagate``.
    """
    t = np.asarray(tsince_min, dtype=np.float64)
    if t.ndim == 0:
        t = t.reshape(1)
    if t.ndim == 1:
        t = np.broadcast_to(t, (len(els), t.shape[0]))
    if t.ndim != 2 or t.shape[0] != len(els):
        raise ValueError(f"tsince_min: expected (n_t,) or ({len(els)}, n_t), got {t.shape}")
    t = _kernel_array(t)
    e = np.empty(t.shape, dtype=np.uint8)
    r = np.empty(t.shape + (3,))
    v = np.empty(t.shape + (3,))
    if t.size:
        _sgp4.propagate_tsince_into(els.coeffs, t, e, r, v)
    return e, r, v
