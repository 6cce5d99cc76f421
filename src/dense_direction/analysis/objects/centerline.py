"""Smoothed centre-lines of skeleton branches: length, chord, tortuosity, curvature.

An 8-connected pixel path overstates length (a straight line at 30° comes out 7 % too long)
because it zig-zags between diagonal and straight steps. Smoothing the path coordinates with
a Gaussian along the path removes the zig-zag (its period is a few pixels) while keeping the
shape of curves whose radius is well above the smoothing scale. Open paths are extended
beyond their ends by point reflection before smoothing, which leaves straight ends exactly
where they were (plain padding would pull the ends inward and shorten the line).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter1d

__all__ = [
    "chord_length",
    "mean_curvature",
    "polyline_length",
    "resample",
    "smooth_centerline",
    "tangent_normals",
    "tortuosity",
]

#: Gaussian sigma (in path samples) that removes the pixel zig-zag but keeps curves of
#: radius >= ~10 px (tests/analysis/objects/test_centerline.py measures both).
SMOOTHING = 2.0
#: Sigma (px of arc length) applied to the turning rate before averaging |curvature|.
CURVATURE_SMOOTHING = 3.0


def _extend(points: np.ndarray, pad: int) -> np.ndarray:
    """``points`` with ``pad`` point-reflected samples before and after (2 p0 - p_k)."""
    pad = min(pad, len(points) - 1)
    head = 2 * points[0] - points[pad:0:-1]
    tail = 2 * points[-1] - points[-2 : -pad - 2 : -1]
    return np.concatenate((head, points, tail))


def smooth_centerline(
    coords: np.ndarray, closed: bool = False, sigma: float = SMOOTHING
) -> np.ndarray:
    """``(n, 2)`` float (row, col) of the pixel path ``coords`` smoothed along the path.

    ``closed``: the path is a loop whose first point repeats as its last; it is smoothed
    periodically and returned with the repeat.
    """
    points = np.asarray(coords, dtype=np.float64)
    if len(points) < 3 or sigma <= 0:
        return points.copy()
    if closed:
        loop = points[:-1] if np.array_equal(points[0], points[-1]) else points
        smooth = gaussian_filter1d(loop, sigma, axis=0, mode="wrap")
        return np.concatenate((smooth, smooth[:1]))
    pad = math.ceil(4 * sigma)
    extended = _extend(points, pad)
    cut = min(pad, len(points) - 1)
    return gaussian_filter1d(extended, sigma, axis=0, mode="nearest")[cut : cut + len(points)]


def polyline_length(points: np.ndarray) -> float:
    """Sum of the segment lengths of an ``(n, 2)`` polyline."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def chord_length(points: np.ndarray) -> float:
    """Straight distance between the first and last point."""
    return float(np.hypot(*(points[-1] - points[0]))) if len(points) else 0.0


def tortuosity(points: np.ndarray, closed: bool = False) -> float:
    """Path length over chord (1 for a straight line); NaN for loops and paths shorter than
    2 px, whose chord says nothing."""
    chord = chord_length(points)
    if closed or chord < 2.0:
        return math.nan
    return polyline_length(points) / chord


def resample(points: np.ndarray, spacing: float = 1.0) -> np.ndarray:
    """The polyline at (nearly) uniform arc-length ``spacing``, end points kept."""
    steps = np.hypot(*np.diff(points, axis=0).T)
    arc = np.concatenate(([0.0], np.cumsum(steps)))
    if arc[-1] <= 0:
        return points[:1].copy()
    count = max(2, round(arc[-1] / spacing) + 1)
    where = np.linspace(0.0, arc[-1], count)
    return np.stack([np.interp(where, arc, points[:, i]) for i in range(2)], axis=1)


def mean_curvature(
    points: np.ndarray, closed: bool = False, sigma: float = CURVATURE_SMOOTHING
) -> float:
    """Mean |dθ/ds| (radians per pixel) of a smoothed centre-line: the turning between
    consecutive 1-px segments, smoothed over ``sigma`` px so the residual pixel jitter (whose
    absolute value would not average out) does not count as bending. NaN below 3 px."""
    if len(points) < 4:  # most branches of a dense network: skip the resampling
        return math.nan
    uniform = resample(points, 1.0)
    if len(uniform) < 4:
        return math.nan
    steps = np.diff(uniform, axis=0)
    lengths = np.hypot(*steps.T)
    heading = np.arctan2(steps[:, 0], steps[:, 1])
    turning = np.diff(heading)
    turning = (turning + math.pi) % (2 * math.pi) - math.pi
    if closed:
        last = (heading[0] - heading[-1] + math.pi) % (2 * math.pi) - math.pi
        turning = np.append(turning, last)
    turning = gaussian_filter1d(turning, sigma, mode="wrap" if closed else "nearest")
    return float(np.abs(turning).sum() / lengths[: len(turning)].sum())


def tangent_normals(points: np.ndarray) -> np.ndarray:
    """``(n, 2)`` unit normals (row, col) of a polyline, from central differences."""
    if len(points) < 2:
        return np.tile([1.0, 0.0], (len(points), 1))
    tangent = np.gradient(points, axis=0)
    norm = np.hypot(*tangent.T)[:, None]
    tangent = np.divide(tangent, norm, out=np.tile([0.0, 1.0], (len(points), 1)), where=norm > 0)
    return np.stack((tangent[:, 1], -tangent[:, 0]), axis=1)
