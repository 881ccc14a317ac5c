"""Vectorised searches on an interpolated track, shared by the services.

``bisect_change`` finds where a yes/no condition changes (shadow edges of
``sampled_track``, radius crossings of ``overflights``); ``golden_min`` the
minimum of a unimodal function (an overflight's closest approach). Both
work on arrays of brackets at once, calling ``f`` on all the midpoints of
one step together, so each step is one vectorised evaluation. (The pass
kernels, ``tracker.services.events``, bisect inside numba on their own.)
"""
from __future__ import annotations

import numpy as np

GOLDEN = 0.3819660112501051          # 2 - golden ratio


def bisect_change(condition, a, b, true_at_b, tol_s: float) -> np.ndarray:
    """For each bracket [a_i, b_i] (s) where ``condition`` differs at the two
    ends and is ``true_at_b[i]`` at b_i, the time of the change, to
    ``tol_s``. ``condition(t) -> bool array`` is evaluated on arrays of
    times. An empty bracket (b_i <= a_i) returns b_i."""
    a = np.array(a, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    true_at_b = np.asarray(true_at_b, dtype=bool)
    todo = b > a
    while np.any(todo) and np.max(b[todo] - a[todo]) > tol_s:
        m = 0.5 * (a + b)
        in_left = condition(m) == true_at_b          # the change lies in [a, m]
        b = np.where(todo & in_left, m, b)
        a = np.where(todo & ~in_left, m, a)
    return np.where(b > a, 0.5 * (a + b), b)


def golden_min(f, a, b, tol_s: float) -> np.ndarray:
    """For each bracket [a_i, b_i] (s) holding one minimum of ``f`` (values on
    arrays of times), the time of the minimum, to ``tol_s``."""
    a = np.array(a, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    x1 = a + GOLDEN * (b - a)
    x2 = b - GOLDEN * (b - a)
    f1, f2 = f(x1), f(x2)
    while np.max(b - a, initial=0.0) > tol_s:
        left = f1 < f2
        b = np.where(left, x2, b)
        a = np.where(left, a, x1)
        nx1 = np.where(left, a + GOLDEN * (b - a), x2)
        nx2 = np.where(left, x1, b - GOLDEN * (b - a))
        nf = f(np.where(left, nx1, nx2))
        f1, f2 = np.where(left, nf, f2), np.where(left, f1, nf)
        x1, x2 = nx1, nx2
    return 0.5 * (a + b)
