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
        if n_ok:
            alt = geodetic_alt_bowring(rk)
            assert row["min_alt_km"] == pytest.approx(alt.min(), abs=1e-5)
            assert row["max_alt_km"] == pytest.approx(alt.max(), abs=1e-5)
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
                      progress=counter, chunk_samples=10)
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
