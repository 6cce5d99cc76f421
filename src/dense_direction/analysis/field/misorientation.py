"""Misorientation map: how much the direction changes around each pixel."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["misorientation_map"]


def misorientation_map(
    angles: np.ndarray, mask: np.ndarray | None = None, radius: float = 3.0
) -> np.ndarray:
    """``(H, W)`` local angle change in radians, [0, π/2]: arccos of the order parameter S of
    the selected pixels in a Gaussian window of sigma ``radius`` around each selected pixel
    (NaN elsewhere). Two equal populations of directions Δ apart give S = cos Δ, so the map
    reads Δ: 0 in a uniform field, 90° where perpendicular directions meet (crossings,
    junctions, sharp bends)."""
    angles = np.asarray(angles, dtype=np.float64)
    selected = np.isfinite(angles)
    if mask is not None:
        selected &= np.asarray(mask).astype(bool)
    theta = np.where(selected, angles, 0.0)
    weight = selected.astype(np.float64)
    re = ndi.gaussian_filter(weight * np.cos(2 * theta), radius)
    im = ndi.gaussian_filter(weight * np.sin(2 * theta), radius)
    total = ndi.gaussian_filter(weight, radius)
    with np.errstate(divide="ignore", invalid="ignore"):
        order = np.clip(np.hypot(re, im) / total, 0, 1)
    return np.where(selected, np.arccos(order), np.nan)
