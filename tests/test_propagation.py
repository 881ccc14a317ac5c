"""Public API of the propagation core: shapes, constructors, bad input, errors.

Oracle throughout: python-sgp4 (``Satrec`` / ``SatrecArray``, Vallado's C++
SGP4 with WGS-72 in improved mode) on the same inputs. Tolerances 1e-6 km
and 1e-9 km/s as in test_vallado.py.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from sgp4 import exporter
from sgp4.api import WGS72, WGS84, Satrec, SatrecArray

from tle.errors import TLEFormatError
from tle.parse import parse_tle_pair
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.near import sgp4_one
from tracker.propagator.api import Elements, propagate, propagate_into, propagate_tsince

POS_TOL_KM = 1e-6
VEL_TOL_KM_S = 1e-9

# ISS (near-Earth, full drag model), 2015-03-02.
ISS = ("1 25544U 98067A   15061.00329596  .00013725  00000-0  20780-3 0  9995",
       "2 25544  51.6457 259.3732 0007864  63.2699  94.7821 15.54945907931352")
# Vanguard 1 (near-Earth, e = 0.18), Molniya 1-36 (half-day resonance) and
# Italsat 2 (one-day resonance), from SGP4-VER.TLE.
VANGUARD = ("1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753",
            "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667")
MOLNIYA = ("1 09880U 77021A   06176.56157475  .00000421  00000-0  10000-3 0  9814",
           "2 09880  64.5968 349.3786 7069051 270.0229  16.3320  2.00813614112380")
ITALSAT = ("1 24208U 96044A   06177.04061740 -.00000094  00000-0  10000-3 0  1600",
           "2 24208   3.8536  80.0121 0026640 311.0977  48.3000  1.00778054 36119")
# Minotaur R/B, decays within an hour of epoch (SGP4-VER.TLE, perigee -51 km).
MINOTAUR = ("1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534",
            "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708")
PAIRS = [ISS, VANGUARD, MOLNIYA, ITALSAT]


def _times(n=7, span_days=2.0):
    """Split JDs from 2015-03-01 on, fr kept in [0, 1) as a caller would."""
    days = np.linspace(0.0, span_days, n) + 0.123456789
    return 2457082.5 + np.floor(days), days - np.floor(days)


def _reference(pairs, jd, fr):
    return SatrecArray([Satrec.twoline2rv(a, b) for a, b in pairs]).sgp4(jd, fr)


def _assert_matches(got, ref):
    e, r, v = got
    ref_e, ref_r, ref_v = ref
    np.testing.assert_array_equal(e, ref_e)
    np.testing.assert_allclose(r, ref_r, rtol=0, atol=POS_TOL_KM)
    np.testing.assert_allclose(v, ref_v, rtol=0, atol=VEL_TOL_KM_S)


# ---------------------------------------------------------------- API shape
@pytest.mark.nojit
def test_propagate_shapes_dtypes_and_values():
    els = Elements.from_tle(PAIRS)
    assert len(els) == 4
    assert els.satnum.dtype == np.int64
    np.testing.assert_array_equal(els.satnum, [25544, 5, 9880, 24208])
    assert els.epoch_jd.shape == els.epoch_fr.shape == (4,)
    jd, fr = _times()
    e, r, v = propagate(els, jd, fr)
    assert e.dtype == np.uint8 and e.shape == (4, 7)
    assert r.dtype == v.dtype == np.float64
    assert r.shape == v.shape == (4, 7, 3)
    _assert_matches((e, r, v), _reference(PAIRS, jd, fr))


@pytest.mark.nojit
def test_propagate_scalars_and_empty():
    els = Elements.from_tle([ISS])
    e, r, v = propagate(els, 2457083.5, 0.25)
    assert e.shape == (1, 1) and r.shape == (1, 1, 3)
    e, r, v = propagate(els, np.array([]), np.array([]))
    assert e.shape == (1, 0) and r.shape == (1, 0, 3)
    none = Elements.from_tle([])
    assert len(none) == 0
    e, r, v = propagate(none, *_times())
    assert e.shape == (0, 7) and v.shape == (0, 7, 3)
    with pytest.raises(ValueError, match="1-D"):
        propagate(els, np.zeros((2, 2)), np.zeros((2, 2)))


@pytest.mark.nojit
def test_subset_and_slicing_keep_results():
    els = Elements.from_tle(PAIRS)
    jd, fr = _times()
    e, r, v = propagate(els, jd, fr)
    for index in (2, slice(1, 3), np.array([3, 0]), np.array([True, False, True, False])):
        part = els[index]
        pe, pr, pv = propagate(part, jd, fr)
        expected = np.arange(4)[index].reshape(-1)
        np.testing.assert_array_equal(part.satnum, els.satnum[expected])
        np.testing.assert_array_equal(pr, r[expected])
        np.testing.assert_array_equal(pe, e[expected])


@pytest.mark.nojit
def test_propagate_into_reuses_caller_arrays():
    els = Elements.from_tle(PAIRS)
    jd, fr = _times(12)
    e_all, r_all, v_all = propagate(els, jd, fr)
    e = np.empty((4, 4), dtype=np.uint8)
    r = np.empty((4, 4, 3))
    v = np.empty((4, 4, 3))
    for k in range(0, 12, 4):          # stream time chunks into the same buffers
        propagate_into(els, jd[k:k + 4], fr[k:k + 4], e, r, v)
        np.testing.assert_array_equal(e, e_all[:, k:k + 4])
        np.testing.assert_array_equal(r, r_all[:, k:k + 4])
        np.testing.assert_array_equal(v, v_all[:, k:k + 4])
    with pytest.raises(ValueError, match="r_out"):
        propagate_into(els, jd[:4], fr[:4], e, np.empty((4, 4, 3), dtype=np.float32), v)


@pytest.mark.nojit
def test_sgp4_one_matches_batch():
    """The documented per-sample kernel, as a fused kernel would call it,
    agrees with the batch kernels."""
    els = Elements.from_tle(PAIRS)
    tsince = np.array([-300.0, 0.0, 725.5, 1500.0, 2900.0])
    e_all, r_all, v_all = propagate_tsince(els, tsince)
    r = np.empty(3)
    v = np.empty(3)
    for i in range(len(els)):
        state = np.zeros(RESONANCE_STATE_SIZE)
        for j, t in enumerate(tsince):
            err = sgp4_one(els.coeffs, i, t, state, r, v)
            assert err == e_all[i, j]
            # The batch kernel may take the vectorised near-Earth path
            # (polynomial sin/cos): equal to rounding, not bit for bit.
            np.testing.assert_allclose(r, r_all[i, j], rtol=0, atol=1e-9)
            np.testing.assert_allclose(v, v_all[i, j], rtol=0, atol=1e-12)


# ------------------------------------------------------------ constructors
@pytest.mark.nojit
def test_constructors_agree_with_from_tle():
    els = Elements.from_tle(PAIRS)
    jd, fr = _times()
    expected = propagate(els, jd, fr)
    satrecs = [Satrec.twoline2rv(a, b) for a, b in PAIRS]
    sets = [parse_tle_pair(a, b) for a, b in PAIRS]
    for other in (Elements.from_satrecs(satrecs), Elements.from_element_sets(sets)):
        np.testing.assert_array_equal(other.coeffs, els.coeffs)
        got = propagate(other, jd, fr)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)


@pytest.mark.nojit
def test_from_omm_matches_sgp4_omm_and_tle():
    """OMM records (as python-sgp4's exporter writes them from the TLEs) match
    sgp4's own OMM loader on the same records within the usual tolerance, and
    the TLEs within what the OMM's microsecond epoch allows: the epoch moves
    by up to 0.5 us (plus float rounding), i.e. |v| * 1 us <= 1e-5 km."""
    from sgp4 import omm

    satrecs = [Satrec.twoline2rv(a, b) for a, b in PAIRS]
    records = [exporter.export_omm(s, f"OBJECT {k}") for k, s in enumerate(satrecs)]
    els = Elements.from_omm(records)
    np.testing.assert_array_equal(els.satnum, [25544, 5, 9880, 24208])
    jd, fr = _times()
    got = propagate(els, jd, fr)

    oracle = []
    for record in records:
        sat = Satrec()
        omm.initialize(sat, record)
        oracle.append(sat)
    np.testing.assert_array_equal(els.epoch_fr, [s.jdsatepochF for s in oracle])
    _assert_matches(got, SatrecArray(oracle).sgp4(jd, fr))

    e, r, v = propagate(Elements.from_tle(PAIRS), jd, fr)
    np.testing.assert_array_equal(got[0], e)
    np.testing.assert_allclose(got[1], r, rtol=0, atol=2e-5)
    np.testing.assert_allclose(got[2], v, rtol=0, atol=2e-8)


def test_from_satrecs_refuses_other_models():
    sat = Satrec()
    sat.sgp4init(WGS84, "i", 5, 18441.78495062, 2.8098e-05, 6.96e-13, 0.0, 0.1859667,
                 5.790416, 0.598092, 0.337309, 0.047229, 6.086385)
    with pytest.raises(ValueError, match="WGS-72"):
        Elements.from_satrecs([sat])


# ---------------------------------------------------------------- bad input
_BAD_TLES = {
    "wrong length": ([(ISS[0][:-3], ISS[1])], 1, "length"),
    "bad checksum": ([(ISS[0][:-1] + "4", ISS[1])], 1, "checksum"),
    "non-numeric field": ([(ISS[0], ISS[1][:20] + "x" + ISS[1][21:])], 2,
                          "right ascension of node"),
    "wrong line order": ([(ISS[1], ISS[0])], 1, "line number"),
    "second pair bad": ([ISS, (ISS[0], ISS[1][:-1] + "0")], 4, "checksum"),
}


@pytest.mark.nojit
@pytest.mark.parametrize("case", list(_BAD_TLES))
def test_malformed_tle_raises_naming_line_and_problem(case):
    pairs, line_number, field = _BAD_TLES[case]
    with pytest.raises(TLEFormatError) as info:
        Elements.from_tle(pairs, source="upload.tle")
    err = info.value
    assert err.line_number == line_number
    assert err.field == field
    assert f"upload.tle, line {line_number}" in str(err)


# ------------------------------------------------------------- error codes
# Elements no TLE could carry, straight into the kernels: each must give the
# oracle's codes (and NaN where it has NaN), never an exception.
_ODD = [dict(ecc=1.2), dict(ecc=-0.1), dict(ecc=0.9999), dict(ecc=1.0),
        dict(no=0.0), dict(no=-0.05), dict(no=1e-9), dict(no=0.5),
        dict(incl=math.pi), dict(incl=4.0), dict(bstar=5.0), dict(bstar=-5.0),
        dict(ecc=float("nan")), dict(no=0.0043, ecc=0.99), dict(no=0.004375, ecc=1.1),
        dict(no=0.004375, ecc=0.0, incl=0.0), dict(no=0.0087, ecc=0.7, incl=1.1)]


@pytest.mark.parametrize("odd", _ODD, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_impossible_elements_give_reference_error_codes(odd):
    p = dict(no=0.0678473144, ecc=0.0007864, incl=0.9013875, node=4.5269, argp=1.1042,
             m=1.6542, bstar=2.078e-4, ndot=4e-10, nddot=0.0)
    p.update(odd)
    epoch_days = 8000.5
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 1, epoch_days, p["bstar"], p["ndot"], p["nddot"], p["ecc"],
                 p["argp"], p["incl"], p["m"], p["no"], p["node"])
    with np.errstate(all="ignore"):
        els = Elements.from_sgp4_units([1], [2433281.5 + 8000.0], [0.5], [p["no"]], [p["ecc"]],
                                       [p["incl"]], [p["node"]], [p["argp"]], [p["m"]],
                                       [p["bstar"]], [p["ndot"]], [p["nddot"]])
    tsince = np.array([0.0, 1.0, 100.0, 1440.0, -1440.0, 1e5])
    e, r, v = propagate_tsince(els, tsince)
    ref = [sat.sgp4_tsince(t) for t in tsince]
    np.testing.assert_array_equal(e[0], [x[0] for x in ref])
    # Some of these run away (strong negative drag: 1e24 km after 1e5 min,
    # with mean anomalies of 1e15 rad that keep no significant digit in any
    # implementation); positions are compared while they still mean
    # something (|r| < 1e6 km), relatively (code 6 keeps absurd r, v).
    ref_r = np.array([x[1] for x in ref])
    ref_v = np.array([x[2] for x in ref])
    keep = ~(np.linalg.norm(ref_r, axis=-1) > 1e6)
    assert keep[:3].all()
    np.testing.assert_allclose(r[0, keep], ref_r[keep], rtol=1e-10, atol=POS_TOL_KM)
    np.testing.assert_allclose(v[0, keep], ref_v[keep], rtol=1e-10, atol=VEL_TOL_KM_S)


def test_error_codes_cover_mean_motion_and_eccentricity():
    """Codes 1 (mean e out of range) and 2 (mean motion <= 0) do occur above."""
    els = Elements.from_sgp4_units([1, 2], [2441281.5] * 2, [0.5] * 2, [0.0678, 0.0],
                                   [1.2, 0.001], [0.9] * 2, [1.0] * 2, [1.0] * 2, [1.0] * 2,
                                   [1e-4] * 2, [0.0] * 2, [0.0] * 2)
    e, r, v = propagate_tsince(els, [0.0, 10.0])
    np.testing.assert_array_equal(e, [[1, 1], [2, 2]])
    assert np.isnan(r).all() and np.isnan(v).all()


@pytest.mark.nojit
def test_decayed_satellite_keeps_code_6_and_its_position():
    """Code 6 (radius < 1 earth radius) keeps r, v finite, as SatrecArray does;
    the samples before and after are unaffected."""
    els = Elements.from_tle([MINOTAUR])
    jd = np.full(5, els.epoch_jd[0])
    fr = els.epoch_fr[0] + np.array([45.0, 50.0, 55.0, 60.0, 70.0]) / 1440.0
    e, r, v = propagate(els, jd, fr)
    np.testing.assert_array_equal(e[0], [0, 0, 6, 6, 0])
    assert np.isfinite(r).all() and np.isfinite(v).all()
    assert (np.linalg.norm(r[0, 2:4], axis=-1) < 6378.135).all()
    _assert_matches((e, r, v), _reference([MINOTAUR], jd, fr))


# ---------------------------------------------------------------- parallel
def test_one_satellite_many_times_parallel_over_time():
    """One satellite splits its times across threads; results unchanged."""
    jd = np.full(20000, 2457082.5)
    fr = np.linspace(0.0, 3.0, 20000)
    for pair in (ISS, MOLNIYA):
        _assert_matches(propagate(Elements.from_tle([pair]), jd, fr),
                        _reference([pair], jd, fr))


def test_resonant_times_out_of_order():
    """The resonance integrator restarts or continues as times jump around;
    each answer is independent of the order the times come in."""
    tsince = np.array([5000.0, 100.0, -3000.0, 20000.0, 720.0, 1439.9, -10.0, 0.0, 8000.0])
    sat = Satrec.twoline2rv(*ITALSAT)
    e, r, v = propagate_tsince(Elements.from_tle([ITALSAT]), tsince)
    for j, t in enumerate(tsince):
        fresh = Satrec.twoline2rv(*ITALSAT)
        ref_e, ref_r, ref_v = fresh.sgp4_tsince(t)
        assert e[0, j] == ref_e == sat.sgp4_tsince(t)[0]
        np.testing.assert_allclose(r[0, j], ref_r, rtol=0, atol=POS_TOL_KM)
        np.testing.assert_allclose(v[0, j], ref_v, rtol=0, atol=VEL_TOL_KM_S)


def test_years_from_epoch_fall_back_to_scalar_kernel():
    """Beyond 1e5 rad of mean anomaly (here 3.5 to 6.5 years after epoch) the
    vectorised near-Earth kernel hands the block to the scalar one; both
    sides of the switch agree with the oracle."""
    jd = np.full(400, 2451723.5)
    fr = np.linspace(1200.0, 2400.0, 400)        # days after 2000-06-27
    _assert_matches(propagate(Elements.from_tle([VANGUARD]), jd, fr),
                    _reference([VANGUARD], jd, fr))


def test_any_integer_index_reaches_the_step_kernels_as_int64():
    """A caller's uint64 index (prange's) or literal gives the same answer,
    and the heavy SGP4 step and block kernels are compiled for int64 only
    (one compile of each, seconds of JIT on a cold cache)."""
    from numba import types

    from tracker.propagator import near as sgp4, block as sgp4_block

    els = Elements.from_tle([MOLNIYA, ISS])
    state = np.zeros(RESONANCE_STATE_SIZE)
    assert (sgp4.sgp4_sample(els.coeffs, np.uint64(0), 100.0, state)
            == sgp4.sgp4_sample(els.coeffs, 0, 100.0, state))
    n = sgp4_block.BLOCK
    ts = np.linspace(0.0, 1000.0, n)
    work = np.empty(sgp4_block.WORK_SIZE)
    out = [(np.empty(n, dtype=np.uint8), np.empty((n, 3)), np.empty((n, 3))) for _ in range(2)]
    for index, (e, r, v) in zip((np.uint64(1), 1), out):
        assert sgp4_block.near_earth_block(els.coeffs, index, ts, n, work, e, r, v)
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
    for kernel in (sgp4._sample, sgp4_block._block):
        assert {sig[1] for sig in kernel.signatures} <= {types.int64}
