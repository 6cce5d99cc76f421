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
    """``image (H, W, C)`` uint8 padded by ``border`` px on every side: the smooth part
    ``S`` (a Gaussian of ``sigma`` px, the image mirrored at its edges) replicated from the
    edge plus the detail ``image - S`` mirrored (numpy's ``symmetric``), rounded to uint8; the
    image itself unchanged inside. That is ``pad(S, "edge") + pad(image - S, "symmetric")``,
    which turns and mirrors with the image (test-time augmentation stays exact), computed
    from strips along the frame (no copy of the whole image in floats)."""
    if border <= 0:
        return image
    h, w = image.shape[:2]
    out = np.empty((h + 2 * border, w + 2 * border, *image.shape[2:]), np.uint8)
    out[border : border + h, border : border + w] = image
    # Above and below: full width, the corners included.
    for band, flip in ((out[:border], False), (out[border + h :], True)):
        side = _side(image[::-1] if flip else image, border, sigma)
        band[...] = side if flip else side[::-1]
    # Left and right: the image's own rows.
    columns = image.transpose(1, 0, 2)
    for band, flip in ((out[border : border + h, :border], False),
                       (out[border : border + h, border + w :], True)):  # fmt: skip
        strip = columns[::-1] if flip else columns
        side = _side(strip, border, sigma)[:, border : border + h]
        band[...] = (side if flip else side[::-1]).transpose(1, 0, 2)
    return out


def _side(image: np.ndarray, border: int, sigma: float) -> np.ndarray:
    """The ``border`` rows beyond the first row of ``image (H, W, C)``, from the frame
    outwards, ``border`` columns wider on both sides: ``S[0]`` replicated (along the rows and
    past the ends of the row) plus the detail mirrored in both directions."""
    depth = min(len(image), border + math.ceil(4 * sigma))  # the rows the added ones need
    values = image[:depth].astype(np.float64)
    smooth = _gaussian(_gaussian(values, sigma).swapaxes(0, 1), sigma)
    smooth = smooth.swapaxes(0, 1)
    detail = _mirrored(values - smooth, border)  # (border, W, C)
    detail = _mirrored(detail.swapaxes(0, 1), border, around=True).swapaxes(0, 1)
    edge = np.pad(smooth[0], ((border, border), (0, 0)), mode="edge")
    return np.clip(np.rint(edge[None] + detail), 0, 255).astype(np.uint8)


def _mirrored(values: np.ndarray, count: int, around: bool = False) -> np.ndarray:
    """``count`` rows of ``values`` mirrored back and forth from the first (numpy's
    ``symmetric``): rows 0, 1, ..., n-1, n-1, ..., 0, 0, 1, ...; ``around``: ``values``
    with ``count`` such rows added before (mirrored from the first) and after (from the
    last)."""
    n = len(values)
    period = np.concatenate([np.arange(n), np.arange(n)[::-1]])
    if not around:
        return values[period[np.arange(count) % (2 * n)]]
    index = np.arange(-count, n + count)
    return values[period[index % (2 * n)]]


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """``values (h, ...)`` smoothed along the first axis by a Gaussian of ``sigma`` px
    (truncated at 4 sigma), the ends mirrored back and forth (a strip of a longer image is
    read only where its far end is out of reach)."""
    reach = math.ceil(4 * sigma)
    offsets = np.arange(-reach, reach + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    padded = _mirrored(values, reach, around=True)
    out = np.zeros_like(values)
    for shift, weight in enumerate(weights):
        out += weight * padded[shift : shift + len(values)]
    return out
