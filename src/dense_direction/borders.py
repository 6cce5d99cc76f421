"""How an image is continued past its frame before it is predicted.

A structure that leaves the image ends abruptly at the frame, and the network reads the cut
as an edge across it; padding the image first lets the structure go on. Replicating the
outermost pixels continues wide structures best, but it also replicates every pixel's noise
into a stripe perpendicular to the frame, which the network reads as fibres: on Gaussian noise
of SD 30 it called 12.1 % of a structure-free 256² image structure, all of it along the frame
(``benchmarks/false_structure.py``), and mirroring, which makes no stripes, continues wide
structures worse (docs/results.md). :func:`continued` does both: the smooth part of the image
(a Gaussian of :data:`BORDER_SIGMA`) is replicated from the edge, the rest (noise, texture,
the detail of thin lines) is mirrored.

NumPy only; images are ``(H, W, C)`` uint8, as the estimator sees them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BORDER_SIGMA", "continued"]

#: Scale (px) of the smooth part that the border replicates from the edge; what is finer is
#: mirrored. Chosen on the validation images of ``benchmarks/width_validation.py --study
#: padding`` (docs/results.md).
BORDER_SIGMA = 1.0


def continued(image: np.ndarray, border: int, sigma: float = BORDER_SIGMA) -> np.ndarray:
    """``image (H, W, C)`` uint8 padded by ``border`` px on every side: the Gaussian-smoothed
    image (``sigma`` px) replicated from its edge plus the remainder mirrored (numpy's
    ``symmetric``), rounded to uint8; the image itself unchanged inside. Rows first, then
    columns of the result, each from a strip along the frame (no copy of the whole image in
    floats)."""
    if border <= 0:
        return image
    rows = _continue_rows(image, border, sigma)
    return _continue_rows(rows.transpose(1, 0, 2), border, sigma).transpose(1, 0, 2)


def _continue_rows(image: np.ndarray, border: int, sigma: float) -> np.ndarray:
    """``image`` with ``border`` rows added above and below (:func:`continued`'s rule)."""
    h = image.shape[0]
    out = np.empty((h + 2 * border, *image.shape[1:]), np.uint8)
    out[border : border + h] = image
    depth = min(h, border + math.ceil(4 * sigma))  # the rows the added ones are made from
    above, below = out[:border][::-1], out[h + border :]  # each from the frame outwards
    for strip, target in ((image[:depth], above), (image[::-1][:depth], below)):
        values = strip.astype(np.float32)
        smooth = _gaussian_rows(_gaussian_rows(values, sigma).swapaxes(0, 1), sigma)
        smooth = smooth.swapaxes(0, 1)
        detail = _mirrored(values - smooth, border)
        target[...] = np.clip(np.rint(smooth[0] + detail), 0, 255).astype(np.uint8)
    return out


def _mirrored(values: np.ndarray, count: int) -> np.ndarray:
    """``count`` rows of ``values`` mirrored back and forth from the first (numpy's
    ``symmetric``): rows 0, 1, ..., n-1, n-1, ..., 0, 0, 1, ..."""
    n = len(values)
    period = np.concatenate([np.arange(n), np.arange(n)[::-1]])
    return values[period[np.arange(count) % (2 * n)]]


def _gaussian_rows(values: np.ndarray, sigma: float) -> np.ndarray:
    """``values (h, ...)`` smoothed along the first axis by a Gaussian of ``sigma`` px
    (truncated at 4 sigma), the ends mirrored back and forth."""
    reach = math.ceil(4 * sigma)
    offsets = np.arange(-reach, reach + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    n = len(values)
    index = np.arange(-reach, n + reach)
    period = np.concatenate([np.arange(n), np.arange(n)[::-1]])
    padded = values[period[index % (2 * n)]]
    out = np.zeros_like(values)
    for shift, weight in enumerate(weights):
        out += weight * padded[shift : shift + n]
    return out
