"""Pixels without a value: NaN or infinite in a float image, and fully transparent ones.

A float image (a DEM, a ratio image, a stitched mosaic) marks the pixels it has no value for
with NaN; an RGBA image (an exported mosaic, a masked photograph) marks them with alpha 0,
storing whatever colour, often black, underneath. Read as values, either would draw false
edges all round the hole. Both are found here, read as the median of the other pixels, and
given no direction by ``predict``, no score by ``evaluate`` and no loss in training.
"""

from __future__ import annotations

import warnings

import numpy as np

from dense_direction.notices import DenseDirectionWarning

__all__ = ["colour_channels", "fill_transparent", "no_data", "transparent", "warn_no_data"]


def colour_channels(image: np.ndarray) -> np.ndarray:
    """``image`` without its alpha channel (gray + alpha, RGBA)."""
    if image.ndim == 3 and image.shape[2] in (2, 4):
        return image[..., : image.shape[2] - 1]
    return image


def transparent(image: np.ndarray) -> np.ndarray | None:
    """``(H, W)`` bool: the pixels of an RGBA ``image`` whose alpha is 0; None where there is
    none, for other shapes (a 2-channel image's second channel may be a measured one, not
    alpha), and where alpha is 0 everywhere (some tools write it so for opaque images)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 4 or not image.size:
        return None
    clear = image[..., 3] == 0
    return clear if clear.any() and not clear.all() else None


def no_data(image: np.ndarray) -> np.ndarray | None:
    """``(H, W)`` bool: the pixels of ``image`` (an array as
    :func:`~dense_direction.io.as_rgb_uint8` takes it) with no value: NaN or infinite in any
    colour channel, or alpha 0 in an RGBA image (:func:`transparent`); None where there is
    none. :func:`~dense_direction.io.as_rgb_uint8` reads them as the median of the other
    values; :meth:`dense_direction.inference.DirectionEstimator.predict` gives them no
    direction (NaN angle, confidence 0)."""
    image = np.asarray(image)
    missing = transparent(image)
    if np.issubdtype(image.dtype, np.floating) and image.ndim in (2, 3):
        finite = np.isfinite(colour_channels(image))
        invalid = ~finite if finite.ndim == 2 else ~finite.all(axis=2)
        missing = invalid if missing is None else missing | invalid
    return missing if missing is not None and missing.any() else None


def fill_transparent(rgb: np.ndarray, clear: np.ndarray) -> np.ndarray:
    """``rgb`` (uint8 ``(H, W, 3)``, owned) with the pixels of ``clear`` set to the median
    colour of the others, in place."""
    rgb[clear] = np.median(rgb[~clear], axis=0).round().astype(np.uint8)
    return rgb


def warn_no_data(source: str, missing: np.ndarray, clear: np.ndarray | None) -> None:
    """The warning that counts the pixels without a value in ``source`` (``clear``: those of
    them that are transparent)."""
    count, size = int(missing.sum()), missing.size
    seen = 0 if clear is None else int(clear.sum())
    what = (
        "have no value (NaN or infinite)"
        if not seen
        else "are transparent (alpha 0)"
        if seen == count
        else f"have no value ({count - seen} NaN or infinite, {seen} transparent)"
    )
    warnings.warn(
        f"{source}: {count} of {size} pixels ({100 * count / size:.2g} %) {what}: read as the "
        f"median of the others; predict gives them no direction (NaN angle, confidence 0) and "
        f"training does not learn from them",
        DenseDirectionWarning,
        stacklevel=4,
    )
