"""Reproduce NASA's Year in Space figures and show how ours relate to them.

    .venv/bin/python scripts/year_in_space.py [--step-s 1] [--plot FILE.png] [--json]

Runs the same service functions as ``iss-tracker stats --mission
year-in-space`` (``tracker.services.stats.orbit_stats`` on the shipped 2015-2016 ISS
element sets, ``tracker.services.missions.compare``) and prints one table: NASA's
published figures, ours, and the nominal model that explains NASA's
(duration in whole days x whole orbits per day, each orbit a circle at the
mission's mean altitude). See docs/year_in_space.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tracker.services.missions import compare, get_mission, mission_store  # noqa: E402
from tracker.formats.progress import ProgressBar  # noqa: E402
from tracker.services.stats import count_samples, orbit_stats  # noqa: E402


def table(doc: dict, stats, seconds: float) -> str:
    m = doc["mission"] if "mission" in doc else doc
    nasa, ours, nom, diff = m["nasa"], m["ours"], m["nominal"], m["differences"]
    q = stats.data_quality
    rev = stats.revnum
    rows = [
        ("", "NASA", "ours", "nominal model"),
        ("days", f"{nasa['days']}", f"{ours['days']:.3f}", f"{nom['days']}"),
        ("orbits", f"{nasa['orbits']:,}", f"{ours['orbits']:,}", f"{nom['orbits']:,}"),
        ("orbits per day", "16 (implied)", f"{ours['orbits_per_day']:.3f}", f"{nom['orbits_per_day']}"),
        ("distance (miles)", f"{nasa['distance_mi']:,}", f"{ours['inertial_distance_mi']:,.0f}",
         f"{nom['distance_mi']:,.0f}"),
        ("distance (km)", f"{nasa['distance_km']:,.0f}", f"{ours['inertial_distance_km']:,.0f}",
         f"{nom['distance_km']:,.0f}"),
        ("sunrises+sunsets", f"{nasa['sunrises_and_sunsets']:,}", f"{ours['sunrises_and_sunsets']:,}", ""),
    ]
    width = (18, 16, 16, 16)
    lines = [f"{m['title']}",
             f"{stats.start:%Y-%m-%d %H:%M:%S} UTC to {stats.end:%Y-%m-%d %H:%M:%S} UTC, "
             f"{stats.samples:,} samples every {stats.step_s:g} s, computed in {seconds:.1f} s", ""]
    for row in rows:
        lines.append("".join(f"{cell:>{w}}" if k else f"{cell:<{w}}"
                             for k, (cell, w) in enumerate(zip(row, width))))
    lines += [
        "",
        f"ours vs NASA:          orbits {diff['ours_vs_nasa_orbits']:+,} "
        f"({100 * diff['ours_vs_nasa_orbits_relative']:+.2f} %), distance "
        f"{100 * diff['ours_vs_nasa_distance_relative']:+.2f} %",
        f"nominal model vs NASA: orbits {100 * diff['nominal_vs_nasa_orbits_relative']:+.3f} %, "
        f"distance {100 * diff['nominal_vs_nasa_distance_relative']:+.3f} %",
        f"nominal model: {nom['days']} d x {nom['orbits_per_day']}/d = {nom['orbits']:,} circles of "
        f"2 pi x ({nom['earth_radius_km']:.4f} + {nom['mean_alt_km']:.2f}) km = "
        f"{nom['circumference_km']:,.2f} km",
        f"orbits from the element sets' revolution numbers: {rev['orbits_completed']:,} completed, "
        f"{rev['orbits_fractional']:,.3f} (node crossings: {stats.orbits_fractional:,.3f})",
        f"ground track: {stats.ground_track_distance_km:,.0f} km; altitude "
        f"{stats.min_alt_km:.1f} / {stats.mean_alt_km:.2f} / {stats.max_alt_km:.1f} km "
        f"(min / mean / max, geodetic); {len(stats.reboosts)} re-boosts",
        f"data: {q['element_sets_used']} element sets, largest gap {q['largest_epoch_gap_days']:.1f} d, "
        f"max age {q['max_age_days']:.1f} d, largest jump at a switch "
        f"{q['largest_switch_jump_km']:,.0f} km",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step-s", type=float, default=1.0, help="seconds between samples (default 1)")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the altitude figure")
    parser.add_argument("--json", action="store_true", help="print the JSON document instead")
    args = parser.parse_args(argv)
    mission = get_mission("year-in-space")
    store = mission_store(mission)
    t0 = time.perf_counter()
    with ProgressBar(count_samples(mission.start, mission.end, args.step_s), label="year in space") as bar:
        stats = orbit_stats(store, mission.start, mission.end, step_s=args.step_s, progress=bar)
    seconds = time.perf_counter() - t0
    doc = stats.to_dict()
    doc["mission"] = compare(mission, stats)
    if args.plot:
        from tracker.formats.plot import plot_altitude
        plot_altitude(stats, args.plot, title=mission.title)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(table(doc, stats, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
