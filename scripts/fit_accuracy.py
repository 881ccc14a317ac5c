"""Fit the along-track timing error bands of ``tle/accuracy.py`` on the shipped history.

For each shipped file (``tle/data/*.tle``, one satellite each) every element
set is propagated forward with our SGP4 (``tracker.services.position``) to
the epoch of every later set of the same file up to
``tle.accuracy.MAX_PAIR_AGE_DAYS``; the later set at its own epoch stands in
for the truth. Along-track error = (predicted - truth) . v_hat / |v| in
seconds. Pairs with a manoeuvre between their epochs
(``tle.accuracy.detect_manoeuvres``) are kept apart.

Then

* quantiles (50/68/90 % of |error|) per age bin, all pairs without a
  manoeuvre -> ``BANDS`` (written into tle/accuracy.py between the GENERATED
  markers); pairs across one -> ``REBOOST_BANDS``;
* a hold-out check: fitted on alternate element sets of each file (the
  predicting set's index even), tested on the others, and the other way
  round; the coverage of the 90 % band is printed per check bin;
* the same for the band as served (``tle.accuracy.timing_band_s``, bins
  interpolated) with a split by time instead: the history cut into 60-day
  blocks from each file's first epoch, each block held out in turn (tested:
  the pairs whose predicting set lies in it; fitted: the pairs with neither
  set in it), so every quiet pair is tested once by bands that never saw its
  weeks. Alternate sets leak: predictions from neighbouring sets to the same
  epoch err alike (the correlation of ln|error| is printed), and the
  long-age pairs come from few weeks of the history;
* the chance that a perfectly calibrated band (independent errors) lands in
  85-95 % in every cell of the alternate-set check, given the cells' sizes;
* the plot docs/accuracy.png.

Usage: ``python scripts/fit_accuracy.py [--write] [--plot docs/accuracy.png]``
(without --write it prints only; ``--check`` exits 1 if tle/accuracy.py
differs from a fresh fit).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tle import accuracy as A  # noqa: E402
from tle.store import shipped_sets  # noqa: E402

BAND_EDGES_DAYS = (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 20.0, 30.0, 45.0)
REBOOST_EDGES_DAYS = (0.0, 3.0, 7.0, 14.0, 20.0, 30.0, 45.0)
CHECK_EDGES_DAYS = (0.0, 2.0, 5.0, 10.0, 20.0, 30.0)
BLOCK_DAYS = 60.0
"""Hold-out blocks by time: longer than ``MAX_PAIR_AGE_DAYS``, so no fitted
pair spans a held-out block."""
LEVELS = (0.50, 0.68, 0.90)


def sets_by_file():
    files: dict[str, list] = {}
    for es in shipped_sets():
        files.setdefault(es.source, []).append(es)
    return {k: sorted(v, key=lambda e: e.epoch_unix_s) for k, v in sorted(files.items())}


def pair_errors():
    """Struct of arrays over (predicting set i, later set j) pairs:
    file, i, j, age_days, error_s, crosses (manoeuvre between)."""
    from tracker.services.position import propagate_checked
    out = {k: [] for k in ("file", "i", "j", "age_days", "error_s", "crosses",
                           "block_i", "block_j")}
    for name, sets in sets_by_file().items():
        man = A.detect_manoeuvres(sets)
        block = [int((es.epoch_unix_s - sets[0].epoch_unix_s) // (BLOCK_DAYS * 86400.0))
                 for es in sets]
        jd = np.array([es.epoch_jd for es in sets])
        fr = np.array([es.epoch_fr for es in sets])
        truth = [propagate_checked(es, jd[k:k + 1], fr[k:k + 1]) for k, es in enumerate(sets)]
        for i, es in enumerate(sets):
            later = [j for j in range(i + 1, len(sets))
                     if sets[j].epoch_unix_s - es.epoch_unix_s <= A.MAX_PAIR_AGE_DAYS * 86400.0]
            if not later:
                continue
            pred = propagate_checked(es, jd[later], fr[later])
            for q, j in enumerate(later):
                r, v = truth[j].r_teme_km[0], truth[j].v_teme_km_s[0]
                speed = float(np.linalg.norm(v))
                err_s = float(np.dot(pred.r_teme_km[q] - r, v / speed) / speed)
                out["file"].append(name)
                out["i"].append(i)
                out["j"].append(j)
                out["age_days"].append((sets[j].epoch_unix_s - es.epoch_unix_s) / 86400.0)
                out["error_s"].append(err_s)
                out["crosses"].append(A.crosses_manoeuvre(man, es.epoch_unix_s,
                                                          sets[j].epoch_unix_s))
                out["block_i"].append(block[i])
                out["block_j"].append(block[j])
    return {k: np.array(v) for k, v in out.items()}


def fit_bands(age_days, error_s, edges):
    """[(lo, hi, n, q50, q68, q90)] of |error| per bin [lo, hi); numpy's
    default (linear) quantiles, rounded to 0.01 s."""
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (age_days >= lo) & (age_days < hi)
        x = np.abs(error_s[m])
        qs = np.quantile(x, LEVELS) if x.size else np.full(3, np.nan)
        rows.append((lo, hi, int(x.size)) + tuple(round(float(q), 2) for q in qs))
    return rows


def holdout(pairs, train_mask):
    """Per check bin: (lo, hi, n_test, covered fraction) of the test pairs
    under the 90 % quantile of the training pairs in the same bin."""
    quiet = ~pairs["crosses"]
    out = []
    for lo, hi in zip(CHECK_EDGES_DAYS[:-1], CHECK_EDGES_DAYS[1:]):
        m = quiet & (pairs["age_days"] >= lo) & (pairs["age_days"] < hi)
        q90 = np.quantile(np.abs(pairs["error_s"][m & train_mask]), 0.9)
        test = np.abs(pairs["error_s"][m & ~train_mask])
        out.append((lo, hi, int(test.size), float(np.mean(test <= q90))))
    return out


def served_coverage(pairs, train, test):
    """Per check bin: (lo, hi, n_test, covered fraction) of the quiet test
    pairs under the 90 % band as served (``timing_band_s``) with the bands
    fitted on the quiet training pairs."""
    quiet = ~pairs["crosses"]
    fit = [row for row in fit_bands(pairs["age_days"][quiet & train],
                                    pairs["error_s"][quiet & train], BAND_EDGES_DAYS) if row[2]]
    band = A.timing_band_s(pairs["age_days"], 90, bands=fit)
    out = []
    for lo, hi in zip(CHECK_EDGES_DAYS[:-1], CHECK_EDGES_DAYS[1:]):
        m = quiet & test & (pairs["age_days"] >= lo) & (pairs["age_days"] < hi)
        out.append((lo, hi, int(m.sum()),
                    float(np.mean(np.abs(pairs["error_s"][m]) <= band[m]))))
    return out


def block_holdout_masks(pairs):
    """[(train, test)] for each (file, 60-day block) holding predicting sets:
    test = the pairs predicted from the block, train = the pairs with
    neither set in it."""
    out = []
    for name in np.unique(pairs["file"]):
        in_file = pairs["file"] == name
        for b in np.unique(pairs["block_i"][in_file]):
            test = in_file & (pairs["block_i"] == b)
            train = ~(in_file & ((pairs["block_i"] == b) | (pairs["block_j"] == b)))
            out.append((train, test))
    return out


def block_holdout(pairs):
    """``served_coverage`` pooled over every held-out block."""
    covered = np.zeros(len(pairs["age_days"]), bool)
    tested = np.zeros(len(pairs["age_days"]), bool)
    quiet = ~pairs["crosses"]
    for train, test in block_holdout_masks(pairs):
        fit = [row for row in fit_bands(pairs["age_days"][quiet & train],
                                        pairs["error_s"][quiet & train], BAND_EDGES_DAYS)
               if row[2]]
        m = quiet & test
        covered[m] = np.abs(pairs["error_s"][m]) <= A.timing_band_s(pairs["age_days"][m], 90,
                                                                      bands=fit)
        tested |= m
    out = []
    for lo, hi in zip(CHECK_EDGES_DAYS[:-1], CHECK_EDGES_DAYS[1:]):
        m = tested & (pairs["age_days"] >= lo) & (pairs["age_days"] < hi)
        out.append((lo, hi, int(m.sum()), float(np.mean(covered[m]))))
    return out


def neighbour_correlation(pairs):
    """(correlation, n) of ln|error| between the quiet pairs (i, j) and
    (i + 1, j) of the same file: how alike neighbouring sets err."""
    quiet = ~pairs["crosses"]
    err = {(f, i, j): abs(e) for f, i, j, e, q in zip(pairs["file"], pairs["i"], pairs["j"],
                                                      pairs["error_s"], quiet) if q}
    xy = np.log([(e, err[(f, i + 1, j)]) for (f, i, j), e in err.items()
                 if j > i + 1 and (f, i + 1, j) in err])
    return float(np.corrcoef(xy.T)[0, 1]), len(xy)


def chance_all_in_85_95(sizes, p=0.9) -> float:
    """Probability that k/n lies in [0.85, 0.95] in every cell, k ~ Binomial(n, p)
    independently: what a perfectly calibrated band can hope for."""
    from math import comb
    prob = 1.0
    for n in sizes:
        prob *= sum(comb(n, k) * p ** k * (1 - p) ** (n - k)
                    for k in range(n + 1) if 0.85 <= k / n <= 0.95)
    return prob


def generated_text(bands, reboost, n_pairs, n_sets) -> str:
    def table(name, rows):
        lines = [f"{name} = ("]
        lines += [f"    ({lo:g}, {hi:g}, {n}, {q50:.2f}, {q68:.2f}, {q90:.2f}),"
                  for lo, hi, n, q50, q68, q90 in rows]
        return "\n".join(lines + [")"])
    return "\n".join([
        "# BEGIN GENERATED by scripts/fit_accuracy.py -- do not edit; run the script",
        f"# {n_pairs} forward pairs from {n_sets} shipped sets; rows: (lo_days, hi_days, n,",
        "# q50_s, q68_s, q90_s) of |along-track error| in seconds. tests/test_accuracy.py",
        "# re-derives these with python-sgp4 from the shipped data.",
        table("BANDS", bands),
        table("REBOOST_BANDS", reboost),
        "# END GENERATED"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the tables in tle/accuracy.py")
    ap.add_argument("--check", action="store_true", help="exit 1 if tle/accuracy.py is stale")
    ap.add_argument("--plot", default=None, help="write the plot here (PNG)")
    args = ap.parse_args(argv)

    pairs = pair_errors()
    quiet = ~pairs["crosses"]
    bands = fit_bands(pairs["age_days"][quiet], pairs["error_s"][quiet], BAND_EDGES_DAYS)
    reboost = fit_bands(pairs["age_days"][~quiet], pairs["error_s"][~quiet], REBOOST_EDGES_DAYS)
    files = sets_by_file()
    n_sets = sum(len(v) for v in files.values())
    for name, sets in files.items():
        for after, before, jump in A.detect_manoeuvres(sets):
            print(f"manoeuvre {name}: between {A_iso(after)} and {A_iso(before)}: "
                  f"{jump:+.2f} km")
    print(f"{len(pairs['age_days'])} pairs, {int(np.sum(~quiet))} across a manoeuvre")
    print("age bin (d)    n   q50 s   q68 s   q90 s   [no manoeuvre between]")
    for lo, hi, n, *q in bands:
        print(f"{lo:4g}-{hi:<4g} {n:6d} {q[0]:7.1f} {q[1]:7.1f} {q[2]:7.1f}")
    print("across a manoeuvre:")
    for lo, hi, n, *q in reboost:
        print(f"{lo:4g}-{hi:<4g} {n:6d} {q[0]:7.1f} {q[1]:7.1f} {q[2]:7.1f}")
    even = pairs["i"] % 2 == 0
    sizes = []
    for label, mask in (("fit on even sets, test on odd", even),
                        ("fit on odd sets, test on even", ~even)):
        cells = holdout(pairs, mask)
        sizes += [n for _, _, n, _ in cells]
        text = " ".join(f"{lo:g}-{hi:g}d: {c:.0%} of {n}" for lo, hi, n, c in cells)
        print(f"90 % band hold-out coverage, {label}: {text}")
    print(f"a perfectly calibrated band lands in 85-95 % in all {len(sizes)} cells above with "
          f"probability {chance_all_in_85_95(sizes):.1%} (binomial, independent errors)")
    r, n_r = neighbour_correlation(pairs)
    print(f"correlation of ln|error| of (i, j) and (i + 1, j): {r:.2f} over {n_r} pairs")
    everything = np.ones(len(pairs["age_days"]), bool)
    for label, cells in (("in sample (fitted on all)", served_coverage(pairs, everything, everything)),
                         (f"held out by {BLOCK_DAYS:g}-day blocks", block_holdout(pairs))):
        text = " ".join(f"{lo:g}-{hi:g}d: {c:.0%} of {n}" for lo, hi, n, c in cells)
        print(f"90 % band as served, {label}: {text}")

    text = generated_text(bands, reboost, int(np.sum(quiet)), n_sets)
    path = ROOT / "tle" / "accuracy.py"
    source = path.read_text("utf-8")
    block = re.compile(r"# BEGIN GENERATED.*?# END GENERATED", re.S)
    fresh = block.sub(lambda _: text, source)
    if args.check:
        if fresh != source:
            print("tle/accuracy.py differs from a fresh fit: run with --write", file=sys.stderr)
            return 1
    if args.write and fresh != source:
        path.write_text(fresh, "utf-8")
        print("wrote", path)
    if args.plot:
        plot(pairs, bands, reboost, args.plot)
        print("wrote", args.plot)
    return 0


def A_iso(unix_s: float) -> str:
    from tle.store import iso_z
    return iso_z(unix_s)


def plot(pairs, bands, reboost, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    age, err, cross = pairs["age_days"], np.abs(pairs["error_s"]), pairs["crosses"]
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    floor = 0.01
    ax.scatter(age[~cross], np.maximum(err[~cross], floor), s=9, c="tab:blue", alpha=0.6,
               label="no manoeuvre between")
    ax.scatter(age[cross], np.maximum(err[cross], floor), s=9, c="tab:red", alpha=0.4,
               marker="x", label="across a re-boost / manoeuvre")
    for rows, colour, style in ((bands, "tab:blue", "-"), (reboost, "tab:red", ":")):
        edges = [r[0] for r in rows] + [rows[-1][1]]
        for col, level, lw in ((3, "50 %", 1.0), (4, "68 %", 1.6), (5, "90 %", 2.4)):
            vals = [r[col] for r in rows]
            ax.stairs(vals, edges, baseline=None, color=colour, linestyle=style, linewidth=lw,
                      label=f"{level} band" + ("" if colour == "tab:blue" else " (across)"))
    age_grid = np.linspace(0, 45, 300)
    es = sorted(shipped_sets(), key=lambda e: e.epoch_unix_s)[40]
    old = 2.0 * A.timing_sigma_s(age_grid, es.ndot, es.mean_motion_rev_day)
    ax.plot(age_grid, old, color="grey", linestyle="--", label="previous model, 2 sigma")
    ax.set_yscale("log")
    ax.set_ylim(floor, 5000)
    ax.set_xlim(0, 45)
    ax.set_xlabel("age of the element set at the prediction (days)")
    ax.set_ylabel("|along-track timing error| (s)")
    ax.set_title("ISS SGP4 timing error vs element-set age (shipped 2015-16 and 2025-26 sets)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
