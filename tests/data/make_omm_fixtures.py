"""Regenerate the OMM fixtures from the shipped ISS TLEs, formatted the way
CelesTrak's GP service writes OMM (numbers copied from the TLE columns, epoch
with microseconds). Uses only python-sgp4 (the oracle), not our parser.

    .venv/bin/python tests/data/make_omm_fixtures.py
writes tests/data/iss_recent_omm.json and tests/data/iss_recent_omm.csv.
"""
import csv
import json
from pathlib import Path

from sgp4.api import Satrec
from sgp4.conveniences import sat_epoch_datetime

HERE = Path(__file__).parent
SHIPPED = HERE.parent.parent / "tle" / "data" / "iss_recent.tle"


def _exp_field(text):
    """' 28262-3' -> 0.00028262 as CelesTrak prints it."""
    mantissa = float(("-" if text[0] == "-" else "") + "0." + text[1:6])
    return float(f"{mantissa * 10.0 ** int(text[6:8]):.10g}")


def record(name, line1, line2):
    sat = Satrec.twoline2rv(line1, line2)
    year = int(line1[9:11])
    year += 1900 if year >= 57 else 2000
    return {
        "OBJECT_NAME": name,
        "OBJECT_ID": f"{year}-{line1[11:17].strip()}",
        "EPOCH": sat_epoch_datetime(sat).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MEAN_MOTION": float(line2[52:63]),
        "ECCENTRICITY": float("0." + line2[26:33]),
        "INCLINATION": float(line2[8:16]),
        "RA_OF_ASC_NODE": float(line2[17:25]),
        "ARG_OF_PERICENTER": float(line2[34:42]),
        "MEAN_ANOMALY": float(line2[43:51]),
        "EPHEMERIS_TYPE": int(line1[62]),
        "CLASSIFICATION_TYPE": line1[7],
        "NORAD_CAT_ID": sat.satnum,
        "ELEMENT_SET_NO": int(line1[64:68]),
        "REV_AT_EPOCH": int(line2[63:68]),
        "BSTAR": _exp_field(line1[53:61]),
        "MEAN_MOTION_DOT": float(line1[33:43]),
        "MEAN_MOTION_DDOT": _exp_field(line1[44:52]),
    }


def main():
    lines = [ln for ln in SHIPPED.read_text().splitlines() if ln.strip()]
    records = [record(*lines[i:i + 3]) for i in range(0, len(lines), 3)]
    (HERE / "iss_recent_omm.json").write_text(json.dumps(records, indent=1) + "\n")
    with open(HERE / "iss_recent_omm.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


if __name__ == "__main__":
    main()
