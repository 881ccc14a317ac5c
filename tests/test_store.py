"""The element-set store: nearest-epoch selection, midpoint switching,
segments, dedup, user files and the staleness policy.

Oracles: brute-force nearest epoch (min |t - epoch|) over the sets, and the
epochs sgp4's own parser gives for the shipped TLE lines."""
from __future__ import annotations

import dataclasses
import math
import random
import re
import shutil
from pathlib import Path

import pytest
from sgp4.api import Satrec

from tle.errors import NoElementSetError, TLEError
from tle.store import (DEDUP_S, MAX_AGE_DAYS, WARN_AGE_DAYS, ElementStore, StaleElementsError,
                       check_staleness, default_data_dir, history_path, load_store, shipped_sets,
                       staleness_warning)
from tle.write import format_tle_text

DATA = Path(__file__).parent / "data"
DAY_S = 86400.0


def sgp4_epoch_unix(es):
    sat = Satrec.twoline2rv(es.line1, es.line2)
    return ((sat.jdsatepoch - 2440587.5) + sat.jdsatepochF) * DAY_S


def test_shipped_store_is_sorted_iss_only(store):
    assert len(store) == 78 + 49 == len(shipped_sets())
    assert all(es.satnum == 25544 for es in store)
    epochs = [sgp4_epoch_unix(es) for es in store]
    assert epochs == sorted(epochs)
    assert all(b - a >= DEDUP_S for a, b in zip(epochs, epochs[1:]))
    assert store.newest().epoch_unix_s == max(epochs)
    assert store.oldest().epoch_unix_s == min(epochs)
    assert store.newest().line1.split()[3] == "26282.82140208"


def test_nearest_at_each_epoch_is_that_set(store):
    for es in store:
        sel = store.nearest(jd=es.epoch_jd, fr=es.epoch_fr)
        assert sel.element_set is es and sel.age_days == 0.0
        assert store.nearest(es.epoch_unix_s).element_set is es


def test_nearest_matches_brute_force(store):
    rng = random.Random(1)
    lo, hi = store.epochs_unix_s[0] - 40 * DAY_S, store.epochs_unix_s[-1] + 40 * DAY_S
    epochs = [sgp4_epoch_unix(es) for es in store]
    for _ in range(3000):
        t = rng.uniform(lo, hi)
        dist = [abs(t - e) for e in epochs]
        best = min(dist)
        if sorted(dist)[1] - best < 1e-6:
            continue    # within a microsecond of a midpoint: either is nearest
        sel = store.nearest(t)
        assert sel.element_set is store.sets[dist.index(best)]
        assert sel.age_days * DAY_S == pytest.approx(t - epochs[dist.index(best)], abs=1e-6)


def test_exact_midpoints_go_to_the_later_set(store):
    for i, (a, b) in enumerate(zip(store.epochs_unix_s, store.epochs_unix_s[1:])):
        mid = a + (b - a) / 2.0
        assert store.nearest(mid).element_set is store.sets[i + 1]
        assert store.nearest(mid - 1e-3).element_set is store.sets[i]
        assert store.nearest(mid + 1e-3).element_set is store.sets[i + 1]
        assert abs(mid - (a + b) / 2.0) < 1e-6


def test_jd_and_unix_queries_agree(store):
    es = store.sets[40]
    for offset_days in (-0.3, 0.0, 0.25, 2.0):
        by_jd = store.nearest(jd=es.epoch_jd, fr=es.epoch_fr + offset_days)
        by_unix = store.nearest(es.epoch_unix_s + offset_days * DAY_S)
        assert by_jd.element_set is by_unix.element_set
        assert by_jd.age_days == pytest.approx(by_unix.age_days, abs=1e-11)


def test_segments_cover_the_interval_and_switch_at_midpoints(store):
    start = store.epochs_unix_s[10] - 3 * DAY_S
    end = store.epochs_unix_s[30] + 5 * DAY_S
    segs = store.segments(start, end)
    assert segs[0][0] == start and segs[-1][1] == end
    for (t0, t1, es), (u0, _, es_next) in zip(segs, segs[1:]):
        assert t1 == u0 and t0 < t1 and es is not es_next
        a, b = es.epoch_unix_s, es_next.epoch_unix_s
        assert abs(t1 - (a + b) / 2.0) < 1e-6
    for t0, t1, es in segs:
        for t in (t0, (t0 + t1) / 2.0):
            assert store.nearest(t).element_set is es


@pytest.mark.parametrize("where", ["before", "after", "point"])
def test_segments_at_the_ends(store, where):
    if where == "before":
        start, end = store.epochs_unix_s[0] - 100 * DAY_S, store.epochs_unix_s[0] - 50 * DAY_S
    elif where == "after":
        start, end = store.epochs_unix_s[-1] + 1 * DAY_S, store.epochs_unix_s[-1] + 50 * DAY_S
    else:
        start = end = store.epochs_unix_s[5]
    segs = store.segments(start, end)
    assert len(segs) == 1 and segs[0][:2] == (start, end)
    assert segs[0][2] is store.nearest(start).element_set
    with pytest.raises(ValueError):
        store.segments(end, start - 1.0)


def _shifted(es, seconds):
    return dataclasses.replace(es, epoch_fr=es.epoch_fr + seconds / DAY_S, line1=None, line2=None,
                               source=f"shifted {seconds}")


def test_dedup_within_one_second():
    base = shipped_sets()[0]
    near = _shifted(base, 0.6)
    far = _shifted(base, 1.5)
    store = ElementStore([near, far, base])
    # sorted by epoch, a set within 1 s of the one kept before it is dropped
    assert list(store) == [base, far]
    # equal epochs: the first given wins
    copy = dataclasses.replace(base, source="copy")
    assert list(ElementStore([copy, base])) == [copy]
    assert ElementStore([copy, base]).sets[0] is copy


def test_other_satellites_are_ignored_and_missing_one_is_clear(tmp_path):
    path = tmp_path / "mixed.tle"
    shutil.copy(DATA / "catalog_2022-07-15.tle", path)
    store = ElementStore.from_file(path)
    assert len(store) == 1 and store.newest().satnum == 25544
    assert ElementStore.from_file(path, satnum=5).newest().name == "VANGUARD 1"
    with pytest.raises(NoElementSetError) as info:
        ElementStore.from_file(path, satnum=999999)
    assert "no element set for catalog number 999999" in str(info.value)
    assert info.value.satnum == 999999
    # The store names no command: the CLI adds its remedy (tests/test_cli_now.py).
    assert "iss-tracker" not in str(info.value)
    with pytest.raises(TLEError) as info:
        ElementStore([])
    assert "no element sets at all" in str(info.value)


def test_user_file_replaces_the_store(tmp_path):
    sets = list(shipped_sets())[5:8]
    path = tmp_path / "mine.tle"
    path.write_text(format_tle_text(sets))
    store = load_store(data_dir=tmp_path / "nothing-here", tle_file=path)
    assert len(store) == 3 and [es.line1 for es in store] == [es.line1 for es in sets]
    assert all(es.source == str(path) for es in store)
    far = store.nearest(store.newest().epoch_unix_s + 200 * DAY_S)
    assert far.element_set.line1 == sets[-1].line1


def test_user_omm_file(tmp_path):
    store = ElementStore.from_file(DATA / "iss_recent_omm.json")
    assert len(store) == 49
    assert abs(store.newest().epoch_unix_s - ElementStore.shipped().newest().epoch_unix_s) < 2e-6


def test_history_is_merged_with_shipped(tmp_path):
    newer = _shifted(shipped_sets()[-1], 5 * DAY_S)
    history_path(tmp_path).write_text(format_tle_text([newer, shipped_sets()[0]]))
    store = load_store(data_dir=tmp_path)
    assert len(store) == 127 + 1
    assert store.newest().epoch_unix_s == pytest.approx(newer.epoch_unix_s, abs=1e-3)
    assert str(history_path(tmp_path)) in store.description
    assert len(load_store(data_dir=tmp_path / "absent")) == 127
    assert len(load_store()) == 127


def test_missing_or_bad_user_file(tmp_path):
    with pytest.raises(TLEError) as info:
        load_store(tle_file=tmp_path / "nope.tle")
    assert "no such element file" in str(info.value)
    bad = tmp_path / "bad.tle"
    bad.write_bytes(b"ISS\n1 25544U\n")
    with pytest.raises(TLEError) as info:
        load_store(tle_file=bad)
    assert str(bad) in str(info.value) and "line 2" in str(info.value)


# --- staleness ------------------------------------------------------------------

@pytest.mark.parametrize("age_days, verdict", [(0.0, "fresh"), (-2.9, "fresh"), (WARN_AGE_DAYS + 0.1, "aging"),
                                               (-(WARN_AGE_DAYS + 0.1), "aging"), (MAX_AGE_DAYS - 0.1, "aging"),
                                               (MAX_AGE_DAYS + 0.1, "stale"), (-400.0, "stale")])
def test_staleness_policy(age_days, verdict):
    store = ElementStore(list(shipped_sets())[-1:])
    es = store.newest()
    sel = store.nearest(jd=es.epoch_jd, fr=es.epoch_fr + age_days)
    assert sel.age_days == pytest.approx(age_days, abs=1e-9)
    assert sel.verdict == verdict
    if verdict == "fresh":
        assert staleness_warning(sel) is None and check_staleness(sel) is None
        return
    warning = sel.warning
    # no front end's prefix (the CLI adds "warning: " when it prints)
    assert not warning.startswith("warning") and f"{abs(age_days):.1f} days" in warning
    assert ("after" if age_days > 0 else "before") in warning
    # worded for every front end (the API passes warnings on): no CLI command or flag
    assert "iss-tracker" not in warning and "--" not in warning
    if abs(age_days) < 100:
        # quoted to the km; python-sgp4's Brouwer semi-major axis differs from ours by ~0.1 %
        assert _quoted_km(warning) == pytest.approx(_along_track_km_oracle(es, age_days),
                                                    rel=0.01, abs=0.6)
    else:           # the model's error exceeds half an orbit: no number is quoted
        assert "more than half an orbit" in warning
    if verdict == "aging":
        assert check_staleness(sel) == warning
    else:
        with pytest.raises(StaleElementsError) as info:
            check_staleness(sel)
        err = info.value
        assert isinstance(err, TLEError)
        assert err.age_days == sel.age_days and err.epoch == es.epoch
        assert err.parameter == "allow_stale" and "30-day limit" in str(err)
        assert "iss-tracker" not in str(err) and "--" not in str(err)
        assert err.along_track_km == pytest.approx(_along_track_km_oracle(es, age_days), rel=5e-3)
        assert "2026-10-09T19:42:49Z" in str(err)
        assert check_staleness(sel, allow_stale=True) == warning


def _along_track_km_oracle(es, age_days):
    """The age-growth model of tracker.astro.visibility's timing uncertainty, from
    python-sgp4's semi-major axis: 1 km + 2 km/day + 30 % of the drag term
    ndot/2 * age^2 revolutions, in quadrature."""
    a_km = Satrec.twoline2rv(es.line1, es.line2).a * 6378.135
    drag_km = 0.3 * abs(es.ndot) * age_days ** 2 * 2 * math.pi * a_km
    return math.sqrt(1.0 + (2.0 * age_days) ** 2 + drag_km ** 2)


def _quoted_km(text):
    return float(re.search(r"about ([\d,]+) km", text).group(1).replace(",", ""))


def test_staleness_warning_grows_with_age():
    """Was "off by tens of kilometres" at any age over 3 days."""
    store = ElementStore(list(shipped_sets())[-1:])
    es = store.newest()
    quoted = [_quoted_km(store.nearest(jd=es.epoch_jd, fr=es.epoch_fr + age).warning)
              for age in (3.5, 10.0, 20.0, 29.0)]
    assert quoted == sorted(quoted) and quoted[0] < 30 < 300 < quoted[-1]


def test_default_data_dir():
    assert default_data_dir({"ISS_TRACKER_DATA": "/d", "XDG_DATA_HOME": "/x"}) == Path("/d")
    assert default_data_dir({"XDG_DATA_HOME": "/x", "HOME": "/h"}) == Path("/x/iss-tracker")
    assert default_data_dir({"HOME": "/h"}) == Path("/h/.local/share/iss-tracker")
    # a quoted '~' is expanded, not taken as a directory named '~' (issue 12)
    assert default_data_dir({"ISS_TRACKER_DATA": "~/x", "HOME": "/h"}) == Path("/h/x")
    assert default_data_dir({"ISS_TRACKER_DATA": "~", "HOME": "/h"}) == Path("/h")
    assert default_data_dir({"XDG_DATA_HOME": "~/share", "HOME": "/h"}) == Path("/h/share/iss-tracker")
    import os
    assert default_data_dir({"ISS_TRACKER_DATA": "~root/x"}) == Path(os.path.expanduser("~root/x"))
