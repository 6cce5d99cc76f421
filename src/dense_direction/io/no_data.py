"""Pixels without a value: NaN or infinite in a float image, fully transparent ones, and
those holding a file's declared no-data value.

A float image (a DEM, a ratio image, a stitched mosaic) marks the pixels it has no value for
with NaN; an RGBA or gray + alpha image (an exported mosaic, a masked photograph) marks them
with alpha 0, storing whatever colour, often black, underneath; a GeoTIFF names a value
(-9999, 0) in its GDAL_NODATA tag. Read as values, any of them would draw false edges all
round the hole. All are found here, read as the median of the other pixels, and given no
direction by ``predict``, no score by ``evaluate`` and no loss in training.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from dense_direction.notices import DenseDirectionWarning

__all__ = [
    "UNDECLARED",
    "Declared",
    "colour_channels",
    "fill_transparent",
    "no_data",
    "nodata_pixels",
    "transparent",
    "warn_no_data",
]


@dataclass(frozen=True)
class Declared:
    """What an image file says about its pixels beyond their values.

    Attributes:
        alpha: the last channel is alpha (a gray + alpha PNG or TIFF, RGBA); False: the file
            says it is not (a 4-band TIFF of RGB + near infrared); None: not known (an array),
            so only a fourth channel is taken as alpha.
        nodata: the value of the pixels without data (a GeoTIFF's GDAL_NODATA), or None.
    """

    alpha: bool | None = None
    nodata: float | None = None


#: An array's: nothing declared.
UNDECLARED = Declared()


def nodata_pixels(image: np.ndarray, nodata: float | None) -> np.ndarray | None:
    """``(H, W)`` bool: the pixels of ``image`` whose colour channels all hold ``nodata`` (one
    band of a colour pixel at 0 is a dark colour, not a hole), or None for none. The value is
    compared in the image's own type, as GDAL writes it: a float32 raster stores
    ``-3.4e+38`` as the float32 nearest to it, which the float64 of the tag's text is not;
    a value the type cannot hold (-9999 in uint16) marks no pixel."""
    if nodata is None:
        return None
    image = np.asarray(image)
    value = _in_type(nodata, image.dtype)
    if value is None:
        return None
    hole = colour_channels(image) == value
    hole = hole if hole.ndim == 2 else hole.all(axis=2)
    return hole if hole.any() else None


def _in_type(value: float, dtype: np.dtype) -> np.generic | None:
    """``value`` as a number of ``dtype``, or None where that type cannot hold it."""
    if np.issubdtype(dtype, np.floating):
        with np.errstate(over="ignore"):
            typed = np.asarray(value).astype(dtype)
        return typed[()] if np.isfinite(typed) or not np.isfinite(value) else None
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        whole = float(value).is_integer()
        return dtype.type(int(value)) if whole and info.min <= value <= info.max else None
    if dtype == np.bool_ and value in (0, 1):
        return np.bool_(value)
    return None


def colour_channels(image: np.ndarray) -> np.ndarray:
    """``image`` without its alpha channel (gray + alpha, RGBA), or without the extra channel
    that is not alpha either (a 4-band RGB + near-infrared TIFF); a view."""
    if image.ndim == 3 and image.shape[2] in (2, 4):
        return image[..., : image.shape[2] - 1]
    return image


def _has_alpha(image: np.ndarray, alpha: bool | None) -> bool:
    """Whether the last channel of ``image`` is alpha: as declared by its file, else (None)
    for four channels only (a 2-channel array's second may be a measured one)."""
    channels = image.shape[2] if image.ndim == 3 else 1
    return (channels in (2, 4) and alpha) if alpha is not None else channels == 4


def transparent(image: np.ndarray, alpha: bool | None = None) -> np.ndarray | None:
    """``(H, W)`` bool: the pixels of ``image`` whose alpha is 0, where its last channel is
    alpha (``alpha``: what the file declares, see :class:`Declared`); None where there is
    none, for other shapes, and where alpha is 0 everywhere (some tools write it so for opaque
    images)."""
    image = np.asarray(image)
    if not image.size or not _has_alpha(image, alpha):
        return None
    clear = image[..., -1] == 0
    return clear if clear.any() and not clear.all() else None


def no_data(image: np.ndarray, alpha: bool | None = None) -> np.ndarray | None:
    """``(H, W)`` bool: the pixels of ``image`` (an array as
    :func:`~dense_direction.io.as_rgb_uint8` takes it) with no value: NaN or infinite in any
    colour channel, or alpha 0 (:func:`transparent`; ``alpha`` as there); None where there is
    none. :func:`~dense_direction.io.as_rgb_uint8` reads them as the median of the other
    values; :meth:`dense_direction.inference.DirectionEstimator.predict` gives them no
    direction (NaN angle, confidence 0)."""
    image = np.asarray(image)
    missing = transparent(image, alpha)
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


def warn_no_data(
    source: str, missing: np.ndarray, clear: np.ndarray | None, nodata: float | None = None
) -> None:
    """The warning that counts the pixels without a value in ``source`` (``clear``: those of
    them that are transparent; ``nodata``: the file's no-data value, whose pixels are NaN by
    now)."""
    count, size = int(missing.sum()), missing.size
    if count == size:
        warnings.warn(
            f"{source}: no pixel has a value (all {size} are "
            + ("NaN or infinite" if nodata is None else f"the no-data value {nodata:g} or NaN")
            + (", or transparent" if clear is not None else "")
            + "): predict gives it no direction anywhere (NaN angles, confidence 0)",
            DenseDirectionWarning,
            stacklevel=4,
        )
        return
    seen = 0 if clear is None else int(clear.sum())
    valueless = "NaN or infinite" if nodata is None else f"the no-data value {nodata:g}, NaN"
    what = (
        f"have no value ({valueless})"
        if not seen
        else "are transparent (alpha 0)"
        if seen == count
        else f"have no value ({count - seen} {valueless}, {seen} transparent)"
    )
    warnings.warn(
        f"{source}: {count} of {size} pixels ({_percent(count, size)}) {what}: read as the "
        f"median of the others; predict gives them no direction (NaN angle, confidence 0) and "
        f"training does not learn from them",
        DenseDirectionWarning,
        stacklevel=4,
    )


def _percent(count: int, size: int) -> str:
    """``12 %``, ``0.013 %``, ``> 99.9 %``: a share that never reads as all or none when it
    is not (``1e+02 %`` was printed for 99.999 %)."""
    share = 100 * count / size
    if share >= 99.9 and count < size:
        return "> 99.9 %"
    if share >= 1:
        return f"{share:.3g} %"
    return f"{share:.2g} %" if share >= 0.001 or not count else "< 0.001 %"
