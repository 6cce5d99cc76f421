"""TIFF files: the ones Pillow misreads, read with tifffile, and what a TIFF declares about
its pixels (an alpha sample, a no-data value, reduced-resolution pages).

A microscope or GIS file says more than its pixel values: a gray + alpha TIFF marks its
second sample as alpha (ExtraSamples), a GeoTIFF names the value of its pixels without data
(GDAL's tag 42113, e.g. -9999 in a DEM, 0 in a satellite band), and a Cloud-Optimized GeoTIFF
or a slide scanner's file carries overviews as reduced-resolution pages beside the one
full-resolution image. Read as plain values, the no-data value takes part in the image's
range and draws edges all round the hole, and the overviews read as a stack.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.io.no_data import Declared

__all__ = [
    "BITS_PER_SAMPLE",
    "TIFF_SUFFIXES",
    "cannot_read",
    "declared_by_pillow",
    "nodata_value",
    "pillow_misreads_tiff",
    "read_tiff",
    "several_images",
]

TIFF_SUFFIXES = (".tif", ".tiff")

#: TIFF tags: bits per sample, sample format (1 unsigned, 2 signed, 3 float), GDAL_NODATA,
#: samples per pixel.
BITS_PER_SAMPLE, _SAMPLE_FORMAT, _GDAL_NODATA = 258, 339, 42113
_SAMPLES_PER_PIXEL = 277
#: ExtraSamples values that mean alpha: associated (premultiplied) and unassociated.
_ALPHA_SAMPLES = (1, 2)
#: Pillow modes whose last band is alpha.
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")


def nodata_value(tag: object) -> float | None:
    """The no-data value of a GDAL_NODATA tag's text (``"-9999"``, ``"0"``); None without a
    tag, for ``"nan"`` (NaN pixels are found anyway) and for text that is not a number."""
    if tag is None:
        return None
    text = tag.decode(errors="replace") if isinstance(tag, bytes) else str(tag)
    try:
        value = float(text.strip().strip("\x00"))
    except ValueError:
        return None
    return None if math.isnan(value) else value


def declared_by_pillow(image: Image.Image) -> Declared:
    """What a file Pillow opened declares: alpha from its mode (gray + alpha PNG and TIFF,
    RGBA; a 4-band TIFF of unspecified extra sample, RGB + near infrared, is ``RGBX``: no
    alpha), a TIFF's no-data value from its GDAL_NODATA tag."""
    tags = getattr(image, "tag_v2", None) if image.format == "TIFF" else None
    return Declared(
        alpha=image.mode in _ALPHA_MODES,
        nodata=nodata_value(tags.get(_GDAL_NODATA)) if tags is not None else None,
    )


def pillow_misreads_tiff(image: Image.Image) -> bool:
    """Whether Pillow would decode this TIFF's values wrong: a sample it drops (two samples
    of which the second is not alpha read as ``L``: the second channel vanished without the
    warning that names it), or 32-bit unsigned integers as signed ``I`` (values from 2³¹ on
    wrap to negative, inverting the picture's contrast)."""
    if image.format != "TIFF":
        return False
    if image.tag_v2.get(_SAMPLES_PER_PIXEL, 1) != len(image.getbands()):
        return True
    if image.mode != "I":
        return False
    bits = image.tag_v2.get(BITS_PER_SAMPLE, 32)
    sample_format = image.tag_v2.get(_SAMPLE_FORMAT, 1)  # the TIFF default: unsigned
    return _first(bits) == 32 and _first(sample_format) == 1


def _first(value: object) -> object:
    """A tag's first value (Pillow gives one value per sample as a tuple)."""
    return value[0] if isinstance(value, tuple) else value


def read_tiff(path: Path, pil_error: Exception | None) -> tuple[np.ndarray, Declared]:
    """The one full-resolution image of a TIFF (reduced-resolution pages, overviews and
    thumbnails, left out) with what it declares, by tifffile; ``pil_error``: why Pillow did
    not read it, for the message where tifffile is missing. Planar ``(C, H, W)`` comes
    channels last."""
    try:
        import tifffile
    except ImportError as err:
        raise ValueError(
            f"cannot read image {path}: Pillow cannot decode this TIFF ({pil_error}) and "
            f"tifffile is not installed (pip install tifffile)"
        ) from err
    try:
        with tifffile.TiffFile(path) as tiff:
            full = [page for page in tiff.pages if not page.is_reduced]
            if len(full) == 1:
                page = full[0]
                array = np.asarray(page.asarray())
                alpha = any(int(kind) in _ALPHA_SAMPLES for kind in page.extrasamples)
                tag = page.tags.get(_GDAL_NODATA)
                declared = Declared(alpha, nodata_value(None if tag is None else tag.value))
    except Exception as err:  # tifffile raises many types for corrupt files
        raise cannot_read(path, err) from err
    if len(full) != 1:
        raise several_images(path, len(full))
    if array.ndim == 3 and array.shape[0] in (1, 2, 3, 4) and array.shape[2] > 4:
        array = np.moveaxis(array, 0, -1)  # planar (C, H, W) -> (H, W, C)
    return array, declared


def cannot_read(path: Path, err: BaseException) -> ValueError:
    """The error for an image file that could not be read: a file the user may not read is
    said to be so (it read "not an image, or corrupt: [Errno 13] Permission denied")."""
    if isinstance(err, PermissionError):
        return ValueError(f"cannot read image {path}: permission denied (give read access)")
    return ValueError(f"cannot read image {path} (not an image, or corrupt): {err}")


def several_images(path: Path, frames: int) -> ValueError:
    """The error for a file of several images (Pillow would silently return the first); for a
    TIFF it names the array tifffile sees in it."""
    return ValueError(
        f"cannot use image {path}: it holds {frames} images (pages or frames: a z-stack, a time "
        f"series, channels saved as pages, or an animation) and only single 2-D images are "
        f"read; save each plane you want as its own file (e.g. with tifffile)"
        f"{_tiff_layout(path, frames)}"
    )


def _tiff_layout(path: Path, pages: int) -> str:
    """What tifffile reads from a TIFF of several ``pages`` (its first series' shape and
    axes), and, where that is one image of up to four channels whose rows became pages (what
    ``tifffile.imwrite`` does with an ``(H, W, 2)`` array), how to save it instead; "" for
    other files or where tifffile cannot tell."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return ""
    try:
        import tifffile

        with tifffile.TiffFile(path) as tiff:
            series = tiff.series[0]
            shape, axes = tuple(series.shape), series.axes
    except Exception:  # a description only: never hide the error it adds to
        return ""
    said = f". tifffile reads it as one array of shape {shape} (axes {axes})"
    if len(shape) == 3 and shape[0] == pages and 2 <= shape[2] <= 4 < shape[1]:
        said += (
            f": if that is one image of {shape[2]} channels, its {pages} rows were written as "
            f"pages of {shape[1]}x{shape[2]} pixels; save the channel to use as a 2-D array "
            f"(array[..., c]), or three channels as RGB"
        )
    return said
