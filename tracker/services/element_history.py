"""What the element sets themselves say: revolution numbers, re-boosts, data quality.

These read only the mean elements of a store's sets (no propagation along
the interval), so they are independent of the sampled statistics in
``tracker.services.stats`` and serve as its cross-checks.

Revolution numbers
------------------
A TLE's revolution number counts ascending-node passages (NORAD: a new
revolution begins at the ascending node). At the epoch the satellite is a
fraction ``u / 360`` into that revolution, with ``u = argp + M`` the mean
argument of latitude in degrees. At a time t, ``dt`` days from the epoch,
the continuous revolution count is

    rev(t) = revnum + u / 360 + (udot / 2 pi) * dt + ndot * dt^2

with ``udot = Mdot + argpdot`` the secular rate of the argument of latitude
(SGP4's own J2/J4 secular rates from the coefficient table, rad/day; the
Kozai mean motion alone runs ~0.07 % slow for the ISS, 0.01 rev/day) and
``ndot`` the TLE's first-derivative field (rev/day^2, half the rate of the
mean motion) for drag. ``revnum_orbits`` applies this from the set nearest
each end of an interval.

Re-boosts
---------
Each set's mean altitude is its Brouwer mean semi-major axis (SGP4's
un-Kozai'd ``AO``) minus the WGS-72 equatorial radius, the model the sets
are fitted in. Drag can only lower it, and consecutive sets less than a day
apart agree to < 0.1 km, so a rise of more than ``REBOOST_THRESHOLD_KM``
between consecutive sets is reported as a re-boost somewhere between their
epochs. ``decay_corrected_step_km`` adds back the decay predicted from the
earlier set's ndot (a rough estimate of the burn's full size).
"""
from __future__ import annotations

import math

import numpy as np

from tracker.propagator.layout import RADIUS_EARTH_KM as WGS72_RADIUS_KM
from tracker.propagator.deep import RESONANCE_STATE_SIZE
from tracker.propagator.near import sgp4_one
from tracker.propagator.api import Elements
from tracker.astro.time import DAY_S, format_utc, unix_to_jdfr

REBOOST_THRESHOLD_KM = 0.25
_MIN_PER_DAY = 1440.0


def mean_elements(sets) -> dict:
    """Per-set mean quantities from SGP4's initialisation, arrays (n,):
    ``mean_alt_km`` (Brouwer a - WGS-72 radius), ``udot_rev_day`` (secular
    rate of the argument of latitude), ``period_s`` (nodal, 1 / udot)."""
    els = Elements.from_element_sets(sets)
    a_km = els.coefficient("AO") * WGS72_RADIUS_KM
    udot_rad_min = els.coefficient("MDOT") + els.coefficient("ARGPDOT")
    udot_rev_day = udot_rad_min * _MIN_PER_DAY / (2.0 * math.pi)
    return {"mean_alt_km": a_km - WGS72_RADIUS_KM, "udot_rev_day": udot_rev_day,
            "period_s": DAY_S / udot_rev_day}


def revolution_at(es, unix_s: float, udot_rev_day: float) -> float:
    """Continuous revolution count at ``unix_s`` from one set (see module docstring)."""
    dt_days = (unix_s - es.epoch_unix_s) / DAY_S
    frac = ((es.arg_perigee_deg + es.mean_anomaly_deg) % 360.0) / 360.0
    return es.revnum + frac + udot_rev_day * dt_days + es.ndot * dt_days * dt_days


def revnum_orbits(store, start_unix_s: float, end_unix_s: float,
                  node_crossings: int, fractional: float) -> dict:
    """Orbits over [start, end] from the revolution numbers of the sets nearest
    each end, compared with the node-crossing counts."""
    first = store.nearest(start_unix_s).element_set
    last = store.nearest(end_unix_s).element_set
    rates = mean_elements([first, last])["udot_rev_day"]
    rev0 = revolution_at(first, start_unix_s, float(rates[0]))
    rev1 = revolution_at(last, end_unix_s, float(rates[1]))
    completed = math.floor(rev1) - math.floor(rev0)
    return {
        "start_revolution": rev0,
        "end_revolution": rev1,
        "start_set_revnum": first.revnum,
        "start_set_epoch": format_utc(first.epoch_unix_s),
        "end_set_revnum": last.revnum,
        "end_set_epoch": format_utc(last.epoch_unix_s),
        "orbits_fractional": rev1 - rev0,
        "orbits_completed": completed,
        "difference_fractional": fractional - (rev1 - rev0),
        "difference_completed": node_crossings - completed,
    }


def reboosts(store, start_unix_s: float, end_unix_s: float) -> list:
    """Rises in mean altitude between consecutive sets whose epochs bracket
    any part of [start, end] (list of dicts, times ISO 8601 UTC)."""
    epochs = np.array(store.epochs_unix_s)
    lo = max(int(np.searchsorted(epochs, start_unix_s, side="right")) - 1, 0)
    hi = min(int(np.searchsorted(epochs, end_unix_s, side="left")) + 1, len(epochs))
    sets = list(store.sets[lo:hi])
    if len(sets) < 2:
        return []
    mean = mean_elements(sets)
    alt = mean["mean_alt_km"]
    out = []
    for k in range(len(sets) - 1):
        step = float(alt[k + 1] - alt[k])
        if step <= REBOOST_THRESHOLD_KM:
            continue
        a, b = sets[k], sets[k + 1]
        dt_days = (b.epoch_unix_s - a.epoch_unix_s) / DAY_S
        # decay predicted from a's ndot: n(t) = n + 2 ndot dt, a ~ n^(-2/3)
        a_km = alt[k] + WGS72_RADIUS_KM
        decay = -(2.0 / 3.0) * a_km * (2.0 * a.ndot * dt_days) / a.mean_motion_rev_day
        out.append({
            "after_epoch": format_utc(a.epoch_unix_s),
            "before_epoch": format_utc(b.epoch_unix_s),
            "mean_alt_before_km": float(alt[k]),
            "mean_alt_after_km": float(alt[k + 1]),
            "step_km": step,
            "decay_corrected_step_km": step - decay,
        })
    return out


def state_at(els: Elements, k: int, unix_s: float):
    """SGP4 state of satellite ``k`` of ``els`` at ``unix_s``: (error code, r km, v km/s),
    TEME (the core's one-time kernel: no parallel launch for a single sample)."""
    jd, fr = unix_to_jdfr(np.array([unix_s]))
    tsince_min = ((jd[0] - els.epoch_jd[k]) + (fr[0] - els.epoch_fr[k])) * 1440.0
    r = np.empty(3)
    v = np.empty(3)
    err = sgp4_one(els.coeffs, k, tsince_min, np.zeros(RESONANCE_STATE_SIZE), r, v)
    return int(err), r, v


def switch_jumps_km(els: Elements, switch_unix_s) -> np.ndarray:
    """|r_A - r_B| (km) at each switch between consecutive satellites of ``els``
    (the element sets in the order used; switch k is between k and k + 1)."""
    return np.array([float(np.linalg.norm(state_at(els, k, t)[1] - state_at(els, k + 1, t)[1]))
                     for k, t in enumerate(switch_unix_s)])


def data_quality(store, used_sets, ranges_unix, els: Elements | None = None) -> dict:
    """Element sets used, largest epoch gap among them, largest disagreement
    at a switch. ``ranges_unix``: (first, last) sample time of each set;
    ``els``: ``Elements`` of ``used_sets`` if already built."""
    epochs = np.array([es.epoch_unix_s for es in used_sets])
    gaps = np.diff(epochs) / DAY_S
    switches = [lo for lo, _hi in ranges_unix[1:]]
    els = Elements.from_element_sets(used_sets) if els is None else els
    jumps = switch_jumps_km(els, switches)
    out = {
        "element_sets_used": len(used_sets),
        "first_epoch": format_utc(epochs[0]),
        "last_epoch": format_utc(epochs[-1]),
        "largest_epoch_gap_days": float(gaps.max()) if gaps.size else 0.0,
        "largest_epoch_gap_from": format_utc(epochs[int(gaps.argmax())]) if gaps.size else None,
        "largest_switch_jump_km": float(jumps.max()) if jumps.size else 0.0,
        "store": store.description,
    }
    return out
