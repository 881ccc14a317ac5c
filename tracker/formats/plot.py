"""Figures for orbit statistics (matplotlib, Agg backend, imported on first use).

``plot_altitude(stats, path)`` draws the geodetic altitude over the interval
(the min-max band and the mean of each time bin of ``OrbitStats.series``),
marks the re-boosts found in the element history (shaded between the two
epochs that bracket each, with the step in km) and the epochs of the element
sets used (ticks along the bottom), and writes the figure to ``path``
(format from the extension: .png, .svg, .pdf).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.errors import UserError

_FORMATS = (".png", ".svg", ".pdf")


def check_plot_path(path) -> Path:
    """The path as a ``Path`` if a figure can be written there; else ``UserError``."""
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise UserError(f"--plot: the file name must end in {', '.join(_FORMATS)}, got {str(path)!r}",
                        parameter="plot")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"--plot: directory {str(parent)!r} does not exist", parameter="plot")
    return path


def _parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def plot_altitude(stats, path, *, title: str | None = None) -> Path:
    """Altitude figure of an ``OrbitStats``; returns the path written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    path = check_plot_path(path)
    series = stats.series
    times = [stats.start + dt.timedelta(seconds=float(t)) for t in series["t_s"]]
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    try:
        ax.fill_between(times, series["min_alt_km"], series["max_alt_km"], color="#9ecae1",
                        linewidth=0, label="altitude range in each bin")
        ax.plot(times, series["mean_alt_km"], color="#08519c", linewidth=0.9, label="mean altitude")
        for k, boost in enumerate(stats.reboosts):
            t0 = max(_parse_iso(boost["after_epoch"]), stats.start)
            t1 = min(_parse_iso(boost["before_epoch"]), stats.end)
            ax.axvspan(t0, t1, color="#fdae6b", alpha=0.45, linewidth=0,
                       label="re-boost (between these epochs)" if k == 0 else None)
            ax.annotate(f"+{boost['step_km']:.1f} km", xy=(t0 + (t1 - t0) / 2, 1.0 + 0.035 * (k % 2)),
                        xycoords=("data", "axes fraction"), ha="center", va="bottom",
                        fontsize=7, color="#a63603")
        lo, hi = ax.get_ylim()
        epochs = [e for e in stats.epochs if stats.start <= e <= stats.end]
        ax.plot(epochs, [lo + 0.02 * (hi - lo)] * len(epochs), linestyle="none", marker="|",
                markersize=9, color="#444444", label="element-set epochs")
        ax.set_ylim(lo, hi)
        ax.set_ylabel("geodetic altitude (km, WGS-84)")
        ax.set_xlabel("UTC")
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(title or f"ISS altitude {stats.start:%Y-%m-%d %H:%M} to "
                              f"{stats.end:%Y-%m-%d %H:%M} UTC", fontsize=10, pad=22)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
