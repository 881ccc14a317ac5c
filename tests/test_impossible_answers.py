"""Wrong answers that look right (issue 12, section 3).

Oracles: python-sgp4 (``Satrec``) on the raw text of the same element sets.

* Far from its epoch SGP4 can answer with error code 0 and a position no
  orbit of the element set reaches: the shipped 2015 ISS set at 1960 gives
  |r| ~ 7e8 km, code 0, in python-sgp4 too. Every service refuses such a
  sample like an SGP4 error (``tracker.services.position.propagate_checked``).
  The band allowed is the set's mean perigee..apogee radius (python-sgp4's
  ``altp``/``alta``) widened by 50 km + 10 % of apogee - perigee; it must not
  refuse normal use: every shipped set over +/- 30 days stays inside it.
* e = 0.999: SGP4 fails at many samples; passes must carry no NaN.
* SGP4 failing at every sample: overflights say so (as passes and ground
  tracks do) and ``stats`` exits 2 with one line instead of a traceback.
"""
import dataclasses
import datetime as dt
import json
import math
import re

import numpy as np
import pytest
from sgp4.api import Satrec

from tle.elements import ElementSet
from tle.store import ElementStore
from tle.write import format_tle_lines, format_tle_text
from tracker.errors import PropagationError
from tracker.places.gazetteer import resolve
from tracker.services import overflights as O
from tracker.services import passes as P
from tracker.services.groundtrack import ground_track, track_geojson
from tracker.services.position import (OUTSIDE_ORBIT, now_report, orbit_span, position_rows,
                                       positions, propagate_checked)
from tracker.services.stats import orbit_stats
from tracker.astro.time import Instant, datetime_to_jdfr, unix_to_jdfr

from helpers import UTC, assert_one_line_error, run_cli, shipped_pairs

T1960 = dt.datetime(1960, 1, 1, tzinfo=UTC)
RE_KM = 6378.135                      # WGS-72, python-sgp4's radiusearthkm
STEP_S = 30.0                         # the sampled track's grid


def _sat(es):
    return Satrec.twoline2rv(es.line1, es.line2)


def _radius_from_message(text):
    return float(re.search(r"r = ([\d,.]+) km", text).group(1).replace(",", ""))


@pytest.fixture(scope="module")
def first_set():
    """The store's set nearest 1960: the first shipped 2015 set (raw lines kept)."""
    store = ElementStore.shipped()
    es = store.nearest(T1960.timestamp()).element_set
    assert es.line1 is not None
    return es


# ---- 1960: python-sgp4 answers with code 0 and an impossible radius -------------------

def test_python_sgp4_answers_1960_with_code_0_and_a_huge_radius(first_set):
    sat = _sat(first_set)
    jd, fr = datetime_to_jdfr(T1960)
    e, r, _v = sat.sgp4(float(jd), float(fr))
    assert e == 0                                           # no error reported ...
    assert np.linalg.norm(r) > 7.0e8                        # ... at 727 million km
    # while the set's own orbit (python-sgp4's mean perigee/apogee) is the ISS's
    rp, ra = (1.0 + sat.altp) * RE_KM, (1.0 + sat.alta) * RE_KM
    assert 6700.0 < rp <= ra < 6850.0
    span = orbit_span(first_set)
    assert span.perigee_km == pytest.approx(rp, abs=1e-6)
    assert span.apogee_km == pytest.approx(ra, abs=1e-6)
    assert span.lo_km == pytest.approx(rp - 50.0 - 0.1 * (ra - rp))
    assert span.hi_km == pytest.approx(ra + 50.0 + 0.1 * (ra - rp))


def test_positions_and_now_refuse_1960(first_set, eop, sun):
    store = ElementStore.shipped()
    jd, fr = datetime_to_jdfr(T1960)
    r_sgp4 = np.linalg.norm(_sat(first_set).sgp4(float(jd), float(fr))[1])
    table = positions(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun, allow_stale=True)
    assert table.error[0] == OUTSIDE_ORBIT
    assert np.isnan(table.alt_km[0]) and np.isnan(table.lat_deg[0])
    assert position_rows(table)[0]["altitude_km"] is None
    assert any("position outside the orbit of element set 2015-" in w for w in table.warnings)
    with pytest.raises(PropagationError) as info:
        now_report(store, Instant.from_jdfr(jd, fr), eop=eop, sun=sun)
    text = str(info.value)
    assert info.value.parameter == "time"
    assert "position outside the orbit of element set 2015-" in text and "orbit spans" in text
    # the radius named is python-sgp4's
    assert _radius_from_message(text) == pytest.approx(r_sgp4, rel=1e-6)


def test_cli_now_1960_is_one_line_exit_2(capsys):
    code, out, err = run_cli(capsys, "now", "--time", "1960-01-01T00:00:00Z")
    assert_one_line_error(code, out, err, "position outside the orbit of element set",
                          "orbit spans")
    code, out, err = run_cli(capsys, "now", "--time", "1960-01-01T00:00:00Z", "--json")
    assert_one_line_error(code, out, err, "position outside the orbit")


def test_ground_track_passes_overflights_stats_refuse_1960(first_set, eop, sun):
    store = ElementStore.shipped()
    end = T1960 + dt.timedelta(hours=3)
    # python-sgp4: every sample of the window answers code 0 far outside the orbit
    t = T1960.timestamp() + np.arange(0.0, 3 * 3600.0 + 1.0, 60.0)
    e, r, _ = _sat(first_set).sgp4_array(*unix_to_jdfr(t))
    assert (e == 0).all() and (np.linalg.norm(r, axis=1) > 1e8).all()

    table = ground_track(store, T1960, end, 60.0, eop=eop, sun=None, allow_stale=True)
    assert len(table) == len(t) and (table.error == OUTSIDE_ORBIT).all()
    doc = track_geojson(table, step_s=60.0)
    assert doc["features"][0]["geometry"]["coordinates"] == []
    assert any("position outside the orbit" in w for w in doc["features"][0]["properties"]["warnings"])

    place = resolve("Paris")
    rep = P.passes_for_place(place, T1960.timestamp(), 0.125, store=store, allow_stale=True,
                             eop=eop, sun=sun)
    assert rep.passes == [] and "every sample" in rep.reason
    n = round(0.125 * 86400 / STEP_S) + 1
    assert any(f"every one of {n} samples refused (position outside the orbit" in w
               for w in rep.warnings)

    rep = O.find_overflights(place, T1960.timestamp(), end.timestamp(), store=store,
                             allow_stale=True, eop=eop, sun=sun, radius_km=2500.0)
    assert rep.overflights == []
    assert any(f"every one of {n} samples refused (position outside the orbit" in w
               for w in rep.warnings)
    assert O.report_to_dict(rep, "UTC")["warnings"] == rep.warnings

    res = orbit_stats(store, T1960, end, step_s=60.0, allow_stale=True, sun=sun)
    assert res.samples == len(t) and res.failed_samples == len(t) and res.outside_samples == len(t)
    assert res.node_crossings == 0 and res.inertial_distance_km == 0.0
    d = res.to_dict()
    assert d["altitude"]["max_alt_km"] is None and d["orbits"]["fractional"] is None
    assert "position outside the orbit" in d["data_quality"]["propagation_failures"][0]
    json.dumps(d, allow_nan=False)


def test_cli_stats_1960_is_one_line_exit_2(capsys):
    for extra in ((), ("--json",)):
        code, out, err = run_cli(capsys, "stats", "--start", "1960-01-01T00:00:00Z", "--end",
                                 "1960-01-01T03:00:00Z", "--step-s", "60", "--allow-stale", *extra)
        assert_one_line_error(code, out, err, "no position could be computed",
                              "position outside the orbit of element set")


def test_stats_window_half_outside_counts_only_the_refused_samples(first_set, sun):
    # Propagated back 16 years (to 1999), python-sgp4's radius for the 2015 set climbs
    # through the whole band (code 0) in a few days: part of this window is refused.
    start = dt.datetime.fromtimestamp(first_set.epoch_unix_s - 5820 * 86400.0, UTC)
    end = dt.datetime.fromtimestamp(first_set.epoch_unix_s - 5808 * 86400.0, UTC)
    span = orbit_span(first_set)
    store = ElementStore([first_set], satnum=first_set.satnum)
    res = orbit_stats(store, start, end, step_s=600.0, allow_stale=True, sun=sun)
    t = start.timestamp() + np.arange(res.samples) * 600.0
    e, r, v = _sat(first_set).sgp4_array(*unix_to_jdfr(t))
    radius = np.linalg.norm(r, axis=1)
    assert (e == 0).all()
    # stats tests bounds on the radius from the geodetic altitude (within 22 km of it)
    surely_out = (radius > span.hi_km + 22.0) | (radius < span.lo_km - 22.0)
    maybe_out = (radius > span.hi_km - 22.0) | (radius < span.lo_km + 22.0)
    assert 0 < surely_out.sum() <= res.outside_samples <= maybe_out.sum() < res.samples
    assert res.failed_samples == res.outside_samples
    # no refused sample reaches the figures: the highest altitude is an allowed one
    assert res.max_alt_km < span.hi_km + 22.0 - 6356.7
    # the inertial path counts only steps between two kept samples (trapezoid of |v|)
    speed = np.linalg.norm(v, axis=1)
    step_km = 0.5 * 600.0 * (speed[1:] + speed[:-1])
    assert step_km[~surely_out[1:] & ~surely_out[:-1]].sum() >= res.inertial_distance_km
    assert res.inertial_distance_km >= step_km[~maybe_out[1:] & ~maybe_out[:-1]].sum() > 0
    assert any("refused" in w and "position outside the orbit" in w for w in res.warnings)


# ---- the band does not refuse normal use --------------------------------------------

def test_every_shipped_set_stays_inside_its_band_for_30_days():
    days = np.linspace(-30.0, 30.0, 241)
    for line1, line2 in shipped_pairs():
        sat = Satrec.twoline2rv(line1, line2)
        e, r, _ = sat.sgp4_array(np.full(days.shape, sat.jdsatepoch), sat.jdsatepochF + days)
        ok = e == 0
        radius = np.linalg.norm(r[ok], axis=1)
        rp, ra = (1.0 + sat.altp) * RE_KM, (1.0 + sat.alta) * RE_KM
        margin = 50.0 + 0.1 * (ra - rp)
        assert (radius > rp - margin).all() and (radius < ra + margin).all(), line1
    # and our check agrees on one of them (shipped elements, our propagator)
    es = ElementStore.shipped().sets[40]
    res = propagate_checked(es, *unix_to_jdfr(es.epoch_unix_s + days * 86400.0))
    assert not (res.error == OUTSIDE_ORBIT).any()


# ---- e = 0.999: no NaN reaches the passes -----------------------------------------------

def _eccentric_store(n_rev_day):
    base = ElementStore.shipped().sets[5]
    es = dataclasses.replace(base, eccentricity=0.999, mean_motion_rev_day=n_rev_day,
                             line1=None, line2=None)
    line1, line2 = format_tle_lines(es)
    return ElementStore([dataclasses.replace(es, line1=line1, line2=line2)], satnum=es.satnum)


@pytest.mark.parametrize("n_rev_day", [15.5, 2.0])
def test_e0999_passes_have_no_nan(n_rev_day, eop, sun):
    from tracker.formats.ics import passes_to_ics

    store = _eccentric_store(n_rev_day)
    es = store.sets[0]
    sat = _sat(es)
    assert sat.ecco == pytest.approx(0.999)
    start = es.epoch_unix_s
    # python-sgp4 fails at many of the window's samples (and answers at others)
    t = start + np.arange(0.0, 2 * 86400.0 + 1.0, STEP_S)
    e, _r, _v = sat.sgp4_array(*unix_to_jdfr(t))
    assert 0 < np.count_nonzero(e) < len(t)
    rep = P.passes_for_place(resolve("Paris"), start, 2.0, store=store, eop=eop, sun=sun)
    assert any("SGP4 failed at" in w for w in rep.warnings)
    doc = P.report_to_dict(rep, "Europe/Paris")
    json.dumps(doc, allow_nan=False)                        # strict JSON: no NaN anywhere
    failed_t = t[e != 0]
    for p in rep.passes:
        for ev in (p.rise, p.set, p.peak, p.culmination, *p.culminations):
            if ev is not None:
                assert all(math.isfinite(x) for x in (ev.azimuth_deg, ev.elevation_deg, ev.range_km))
                assert ev.compass in P.COMPASS_16
        # no reported pass lies next to a sample where python-sgp4 fails
        lo = (p.rise or p.peak).unix_s - STEP_S
        hi = (p.set or p.peak).unix_s + STEP_S
        assert not ((failed_t >= lo) & (failed_t <= hi)).any()
    ics = passes_to_ics(rep, now_unix_s=start)
    assert "nan" not in ics.lower()


# ---- SGP4 failing at every sample ----------------------------------------------------------

def _decayed_set():
    """17.2 rev/day: a semi-major axis below the Earth's radius (SGP4 error 6 everywhere)."""
    es = ElementSet(satnum=25544, epoch_jd=2457113.5, epoch_fr=0.25, ndot=0.0, nddot=0.0,
                    bstar=0.0, inclination_deg=51.6, raan_deg=30.0, eccentricity=0.0,
                    arg_perigee_deg=0.0, mean_anomaly_deg=40.0, mean_motion_rev_day=17.2,
                    revnum=1000, name="DECAYED TEST")
    line1, line2 = format_tle_lines(es)
    return dataclasses.replace(es, line1=line1, line2=line2)


def test_overflights_report_sgp4_failing_everywhere(eop, sun):
    es = _decayed_set()
    start = es.epoch_unix_s
    end = start + 6 * 3600.0
    t = start + np.arange(0.0, 6 * 3600.0 + 1.0, STEP_S)
    e, _r, _v = _sat(es).sgp4_array(*unix_to_jdfr(t))
    assert (e != 0).all()                                  # python-sgp4 fails everywhere too
    store = ElementStore([es], satnum=es.satnum)
    rep = O.find_overflights(resolve("Paris"), start, end, store=store, eop=eop, sun=sun,
                             radius_km=2500.0)
    assert rep.overflights == []
    assert any(f"SGP4 failed at every one of {len(t)} samples" in w for w in rep.warnings)
    # as passes report it
    rep = P.passes_for_place(resolve("Paris"), start, 0.25, store=store, eop=eop, sun=sun)
    assert any(f"SGP4 failed at every one of {len(t)} samples" in w for w in rep.warnings)
    assert "every sample" in rep.reason


def test_cli_stats_with_every_sample_failed_is_one_line_exit_2(capsys, tmp_path):
    path = tmp_path / "decayed.tle"
    path.write_text(format_tle_text([_decayed_set()]))
    for extra in ((), ("--json",)):
        code, out, err = run_cli(capsys, "stats", "--start", "2015-04-07T06:00:00Z", "--end",
                                 "2015-04-07T06:30:00Z", "--step-s", "60", "--tle", str(path),
                                 *extra)
        assert_one_line_error(code, out, err, "no position could be computed", "SGP4 failed")
