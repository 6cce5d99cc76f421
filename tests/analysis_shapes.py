"""Masks and fields drawn from their geometry for the analysis tests (y up for angles)."""

from __future__ import annotations

import math

import numpy as np


def _grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    return rows.astype(float), cols.astype(float)


def capsule(shape, start, end, width):
    """Pixels whose centre is closer than ``width / 2`` to the segment ``start``-``end``
    ((row, col) points): a line of that width with round caps."""
    rows, cols = _grid(shape)
    (r0, c0), (r1, c1) = start, end
    dr, dc = r1 - r0, c1 - c0
    t = np.clip(((rows - r0) * dr + (cols - c0) * dc) / (dr * dr + dc * dc), 0, 1)
    return np.hypot(rows - r0 - t * dr, cols - c0 - t * dc) < width / 2


def segment(length, angle_deg, centre=(150.5, 150.5)):
    """End points (row, col) of a segment of ``length`` through ``centre`` at ``angle_deg``
    counter-clockwise from x with y up (rows grow downward, hence the minus)."""
    a = math.radians(angle_deg)
    half = np.array([-math.sin(a), math.cos(a)]) * length / 2
    return tuple(np.array(centre) - half), tuple(np.array(centre) + half)


def ring(shape, centre, radius, width):
    """An annulus of mean radius ``radius``."""
    rows, cols = _grid(shape)
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return np.abs(distance - radius) < width / 2


def tangent_field(shape, centre):
    """Angles (y up) of the circles around ``centre``: tangent = radial + 90°."""
    rows, cols = _grid(shape)
    radial = np.arctan2(-(rows - centre[0]), cols - centre[1])
    return np.mod(radial + math.pi / 2, math.pi)


def y_junction(shape=(200, 200), width=5):
    """Three arms of ~70 px from the centre at 90°, 210° and 330°."""
    centre = (100.0, 100.0)
    mask = np.zeros(shape, bool)
    for angle in (90, 210, 330):
        a = math.radians(angle)
        tip = (centre[0] - 70 * math.sin(a), centre[1] + 70 * math.cos(a))
        mask |= capsule(shape, centre, tip, width)
    return mask
