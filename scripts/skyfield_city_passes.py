"""The skyfield equivalent of ``iss-tracker passes --city NAME --days N``, for
fresh-process timing against the CLI (docs/performance.md):

    /usr/bin/time python scripts/skyfield_city_passes.py --lat 48.85341 --lon 2.3488 \\
        --start 2026-10-01T00:00:00Z --days 30 --tle FILE

What a skyfield user would write: load the timescale and DE421, one element
set (the first in ``--tle``, default the shipped ``iss_recent.tle``),
``find_events`` above 10 deg, then ``is_sunlit`` and the Sun's altitude at each
culmination (visible: sunlit and Sun <= -6 deg), printed one line per pass.
It imports nothing from this project, so its start-up is skyfield's own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lat", type=float, required=True)
    ap.add_argument("--lon", type=float, required=True)
    ap.add_argument("--start", required=True)
    ap.add_argument("--days", type=float, default=10.0)
    ap.add_argument("--tle", default=str(Path(__file__).resolve().parent.parent / "tle" / "data"
                                         / "iss_recent.tle"))
    args = ap.parse_args()

    from skyfield.api import EarthSatellite, load, load_file, wgs84

    lines = [ln.strip() for ln in open(args.tle) if ln.startswith(("1 ", "2 "))]
    start = dt.datetime.fromisoformat(args.start.replace("Z", "+00:00"))
    ts = load.timescale(builtin=True)
    spec = importlib.util.find_spec("skyfield_data")
    eph = load_file(os.path.join(list(spec.submodule_search_locations)[0], "data", "de421.bsp"))
    sat = EarthSatellite(lines[0], lines[1], ts=ts)
    where = wgs84.latlon(args.lat, args.lon)
    t, kinds = sat.find_events(where, ts.from_datetime(start),
                               ts.from_datetime(start + dt.timedelta(days=args.days)),
                               altitude_degrees=10.0)
    culm = t[kinds == 1]
    lit = sat.at(culm).is_sunlit(eph)
    sun_alt = (eph["earth"] + where).at(culm).observe(eph["sun"]).apparent().altaz()[0].degrees
    el = (sat - where).at(culm).altaz()[0].degrees
    for ti, e, li, s in zip(culm.utc_iso(), el, lit, sun_alt):
        print(f"{ti}  max {e:4.1f} deg  {'visible' if li and s <= -6.0 else '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
