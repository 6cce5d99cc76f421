"""Rasterise curves into the ground-truth layers: mask, centre-line, direction, crossings.

Each curve sample ``(x, row, r)`` stamps the pixels within ``r + 1`` of it; a pixel's *excess*
``d - r`` (distance to the sample minus its radius) is <= 0 inside the structure. Per pixel the
curve with the smallest excess wins: its sample's analytic tangent becomes the pixel's
direction. Pixels inside two or more curves are *crossings* (including branch junctions),
where the direction is ambiguous; evaluations usually leave them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dense_direction.synthetic.curves import Curve

__all__ = ["Layers", "rasterize"]


@dataclass(frozen=True)
class Layers:
    """Ground truth for one image, all ``(H, W)``.

    Attributes:
        mask: bool, inside some structure.
        centerline: bool, pixels the centre-lines pass through.
        direction: float32 angle in ``[0, pi)`` (y up) inside the mask, NaN elsewhere.
        crossing: bool, inside two or more structures.
        coverage: float32 in ``[0, 1]``, anti-aliased coverage used for rendering.
        label: uint8 index (1-based) of the curve group that owns the pixel, 0 outside.
    """

    mask: np.ndarray
    centerline: np.ndarray
    direction: np.ndarray
    crossing: np.ndarray
    coverage: np.ndarray
    label: np.ndarray


def _stamp(curve: Curve, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For one curve: flat pixel index, minimal excess and its angle, per stamped pixel."""
    h, w = shape
    reach = math.ceil(float(curve.radii.max())) + 1
    grid = np.arange(-reach, reach + 1)
    dx, dy = (a.ravel() for a in np.meshgrid(grid, grid))
    centres = np.round(curve.points).astype(np.int64)
    px = centres[:, :1] + dx  # (P, S)
    py = centres[:, 1:] + dy
    excess = np.hypot(px - curve.points[:, :1], py - curve.points[:, 1:]) - curve.radii[:, None]
    keep = (excess < 1.0) & (px >= 0) & (px < w) & (py >= 0) & (py < h)
    pixel = (py * w + px)[keep]
    excess = excess[keep]
    angle = np.broadcast_to(curve.angles[:, None], keep.shape)[keep]
    order = np.lexsort((excess, pixel))  # by pixel, then smallest excess first
    pixel, excess, angle = pixel[order], excess[order], angle[order]
    first = np.flatnonzero(np.diff(pixel, prepend=-1) != 0)
    return pixel[first], excess[first], angle[first]


def rasterize(
    curves: Sequence[Curve], shape: tuple[int, int], labels: Sequence[int] | None = None
) -> Layers:
    """Ground-truth layers for ``curves`` on an image of ``shape = (H, W)``.

    ``labels`` gives each curve's group (e.g. its kind, 1-based) for :attr:`Layers.label`;
    default all 1.
    """
    h, w = shape
    labels = [1] * len(curves) if labels is None else list(labels)
    if len(labels) != len(curves):
        raise ValueError(f"got {len(labels)} labels for {len(curves)} curves")
    best = np.full(h * w, np.inf)
    direction = np.full(h * w, np.nan, dtype=np.float32)
    owner = np.zeros(h * w, dtype=np.uint8)
    inside = np.zeros(h * w, dtype=np.int32)
    centerline = np.zeros(h * w, dtype=bool)
    for curve, label in zip(curves, labels, strict=True):
        pixel, excess, angle = _stamp(curve, shape)
        better = excess < best[pixel]
        best[pixel[better]] = excess[better]
        direction[pixel[better]] = angle[better]
        owner[pixel[better]] = label
        inside[pixel[excess <= 0]] += 1
        cx, cy = np.round(curve.points).astype(np.int64).T
        on = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
        centerline[cy[on] * w + cx[on]] = True
    # A pixel a centre-line passes through belongs to the structure even when the curve is so
    # thin (r = 0.5) that the pixel's centre lies just outside it: keeps thin masks connected.
    mask = (best <= 0) | centerline
    direction[~mask] = np.nan
    owner[~mask] = 0
    coverage = np.clip(0.5 - best, 0.0, 1.0).astype(np.float32)
    return Layers(
        mask=mask.reshape(h, w),
        centerline=centerline.reshape(h, w),
        direction=direction.reshape(h, w),
        crossing=(inside >= 2).reshape(h, w),
        coverage=coverage.reshape(h, w),
        label=owner.reshape(h, w),
    )
