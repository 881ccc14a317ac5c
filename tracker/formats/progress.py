"""A progress bar on stderr for long computations: a thin wrapper over ``tqdm``.

It draws only when its stream is a terminal, or when ``force=True``; with
``force=False`` it never draws. So a command can always create one and
report progress: piped or captured output (tests, ``2> log``) stays clean.
``tqdm`` is imported only when the bar will draw, so commands that never
show one (``iss-tracker now``) do not pay for the import.

    from tracker.formats.progress import ProgressBar

    with ProgressBar(total=n_steps, label="stats") as bar:
        for chunk in chunks:
            ...
            bar.update(len(chunk))

The line looks like ``stats [##########..........]  50.0%  3.1 s, ETA 3.1 s``
and is redrawn in place by tqdm at most every ``min_interval_s`` seconds;
``close()`` (or leaving the ``with`` block) draws the final state and ends
the line. ``clock`` is injectable for tests (seconds, monotonic).
"""
from __future__ import annotations

import sys
import time

_BAR_CLASS = None
# Set by the command line's ``--quiet``: bars that would draw on a terminal stay silent.
QUIET = False


def _bar_class():
    """tqdm subclass (built on first use): no monitor thread, and an ETA
    field shown only while the work is under way."""
    global _BAR_CLASS
    if _BAR_CLASS is None:
        from tqdm import tqdm

        class _Bar(tqdm):
            monitor_interval = 0                      # no background thread

            @property
            def format_dict(self):
                d = super().format_dict
                frac = d["n"] / d["total"] if d["total"] else 1.0
                elapsed = d["elapsed"]
                d["eta_text"] = (f", ETA {elapsed * (1.0 - frac) / frac:.1f} s"
                                 if 0.0 < frac < 1.0 else "")
                return d

        _BAR_CLASS = _Bar
    return _BAR_CLASS


class ProgressBar:
    """Progress of ``total`` units of work (any unit: points, objects, chunks).

    Parameters
    ----------
    total : number of units; must be >= 0 (0 draws a full bar on close).
    label : text shown before the bar.
    stream : where to draw; default ``sys.stderr`` (read when created).
    force : ``None`` draw only if ``stream.isatty()`` and not ``QUIET``; ``True`` always;
        ``False`` never.
    min_interval_s : least time between two redraws.
    width : number of bar characters.
    clock : monotonic clock in seconds (``time.monotonic``).
    """

    def __init__(self, total, *, label="", stream=None, force=None,
                 min_interval_s=0.2, width=30, clock=time.monotonic):
        if total < 0:
            raise ValueError(f"total must be >= 0, got {total}")
        self.total = total
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        if force is None:
            isatty = getattr(self.stream, "isatty", None)
            force = bool(isatty and isatty()) and not QUIET
        self.enabled = bool(force)
        self.done = 0
        self._closed = False
        self._bar = None
        if self.enabled:
            bar = _bar_class()(
                total=total if total > 0 else 1, desc=f"{label} " if label else "",
                file=self.stream, leave=True, mininterval=float(min_interval_s), miniters=0,
                smoothing=0, ascii=".#", dynamic_ncols=False,
                bar_format="{desc}[{bar:%d}] {percentage:5.1f}%%  {elapsed_s:.1f} s{eta_text}\033[K"
                           % int(width))
            bar._time = clock                      # tqdm's clock hook: time from here on
            bar.start_t = bar.last_print_t = clock()
            self._bar = bar

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def update(self, n=1):
        """Add ``n`` finished units and redraw if enough time has passed."""
        self.set(self.done + n)

    def set(self, done):
        """Set the number of finished units (clipped to ``total``)."""
        new = min(max(done, 0), self.total)
        step, self.done = new - self.done, new
        if self._bar is not None and not self._closed:
            self._bar.update(step)

    def close(self):
        """Draw the final state and end the line (when enabled); idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            if self.total == 0:
                self._bar.n = 1                    # nothing to do is all done
            self._bar.close()
            self.stream.flush()
