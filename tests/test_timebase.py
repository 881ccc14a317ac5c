"""tracker.astro.time: time text -> UTC datetimes -> split Julian dates.

Oracles: sgp4.api.jday (the split Julian date python-sgp4 uses), Python's
datetime arithmetic, and skyfield's UTC timescale.
"""
import datetime as dt

import numpy as np
import pytest
from sgp4.api import jday

from tracker.errors import TimeRangeError, UserError
from tracker.astro.time import (TimeFormatError, datetime_to_jdfr, format_utc, format_utc_array,
                                jdfr_to_datetime, jdfr_to_unix, parse_time, time_grid,
                                unix_to_jdfr)

UTC = dt.timezone.utc
pytestmark = pytest.mark.nojit


def test_parse_iso_z_offset_unix_now():
    t = parse_time("2015-03-27T19:42:57Z")
    assert t == dt.datetime(2015, 3, 27, 19, 42, 57, tzinfo=UTC)
    assert t.tzinfo == UTC
    t2 = parse_time("2015-03-27T19:42:57.5+02:00")
    assert t2 == dt.datetime(2015, 3, 27, 17, 42, 57, 500000, tzinfo=UTC)
    assert t2.utcoffset() == dt.timedelta(0)
    assert parse_time("1427485377") == t
    assert parse_time("1427485377.25") == t + dt.timedelta(milliseconds=250)
    clock = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert parse_time("now", now=clock) == dt.datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    assert parse_time(" NOW ", now=clock) == parse_time("now", now=clock)
    before = dt.datetime.now(UTC)
    sys_now = parse_time("now")
    assert before <= sys_now <= dt.datetime.now(UTC)


def test_naive_time_is_refused_with_a_hint():
    with pytest.raises(TimeFormatError) as info:
        parse_time("2015-03-27T19:42:57", parameter="start")
    message = str(info.value)
    assert "Z" in message and "offset" in message and "start" in message
    assert info.value.parameter == "start"
    assert isinstance(info.value, UserError)


@pytest.mark.parametrize("text", ["yesterday", "2015-13-01T00:00:00Z", "", "12:00Z",
                                  "2015-03-27T25:00:00Z", "0x10", "1e9"])
def test_unparseable_names_text_and_forms(text):
    with pytest.raises(TimeFormatError) as info:
        parse_time(text)
    message = str(info.value)
    assert repr(text) in message
    assert "ISO 8601" in message and "Unix seconds" in message and "now" in message


def test_unix_seconds_out_of_range():
    with pytest.raises(TimeRangeError, match="1900"):
        parse_time("99999999999")


@pytest.mark.parametrize("text", [
    "0001-01-01T00:00:00+23:59",        # before year 1 in UTC: datetime raised OverflowError
    "9999-12-31T23:59:59-23:59",        # after year 9999 in UTC: likewise
    "1899-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "0500-06-01T12:00:00+02:00",
])
def test_iso_times_outside_the_accepted_years_are_a_time_range_error(text):
    with pytest.raises(TimeRangeError) as info:
        parse_time(text, parameter="start")
    assert info.value.parameter == "start"
    assert repr(text) in str(info.value) and "1900-01-01T00:00:00Z .. 2200" in str(info.value)


def test_accepted_years_edges():
    # the same edges for ISO text and Unix seconds, checked against datetime arithmetic
    first = dt.datetime(1900, 1, 1, tzinfo=UTC)
    last = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_time("1900-01-01T00:00:00Z") == first
    assert parse_time("1900-01-01T01:00:00+01:00") == first
    assert parse_time("2199-12-31T23:59:59Z") == last
    assert parse_time(str(int(last.timestamp()))) == last
    with pytest.raises(TimeRangeError):
        parse_time("1900-01-01T00:00:00+00:01")            # 1899-12-31T23:59Z


def test_check_service_range_names_the_parameter():
    from tracker.astro.time import check_service_range
    inside = dt.datetime(2049, 12, 31, 23, 59, tzinfo=UTC).timestamp()
    check_service_range([dt.datetime(1960, 1, 1, tzinfo=UTC).timestamp(), inside], "start")
    for bad in (dt.datetime(2050, 1, 1, tzinfo=UTC).timestamp(), -1e300, float("nan")):
        with pytest.raises(TimeRangeError, match="1960-01-01T00:00:00Z .. 2050") as info:
            check_service_range([inside, bad], "days")
        assert info.value.parameter == "days" and str(info.value).startswith("days: ")


def test_datetime_to_jdfr_matches_sgp4_jday():
    rng = np.random.default_rng(7)
    for unix in rng.uniform(0, 2.2e9, 200):
        t = dt.datetime.fromtimestamp(round(unix, 3), UTC)
        jd, fr = datetime_to_jdfr(t)
        ref_jd, ref_fr = jday(t.year, t.month, t.day, t.hour, t.minute,
                              t.second + t.microsecond * 1e-6)
        assert jd == ref_jd
        assert jd % 1.0 == 0.5
        assert 0.0 <= fr < 1.0
        assert abs(fr - ref_fr) * 86400 < 1e-9


def test_unix_jdfr_round_trip_and_datetime():
    unix = np.array([0.0, 1427485377.25, 1799999999.999, 86399.999999, -1.5])
    jd, fr = unix_to_jdfr(unix)
    assert np.all(jd % 1.0 == 0.5)
    assert np.all((fr >= 0) & (fr < 1))
    assert np.allclose(jdfr_to_unix(jd, fr), unix, rtol=0, atol=2e-6)
    for u, j, f in zip(unix, jd, fr):
        expected = dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=float(u))
        assert abs((jdfr_to_datetime(j, f) - expected).total_seconds()) < 2e-6
        assert datetime_to_jdfr(expected)[0] == j


def test_format_utc_milliseconds_z():
    t = dt.datetime(2015, 3, 27, 19, 42, 57, 123456, tzinfo=UTC)
    assert format_utc(t) == "2015-03-27T19:42:57.123Z"
    assert format_utc(1427485377.9996) == "2015-03-27T19:42:58.000Z"
    other = dt.datetime(2015, 3, 27, 21, 42, 57, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_utc(other) == "2015-03-27T19:42:57.000Z"
    assert parse_time(format_utc(t)) == t.replace(microsecond=123000)


def test_time_grid_inclusive_and_steps():
    start = dt.datetime(2015, 12, 31, 23, 0, tzinfo=UTC)
    end = dt.datetime(2016, 1, 1, 1, 0, tzinfo=UTC)
    jd, fr = time_grid(start, end, 60.0)
    assert len(jd) == 121          # both ends included: 2 h at 1 min
    unix = jdfr_to_unix(jd, fr)
    assert np.allclose(np.diff(unix), 60.0, atol=1e-5)
    assert abs(unix[0] - start.timestamp()) < 1e-6
    assert abs(unix[-1] - end.timestamp()) < 1e-6
    assert np.all(jd % 1.0 == 0.5) and np.all((fr >= 0) & (fr < 1))
    # The last point is <= end when the step does not divide the span.
    jd, fr = time_grid(start, end, 7.0)
    assert len(jd) == 7200 // 7 + 1
    assert jdfr_to_unix(jd[-1], fr[-1]) <= end.timestamp()


@pytest.mark.parametrize("step", [0.0, -1.0, float("nan"), float("inf")])
def test_time_grid_bad_step(step):
    start = dt.datetime(2015, 1, 1, tzinfo=UTC)
    with pytest.raises(UserError, match="step_s"):
        time_grid(start, start + dt.timedelta(hours=1), step)


def test_time_grid_end_before_start_and_too_many_points():
    start = dt.datetime(2015, 1, 1, tzinfo=UTC)
    with pytest.raises(TimeRangeError, match="after start"):
        time_grid(start, start, 1.0)
    with pytest.raises(TimeRangeError, match="after start"):
        time_grid(start, start - dt.timedelta(seconds=1), 1.0)
    with pytest.raises(TimeRangeError) as info:
        time_grid(start, start + dt.timedelta(days=200), 1.0)
    assert "17,280,001" in str(info.value) and "10,000,000" in str(info.value)
    with pytest.raises(TimeRangeError, match="limit of 100"):
        time_grid(start, start + dt.timedelta(seconds=100), 1.0, max_points=100)
    assert len(time_grid(start, start + dt.timedelta(seconds=99), 1.0, max_points=100)[0]) == 100


def test_time_grid_refuses_naive():
    with pytest.raises(TimeFormatError):
        time_grid(dt.datetime(2015, 1, 1), dt.datetime(2015, 1, 2), 60.0)


def test_format_utc_array_matches_format_utc():
    unix = np.array([0.0, 1427485377.0004, 1427485377.9996, -1.25, 1799999999.5])
    from tracker.astro.time import format_utc_array
    assert format_utc_array(unix) == [format_utc(u) for u in unix]


def test_instant_from_text_unix_datetime_agree_with_sgp4_jday():
    from tracker.astro.time import Instant
    t = dt.datetime(2015, 3, 27, 19, 42, 57, 250000, tzinfo=UTC)
    ref_jd, ref_fr = jday(2015, 3, 27, 19, 42, 57.25)
    for inst in (Instant.parse("2015-03-27T19:42:57.25Z"), Instant.parse("1427485377.25"),
                 Instant.parse("2015-03-27T21:42:57.25+02:00"), Instant.from_datetime(t),
                 Instant.from_unix(1427485377.25), Instant.from_jdfr(ref_jd, ref_fr)):
        assert inst.is_scalar and inst.jd == ref_jd
        assert abs(inst.fr - ref_fr) * 86400 < 1e-9
        assert abs(inst.unix_s - t.timestamp()) < 1e-6
        assert inst.iso() == "2015-03-27T19:42:57.250Z"
        assert abs((inst.datetime() - t).total_seconds()) < 1e-6
    clock = dt.datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert Instant.parse("now", now=clock).iso() == "2026-11-21T12:00:00.000Z"
    with pytest.raises(TimeFormatError) as info:
        Instant.parse("2015-03-27T19:42:57", parameter="start")
    assert info.value.parameter == "start"


def test_instant_arrays_and_timescale_views_match_skyfield(ts):
    from tracker.astro.time import Instant
    rng = np.random.default_rng(8)
    unix = rng.uniform(-315619200.0, 2524608000.0, 500)       # 1960 .. 2050
    inst = Instant.from_unix(unix)
    assert len(inst) == 500 and inst.shape == (500,) and not inst.is_scalar
    assert inst.iso() == format_utc_array(unix)
    assert np.array_equal(inst[3:5].unix_s, unix[3:5])
    times = [dt.datetime.fromtimestamp(round(u, 6), UTC) for u in unix[:20]]
    by_dt = Instant.from_datetime(times)
    assert np.array_equal(by_dt.jd, inst.jd[:20])
    assert np.max(np.abs(by_dt.fr - inst.fr[:20])) * 86400 < 2e-6
    # TT and UT1 against skyfield's load.timescale(builtin=True) (the ts fixture).
    days = np.floor(unix / 86400.0)
    t = ts.utc(1970, 1, 1 + days, 0, 0, unix - days * 86400.0)
    tt_whole, tt_fr = inst.tt
    ut1_whole, ut1_fr = inst.ut1
    assert np.max(np.abs((tt_whole - t.whole) + (tt_fr - t.tt_fraction))) * 86400 < 1e-6
    assert np.max(np.abs((ut1_whole - t.whole) + (ut1_fr - t.ut1_fraction))) * 86400 < 1e-6
    assert np.max(np.abs(inst.dut1_s - t.dut1)) < 1e-6
    # TT - UTC is 32.184 s plus the leap seconds: 69.184 s since 2017.
    i = np.argmax(unix > 1.5e9)
    assert abs(((tt_whole[i] - inst.jd[i]) + (tt_fr[i] - inst.fr[i])) * 86400 - 69.184) < 1e-6


def test_the_unix_epoch_julian_date_is_declared_once():
    import tracker.astro.time as time_module
    import tracker.constants as constants
    assert time_module.JD_UNIX_EPOCH is constants.JD_UNIX_EPOCH
    # 1970-01-01T00:00Z by python-sgp4's own calendar conversion.
    assert constants.JD_UNIX_EPOCH == sum(jday(1970, 1, 1, 0, 0, 0))
