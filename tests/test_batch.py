"""tracker.services.batch: per-object statistics over a whole catalog.

The 22,677-object catalog (tests/data/catalog_2022-07-15.tle, see
tle/data/SOURCES.md) for one day at 60-s steps, checked against
python-sgp4 (``Satrec.twoline2rv`` on the raw lines, ``SatrecArray``) on a
random sample of objects plus every object either side reports as failing:
node-crossing counts, first error time and code (6 = decayed), mean
perigee/apogee (sgp4's ``altp``/``alta``) and the sampled altitude range with
an independent geodetic conversion (Bowring's method in numpy).
"""
import datetime as dt
import math
import os

import numpy as np
import pytest
from sgp4.api import Satrec, SatrecArray

from tle.elements import ElementSet
from tle.store import read_element_file
from tracker.services.batch import batch_stats
from tracker.errors import TimeRangeError, UserError

UTC = dt.timezone.utc
CATALOG = os.path.join(os.path.dirname(__file__), "data", "catalog_2022-07-15.tle")
START = dt.datetime(2022, 7, 15, tzinfo=UTC)
END = START + dt.timedelta(days=1)


def raw_pairs(path):
    with open(path) as f:
        lines = [ln.rstrip("\n") for ln in f]
    return [(lines[k], lines[k + 1]) for k in range(len(lines) - 1)
            if lines[k].startswith("1 ") and lines[k + 1].startswith("2 ")]


def geodetic_alt_bowring(r):
    """WGS-84 altitude (km) of (n, 3) positions: Bowring (1976), two iterations."""
    a, f = 6378.137, 1 / 298.257223563
    b = a * (1 - f)
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    p = np.hypot(r[:, 0], r[:, 1])
    z = r[:, 2]
    beta = np.arctan2(a * z, b * p)
    for _ in range(2):
        phi = np.arctan2(z + ep2 * b * np.sin(beta) ** 3, p - e2 * a * np.cos(beta) ** 3)
        beta = np.arctan2((1 - f) * np.sin(phi), np.cos(phi))
    n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return p * np.cos(phi) + z * np.sin(phi) - n * (1 - e2 * np.sin(phi) ** 2)


@pytest.fixture(scope="module")
def catalog_run():
    sets = read_element_file(CATALOG)
    return sets, batch_stats(sets, START, END, step_s=60.0)


def test_catalog_day_against_sgp4(catalog_run):
    sets, res = catalog_run
    assert len(res.rows) == len(sets) == 22_677
    assert res.samples == 1441
    pairs = raw_pairs(CATALOG)
    assert len(pairs) == len(sets)
    failing = [j for j, row in enumerate(res.rows) if row["error_code"]]
    rng = np.random.default_rng(2022)
    chosen = sorted(set(rng.choice(len(sets), 300, replace=False).tolist()) | set(failing))
    sats = [Satrec.twoline2rv(*pairs[j]) for j in chosen]
    minutes = np.arange(1441) * 1.0
    jd = np.full(1441, 2459775.5)                      # 2022-07-15 00:00 UTC
    e, r, v = SatrecArray(sats).sgp4(jd, minutes / 1440.0)
    for k, j in enumerate(chosen):
        row, sat = res.rows[j], sats[k]
        assert row["satnum"] == sat.satnum
        bad = np.flatnonzero(e[k])
        n_ok = bad[0] if bad.size else 1441
        if bad.size:
            assert row["error_code"] == e[k, bad[0]]
            assert row["error_time"] == f"2022-07-15T{bad[0] // 60:02d}:{bad[0] % 60:02d}:00.000Z"
            assert (row["decay_time"] is not None) == (e[k, bad[0]] == 6)
        else:
            assert row["error_code"] == 0 and row["error_time"] is None
        rk, vk = r[k, :n_ok], v[k, :n_ok]
        up = (rk[:-1, 2] < 0) & (rk[1:, 2] >= 0) & (vk[1:, 2] > 0)
        assert row["orbits"] == int(up.sum())
        assert row["perigee_alt_km"] == pytest.approx(sat.altp * sat.radiusearthkm, abs=1e-6)
        assert row["apogee_alt_km"] == pytest.approx(sat.alta * sat.radiusearthkm, abs=1e-6)
        assert row["failed_samples"] == 1441 - n_ok
        if n_ok:
            alt = geodetic_alt_bowring(rk)
            assert row["min_alt_km"] == pytest.approx(alt.min(), abs=1e-5)
            assert row["max_alt_km"] == pytest.approx(alt.max(), abs=1e-5)
            speed = np.linalg.norm(vk, axis=1)
            assert row["distance_km"] == pytest.approx(np.trapezoid(speed, dx=60.0), rel=1e-9,
                                                       abs=1e-9)
            if n_ok > 1:
                assert row["mean_alt_km"] == pytest.approx(
                    np.trapezoid(alt, dx=60.0) / (60.0 * (n_ok - 1)), rel=1e-9)
    # The catalog holds a few decaying objects: at least one must decay within the day.
    assert res.header()["decayed"] >= 1


def test_iss_row_is_plausible(catalog_run):
    sets, res = catalog_run
    iss = [row for row in res.rows if row["satnum"] == 25544]
    assert len(iss) == 1
    row = iss[0]
    # one day at ~15.5 rev/day; orbits_fractional within a step of the count
    assert row["orbits"] in (15, 16)
    assert abs(row["orbits_fractional"] - row["orbits"]) < 1.0
    assert 400 < row["perigee_alt_km"] < row["apogee_alt_km"] < 440
    assert row["min_alt_km"] < row["max_alt_km"]


def leo_set():
    return ElementSet(satnum=90001, epoch_jd=2459775.5, epoch_fr=0.0, ndot=0.0, nddot=0.0,
                      bstar=0.0, inclination_deg=97.5, raan_deg=1.0, eccentricity=0.001,
                      arg_perigee_deg=2.0, mean_anomaly_deg=3.0, mean_motion_rev_day=15.2)


@pytest.mark.nojit
def test_progress_counts_every_propagation():
    es = leo_set()

    class Counter:
        done = 0

        def update(self, n):
            self.done += n

    counter = Counter()
    res = batch_stats([es, es], START, START + dt.timedelta(hours=1), step_s=7.0,
                      progress=counter, span_samples=10, chunk_objects=1)
    assert res.samples == 516              # 0, 7, ..., 3598 (515 samples) and the end, 3600
    assert counter.done == 2 * res.samples
    assert res.rows[0] == res.rows[1]


@pytest.mark.nojit
def test_batch_bad_input():
    with pytest.raises(UserError, match="no element sets"):
        batch_stats([], START, END)
    es = [leo_set()]
    with pytest.raises(TimeRangeError, match="must be after start"):
        batch_stats(es, END, START)
    with pytest.raises(UserError, match="between 1 and 3600"):
        batch_stats(es, START, END, step_s=0.5)
    assert math.isfinite(batch_stats(es, START, START + dt.timedelta(minutes=2)).rows[0]["max_alt_km"])


def test_iss_sunlit_fraction_against_skyfield(ts, eph):
    """The daylight share of the ISS over six hours against skyfield's
    ``is_sunlit`` (DE421, its own Earth-shadow test) at the same samples."""
    from skyfield.api import EarthSatellite

    pairs = [p for p in raw_pairs(CATALOG) if p[0][2:7] == "25544"]
    sets = [s for s in read_element_file(CATALOG) if s.satnum == 25544]
    start, end = START + dt.timedelta(days=10), START + dt.timedelta(days=10, hours=6)
    row = batch_stats(sets, start, end, step_s=60.0).rows[0]
    t = ts.utc(2022, 7, 25, 0, np.arange(361) * 1.0)
    lit = EarthSatellite(*pairs[0], ts=ts).at(t).is_sunlit(eph).astype(float)
    ref = np.trapezoid(lit, dx=60.0) / (360 * 60.0)
    assert 0.5 < ref < 0.8                      # the ISS then had night passes
    assert row["sunlit_fraction"] == pytest.approx(ref, abs=3 / 360)


def _same(a, b, rel=0.0):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if rel and isinstance(a, float):
        return a == pytest.approx(b, rel=rel, abs=1e-300)
    return a == b


SUMS = ("orbits_fractional", "mean_alt_km", "distance_km", "sunlit_fraction")


def test_chunked_equals_unchunked(catalog_run):
    """A few hundred objects (every failing one, deep-space ones, a random
    sample) over the day: one chunk, spans of 128 samples x 37 objects, and
    spans of 128 x 101 objects. Counts, extremes, errors: identical; sums within
    1e-12 relative of the single span, and bit-identical between two object
    slicings of the same spans. At least one chosen object crosses the node
    in a step that ends on a span boundary (python-sgp4 says where)."""
    sets, res = catalog_run
    failing = [j for j, row in enumerate(res.rows) if row["error_code"]]
    deep = [j for j, row in enumerate(res.rows) if row["period_min"] > 225][:40]
    rng = np.random.default_rng(7)
    chosen = sorted(set(rng.choice(len(sets), 250, replace=False).tolist()) | set(failing)
                    | set(deep))
    sub = [sets[j] for j in chosen]
    whole = batch_stats(sub, START, END, span_samples=2048, chunk_objects=len(sub)).rows
    a = batch_stats(sub, START, END, span_samples=128, chunk_objects=37).rows
    b = batch_stats(sub, START, END, span_samples=128, chunk_objects=101).rows
    assert any(r["error_code"] for r in whole) and any(r["decay_time"] for r in whole)
    for rw, ra, rb, j in zip(whole, a, b, chosen):
        assert rw == {k: v for k, v in res.rows[j].items()} or all(
            _same(rw[k], res.rows[j][k]) for k in rw)
        for k in rw:
            assert _same(ra[k], rb[k]), (k, ra[k], rb[k])
            assert _same(rw[k], ra[k], rel=1e-12 if k in SUMS else 0.0), (k, rw[k], ra[k])
    # a node crossing in the step (a - 1, a) for a span boundary a = 128 k
    pairs = raw_pairs(CATALOG)
    sats = [Satrec.twoline2rv(*pairs[j]) for j in chosen]
    e, r, v = SatrecArray(sats).sgp4(np.full(1441, 2459775.5), np.arange(1441) / 1440.0)
    bounds = np.arange(128, 1441, 128)
    ok = (e[:, bounds - 1] == 0) & (e[:, bounds] == 0)
    at_bound = ok & (r[:, bounds - 1, 2] < 0) & (r[:, bounds, 2] >= 0) & (v[:, bounds, 2] > 0)
    assert at_bound.sum() >= 1
    for k in np.flatnonzero(at_bound.any(axis=1)):
        n_ok = np.flatnonzero(e[k])[0] if e[k].any() else 1441
        z, vz = r[k, :n_ok, 2], v[k, :n_ok, 2]
        assert a[k]["orbits"] == int(((z[:-1] < 0) & (z[1:] >= 0) & (vz[1:] > 0)).sum())
