"""The vectorised deep-space block (``tracker.propagator.deep_block``).

Against python-sgp4 (``SatrecArray``, the oracle) over the deep-space
objects of the 2022-07-15 catalog below ``DEEP_BLOCK_MAX_ECC``: the block
kernel itself must accept every block of a day of one-minute times (so the
batch path really runs it) and agree within the suite's 1e-6 km and 1e-9
km/s with identical error codes. The resonance integrator's kept rates must
not change any answer: a state carried across times in any order gives the
same numbers, bit for bit, as a fresh state at each time.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec, SatrecArray

from tracker.propagator.api import Elements
from tracker.propagator.block import BLOCK, DEEP_BLOCK_MAX_ECC, block_eligible
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.deep_block import DEEP_WORK_SIZE, deep_space_block
from tracker.propagator.near import sgp4_one

POS_TOL_KM = 1e-6
VEL_TOL_KM_S = 1e-9
CATALOG = Path(__file__).parent / "data" / "catalog_2022-07-15.tle"


def _deep_pairs():
    lines = [ln.rstrip("\n") for ln in CATALOG.read_text().splitlines() if ln.strip()]
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if a.startswith("1 ") and b.startswith("2 ")]
    els = Elements.from_tle(pairs)
    keep = np.nonzero(els.is_deep_space & (els.ecc < DEEP_BLOCK_MAX_ECC))[0]
    return [pairs[k] for k in keep], els[keep]


@pytest.fixture(scope="module")
def deep():
    return _deep_pairs()


def test_deep_block_takes_every_block_and_matches_sgp4(deep):
    pairs, els = deep
    irez = els.coefficient("IREZ")
    assert len(pairs) > 300 and {0.0, 1.0, 2.0} <= set(irez.tolist())
    assert (els.ecc < 0.2).any() and (els.ecc > 0.6).any()
    assert (els.incl_rad < 0.2).any()           # Lyddane's branch
    n_t = 1440
    minutes = np.arange(n_t, dtype=float)
    work = np.empty(DEEP_WORK_SIZE)
    e = np.empty((len(pairs), n_t), dtype=np.uint8)
    r = np.empty((len(pairs), n_t, 3))
    v = np.empty((len(pairs), n_t, 3))
    for i in range(len(pairs)):
        assert block_eligible(els.coeffs, i)
        tsince = minutes + ((2459775.5 - els.epoch_jd[i]) - els.epoch_fr[i]) * 1440.0
        state = np.zeros(RESONANCE_STATE_SIZE)
        for b0 in range(0, n_t, BLOCK):
            n = min(BLOCK, n_t - b0)
            ts = np.ascontiguousarray(tsince[b0:b0 + n])
            assert deep_space_block(els.coeffs, i, ts, n, work, state, e[i, b0:b0 + n],
                                    r[i, b0:b0 + n], v[i, b0:b0 + n]), (pairs[i][0][2:7], b0)
    sats = SatrecArray([Satrec.twoline2rv(a, b) for a, b in pairs])
    ref_e, ref_r, ref_v = sats.sgp4(np.full(n_t, 2459775.5), minutes / 1440.0)
    np.testing.assert_array_equal(e, ref_e)
    np.testing.assert_array_equal(np.isnan(r), np.isnan(ref_r))
    np.testing.assert_allclose(r, ref_r, rtol=0, atol=POS_TOL_KM)
    np.testing.assert_allclose(v, ref_v, rtol=0, atol=VEL_TOL_KM_S)


def test_kept_resonance_rates_change_no_answer(deep):
    pairs, els = deep
    resonant = np.nonzero(els.coefficient("IREZ") != 0.0)[0][:12]
    rng = np.random.default_rng(21)
    times = np.concatenate([np.arange(-3000.0, 3000.0, 37.0), rng.uniform(-2e4, 2e4, 200)])
    r1 = np.empty(3)
    v1 = np.empty(3)
    for i in resonant:
        fresh = [(sgp4_one(els.coeffs, i, t, np.zeros(RESONANCE_STATE_SIZE), r1, v1),
                  tuple(r1), tuple(v1)) for t in times]
        for order in (np.arange(times.size), np.arange(times.size)[::-1],
                      rng.permutation(times.size)):
            state = np.zeros(RESONANCE_STATE_SIZE)
            for k in order:
                got = (sgp4_one(els.coeffs, i, times[k], state, r1, v1), tuple(r1), tuple(v1))
                assert got == fresh[k], (i, times[k])


def test_seeded_deep_space_elements_match_sgp4():
    """Seeded random deep-space element sets over the block's whole domain:
    mean motions from 0.9 to 6.3 rev/day (one-day and half-day resonances and
    none), e up to 0.98, inclinations from 0 (Lyddane) through 0.2 rad to
    retrograde, drag or none; times +-15 days. Python-sgp4 is the oracle."""
    from sgp4.api import WGS72

    rng = np.random.default_rng(41)
    sats = []
    n_sat = 60
    for k in range(n_sat):
        rev_day = float(rng.choice([rng.uniform(0.9, 1.1), rng.uniform(1.9, 2.1),
                                    rng.uniform(1.2, 6.3)]))
        ecc = float(rng.choice([rng.uniform(0.0, 0.02), rng.uniform(0.5, 0.75),
                                rng.uniform(0.0, 0.98)]))
        incl = float(rng.choice([rng.uniform(0.0, 0.01), rng.uniform(0.18, 0.22),
                                 rng.uniform(0.0, np.pi)]))
        s = Satrec()
        s.sgp4init(WGS72, "i", 90000 + k, 26000.0 + rng.uniform(0, 100),
                   float(rng.choice([0.0, rng.uniform(-1e-4, 1e-3)])), 0.0, 0.0, ecc,
                   rng.uniform(0, 2 * np.pi), incl, rng.uniform(0, 2 * np.pi),
                   rev_day * 2 * np.pi / 1440.0, rng.uniform(0, 2 * np.pi))
        assert s.method == "d"
        sats.append(s)
    els = Elements.from_satrecs(sats)
    assert (els.coefficient("IREZ") == 1.0).any() and (els.coefficient("IREZ") == 2.0).any()
    assert all(block_eligible(els.coeffs, i) for i in range(n_sat))
    tsince = np.sort(rng.uniform(-15 * 1440.0, 15 * 1440.0, 400))
    from tracker.propagator.api import propagate_tsince
    e, r, v = propagate_tsince(els, tsince)
    # and the block itself takes nearly every block of these times
    work = np.empty(DEEP_WORK_SIZE)
    taken = total = 0
    for i in range(n_sat):
        state = np.zeros(RESONANCE_STATE_SIZE)
        for b0 in range(0, tsince.size, BLOCK):
            ts = np.ascontiguousarray(tsince[b0:b0 + BLOCK])
            n = ts.size
            taken += deep_space_block(els.coeffs, i, ts, n, work, state,
                                      np.empty(n, dtype=np.uint8), np.empty((n, 3)),
                                      np.empty((n, 3)))
            total += 1
    assert taken >= 0.9 * total, (taken, total)
    n_ok = 0
    for i, s in enumerate(sats):
        ref = [s.sgp4_tsince(float(t)) for t in tsince]
        ref_e = np.array([q[0] for q in ref])
        np.testing.assert_array_equal(e[i], ref_e)
        ok = ref_e == 0
        n_ok += int(ok.sum())
        if ok.any():
            np.testing.assert_allclose(r[i][ok], np.array([q[1] for q in ref])[ok], rtol=0,
                                       atol=POS_TOL_KM)
            np.testing.assert_allclose(v[i][ok], np.array([q[2] for q in ref])[ok], rtol=0,
                                       atol=VEL_TOL_KM_S)
    assert n_ok > 0.8 * n_sat * tsince.size
