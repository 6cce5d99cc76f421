"""Misorientation map: how far each pixel's direction is from its neighbourhood's."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage as ndi

__all__ = ["misorientation_map"]


def misorientation_map(
    angles: np.ndarray, mask: np.ndarray | None = None, radius: float = 3.0
) -> np.ndarray:
    """``(H, W)`` angle in radians, [0, π/2], between each selected pixel's direction and the
    axial mean direction of the selected pixels around it (Gaussian window of sigma
    ``radius``); NaN off the selection. High values mark bends, junctions and crossings."""
    angles = np.asarray(angles, dtype=np.float64)
    selected = np.isfinite(angles)
    if mask is not None:
        selected &= np.asarray(mask).astype(bool)
    theta = np.where(selected, angles, 0.0)
    weight = selected.astype(np.float64)
    re = ndi.gaussian_filter(weight * np.cos(2 * theta), radius)
    im = ndi.gaussian_filter(weight * np.sin(2 * theta), radius)
    local = np.mod(np.arctan2(im, re) / 2, math.pi)
    diff = np.mod(theta - local, math.pi)
    return np.where(selected, np.minimum(diff, math.pi - diff), np.nan)
