"""A normalised Gaussian of a masked field, ``G * (m v) / G * m``, at scattered pixels, computed
on a pyramid of 2x2 block means (NumPy; SciPy only for the default Gaussian, on first use).

:func:`masked_gaussian_at` is what :func:`dense_direction.smoothing.smooth_field` averages a
structure's direction vectors with: the background (``m = 0``) neither adds directions nor
dilutes them. A Gaussian of ``sigma`` px is computed on the level ``f = 2**j`` times coarser
that still leaves it :data:`MIN_COARSE_SIGMA` coarse pixels wide (:func:`pyramid_level`), for
``f**2`` times less work, and read back at the pixels by bilinear samples
(:func:`bilinear_at`). Shapes: ``(2, H, W)`` for a field, ``(H, W)`` for a mask,
``(C, h, w)`` for a pyramid level.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = [
    "MIN_COARSE_SIGMA",
    "MaskedPyramid",
    "bilinear_at",
    "coarse_sigma",
    "gaussian_filter",
    "halved",
    "masked_gaussian_at",
    "pyramid_level",
]


class MaskedPyramid:
    """``(m, m v_x, m v_y)`` of a field and its mask at full resolution and halved again and
    again (2x2 block means), each level built once, when first asked for. The first halving
    reads the field and the mask themselves, so the full-resolution stack (144 MB on a
    4000x3000 image, and a third of a second of fresh memory) exists only where a Gaussian
    narrow enough to need it asks for level 0."""

    def __init__(self, vectors: np.ndarray, mask: np.ndarray) -> None:
        self.vectors, self.mask = vectors, mask
        self.levels: dict[int, np.ndarray] = {}

    def level(self, j: int) -> np.ndarray:
        if j not in self.levels:
            if j == 0:
                stack = np.empty((3, *self.mask.shape), np.float32)
                stack[0] = self.mask
                np.multiply(self.vectors, stack[0], out=stack[1:])
            elif j == 1 and 0 not in self.levels:
                stack = self._first_halving()
            else:
                stack = halved(self.level(j - 1))
            self.levels[j] = stack
        return self.levels[j]

    def _first_halving(self) -> np.ndarray:
        """Level 1 from the field and the mask, block by block: the products of a quarter of
        the pixels at a time, summed in :func:`halved`'s order (the same numbers)."""
        h, w = self.mask.shape
        half = np.zeros((3, (h + 1) // 2, (w + 1) // 2), np.float32)
        for dy, dx in _BLOCK_ORDER:
            inside = self.mask[dy::2, dx::2]
            rows, cols = inside.shape
            half[0, :rows, :cols] += inside
            half[1:, :rows, :cols] += self.vectors[:, dy::2, dx::2] * inside
        half *= 0.25
        return half


#: The order in which the four pixels ``(dy, dx)`` of a 2x2 block are summed: down the first
#: column, then the second (one order for every level: the same numbers however built).
_BLOCK_ORDER = ((0, 0), (1, 0), (0, 1), (1, 1))


def halved(top: np.ndarray) -> np.ndarray:
    """The mean of each 2x2 block of ``top (C, h, w)``; zeros pad an odd side (they add no
    weight, and numerator and normaliser shrink alike)."""
    h, w = top.shape[1:]
    half = np.zeros((len(top), (h + 1) // 2, (w + 1) // 2), np.float32)
    # Four strided views (a reshape-and-mean reduces over strided axes, several times slower).
    for dy, dx in _BLOCK_ORDER:
        part = top[:, dy::2, dx::2]
        half[:, : part.shape[1], : part.shape[2]] += part
    half *= 0.25
    return half


#: The narrowest Gaussian (coarse pixels) left to compute on a pyramid level: below it the
#: block means and the bilinear samples are most of the blur, and the result drifts from the
#: full-resolution one (tests/test_smoothing.py keeps every default rung within 5 % of the
#: change smoothing makes).
MIN_COARSE_SIGMA = 0.95


def coarse_sigma(sigma: float, f: int) -> float:
    """What remains of a Gaussian of ``sigma`` px on a level ``f`` times coarser, after the
    block means (a block of ``f`` pixels blurs by a variance of ``(f^2 - 1) / 12``) and the
    bilinear samples (a tent ``f`` wide: about ``(f^2 - 1) / 6``); in coarse pixels."""
    return math.sqrt(max(sigma**2 - (f**2 - 1) / 4, 0.0)) / f


def pyramid_level(sigma: float) -> int:
    """The coarsest pyramid level ``j`` (``f = 2**j``) on which a Gaussian of ``sigma`` keeps
    at least :data:`MIN_COARSE_SIGMA`: the full resolution below sigma 2.09, one level below
    4.27, two below 8.57, three below 17.17 (about twice as far at each level). At the
    default strength 0.25 the rungs 8.5, 12 and 17 px take one level, 24 and 34 two, 48 three."""
    j = 0
    while coarse_sigma(sigma, 2 ** (j + 1)) >= MIN_COARSE_SIGMA:
        j += 1
    return j


def gaussian_filter(image: np.ndarray, sigma: float) -> np.ndarray:
    """SciPy's ``gaussian_filter(image, sigma, mode="constant")``: zeros beyond the image,
    truncated at 4 sigma; the default ``blur``."""
    from scipy import ndimage  # on first use: predict passes OpenCV's and never needs SciPy

    return ndimage.gaussian_filter(image, sigma, mode="constant")


def masked_gaussian_at(
    pyramid: MaskedPyramid,
    sigma: float,
    rows: np.ndarray,
    cols: np.ndarray,
    blur: Callable[[np.ndarray, float], np.ndarray],
) -> np.ndarray:
    """``(G * (m v) / G * m)`` at the pixels ``rows, cols``: ``(2, N)``.

    Computed in the box those pixels need (the Gaussian reaches ``4 sigma``), on the pyramid
    level ``f = 2**j`` times coarser (:func:`pyramid_level`), with the Gaussian that remains
    after the block means and the bilinear samples (:func:`coarse_sigma`): the result
    differs from the full-resolution one by a few percent of what the smoothing changes
    (tests/test_smoothing.py), for ``f**2`` times less work. ``blur(image (h, w) float32,
    sigma)``: the Gaussian with zeros beyond the image (:func:`gaussian_filter`, or OpenCV's:
    :func:`dense_direction.cv_ops.opencv_gaussian`)."""
    j = pyramid_level(sigma)
    f = 2**j
    stack = pyramid.level(j)
    sigma_coarse = coarse_sigma(sigma, f)
    reach = int(4 * sigma_coarse + 0.5) + 2
    y = (rows + 0.5) / f - 0.5  # pixel centres on the coarse grid
    x = (cols + 0.5) / f - 0.5
    top, left = max(int(y.min()) - reach, 0), max(int(x.min()) - reach, 0)
    box = (slice(None), slice(top, int(y.max()) + reach + 2), slice(left, int(x.max()) + reach + 2))
    smoothed = [blur(c, sigma_coarse) for c in stack[box]]
    if f == 1:  # on the pixels themselves: no interpolation
        norm, vx, vy = (c[rows - top, cols - left] for c in smoothed)
    else:
        norm, vx, vy = bilinear_at(np.stack(smoothed), y - top, x - left)
    return np.stack([vx, vy]) / np.maximum(norm, 1e-6)


def bilinear_at(planes: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``planes (C, h, w)`` interpolated bilinearly at the points ``(y, x)`` (each ``(N,)``,
    in pixels of ``planes``), the edge values continued beyond it: ``(C, N)`` float32, SciPy's
    ``map_coordinates(order=1, mode="nearest")`` per plane, with the corners and weights
    computed once for all planes."""
    h, w = planes.shape[1:]
    y = np.clip(y, 0, h - 1)  # beyond the edge: the edge (bilinear there is the edge value)
    x = np.clip(x, 0, w - 1)
    y0 = np.minimum(y.astype(np.intp), h - 2) if h > 1 else np.zeros(y.shape, np.intp)
    x0 = np.minimum(x.astype(np.intp), w - 2) if w > 1 else np.zeros(x.shape, np.intp)
    fy = (y - y0).astype(np.float32)
    fx = (x - x0).astype(np.float32)
    flat = planes.reshape(len(planes), -1)
    corner = y0 * w + x0
    down, right = (w if h > 1 else 0), (1 if w > 1 else 0)
    top = flat[:, corner]
    top += fx * (flat[:, corner + right] - top)
    bottom = flat[:, corner + down]
    bottom += fx * (flat[:, corner + down + right] - bottom)
    top += fy * (bottom - top)
    return top
