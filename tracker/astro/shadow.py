"""Numba kernel: conical Earth-shadow model (umbra / penumbra / daylight).

Earth and Sun are spheres. Seen from the satellite, the Earth's disc has
angular radius ``a_e = asin(R_earth / |r|)`` and the Sun's ``a_s = asin(R_sun /
|s - r|)``; ``theta`` is the angle between the two disc centres. Then

* ``theta >= a_e + a_s``: the discs do not overlap -> daylight (2);
* ``theta <= a_e - a_s``: the Sun's disc is entirely behind the Earth -> umbra,
  eclipsed (0);
* otherwise part of the Sun is hidden -> penumbra (1).

(This is the umbra/penumbra cone test of Montenbruck & Gill, "Satellite
Orbits", sec. 3.4, written with apparent disc radii.) A position that is not
finite, or inside the Earth, gets code 255 (unknown).

Inputs: ``r`` satellite and ``s`` Sun, both geocentric, same frame, km.
"""
from __future__ import annotations

import math

from tracker.jit import njit

ECLIPSED = 0
PENUMBRA = 1
DAYLIGHT = 2
UNKNOWN = 255


@njit(cache=True, nogil=True, error_model="numpy")
def illumination_one(rx, ry, rz, sx, sy, sz, earth_radius_km, sun_radius_km):
    """Illumination code (0 eclipsed, 1 penumbra, 2 daylight, 255 unknown) for one position."""
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    if not (r > earth_radius_km):          # also catches NaN
        return UNKNOWN
    # On the sunward side of the Earth's centre and a little above the surface
    # (the shadow cones open by only ~0.27 deg): always lit. Saves the trig.
    if rx * sx + ry * sy + rz * sz >= 0.0 and r > 1.001 * earth_radius_km:
        return DAYLIGHT
    dx = sx - rx
    dy = sy - ry
    dz = sz - rz
    d = math.sqrt(dx * dx + dy * dy + dz * dz)
    if not (d > sun_radius_km):
        return UNKNOWN
    # Compare cosines, not angles (cos falls monotonically on [0, pi] and
    # every angle here lies there): theta >= a_e + a_s <=> cos theta <=
    # cos(a_e + a_s), and theta <= a_e - a_s (needs a_e >= a_s) <=>
    # cos theta >= cos(a_e - a_s); no asin or atan2.
    sin_e = earth_radius_km / r
    sin_s = sun_radius_km / d
    cos_e = math.sqrt(1.0 - sin_e * sin_e)
    cos_s = math.sqrt(1.0 - sin_s * sin_s)
    # Angle between the directions to the Earth's centre (-r) and the Sun (d).
    cos_theta = -(rx * dx + ry * dy + rz * dz) / (r * d)
    if cos_theta <= cos_e * cos_s - sin_e * sin_s:
        return DAYLIGHT
    if sin_e >= sin_s and cos_theta >= cos_e * cos_s + sin_e * sin_s:
        return ECLIPSED
    return PENUMBRA


@njit(cache=True, nogil=True, error_model="numpy")
def illumination_fill(r_km, sun_km, earth_radius_km, sun_radius_km, out):
    """(n, 3) satellite and Sun positions (same frame, km) -> fills (n,) uint8 codes."""
    n = r_km.shape[0]
    for i in range(n):
        out[i] = illumination_one(r_km[i, 0], r_km[i, 1], r_km[i, 2],
                                  sun_km[i, 0], sun_km[i, 1], sun_km[i, 2],
                                  earth_radius_km, sun_radius_km)
