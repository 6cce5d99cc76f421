"""Streamlines: curves that follow the direction field through structure pixels.

The field is axial (θ and θ + π are the same line), so it is interpolated as doubled-angle
vectors (cos 2θ, sin 2θ), whose length also falls where directions disagree (crossings) and
off the structure (zero outside the mask). Each step takes the direction at the midpoint
(second-order Runge-Kutta) and keeps the orientation of the previous step. A streamline
stops when it leaves the structure, the interpolated field is weak (< :data:`MIN_COHERENCE`),
it turns more than ``max_turn`` in one step, or reaches ``max_length``. All streamlines are
advanced together, one vectorised step at a time.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage as ndi

__all__ = ["MIN_COHERENCE", "grid_seeds", "skeleton_seeds", "trace_streamlines"]

MIN_COHERENCE = 0.3


def grid_seeds(mask: np.ndarray, spacing: int = 16) -> np.ndarray:
    """``(n, 2)`` (row, col) of the mask pixels on a grid of ``spacing`` pixels."""
    rows, cols = np.mgrid[
        spacing // 2 : mask.shape[0] : spacing, spacing // 2 : mask.shape[1] : spacing
    ]
    keep = np.asarray(mask)[rows, cols] > 0
    return np.stack((rows[keep], cols[keep]), axis=1).astype(np.float64)


def skeleton_seeds(skeleton: np.ndarray, spacing: int = 16) -> np.ndarray:
    """``(n, 2)`` (row, col): one skeleton pixel per ``spacing`` × ``spacing`` cell (the
    first in row-major order), so dense networks get evenly spread seeds, not one per
    branch."""
    pixels = np.argwhere(np.asarray(skeleton))
    if not len(pixels):
        return np.zeros((0, 2))
    columns = skeleton.shape[1] // spacing + 1
    cells = (pixels[:, 0] // spacing) * columns + pixels[:, 1] // spacing
    _, first = np.unique(cells, return_index=True)
    return pixels[first].astype(np.float64)


def _sample(fields: tuple[np.ndarray, ...], points: np.ndarray) -> list[np.ndarray]:
    return [ndi.map_coordinates(f, points.T, order=1, mode="constant") for f in fields]


def _direction(
    fields: tuple[np.ndarray, ...], points: np.ndarray, previous: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit (row, col) directions at ``points`` oriented like ``previous``, and the field's
    local coherence (length of the interpolated doubled-angle vector)."""
    c, s = _sample(fields, points)
    theta = np.arctan2(s, c) / 2
    step = np.stack((-np.sin(theta), np.cos(theta)), axis=1)  # y up: rows grow downward
    flip = np.sum(step * previous, axis=1) < 0
    step[flip] *= -1
    return step, np.hypot(c, s)


def _march(
    fields: tuple[np.ndarray, np.ndarray],
    inside: np.ndarray,
    start: np.ndarray,
    heading: np.ndarray,
    step: float,
    count: int,
    max_turn: float,
) -> list[list[np.ndarray]]:
    position, heading = start.copy(), heading.copy()
    tracks = [[p.copy()] for p in start]
    alive = np.arange(len(start))
    shape = np.array(inside.shape)
    for _ in range(count):
        if not len(alive):
            break
        first, strength = _direction(fields, position[alive], heading[alive])
        middle = position[alive] + 0.5 * step * first
        second, _ = _direction(fields, middle, first)
        turn = np.sum(second * heading[alive], axis=1)
        new = position[alive] + step * second
        pixel = np.round(new).astype(np.int64)
        within = np.all((pixel >= 0) & (pixel < shape), axis=1)
        ok = within & (strength >= MIN_COHERENCE) & (turn >= math.cos(max_turn))
        ok[within] &= inside[pixel[within, 0], pixel[within, 1]]
        alive = alive[ok]
        position[alive], heading[alive] = new[ok], second[ok]
        for index, point in zip(alive, new[ok], strict=True):
            tracks[index].append(point)
    return tracks


def trace_streamlines(
    angles: np.ndarray,
    mask: np.ndarray,
    seeds: np.ndarray,
    step: float = 1.0,
    max_length: float = 64.0,
    max_turn: float = math.radians(30),
) -> list[np.ndarray]:
    """One ``(n, 2)`` (row, col) polyline per seed, traced both ways from it through the
    pixels of ``mask`` along ``angles`` (radians, y up); ``max_length`` per direction."""
    inside = np.asarray(mask).astype(bool) & np.isfinite(angles)
    theta = np.where(inside, angles, 0.0)
    fields = (np.where(inside, np.cos(2 * theta), 0.0), np.where(inside, np.sin(2 * theta), 0.0))
    seeds = np.asarray(seeds, dtype=np.float64).reshape(-1, 2)
    if not len(seeds):
        return []
    start_theta = np.arctan2(*_sample(fields[::-1], seeds)) / 2
    heading = np.stack((-np.sin(start_theta), np.cos(start_theta)), axis=1)
    count = int(max_length / step)
    forward = _march(fields, inside, seeds, heading, step, count, max_turn)
    backward = _march(fields, inside, seeds, -heading, step, count, max_turn)
    return [np.array(back[:0:-1] + fore) for back, fore in zip(backward, forward, strict=True)]
