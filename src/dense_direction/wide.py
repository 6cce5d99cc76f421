"""Structures wider than the network finds: a coarser scale completes the structure.

The network knows structures up to about 48 px wide; inside a wider one it sees a flat area
and finds only the edges. Shrunk, the structure is as wide as the widths it knows:
:func:`wider_structure` takes the structure probability predicted on a shrunk image where it
sees a structure at least the target width wide, and :func:`has_wide_structure` is what makes
``scales="auto"`` (:data:`dense_direction.scales.AUTO`) predict the coarser scales at all.

NumPy only (the estimator passes OpenCV's distance transform, dilation and resize,
:mod:`dense_direction.cv_ops`); maps are ``(H, W)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dense_direction.scales import local_width

__all__ = ["has_wide_structure", "wider_structure"]


def wider_structure(
    fine: np.ndarray,
    small: np.ndarray,
    target_width: float,
    distance: Callable[[np.ndarray], np.ndarray] | None = None,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
    resize: Callable[[np.ndarray, tuple[int, int]], np.ndarray] | None = None,
) -> np.ndarray:
    """The structure probability ``fine (H, W)`` completed by ``small (h, w)``, the one
    predicted on the image shrunk to ``(h, w)``, where ``small`` sees a structure at least
    ``target_width`` wide at its own size (``target_width / scale`` at the full size): there
    the larger of the two, ``small`` brought to ``(H, W)`` by bilinear interpolation (pixel
    centres aligned, as the vector fields are; ``resize(image, (H, W))`` does it where
    given, else NumPy). ``distance``, ``dilate``: as :func:`local_width` takes them.

    Why: the network finds structures up to about 48 px wide; inside a wider one (a road at
    0.1 m a pixel, a large vessel) it sees a flat area and finds only the edges, so the
    width that picks the scale of the directions was never wide and ``--scales`` changed
    nothing (96-px structures: 7.3 % of their centre-lines found with and without them,
    ``benchmarks/width_sweep.py --widths 48 64 96 128``, docs/results.md). Shrunk, the road is
    as wide as the widths the network knows. Narrower structures keep the finer scale's
    outline: shrinking blurs them, and the interpolated probability would widen them."""
    fine, small = np.asarray(fine), np.asarray(small)
    wide = _wide(small, target_width, distance, dilate)
    if not wide.any():
        return fine
    # One pixel more all round: the interpolation then meets the probability outside the
    # structure, not 0, and puts the outline where the shrunk prediction has it.
    chosen = np.where(_grown(wide), small, 0).astype(np.float32)
    up = (resize or _bilinear_resize)(chosen, fine.shape)
    return np.maximum(fine, up.astype(fine.dtype, copy=False))


def has_wide_structure(
    small: np.ndarray,
    target_width: float,
    distance: Callable[[np.ndarray], np.ndarray] | None = None,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> bool:
    """Whether any of the structure probabilities ``small (..., h, w)`` (of an image shrunk
    by some scale) holds a structure at least ``target_width`` wide: what makes ``auto``
    use the coarser scales. ``distance``, ``dilate``: as :func:`local_width` takes them."""
    small = np.asarray(small)
    layers = small.reshape(-1, *small.shape[-2:])
    return any(_wide(layer, target_width, distance, dilate).any() for layer in layers)


def _wide(
    probability: np.ndarray,
    target_width: float,
    distance: Callable[[np.ndarray], np.ndarray] | None,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None,
) -> np.ndarray:
    """``(h, w)`` bool: the structure pixels (probability above 0.5) of a structure at least
    ``target_width`` wide (:func:`local_width`)."""
    mask = probability > 0.5
    if not mask.any():
        return mask
    return local_width(mask, target_width, distance, dilate) >= target_width


def _grown(mask: np.ndarray) -> np.ndarray:
    """``mask`` dilated by a 3 x 3 square (two passes of one pixel: rows, then columns)."""
    rows = mask.copy()
    rows[1:] |= mask[:-1]
    rows[:-1] |= mask[1:]
    grown = rows.copy()
    grown[:, 1:] |= rows[:, :-1]
    grown[:, :-1] |= rows[:, 1:]
    return grown


def _bilinear_resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``image (h, w)`` at ``shape (H, W)`` by bilinear interpolation, pixel centres aligned
    (torch's ``align_corners=False``), the edge continued beyond it."""
    from dense_direction.masked_gaussian import bilinear_at

    (h, w), (big_h, big_w) = image.shape, shape
    y = (np.arange(big_h) + 0.5) * h / big_h - 0.5
    x = (np.arange(big_w) + 0.5) * w / big_w - 0.5
    rows, cols = np.meshgrid(y, x, indexing="ij")
    return bilinear_at(image[None], rows.ravel(), cols.ravel())[0].reshape(big_h, big_w)
