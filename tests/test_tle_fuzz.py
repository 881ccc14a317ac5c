"""Seeded fuzzing of everything that reads element sets (issue 12, "Must show").

(a) Store fuzz: generated TLE, 3LE, OMM JSON and OMM CSV files, valid ones
    and mutated / out-of-range ones, through the command line in-process
    (``tracker.cli.main``): 20,000 files through ``tle import FILE --json``
    and 4,000 as the body of a server on 127.0.0.1 through ``tle update
    --source URL --force --json``. Every call exits 0 or 2, never with a
    traceback (ISS_TRACKER_DEBUG=1, so a bug of ours raises instead of
    becoming exit 70); every refusal is one stderr line and leaves the
    history byte-identical; the history always reads back with no damaged
    record; for every OMM file that imported, python-sgp4 reading the stored
    lines gives the values the file gave (to each TLE field's precision).
(b) Line fuzz: 100,000 mutated element lines (character substitutions,
    deletions, insertions, column shifts, swaps; checksum usually
    recomputed) through ``tle.parse.parse_tle_pair``: no exception but
    ``TLEFormatError``; every accepted pair is accepted by python-sgp4's
    strict Python parser (``sgp4.io.twoline2rv``), gives python-sgp4's
    elements from its compiled parser (``Satrec.twoline2rv``) exactly, and
    the same SGP4 error codes at 0, 720 and 1440 min from our core as from
    python-sgp4.
(c) The CLI on bad files (subprocess): one stderr line, exit 2, no traceback.

(a) and (b) run their cases in two forked processes (seed 12345 * 1000 +
process index) so the file fits its time budget on two cores.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import traceback
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec
from sgp4.earth_gravity import wgs72
from sgp4.io import fix_checksum
from sgp4.io import twoline2rv as sgp4_io_twoline2rv

from tle.errors import TLEFormatError
from tle.omm import REQUIRED_KEYS
from tle.parse import decode_alpha5, parse_tle_pair
from tle.store import history_path, parse_history_bytes

from helpers import http_server

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
SEED = 12345
IMPORT_CASES = 20_000
UPDATE_CASES = 4_000
RESET_EVERY = 5
WORKERS = 2                     # the fuzz loops run in two forked processes
LINE_CASES = 100_000
XPDOTP = 1440.0 / (2.0 * math.pi)
DEG = math.pi / 180.0


def catalog_pairs(rng, n):
    lines = DATA.joinpath("catalog_2022-07-15.tle").read_text().splitlines()
    out = []
    for i in range(len(lines) - 2):
        if lines[i + 1].startswith("1 ") and lines[i + 2].startswith("2 "):
            out.append((lines[i].strip(), lines[i + 1], lines[i + 2]))
    return rng.sample(out, n)


# --- mutations ---------------------------------------------------------------------

CHARS = "0123456789" + " " * 8 + "..++--" + "UCSAXZ" + "\t\x00\x0c\u00b0\u00e9\u2028\u3000"


def mutate_line(rng, line):
    chars = list(line)
    n = len(chars)
    op = rng.random()
    if op < 0.45:                                   # substitutions
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(n)] = rng.choice(CHARS)
    elif op < 0.6:                                  # deletion (+ insertion elsewhere)
        del chars[rng.randrange(n)]
        if rng.random() < 0.6:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(CHARS))
    elif op < 0.75:                                 # a run of columns shifted by one
        a = rng.randrange(n)
        b = min(n, a + rng.randint(2, 14))
        seg = chars[a:b]
        chars[a:b] = seg[1:] + seg[:1] if rng.random() < 0.5 else seg[-1:] + seg[:-1]
    elif op < 0.9:                                  # two neighbours swapped
        i = rng.randrange(n - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:                                           # a digit changed (stays well formed)
        digits = [i for i, c in enumerate(chars[:68]) if c.isdigit()]
        i = rng.choice(digits)
        chars[i] = rng.choice("0123456789")
    text = "".join(chars)
    if rng.random() < 0.8 and len(text) >= 68 and text[:68].isascii():
        text = fix_checksum(text[:68])
    return text


def mutated_pair(rng, pairs):
    _, l1, l2 = rng.choice(pairs)
    r = rng.random()
    if r < 0.45:
        l1 = mutate_line(rng, l1)
    elif r < 0.9:
        l2 = mutate_line(rng, l2)
    else:
        l1, l2 = mutate_line(rng, l1), mutate_line(rng, l2)
    return l1, l2


# --- (b) line fuzz ---------------------------------------------------------------------

def assert_same_elements(es, sat):
    assert es.satnum == sat.satnum
    assert (es.epoch_jd, es.epoch_fr) == (sat.jdsatepoch, sat.jdsatepochF)
    assert es.ndot / (XPDOTP * 1440.0) == sat.ndot
    assert es.nddot / (XPDOTP * 1440.0 * 1440) == sat.nddot
    assert es.bstar == sat.bstar
    assert (es.inclination_deg * DEG, es.raan_deg * DEG, es.arg_perigee_deg * DEG,
            es.mean_anomaly_deg * DEG) == (sat.inclo, sat.nodeo, sat.argpo, sat.mo)
    assert es.eccentricity == sat.ecco
    assert es.mean_motion_rev_day / XPDOTP == sat.no_kozai
    assert (es.revnum, es.elnum) == (sat.revnum, sat.elnum)


def line_fuzz_chunk(chunk, n):
    """``n`` mutated pairs (seeded by ``chunk``): (crashes, refused count,
    accepted (line1, line2, ElementSet) after checking each against
    python-sgp4's parsers)."""
    rng = random.Random(SEED * 1000 + chunk)
    pairs = catalog_pairs(rng, 400)
    crashes, accepted, refused = [], [], 0
    for _ in range(n):
        l1, l2 = mutated_pair(rng, pairs)
        try:
            es = parse_tle_pair(l1, l2)
        except TLEFormatError:
            refused += 1
            continue
        except Exception as exc:    # noqa: BLE001 - the point of the test
            crashes.append((l1, l2, repr(exc)))
            continue
        try:
            sgp4_io_twoline2rv(l1, l2, wgs72)       # python-sgp4's strict parser accepts it
            assert_same_elements(es, Satrec.twoline2rv(l1, l2))
        except Exception as exc:    # noqa: BLE001
            crashes.append((l1, l2, f"python-sgp4 disagrees: {exc!r}"))
            continue
        accepted.append((l1, l2, es))
    return crashes, refused, accepted


def in_workers(fn, n, *args):
    """``fn(chunk, n_chunk, *args)`` over WORKERS forked processes (the
    cases split evenly, each chunk with its own seed); results in order."""
    sizes = [n // WORKERS + (i < n % WORKERS) for i in range(WORKERS)]
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        return pool.starmap(fn, [(i, size) + args for i, size in enumerate(sizes)])


@pytest.mark.slow
def test_line_fuzz_accepts_only_what_python_sgp4_reads_the_same():
    """100,000 mutated pairs (seed 12345, two processes): 0 crashes; each
    accepted pair is accepted by sgp4.io.twoline2rv and gives
    Satrec.twoline2rv's elements and error codes."""
    from tracker.propagator.api import Elements, propagate_tsince

    crashes, accepted, refused = [], [], 0
    for c, r, a in in_workers(line_fuzz_chunk, LINE_CASES):
        crashes += c
        refused += r
        accepted += a
    assert not crashes, crashes[:5]
    assert refused + len(accepted) == LINE_CASES
    assert len(accepted) > LINE_CASES // 10        # the mutations do reach the deep checks
    sats = [Satrec.twoline2rv(l1, l2) for l1, l2, _ in accepted]
    t = np.array([0.0, 720.0, 1440.0])
    ours, _, _ = propagate_tsince(Elements.from_element_sets([es for _, _, es in accepted]), t)
    theirs = np.array([[sat.sgp4_tsince(x)[0] for x in t] for sat in sats])
    bad = np.argwhere(ours != theirs)
    assert len(bad) == 0, [(accepted[i][0], accepted[i][1], ours[i, j], theirs[i, j]) for i, j in bad[:3]]
    assert np.count_nonzero(theirs) > 0, "no propagation error code reached"


# --- (a) import fuzz -----------------------------------------------------------------

OMM_KEYS = ("OBJECT_NAME", "OBJECT_ID") + REQUIRED_KEYS

BAD_NUMBERS = [-0.0, 1e-9, 1e308, -1e308, 100.0, 99.999999999, 1.0, -1.0, 0.99999999, 1e10,
               "1e999", "nan", "NaN", "inf", "-inf", "", None, True, False, [], {}, [1.0],
               "\u0661\u0662", "1 2", " 12 ", 10 ** 30, "9" * 400, -1, 360.00001, 180.00001,
               1e-300, 5e-15, "0x10", "1_0", "\u00a01.5", 1.5e-5, 359.99999, 0, 2 ** 63]
BAD_NAMES = ["ISS\nX", "ISS\r\nX", "1 ISS", "2 ISS", "0 ISS", "1", "2", "  ", " x ", "\u00e9",
             "IS\u2028S", "A\x00B", "A" * 300, 'a"b', "x,y", "\ufeffISS", 7, None, ""]
BAD_EPOCHS = ["1956-12-31T23:59:59", "2057-01-01T00:00:00", "0000-01-01T00:00:00",
              "0001-01-01T00:00:00", "2026-02-30T00:00:00", "2026-10-10T24:00:00", "2026-10-10",
              "2026-10-10T00:00:00.1234567", "\uff12026-10-10T00:00:00", "9999-12-31T23:59:59.999999",
              "2056-12-31T23:59:59.999999", "1957-01-01T00:00:00", 20261010, None, ""]
BAD_IDS = ["1998-67A", "98-067A", "1998-067a", "1998-067ABCD", "", None, 1998, "\u0661998-067A"]
BAD_CATNR = [0, 340000, 339999, -5, 25544.5, "25544", "A0001", 99999, 100000, 1e20, "1" * 5000]
BAD_CLASS = ["X", "", "u", None, 1, "UU"]


def random_record(rng, base):
    """A valid OMM record near ``base`` (an ElementSet) with full-precision
    values, a random epoch in 1957-2056 and a random catalog number."""
    year = rng.randint(1957, 2056)
    epoch = (dt.datetime(year, 1, 1) + dt.timedelta(days=rng.uniform(0, 364.99),
                                                    microseconds=rng.randrange(10 ** 6)))
    return {
        "OBJECT_NAME": rng.choice([base.name or "OBJ", "ISS (ZARYA)", "X-1", ""]),
        "OBJECT_ID": rng.choice(["1998-067A", "2022-001AB", "", "1957-001B"]),
        "EPOCH": epoch.strftime("%Y-%m-%dT%H:%M:%S.%f")[: rng.choice([19, 21, 23, 26])],
        "MEAN_MOTION": rng.choice([base.mean_motion_rev_day, rng.uniform(0.001, 99.9)]),
        "ECCENTRICITY": rng.choice([base.eccentricity, rng.uniform(0, 0.9999998)]),
        "INCLINATION": rng.uniform(0, 180), "RA_OF_ASC_NODE": rng.uniform(0, 360),
        "ARG_OF_PERICENTER": rng.uniform(0, 360), "MEAN_ANOMALY": rng.uniform(0, 360),
        "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": rng.choice("UCS"),
        "NORAD_CAT_ID": rng.choice([base.satnum, rng.randint(1, 339999)]),
        "ELEMENT_SET_NO": rng.randint(0, 9999), "REV_AT_EPOCH": rng.randint(0, 99999),
        "BSTAR": rng.choice([base.bstar, 0.0, rng.uniform(-1, 1) * 10 ** rng.randint(-12, 8)]),
        "MEAN_MOTION_DOT": rng.uniform(-0.99999999, 0.99999999) * rng.choice([1, 1e-4, 1e-8]),
        "MEAN_MOTION_DDOT": rng.choice([0.0, rng.uniform(-1, 1) * 10 ** rng.randint(-12, 8)]),
    }


def poison_record(rng, rec):
    rec = dict(rec)
    for _ in range(rng.choice([1, 1, 1, 2])):
        key = rng.choice(OMM_KEYS)
        if rng.random() < 0.05:
            rec.pop(key, None)
            continue
        pool = {"OBJECT_NAME": BAD_NAMES, "EPOCH": BAD_EPOCHS, "OBJECT_ID": BAD_IDS,
                "NORAD_CAT_ID": BAD_CATNR, "CLASSIFICATION_TYPE": BAD_CLASS}.get(key, BAD_NUMBERS)
        rec[key] = rng.choice(pool)
    return rec


def mutate_text(rng, text):
    r = rng.random()
    if r < 0.3:
        return text[: rng.randrange(len(text) + 1)]
    if r < 0.6:
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice(CHARS + "[]{}\",:\n") + text[i:]
    if r < 0.8:
        i = rng.randrange(len(text) + 1)
        return text[:i] + text[i + 1:]
    if r < 0.9:
        return rng.choice(["\ufeff", "\u3000\n", "\r\n", "  "]) + text
    return text.replace("\n", rng.choice(["\r\n", "\n\n", "\u2028", "\x0c"]))


def json_text(rng, records):
    data = records if rng.random() < 0.9 else records[0]
    try:
        text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
    except ValueError:
        text = json.dumps(data, ensure_ascii=True)
    r = rng.random()
    if r < 0.02:
        depth = rng.choice([50, 5000, 200000])
        text = "[" * depth + "]" * depth
    elif r < 0.04:
        text = json.dumps([{"NORAD_CAT_ID": {"a": [[[]]]}}])
    return text


def csv_text(rng, records):
    keys = list(OMM_KEYS)
    rng.shuffle(keys)
    if rng.random() < 0.05:
        keys.remove(rng.choice(keys))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(keys)
    for rec in records:
        row = ["" if rec.get(k) is None else rec.get(k) for k in keys]
        if rng.random() < 0.05:
            row.append("extra")
        writer.writerow(row)
    return out.getvalue()


def tle_text(rng, pairs, three_line):
    """(text, catalog number of the first set before any mutation)."""
    out, satnum = [], None
    for _ in range(rng.randint(1, 3)):
        name, l1, l2 = rng.choice(pairs)
        satnum = satnum or decode_alpha5(l1[2:7])
        if rng.random() < 0.3:
            if rng.random() < 0.5:
                l1 = mutate_line(rng, l1)
            else:
                l2 = mutate_line(rng, l2)
        if three_line:
            if rng.random() < 0.15:
                name = rng.choice([n for n in BAD_NAMES if isinstance(n, str) and n])
            out.append(rng.choice(["", "0 "]) + name)
        out += [l1, l2]
    text = "\n".join(out) + "\n"
    return (mutate_text(rng, text) if rng.random() < 0.15 else text), satnum


@contextlib.contextmanager
def fast_dir(tmp_path):
    """A scratch directory in memory when the machine has one (fsync is then
    cheap, so the case count fits the time budget); else tmp_path."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="tle-fuzz-") as d:
            yield Path(d)
    else:
        yield tmp_path


def check_stored(records, data):
    """python-sgp4 reads each imported record's stored lines as the record's values."""
    stored = {}
    for es in parse_history_bytes(history_path(data).read_bytes())[0]:
        stored.setdefault(es.satnum, []).append(es)
    for rec in records:
        epoch = dt.datetime.fromisoformat(rec["EPOCH"].rstrip("Z"))
        epoch_days = (epoch - dt.datetime(1949, 12, 31)).total_seconds() / 86400.0
        sat_num = int(float(rec["NORAD_CAT_ID"]))
        match = [es for es in stored.get(sat_num, ())
                 if abs((es.epoch_jd - 2433281.5 + es.epoch_fr) - epoch_days) < 1e-6]
        assert len(match) == 1, rec
        sat = Satrec.twoline2rv(match[0].line1, match[0].line2)
        assert abs((sat.jdsatepoch - 2433281.5 + sat.jdsatepochF) - epoch_days) <= 0.5e-8 + 1e-9
        f = {k: float(rec[k]) for k in OMM_KEYS[2:] if k not in ("EPOCH", "CLASSIFICATION_TYPE")}
        assert abs(sat.no_kozai * XPDOTP - f["MEAN_MOTION"]) <= 0.5e-8 + 1e-12
        assert abs(sat.ecco - f["ECCENTRICITY"]) <= 0.5e-7 + 1e-12
        for key, got in (("INCLINATION", sat.inclo), ("RA_OF_ASC_NODE", sat.nodeo),
                         ("ARG_OF_PERICENTER", sat.argpo), ("MEAN_ANOMALY", sat.mo)):
            assert abs(got / DEG - f[key]) <= 0.5e-4 + 1e-9, key
        assert abs(sat.ndot * XPDOTP * 1440 - f["MEAN_MOTION_DOT"]) <= 0.5e-8 + 1e-12
        for key, got in (("BSTAR", sat.bstar), ("MEAN_MOTION_DDOT", sat.nddot * XPDOTP * 1440 * 1440)):
            assert abs(got - f[key]) <= max(5.0001e-5 * abs(f[key]), 0.50001e-14), key
        assert sat.satnum == sat_num and sat.revnum == int(float(rec["REV_AT_EPOCH"]))


KINDS = ("tle", "3le", "json", "csv")


def generate(rng, triples, bases):
    """One generated file: (kind, text, the OMM records it holds when they
    are all valid else None, a catalog number to ask ``tle update`` for)."""
    kind = rng.choice(KINDS)
    if kind in ("tle", "3le"):
        text, satnum = tle_text(rng, triples, kind == "3le")
        return kind, text, None, satnum
    records = [random_record(rng, rng.choice(bases)) for _ in range(rng.randint(1, 3))]
    satnum = records[0]["NORAD_CAT_ID"]
    poisoned = rng.random() < 0.6
    if poisoned:
        i = rng.randrange(len(records))
        records[i] = poison_record(rng, records[i])
    text = json_text(rng, records) if kind == "json" else csv_text(rng, records)
    if rng.random() < 0.1:
        text = mutate_text(rng, text)
        poisoned = True
    return kind, text, None if poisoned else records, satnum


def run_cli(argv):
    """``tracker.cli.main`` in-process: (exit status, stdout, stderr)."""
    import tracker.cli as cli_module

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_module.main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fast_cli(monkeypatch):
    """The parser built once (building it costs ~7 ms, which 20,000 calls
    cannot afford); ISS_TRACKER_DEBUG=1 lets a bug of ours raise with its
    traceback instead of becoming exit 70."""
    import tracker.cli as cli_module

    parser = cli_module.build_parser()
    monkeypatch.setattr(cli_module, "build_parser", lambda: parser)
    monkeypatch.setenv("ISS_TRACKER_DEBUG", "1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


class _Body(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = type(self).body
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def body_server():
    """A server on 127.0.0.1 answering every GET with ``_Body.body``."""
    with http_server(_Body) as url:
        yield url + "/gp.php"


def fuzz_store(chunk, n, scratch, command):
    """``n`` generated files (seeded by ``chunk``) through ``tle import`` or
    ``tle update``, in data directories under ``scratch``; returns
    (problems, counts, kinds). Run in a worker process: it sets
    ISS_TRACKER_DATA there."""
    rng = random.Random(SEED * 1000 + chunk)
    scratch = scratch / f"chunk{chunk}"
    scratch.mkdir()
    from tle.parse import parse_tle_lines
    triples = catalog_pairs(rng, 300)
    bases = [parse_tle_lines([l1, l2])[0] for _, l1, l2 in triples[:100]]
    # the history each data directory starts with: 2 sets of other satellites
    seed_file = scratch / "seed.tle"
    seed_file.write_text("".join(f"{t[0]}\n{t[1]}\n{t[2]}\n" for t in triples[-2:]))
    os.environ["ISS_TRACKER_DATA"] = str(scratch / "seed")
    assert run_cli(["tle", "import", str(seed_file)])[0] == 0
    seed = history_path(scratch / "seed").read_bytes()
    problems, counts, kinds = [], {"accepted": 0, "refused": 0}, dict.fromkeys(KINDS, 0)
    path = scratch / "in.txt"
    with body_server() as url:
        for case in range(n):
            if case % RESET_EVERY == 0:      # a fresh, small history now and then
                data = scratch / f"data{case}"
                data.mkdir()
                history_path(data).write_bytes(seed)
                os.environ["ISS_TRACKER_DATA"] = str(data)
            kind, text, records, satnum = generate(rng, triples, bases)
            kinds[kind] += 1
            body = text.encode("utf-8", "surrogatepass")
            if command == "import":
                path.write_bytes(body)
                argv = ["tle", "import", str(path), "--json"]
            else:
                _Body.body = body
                argv = ["tle", "update", "--source", url, "--force", "--timeout", "20", "--json",
                        "--catalog-number", str(satnum if isinstance(satnum, int)
                                                and 1 <= satnum <= 339999 else 25544)]
            hist = history_path(data)
            before = hist.read_bytes()
            try:
                code, out, err = run_cli(argv)
            except Exception:   # noqa: BLE001 - the point of the test
                problems.append((kind, text[:300], traceback.format_exc(limit=-6)))
                continue
            after = hist.read_bytes()
            if code not in (0, 2) or "Traceback" in err + out:
                problems.append((kind, text[:300], f"exit {code}: {err}"))
                continue
            # (bytes seen before were read back already; only a change needs a read)
            damaged = parse_history_bytes(after)[1] if after != before else None
            if damaged:
                problems.append((kind, text[:300], f"history damaged: {damaged[0]}"))
            if code == 2:
                counts["refused"] += 1
                if after != before:
                    problems.append((kind, text[:300], f"history changed by a refused file: {err}"))
                if err.count("\n") != 1 or not err.startswith("iss-tracker: error: ") or out:
                    problems.append((kind, text[:300], f"not one error line: {err!r} {out!r}"))
                continue
            counts["accepted"] += 1
            result = json.loads(out)
            if records is not None and result["added"] == len(records):
                try:
                    check_stored(records, data)
                except AssertionError as exc:
                    problems.append((kind, text[:300], f"round trip: {exc}"))
    return problems, counts, kinds


def fuzz_store_in_workers(scratch, n, command):
    problems, counts, kinds = [], {"accepted": 0, "refused": 0}, dict.fromkeys(KINDS, 0)
    for p, c, k in in_workers(fuzz_store, n, scratch, command):
        problems += p
        counts = {key: counts[key] + c[key] for key in counts}
        kinds = {key: kinds[key] + k[key] for key in kinds}
    return problems, counts, kinds


@pytest.mark.slow
def test_import_fuzz_through_the_cli_never_poisons_the_store(tmp_path, fast_cli):
    """20,000 generated files (seed 12345) through ``tle import``: exit 0 or
    2, never a traceback; each refusal one line with the history
    byte-identical; the history always reads back with no damaged record;
    accepted OMM files read back through python-sgp4 as their values."""
    with fast_dir(tmp_path) as scratch:
        problems, counts, kinds = fuzz_store_in_workers(scratch, IMPORT_CASES, "import")
    assert not problems, problems[:5]
    assert sum(counts.values()) == IMPORT_CASES
    assert counts["accepted"] > IMPORT_CASES // 10 and counts["refused"] > IMPORT_CASES // 4, counts
    assert min(kinds.values()) > IMPORT_CASES // 5, kinds


@pytest.mark.slow
def test_update_fuzz_from_a_local_server_never_poisons_the_store(tmp_path, fast_cli):
    """The same generator as bodies of a server on 127.0.0.1 through ``tle
    update --force`` (UPDATE_CASES files): the same checks."""
    with fast_dir(tmp_path) as scratch:
        problems, counts, kinds = fuzz_store_in_workers(scratch, UPDATE_CASES, "update")
    assert not problems, problems[:5]
    assert sum(counts.values()) == UPDATE_CASES
    assert counts["accepted"] > UPDATE_CASES // 20 and counts["refused"] > UPDATE_CASES // 4, counts
    assert min(kinds.values()) > UPDATE_CASES // 5, kinds


# --- (c) the CLI -------------------------------------------------------------------------

def test_cli_import_of_bad_files_is_one_line_exit_2(tmp_path):
    base = json.loads((DATA / "iss_recent_omm.json").read_text())[-1]
    bad = {
        "name.json": json.dumps([dict(base, OBJECT_NAME="ISS\n1 25544U")]),
        "deep.json": "[" * 100000 + "]" * 100000,
        "blank.tle": "\u3000\u2003\n\u00a0\n",
        "bstar.json": json.dumps([dict(base, BSTAR=1e308, EPOCH="2026-10-11T00:00:00")]),
        # split into Julian days this epoch is 10000-01-01: the message still prints
        "year10000.json": json.dumps([dict(base, EPOCH="9999-12-31T23:59:59.999999")]),
    }
    env = dict(os.environ, ISS_TRACKER_DATA=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    env.pop("ISS_TRACKER_DEBUG", None)
    for name, text in bad.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "tracker.cli", "tle", "import", str(path)],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, (name, proc.stderr)
        assert proc.stderr.startswith("iss-tracker: error:") and proc.stdout == ""
    assert not history_path(tmp_path / "data").exists()
