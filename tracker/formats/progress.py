"""A small progress bar on stderr for long computations.

It draws only when its stream is a terminal, or when ``force=True``; with
``force=False`` it never draws. So a command can always create one and
report progress: piped or captured output (tests, ``2> log``) stays clean.

    from tracker.formats.progress import ProgressBar

    with ProgressBar(total=n_steps, label="stats") as bar:
        for chunk in chunks:
            ...
            bar.update(len(chunk))

The line looks like ``stats [##########..........]  50.0%  3.1 s, ETA 3.1 s``
and is redrawn in place (carriage return) at most every ``min_interval_s``
seconds; ``close()`` (or leaving the ``with`` block) draws the final state
and ends the line. ``clock`` is injectable for tests (seconds, monotonic).
"""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """Progress of ``total`` units of work (any unit: points, objects, chunks).

    Parameters
    ----------
    total : number of units; must be >= 0 (0 draws a full bar on close).
    label : text shown before the bar.
    stream : where to draw; default ``sys.stderr`` (read when created).
    force : ``None`` draw only if ``stream.isatty()``; ``True`` always; ``False`` never.
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
            force = bool(isatty and isatty())
        self.enabled = bool(force)
        self.min_interval_s = float(min_interval_s)
        self.width = int(width)
        self._clock = clock
        self._start_s = clock()
        self._last_draw_s = None
        self.done = 0
        self._closed = False

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
        self.done = min(max(done, 0), self.total)
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if self._last_draw_s is None or now - self._last_draw_s >= self.min_interval_s:
            self._draw(now)

    def close(self):
        """Draw the final state and end the line (when enabled); idempotent."""
        if self._closed:
            return
        if self.enabled:
            self._draw(self._clock())
            self.stream.write("\n")
            self.stream.flush()
        self._closed = True

    def line(self, now_s=None) -> str:
        """The text of the bar at time ``now_s`` (clock seconds)."""
        now_s = self._clock() if now_s is None else now_s
        fraction = 1.0 if self.total == 0 else self.done / self.total
        filled = int(round(fraction * self.width))
        elapsed_s = max(now_s - self._start_s, 0.0)
        text = (f"{self.label} [" + "#" * filled + "." * (self.width - filled)
                + f"] {100.0 * fraction:5.1f}%  {elapsed_s:.1f} s")
        if 0.0 < fraction < 1.0:
            text += f", ETA {elapsed_s * (1.0 - fraction) / fraction:.1f} s"
        return text.lstrip()

    def _draw(self, now_s):
        self.stream.write("\r" + self.line(now_s) + "\033[K")
        self.stream.flush()
        self._last_draw_s = now_s
