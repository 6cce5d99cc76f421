"""Width-adaptive smoothing of a predicted direction field inside wide structures.

Inside a structure many pixels wide the direction changes slowly along it and hardly at all
across it, so each pixel's prediction can borrow from its neighbours in the same structure:
a road 40 px wide has one direction over a disk of radius ~20 px. The network's estimate deep
inside such a structure is its noisiest (its evidence, the edges, is far away), and averaging
over a neighbourhood that scales with the width brings the edges' better estimates in.

:func:`smooth_field` averages the doubled-angle vectors ``(2, H, W)`` of the structure's
pixels with a Gaussian whose standard deviation is ``strength * width`` at each pixel (width:
:func:`structure_width` of the structure mask), a *normalised convolution*:
``sum_j G(i - j) m_j v_j / sum_j G(i - j) m_j`` with ``m`` the mask, so that background pixels
neither add directions nor dilute them. Vectors keep their length, so confident predictions
count more. Pixels narrower than ``min_width`` keep their own vector: a thin structure has no
cross-section to average over, and its neighbours along the line are what the network
already sees. A pixel whose own direction is far from the average keeps it too (it belongs to
another structure: ``agreement``).

The Gaussians are computed on a geometric ladder of widths (``min_width * sqrt(2)**k``):
:func:`structure_width` rounds widths to its rungs, and a width between two rungs (given by
the caller) blends them linearly in ``log(width)``; the largest rung covers the widest
structure, so the cost grows with ``log(max width)``.

NumPy (the Gaussians: :mod:`dense_direction.masked_gaussian`; SciPy's distance transform and
Gaussian are the defaults, imported on first use; :func:`dense_direction.hardware.usable_cores`
for its threads); shapes ``(2, H, W)`` for a field, ``(H, W)`` for masks and widths.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from dense_direction.hardware import usable_cores
from dense_direction.masked_gaussian import (
    MaskedPyramid,
    gaussian_filter,
    masked_gaussian_at,
    pyramid_level,
)
from dense_direction.scales import disk_reach, exact_distance

__all__ = [
    "DEFAULT_AGREEMENT",
    "DEFAULT_MIN_WIDTH",
    "DEFAULT_SMOOTH",
    "MAX_SMOOTH_WIDTH",
    "check_smooth",
    "smooth_field",
    "structure_width",
]

#: ``strength`` predict uses by default (0: off). Chosen on validation images of the width
#: benchmark (seeds its test set does not use): among 0, 0.2, 0.25, 0.3 (and 0.5, 0.75, 1,
#: which over-smooth), 0.25 and 0.3 tied at 1.69 deg on centre-lines vs 1.99 unsmoothed, 0.25
#: better at 6 px (`benchmarks/width_validation.py --study smooth`, docs/results.md).
DEFAULT_SMOOTH = 0.25
#: Structures narrower than this (px) are left as predicted.
DEFAULT_MIN_WIDTH = 6.0
#: Widths are measured up to this (px); wider structures are smoothed as this wide (the cost
#: of measuring grows with it: one distance transform per rung of the ladder).
MAX_SMOOTH_WIDTH = 96.0

#: A pixel whose own direction is within the first angle (deg) of its neighbourhood's mean
#: takes the mean, one beyond the second keeps its own, linearly in between.
DEFAULT_AGREEMENT = (5.0, 15.0)

_RUNG = math.sqrt(2.0)  # ratio of neighbouring widths on the ladder
_T = TypeVar("_T")
_R = TypeVar("_R")


def check_smooth(value: float, name: str = "smooth") -> None:
    """A ``ValueError`` unless the smoothing strength ``value`` (named ``name`` in the
    message, e.g. the command-line flag) is a number >= 0."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number >= 0 (0 turns smoothing off), got {value!r}")


def structure_width(
    mask: np.ndarray,
    min_width: float = DEFAULT_MIN_WIDTH,
    max_width: float = MAX_SMOOTH_WIDTH,
    distance: Callable[[np.ndarray], np.ndarray] = exact_distance,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> np.ndarray:
    """Width of the structure at every pixel of ``mask (H, W)``, rounded (in log) to the
    nearest rung of the ladder ``min_width * sqrt(2)**k`` (up to the first rung at or above
    ``max_width``): the local thickness (:func:`dense_direction.scales.local_width`, the
    diameter of the largest disk inside the mask that holds the pixel) at the precision
    :func:`smooth_field` uses it.

    Pixels nearest the first rung get ``min_width``, the background 0; a band 8 px wide gets
    8.5 (rungs 6, 8.5, 12, ...; 8 is above their log-midpoint 7.1). A pixel is at least
    ``2 r`` wide iff it lies within ``r`` of a pixel at depth ``>= r``; that reach is
    measured on a grid ``max(1, r // 3)`` times coarser (the seeds' blocks), so a rung costs
    little more than its share of one distance transform, and the edges of the reach move by
    up to that block size, a third of the radius: well inside the ladder's steps of 41 %.

    ``distance``: the exact Euclidean distance transform to use (scipy's by default; the
    estimator passes OpenCV's, the same numbers five times faster); ``dilate``: a disk
    dilation for the rungs measured at full resolution (``disk_reach``'s; the estimator
    passes OpenCV's, ten times faster than a transform there, the same pixels).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    width = np.where(mask, np.float32(min_width), np.float32(0))
    if not mask.any():
        return width
    depth = distance(mask) if not mask.all() else np.full(mask.shape, 1e9)

    def reach(rung: float) -> tuple[tuple[slice, slice], np.ndarray] | None:
        radius = rung / 2 / _RUNG**0.5  # halfway (in log) down to the previous rung
        seeds = depth >= radius
        if not seeds.any():
            return None
        # Reach measured on blocks of a third of the radius (see above).
        return disk_reach(seeds, radius, max(1, int(radius // 3)), distance, dilate)

    ladder = _ladder(min_width, max_width)[1:]
    for reached, rung in zip(_in_parallel(reach, ladder), ladder, strict=True):
        if reached is None:  # no seeds: none for the wider rungs either
            break
        box, near = reached
        width[box][mask[box] & near] = rung  # in ladder order: the widest rung last
    return width


def smooth_field(
    vectors: np.ndarray,
    mask: np.ndarray,
    width: np.ndarray,
    strength: float,
    min_width: float = DEFAULT_MIN_WIDTH,
    agreement: tuple[float, float] | None = DEFAULT_AGREEMENT,
    blur: Callable[[np.ndarray, float], np.ndarray] | None = None,
    in_place: bool = False,
) -> np.ndarray:
    """``vectors (2, H, W)`` averaged inside ``mask (H, W)`` with a Gaussian of standard
    deviation ``strength * width`` per pixel (``width (H, W)`` in px, e.g.
    :func:`structure_width` of ``mask``); pixels off the mask, narrower than ``min_width`` or
    with ``strength == 0`` keep their vector. Returns a new array, or ``vectors`` itself
    smoothed where ``in_place`` (a float32 array: no copy of the field; on a 4000x3000 image
    96 MB less to allocate and copy twice).

    ``agreement (low, high)`` in degrees: a pixel whose own direction is within ``low`` of
    the average takes the average, one more than ``high`` off keeps its own, linearly in
    between; ``None`` takes the average everywhere. Why: where a thin crack or fibre meets a
    road, the road's mask (and so its width) reaches the thin structure's pixels, and the
    average there is the road's direction; the thin structure's own, different direction
    tells it apart. Noise inside a road is a few degrees.

    ``blur(image (h, w) float32, sigma)``: the Gaussian filter with zeros beyond the image,
    truncated at 4 sigma (scipy's ``gaussian_filter(mode="constant")`` by default; the
    OpenMMLab adapter passes OpenCV's, the same numbers about four times faster).

    Worked case: inside a uniform field the average is the field itself, whatever lies off
    the mask; in a 30-px band of direction 0 at strength 0.5 (sigma 15 px), a centre pixel
    4 deg off takes the band's direction to within 0.1 deg (its own weight is
    ``1 / (2 pi 15^2)``, a thousandth of the band's), one 30 deg off keeps its own.
    """
    if in_place and not (isinstance(vectors, np.ndarray) and vectors.dtype == np.float32):
        raise ValueError(f"in_place needs a float32 array, got {np.asarray(vectors).dtype}")
    vectors = np.asarray(vectors, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    width = np.asarray(width, dtype=np.float32)
    if vectors.ndim != 3 or vectors.shape[0] != 2:
        raise ValueError(f"vectors must be (2, H, W), got shape {vectors.shape}")
    if mask.shape != vectors.shape[1:] or width.shape != mask.shape:
        raise ValueError(
            f"mask {mask.shape} and width {width.shape} must match the field {vectors.shape[1:]}"
        )
    check_smooth(strength, "strength")
    out = vectors if in_place else vectors.copy()
    # Flat indices (one array; take/put are several times faster than 2-d fancy indexing).
    flat = np.flatnonzero(mask & (width > min_width))
    if strength == 0 or not flat.size:
        return out
    widths = np.take(width, flat)
    position = np.log(widths / min_width) / math.log(_RUNG)  # 0 at min_width, 1 per rung
    own = np.take(vectors.reshape(2, -1), flat, axis=1)
    blended = np.zeros((2, flat.size), np.float32)
    pyramid = MaskedPyramid(vectors, mask)
    ladder = _ladder(min_width, float(widths.max()))
    for rung in ladder[1:]:  # built here, not by the threads below
        pyramid.level(pyramid_level(strength * rung))

    def level(k: int) -> tuple[np.ndarray, np.ndarray] | None:
        share = np.clip(1 - np.abs(position - k), 0, None)
        on = np.nonzero(share)[0]
        if not on.size:
            return None
        if k == 0:  # the narrowest rung is the pixel itself
            values = own[:, on]
        else:
            rows, cols = np.divmod(flat[on], mask.shape[1])
            sigma = strength * ladder[k]
            values = masked_gaussian_at(pyramid, sigma, rows, cols, blur or gaussian_filter)
        return on, share[on] * values

    for result in _in_parallel(level, range(len(ladder))):
        if result is not None:  # summed in ladder order: the same numbers as one thread
            on, values = result
            blended[:, on] += values
    if agreement is not None:
        blended = _keep_disagreeing(own, blended, agreement)
    if out.flags.c_contiguous:  # then reshape is a view, and put writes into ``out``
        for channel, values in zip(out.reshape(2, -1), blended, strict=True):
            np.put(channel, flat, values)
    else:  # a strided caller's array, smoothed in place
        out[(slice(None), *np.divmod(flat, mask.shape[1]))] = blended
    return out


def _keep_disagreeing(
    own: np.ndarray, average: np.ndarray, agreement: tuple[float, float]
) -> np.ndarray:
    """``average (2, N)`` where it agrees with ``own (2, N)`` within ``agreement[0]`` deg,
    ``own`` beyond ``agreement[1]``, linear in between (doubled-angle vectors: the angle
    between them is twice the directions')."""
    low, high = agreement
    unit_own = own / np.maximum(np.linalg.norm(own, axis=0), 1e-12)
    unit_avg = average / np.maximum(np.linalg.norm(average, axis=0), 1e-12)
    cos = np.clip((unit_own * unit_avg).sum(axis=0), -1, 1)
    apart = np.degrees(np.arccos(cos)) / 2
    take = np.clip((high - apart) / max(high - low, 1e-9), 0, 1)
    return own + take * (average - own)


def _ladder(min_width: float, max_width: float) -> list[float]:
    """Widths ``min_width * sqrt(2)**k`` up to the first that reaches ``max_width``."""
    count = math.ceil(math.log(max(max_width, min_width) / min_width) / math.log(_RUNG) - 1e-9)
    return [min_width * _RUNG**k for k in range(count + 1)]


def _in_parallel(function: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``[function(x) for x in items]``, computed by as many threads as this process has
    cores (up to one per item): the rungs of the ladder are independent, and OpenCV, SciPy's
    filters and NumPy's array operations release the GIL. The results come back in
    ``items``' order, and callers combine them in that order: the same numbers as one
    thread."""
    items = list(items)
    workers = min(len(items), usable_cores())
    if workers <= 1:
        return [function(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))
