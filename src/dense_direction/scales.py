"""Width-adaptive scale selection: predict wide structures on a down-sampled image.

A network trained on masks is most accurate on structures a few pixels wide; inside a road
40 px wide its receptive field sees little but flat texture. Directions do not change when an
image is shrunk, and a structure ``w`` px wide becomes ``s * w`` px wide at scale ``s``; so a
direction field predicted at a coarser scale and brought back (vectors interpolated, angles
unchanged) is the better estimate inside wide structures, the full-scale one on thin ones.

Which scale is right at a pixel follows from the width of the structure it lies in, read from
the predicted structure mask: :func:`local_width` is the local thickness, the diameter of the
largest disk inside the mask that contains the pixel (for a band of width ``w``: ``w`` at
every pixel of the band, not only on its centre-line). :func:`scale_weights` then prefers,
per pixel, the scale that brings that width nearest to ``target_width`` (the width the
network handles best), blending the two neighbouring scales linearly in ``log(width)``, and
:func:`fuse_scales` averages the doubled-angle vectors with those weights.

All functions are NumPy/SciPy/scikit-image; shapes are ``(H, W)`` per map and
``(..., 2, H, W)`` for vector fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from dense_direction.given import as_given

__all__ = [
    "AUTO",
    "AUTO_SCALES",
    "DEFAULT_SCALES",
    "DEFAULT_TARGET_WIDTH",
    "check_scales",
    "check_target_width",
    "disk_footprint",
    "disk_reach",
    "exact_distance",
    "fuse_scales",
    "local_width",
    "scale_weights",
]

#: ``scales="auto"``: the image is first predicted at the coarsest of :data:`AUTO_SCALES`;
#: only where that sees a structure at least the target width wide at its size (48 px and
#: up at the full size, wider than the network knows) are all of them used, else 1 alone.
AUTO = "auto"
#: The scales ``auto`` uses where it finds such a structure.
AUTO_SCALES: tuple[float, ...] = (1.0, 0.5, 0.25)
#: Scales ``predict`` uses by default: 1 alone. Fixed scales 1, 1/2, 1/4 changed the width
#: benchmark's mean error (1-48 px) by 0.02 deg for 1.6 times the prediction time
#: (docs/results.md); inside structures 64-128 px wide, which the network alone sees only the
#: edges of, they bring the mask pixels' error from 16.5 to 4.0 deg. ``auto`` as the default
#: cost 0.48 deg on the held-out set of docs/models.md (6.90 -> 7.38: its dense scenes of
#: roads up to 48 px wide trigger it, and thin structures beside them take coarser
#: directions), so it is the setting for images of very wide structures, not the default.
DEFAULT_SCALES: tuple[float, ...] = (1.0,)
#: Width (px) the network is shown a structure at, when ``scales`` offers coarser ones
#: (among 6, 8, 12, 16, 20 on validation images of the width benchmark, seeds its test set
#: does not use, 12 and 16 scored within 0.01 deg: benchmarks/width_validation.py).
DEFAULT_TARGET_WIDTH = 12.0


def check_scales(scales: Sequence[float] | str, name: str = "scales") -> tuple[float, ...] | str:
    """``scales`` as a tuple, checked: each in ``(0, 1]``, 1 among them, no repeats; or
    :data:`AUTO` as it is. ``name`` names them in messages (the command-line flag, say)."""
    if scales == AUTO:
        return AUTO
    if isinstance(scales, (str, bytes)) or not isinstance(scales, Sequence):
        raise TypeError(
            f"{name} must be {AUTO!r} or a sequence of factors that includes 1, e.g. (1, 0.5), "
            f"got {scales!r}"
        )
    if not all(isinstance(s, (int, float, np.number)) and not isinstance(s, bool) for s in scales):
        raise TypeError(f"{name} must hold numbers, got {list(scales)!r}")
    values = tuple(float(s) for s in scales)
    if not values:
        raise ValueError(f"{name} must hold at least 1 (the image itself), got none")
    given = as_given(name, list(values))
    if any(not 0 < s <= 1 for s in values):
        raise ValueError(f"{name} must lie in (0, 1], got {given}")
    if 1.0 not in values:
        raise ValueError(f"{name} must include 1 (the image itself), got {given}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat, got {given}")
    return tuple(sorted(values, reverse=True))


def check_target_width(value: float, name: str = "target_width") -> None:
    """A ``ValueError`` unless the target width ``value`` (named ``name`` in the message, e.g.
    the command-line flag) is > 0 pixels."""
    if not value > 0:
        raise ValueError(f"{name} must be > 0 pixels, got {value}")


def local_width(
    mask: np.ndarray,
    max_width: float | None = None,
    distance: Callable[[np.ndarray], np.ndarray] | None = None,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> np.ndarray:
    """Width of the structure at every pixel of ``mask (H, W)``, in pixels: the *local
    thickness*, the diameter of the largest disk inside the mask that contains the pixel.

    Constant across a band of constant width (its edges included, unlike twice the distance
    to the background), and free of the spurs a skeleton grows towards the corners of a
    rasterised band. Computed radius by radius: a pixel lies in a disk of radius ``r`` inside
    the mask iff it is within ``r`` of a pixel at depth ``>= r`` (one distance transform per
    integer radius), so widths come in steps of 2 px. ``max_width`` stops the search there
    (wider pixels get ``max_width``): the cost grows with it. 0 off the mask; a mask without
    background (no edge to measure from) gets the image's larger side everywhere.
    ``distance`` and ``dilate``: as :func:`disk_reach` takes them (SciPy's exact transform by
    default; ``predict`` passes OpenCV's, :mod:`dense_direction.cv_ops`).
    """
    distance = distance or exact_distance
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    if not mask.any():
        return np.zeros(mask.shape, np.float32)
    if mask.all():
        return np.full(mask.shape, float(max(mask.shape)), np.float32)
    depth = distance(mask)
    deepest = depth.max()
    if max_width is not None:
        deepest = min(deepest, max_width / 2)
    width = np.where(mask, 2 * np.minimum(depth, 1), 0).astype(np.float32)
    for radius in range(2, int(deepest) + 1):
        box, near = disk_reach(depth >= radius, radius, distance=distance, dilate=dilate)
        width[box][mask[box] & near] = 2 * radius
    if max_width is not None:
        width[mask & (depth >= max_width / 2)] = max_width
    return width


def exact_distance(inside: np.ndarray) -> np.ndarray:
    """SciPy's exact Euclidean distance transform of ``inside (H, W)``: the distance from every
    ``True`` pixel to the nearest ``False`` one, 0 on ``False``. The default ``distance`` of
    this module's and :mod:`dense_direction.smoothing`'s functions; SciPy is imported on the
    first call (0.2 s), so that ``predict``, which passes OpenCV's transform
    (:func:`dense_direction.cv_ops.opencv_distance`), never imports it."""
    from scipy import ndimage

    return ndimage.distance_transform_edt(inside)


def disk_footprint(radius: float) -> np.ndarray:
    """``(2R + 1, 2R + 1)`` uint8, ``R = floor(radius)``: 1 where ``dy**2 + dx**2 <=
    radius**2`` (the offsets within ``radius`` of the centre)."""
    reach = math.floor(radius)
    dy, dx = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    return (dy * dy + dx * dx <= radius * radius).astype(np.uint8)


def disk_reach(
    seeds: np.ndarray,
    radius: float,
    block: int = 1,
    distance: Callable[[np.ndarray], np.ndarray] = exact_distance,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> tuple[tuple[slice, slice], np.ndarray]:
    """The pixels within ``radius`` of a pixel of ``seeds (H, W)`` (not empty): their
    dilation by a disk, as a box of the image around the seeds (nothing outside it is
    reached, so only the box is transformed) and a boolean map of that box.

    ``block > 1`` measures the distances between blocks of that many pixels, the block
    holding a seed counting as one: ``block**2`` times less work, edges moved by up to a
    block. ``distance``: the exact Euclidean distance transform (scipy's by default).
    ``dilate(seeds, radius)``: where given, blocks of one pixel are dilated by a disk
    (:func:`disk_footprint`) instead of transformed: the same pixels, and with OpenCV's
    dilation (:func:`dense_direction.cv_ops.opencv_disk_dilation`) much faster for small
    radii."""
    # The seeds' bounding box from their rows and columns (np.nonzero of the whole image
    # would list every seed pixel).
    rows, cols = np.flatnonzero(seeds.any(axis=1)), np.flatnonzero(seeds.any(axis=0))
    pad = math.ceil(radius) + block
    top = max(rows[0] - pad, 0) // block * block
    left = max(cols[0] - pad, 0) // block * block
    box = (slice(top, rows[-1] + pad + 1), slice(left, cols[-1] + pad + 1))
    sub = seeds[box]
    h, w = sub.shape
    if block == 1:
        return box, dilate(sub, radius) if dilate is not None else distance(~sub) <= radius
    sub = np.pad(sub, ((0, -h % block), (0, -w % block)))
    near = distance(~_block_any(sub, block)) * block <= radius
    # Each block's answer for its pixels: one copy of a broadcast view (two np.repeat calls
    # would copy twice).
    shape = (sub.shape[0] // block, block, sub.shape[1] // block, block)
    full = np.broadcast_to(near[:, None, :, None], shape).reshape(sub.shape)
    return box, full[:h, :w]


def _block_any(image: np.ndarray, block: int) -> np.ndarray:
    """Whether each ``block`` x ``block`` block of the boolean ``image`` (sides multiples of
    ``block``) holds a True pixel: ``(H / block, W / block)``. OR-ed row slice by row slice,
    then column slice by column slice: about 20x faster than ``any`` over the axes of a
    ``(H/b, b, W/b, b)`` reshape (a 4000x3000 mask, blocks of 2 to 13: 0.7-2.2 ms against
    12-59 ms, ``benchmarks/predict_stages.py``), the same answer."""
    rows = image[0::block].copy()
    for i in range(1, block):
        rows |= image[i::block]
    out = rows[:, 0::block].copy()
    for j in range(1, block):
        out |= rows[:, j::block]
    return out


def scale_weights(
    width: np.ndarray, scales: Sequence[float], target_width: float = DEFAULT_TARGET_WIDTH
) -> np.ndarray:
    """Per-pixel weight of each scale, ``(len(scales), H, W)`` float32 summing to 1.

    The ideal scale at a pixel of width ``w`` is ``target_width / w``, clipped to the range of
    ``scales``; it is split between the two neighbouring scales in proportion to its distance
    to each in ``log(scale)``. Pixels narrower than ``target_width`` (the background included,
    width 0) get scale 1 alone.

    Worked case, scales (1, 0.5, 0.25), target 8: w = 8 -> ideal 1 -> (1, 0, 0); w = 16 ->
    0.5 -> (0, 1, 0); w = 24 -> 1/3, log2 distance to 0.5 is 0.585 and to 0.25 is 0.415, so
    (0, 0.415, 0.585); w = 64 -> 1/8, clipped to 0.25 -> (0, 0, 1).
    """
    levels = np.log2(np.asarray(check_scales(scales)))  # descending: 0 first
    with np.errstate(divide="ignore"):
        ideal = np.log2(target_width / np.maximum(np.asarray(width, np.float64), 1e-6))
    ideal = np.clip(ideal, levels[-1], levels[0])
    weights = np.zeros((len(levels), *ideal.shape), np.float32)
    for i, level in enumerate(levels):
        # Hat function in log-scale with its feet on the neighbouring levels.
        upper = levels[i - 1] if i > 0 else None
        lower = levels[i + 1] if i + 1 < len(levels) else None
        hat = np.zeros(ideal.shape)
        if upper is None:
            hat[ideal >= level] = 1
        else:
            between = (ideal >= level) & (ideal <= upper)
            hat[between] = (upper - ideal[between]) / (upper - level)
        if lower is None:
            hat[ideal <= level] = 1
        else:
            between = (ideal < level) & (ideal >= lower)
            hat[between] = (ideal[between] - lower) / (level - lower)
        weights[i] = hat
    return weights / weights.sum(axis=0, keepdims=True)


def fuse_scales(fields: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted sum of doubled-angle vector fields ``(..., 2, H, W)``, one per scale, all at
    the full resolution, with ``weights (S, H, W)`` from :func:`scale_weights`."""
    if len(fields) != len(weights):
        raise ValueError(f"{len(fields)} fields but {len(weights)} weight maps")
    out = np.zeros_like(fields[0])
    for field, weight in zip(fields, weights, strict=True):
        if field.shape != fields[0].shape:
            raise ValueError(f"field shapes differ: {field.shape} vs {fields[0].shape}")
        out += field * weight
    return out
