"""Axial (mod 180°) statistics of a direction field.

A direction θ and θ + π are the same line, so statistics are taken on the doubled angle:
z = Σ w exp(2iθ) / Σ w. Its length is the order parameter S (1: all pixels aligned, 0: no
preferred direction) and half its argument the mean direction. The circular variance is
1 − S and the dispersion the axial circular standard deviation sqrt(−2 ln S) / 2 (radians;
0 when aligned, growing without bound as S → 0). Pixels with a NaN angle or zero weight do
not count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from dense_direction.analysis.conventions import check_radians, to_degrees

__all__ = [
    "AFT_SIZES",
    "FieldStatistics",
    "axial_histogram",
    "field_statistics",
    "grouped_statistics",
    "order_parameter_by_size",
]

#: Neighbourhood sizes (px) of the AFT-style order parameter.
AFT_SIZES = (16, 32, 64, 128)


@dataclass(frozen=True)
class FieldStatistics:
    """Angles in radians in [0, π)."""

    order_parameter: float
    mean_direction: float
    circular_variance: float
    dispersion: float
    pixels: int


def _dispersion(order: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.maximum(-2 * np.log(np.clip(order, 0, 1)), 0)) / 2


def _prepared(
    angles: np.ndarray, mask: np.ndarray | None, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Angles and weights with NaN angles and unselected pixels at weight 0; angles that are
    not radians in [0, π) (degrees, say) are an error, as :func:`analyze_image` makes them."""
    angles = np.asarray(angles, dtype=np.float64)
    check_radians(angles)
    w = np.ones_like(angles) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != angles.shape or (mask is not None and np.shape(mask) != angles.shape):
        raise ValueError(
            f"angles {angles.shape}, mask {None if mask is None else np.shape(mask)} and "
            f"weights {None if weights is None else w.shape} must have the same shape"
        )
    valid = np.isfinite(angles) & np.isfinite(w)
    if mask is not None:
        valid &= np.asarray(mask).astype(bool)
    return np.where(valid, angles, 0.0), np.where(valid, w, 0.0)


def grouped_statistics(
    angles: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Statistics for every label ``1..labels.max()`` at once (label 0 is ignored): arrays
    ``order_parameter``, ``mean_direction``, ``circular_variance``, ``dispersion``,
    ``pixels`` indexed by ``label - 1``; NaN where a label has no valid pixel."""
    labels = np.asarray(labels)
    theta, w = _prepared(angles, labels > 0, weights)
    count = int(labels.max()) + 1 if labels.size else 1
    flat = labels.ravel().astype(np.int64)
    total = np.bincount(flat, w.ravel(), count)[1:]
    re = np.bincount(flat, (w * np.cos(2 * theta)).ravel(), count)[1:]
    im = np.bincount(flat, (w * np.sin(2 * theta)).ravel(), count)[1:]
    pixels = np.bincount(flat, (w > 0).ravel(), count)[1:].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        order = np.where(total > 0, np.clip(np.hypot(re, im) / total, 0, 1), np.nan)
    mean = np.where(total > 0, np.mod(np.arctan2(im, re) / 2, math.pi), np.nan)
    return {
        "order_parameter": order,
        "mean_direction": mean,
        "circular_variance": 1 - order,
        "dispersion": _dispersion(order),
        "pixels": pixels,
    }


def field_statistics(
    angles: np.ndarray, mask: np.ndarray | None = None, weights: np.ndarray | None = None
) -> FieldStatistics:
    """Order parameter, mean direction, circular variance and dispersion of the angles (radians)
    where ``mask`` is set (every finite angle when None), weighted by ``weights``."""
    theta, w = _prepared(angles, mask, weights)
    stats = grouped_statistics(theta, (w > 0).astype(np.int64), w)
    values = {k: v[0] if len(v) else math.nan for k, v in stats.items()}
    return FieldStatistics(
        float(values["order_parameter"]),
        float(values["mean_direction"]),
        float(values["circular_variance"]),
        float(values["dispersion"]),
        int(np.nan_to_num(values["pixels"])),
    )


def axial_histogram(
    angles: np.ndarray,
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    bins: int = 36,
    convention: str = "standard",
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted counts of the angles in ``bins`` equal bins over the range ``convention``
    writes directions in (:func:`~dense_direction.analysis.conventions.to_degrees`), and the
    bin edges in radians: ``standard`` [0°, 5°), [5°, 10°) ... [175°, 180°);
    ``orientationj`` [-90°, -85°) ... [85°, 90°], the last closed, so that a vertical
    direction, 90° in that convention, counts in the last bin (the first holds none at -90°,
    which the convention writes as 90°)."""
    theta, w = _prepared(angles, mask, weights)
    low = -90.0 if convention == "orientationj" else 0.0
    edges = np.linspace(low, low + 180.0, bins + 1)
    counts, _ = np.histogram(to_degrees(theta, convention), bins=edges, weights=w)
    return counts, np.radians(edges)


def order_parameter_by_size(
    angles: np.ndarray,
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    sizes: Sequence[int] = AFT_SIZES,
) -> dict[int, float]:
    """AFT-style order parameter per neighbourhood size: S of the pixels in a ``size`` ×
    ``size`` window around every selected pixel, averaged over the selected pixels. It falls
    with size where alignment is only local (wavy fibres) and stays high where it is global."""
    theta, w = _prepared(angles, mask, weights)
    selected = w > 0
    result = {}
    for size in sizes:
        # Box sums of the weighted doubled-angle vectors: S of the window at every pixel.
        re = ndi.uniform_filter(w * np.cos(2 * theta), size, mode="constant")
        im = ndi.uniform_filter(w * np.sin(2 * theta), size, mode="constant")
        total = ndi.uniform_filter(w, size, mode="constant")
        with np.errstate(divide="ignore", invalid="ignore"):
            local = np.hypot(re, im) / total
        result[int(size)] = float(local[selected].mean()) if selected.any() else math.nan
    return result
