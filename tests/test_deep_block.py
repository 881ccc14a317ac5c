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
