"""The timing error bands of tle.accuracy, re-derived from the shipped history.

Oracle: python-sgp4 (not our propagator) predicts each shipped set forward to
the epoch of every later set of the same file (up to 45 days); the later set
at its own epoch is the truth. Manoeuvres are found here from the sets' mean
motions and ndot with the definition in tle.accuracy's docstring, written
out again. Nothing below is copied from scripts/fit_accuracy.py's output.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from sgp4.api import Satrec

from tle import accuracy as A
from tle.store import ElementStore, shipped_sets

MU_KM3_S2 = 398600.4418
JUMP_KM = 0.3          # tle.accuracy.MANOEUVRE_KM, as documented there
MAX_AGE_DAYS = 45.0
CHECK_EDGES = (0.0, 2.0, 5.0, 10.0, 20.0, 30.0)
BLOCK_DAYS = 60.0      # hold-out blocks by time, from each file's first epoch


def _a_km(n_rev_day):
    n = np.asarray(n_rev_day) * 2 * math.pi / 86400.0
    return (MU_KM3_S2 / n ** 2) ** (1 / 3)


def pairs():
    """(file index, i, age_days, error_s, crosses) arrays over forward pairs."""
    return _pair_table()[:5]


@functools.lru_cache(maxsize=1)
def _pair_table():
    """pairs() + (backward error_s: set j propagated back to set i's epoch,
    60-day block of set i, block of set j)."""
    files = {}
    for es in shipped_sets():
        files.setdefault(es.source, []).append(es)
    rows = []
    for f, name in enumerate(sorted(files)):
        sets = sorted(files[name], key=lambda e: e.epoch_unix_s)
        sats = [Satrec.twoline2rv(es.line1, es.line2) for es in sets]
        t = np.array([es.epoch_unix_s for es in sets])
        n = np.array([es.mean_motion_rev_day for es in sets])
        expected = _a_km(n[:-1] + 2 * np.array([es.ndot for es in sets[:-1]]) * np.diff(t) / 86400)
        jump = np.abs(_a_km(n[1:]) - expected) > JUMP_KM        # between set k and k + 1
        truth = [s.sgp4(s.jdsatepoch, s.jdsatepochF) for s in sats]
        for i, si in enumerate(sats):
            for j in range(i + 1, len(sets)):
                age = (t[j] - t[i]) / 86400.0
                if age > MAX_AGE_DAYS:
                    break
                e, r, v = truth[j]
                e2, r2, _ = si.sgp4(sats[j].jdsatepoch, sats[j].jdsatepochF)
                assert e == e2 == 0
                v = np.array(v)
                speed = np.linalg.norm(v)
                err = float(np.dot(np.array(r2) - np.array(r), v / speed) / speed)
                # backward: set j at set i's epoch against set i there
                e3, rb, _ = sats[j].sgp4(si.jdsatepoch, si.jdsatepochF)
                _, r_i, v_i = truth[i]
                assert e3 == 0
                v_i = np.array(v_i)
                speed_i = np.linalg.norm(v_i)
                back = float(np.dot(np.array(rb) - np.array(r_i), v_i / speed_i) / speed_i)
                block_i, block_j = ((t[k] - t[0]) // (BLOCK_DAYS * 86400) for k in (i, j))
                rows.append((f, i, age, err, bool(jump[i:j].any()), back, block_i, block_j))
    cols = list(zip(*rows))
    return tuple(np.array(c) for c in cols)


def test_bands_are_the_fit_of_the_shipped_history():
    f, i, age, err, cross = pairs()
    quiet = ~cross
    assert len(A.BANDS) >= 8 and A.BANDS[0][0] == 0 and A.BANDS[-1][1] >= 30
    for rows, mask in ((A.BANDS, quiet), (A.REBOOST_BANDS, cross)):
        for lo, hi, n, q50, q68, q90 in rows:
            m = mask & (age >= lo) & (age < hi)
            assert n == m.sum() and n >= 5, (lo, hi)
            want = np.quantile(np.abs(err[m]), [0.5, 0.68, 0.9])
            # our SGP4 agrees with python-sgp4 to well under 1 ms of along-track time
            assert (q50, q68, q90) == pytest.approx(tuple(want), abs=0.011), (lo, hi)


def _coverage(train):
    f, i, age, err, cross = pairs()
    quiet = ~cross
    out = []
    for lo, hi in zip(CHECK_EDGES[:-1], CHECK_EDGES[1:]):
        m = quiet & (age >= lo) & (age < hi)
        q90 = np.quantile(np.abs(err[m & train]), 0.9)
        test = np.abs(err[m & ~train])
        out.append((lo, hi, test.size, int(np.sum(test <= q90))))
    return out


@pytest.mark.parametrize("half", ["even", "odd"])
def test_held_out_90_band_covers_85_to_95_percent_overall(half):
    """Fitted on alternate element sets of each file, tested on the others."""
    f, i, *_ = pairs()
    train = (i % 2 == 0) if half == "even" else (i % 2 == 1)
    cells = _coverage(train)
    n = sum(c[2] for c in cells)
    covered = sum(c[3] for c in cells)
    assert n > 200
    assert 0.85 <= covered / n <= 0.95, cells
    # every bin is consistent with 90 % within 3.5 binomial sigma
    for lo, hi, n_bin, k in cells:
        sigma = math.sqrt(0.9 * 0.1 / n_bin)
        assert abs(k / n_bin - 0.9) < 3.5 * sigma, (lo, hi, n_bin, k)


@pytest.mark.xfail(strict=True, reason="not met by the shipped data: fit on even sets, the "
                   "10-20 d bin covers 78 % of 60 held-out errors; fit on odd sets, 0-2 d "
                   "81 % of 21 and 20-30 d 72 % of 32 (scripts/fit_accuracy.py prints them)")
def test_held_out_90_band_covers_85_to_95_percent_in_every_bin():
    f, i, *_ = pairs()
    for train in (i % 2 == 0, i % 2 == 1):
        for lo, hi, n_bin, k in _coverage(train):
            assert 0.85 <= k / n_bin <= 0.95, (lo, hi, n_bin, k)


def _fit_rows(age, err):
    """BANDS-like rows fitted on these pairs, in A.BANDS's bins."""
    rows = []
    for lo, hi, *_ in A.BANDS:
        x = np.abs(err[(age >= lo) & (age < hi)])
        if x.size:
            rows.append((lo, hi, x.size) + tuple(np.quantile(x, [0.5, 0.68, 0.9])))
    return tuple(rows)


@pytest.mark.xfail(strict=True, reason="not met by the shipped data: held out by 60-day blocks, "
                   "the served 90 % band covers 89 % of 56 (0-2 d), 91 % of 96, 85 % of 107, "
                   "80 % of 137 (10-20 d) and 63 % of 65 (20-30 d): 89 of the 155 quiet pairs over "
                   "13 days are predicted from sets of late February to April 2016, whose "
                   "errors the other weeks do not predict (scripts/fit_accuracy.py prints them)")
def test_held_out_by_time_blocks_served_band_covers_85_to_95_percent_in_every_bin():
    """The fairer split: each 60-day block of each file held out in turn
    (tested: pairs predicted from a set in it; fitted: pairs with neither set
    in it), and the band as served (timing_band_s, bins interpolated)."""
    f, i, age, err, cross, _, block_i, block_j = _pair_table()
    quiet = ~cross
    covered = np.zeros(age.size, bool)
    tested = np.zeros(age.size, bool)
    for ff in np.unique(f):
        for b in np.unique(block_i[f == ff]):
            test = quiet & (f == ff) & (block_i == b)
            train = quiet & ~((f == ff) & ((block_i == b) | (block_j == b)))
            band = A.timing_band_s(age[test], 90, bands=_fit_rows(age[train], err[train]))
            covered[test] = np.abs(err[test]) <= band
            tested |= test
    assert tested.sum() == np.sum(quiet & (age <= MAX_AGE_DAYS))
    cells = []
    for lo, hi in zip(CHECK_EDGES[:-1], CHECK_EDGES[1:]):
        m = tested & (age >= lo) & (age < hi)
        cells.append((lo, hi, int(m.sum()), round(float(covered[m].mean()), 3)))
    assert all(0.85 <= c <= 0.95 for *_, c in cells), cells


def test_forward_bands_cover_backward_predictions():
    """timing_band_s holds for either sign of the age: a set propagated back
    to an earlier set's epoch errs less than forward (element sets are fitted
    on the observations before their epoch), so the band covers at least
    90 % (in fact 99-100 %) of backward errors in every bin."""
    f, i, age, err, cross, back, *_ = _pair_table()
    quiet = ~cross
    for lo, hi in zip(CHECK_EDGES[:-1], CHECK_EDGES[1:]):
        m = quiet & (age >= lo) & (age < hi)
        covered = np.mean(np.abs(back[m]) <= A.timing_band_s(-age[m], 90))
        assert covered >= 0.95, (lo, hi, m.sum(), covered)
        assert np.median(np.abs(back[m])) < np.median(np.abs(err[m])), (lo, hi)


def test_manoeuvres_found_and_predictions_across_them_are_worse():
    f, i, age, err, cross = pairs()
    assert 0.3 < cross.mean() < 0.7
    store = ElementStore.shipped()
    found = A.detect_manoeuvres(store.sets)
    # re-boosts raise the orbit by kilometres, about monthly: most jumps are raises
    jumps = np.array([j for _, _, j in found])
    assert 25 < len(found) < 45 and np.mean(jumps > 0) > 0.8 and jumps.max() > 3.0
    for lo, hi in ((3, 7), (7, 14), (14, 20), (20, 30)):
        quiet = ~cross & (age >= lo) & (age < hi)
        across = cross & (age >= lo) & (age < hi)
        q90 = np.quantile(np.abs(err[quiet]), 0.9)
        assert np.mean(np.abs(err[across]) > q90) > 0.5, (lo, hi)
    assert A.crosses_manoeuvre(found, found[0][0] - 86400, found[0][1] + 86400)
    assert not A.crosses_manoeuvre(found, found[0][0] - 86400, found[0][0] - 3600)


def test_band_function():
    ages = np.linspace(0, 60, 241)
    for level in (50, 68, 90):
        q = A.timing_band_s(ages, level)
        assert np.all(np.diff(q) >= 0) and np.all(q > 0) and np.all(q <= A.HALF_ORBIT_S)
    assert np.all(A.timing_band_s(ages, 50) <= A.timing_band_s(ages, 68))
    assert np.all(A.timing_band_s(ages, 68) <= A.timing_band_s(ages, 90))
    assert A.timing_band_s(-7.0) == A.timing_band_s(7.0)
    u68, u90 = A.uncertainty_s(12.0)
    lo, hi, n, q50, q68, q90 = next(b for b in A.BANDS if b[0] <= 12 < b[1])
    assert min(b[4] for b in A.BANDS if b[1] <= 14) <= u68 <= max(b[4] for b in A.BANDS if b[0] <= 14)
    assert u68 < u90


def test_passes_and_overflights_carry_the_bands():
    import datetime as dt

    from tracker.places.gazetteer import resolve
    from tracker.services import overflights as O
    from tracker.services import passes as P
    store = ElementStore.shipped()
    t0 = dt.datetime(2015, 12, 20, tzinfo=dt.timezone.utc).timestamp()
    rep = P.passes_for_place(resolve("Paris"), t0, 1.5, store=store)
    ovf = O.find_overflights(resolve("Paris"), t0, t0 + 1.5 * 86400, store=store, radius_km=500)
    found = A.detect_manoeuvres(store.sets)
    assert rep.passes and ovf.overflights
    for rec, t in [(p, p.peak.unix_s) for p in rep.passes] + [(o, o.unix_s) for o in ovf.overflights]:
        age = (t - rec.element_set_epoch_unix_s) / 86400.0
        assert 0 < rec.uncertainty_68_s < rec.uncertainty_90_s
        assert (rec.uncertainty_68_s, rec.uncertainty_90_s) == pytest.approx(A.uncertainty_s(age))
        gap = any(a < max(t, rec.element_set_epoch_unix_s) and min(t, rec.element_set_epoch_unix_s) < b
                  for a, b, _ in found)
        assert rec.may_cross_manoeuvre == gap
    d = P.pass_to_dict(rep.passes[0], dt.timezone.utc)
    assert d["uncertainty_90_s"] == round(rep.passes[0].uncertainty_90_s, 1)
    assert "may_cross_manoeuvre" in O.report_to_dict(ovf, "UTC")["overflights"][0]
