"""Image files and arrays -> ``(H, W, 3)`` uint8 RGB (the rules: :mod:`dense_direction.io`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.io.no_data import (
    UNDECLARED,
    Declared,
    colour_channels,
    fill_transparent,
    no_data,
    nodata_pixels,
    transparent,
    warn_no_data,
)
from dense_direction.io.tiff import (
    BITS_PER_SAMPLE,
    TIFF_SUFFIXES,
    cannot_read,
    declared_by_pillow,
    pillow_misreads_tiff,
    read_tiff,
    several_images,
)
from dense_direction.notices import DenseDirectionWarning

__all__ = [
    "IMAGE_SUFFIXES",
    "LOSSY_SUFFIXES",
    "PERCENTILES",
    "TIFF_SUFFIXES",
    "as_rgb_and_no_data",
    "as_rgb_uint8",
    "image_size",
    "read_image",
    "read_image_and_no_data",
    "read_pixels",
    "to_uint8",
]

# GIF: single-frame ones, e.g. the masks of the DRIVE retinal vessel dataset.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")
LOSSY_SUFFIXES = (".jpg", ".jpeg")
PERCENTILES = (0.1, 99.9)


def _read_raw(path: str | Path) -> tuple[np.ndarray, Declared]:
    """The stored pixel values of one image file, channels last (no scaling, no colour
    conversion except palette images, which become RGB(A)), and what the file declares
    about them (alpha, a no-data value)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(
            f"{path} is a folder, not an image: read its image files one by one (the "
            f"command line takes a folder: dense-direction predict --input {path})"
        )
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"cannot read image {path}: the file is empty (0 bytes)")
    return read_stored(path, _colour_as_rgb)


@contextmanager
def _any_size() -> Iterator[None]:
    """Pillow's guard against decompression bombs lifted while this module opens a file:
    above 179 megapixels it raised ``DecompressionBombError`` (neither ``OSError`` nor
    ``ValueError``: ``predict`` stopped with a traceback and abandoned the rest of its
    images), above 89 it printed a warning. Whole slides and mosaics are this tool's inputs;
    a file's size is checked by the memory it needs, not by a fixed number of pixels."""
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _colour_as_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    return image


def read_pixels(
    path: Path, convert: Callable[[Image.Image], Image.Image] | None = None
) -> np.ndarray:
    """The one image of ``path`` as stored, channels last (:func:`read_stored`'s values)."""
    return read_stored(path, convert)[0]


def read_stored(
    path: Path, convert: Callable[[Image.Image], Image.Image] | None = None
) -> tuple[np.ndarray, Declared]:
    """The one image of ``path`` as stored, channels last, and what the file declares about
    its pixels (Pillow, else tifffile for TIFFs Pillow cannot decode or misreads);
    ``convert`` changes Pillow's image first. A file of several images (pages, frames; a
    TIFF's reduced-resolution pages do not count) is an error naming it."""
    tiff = path.suffix.lower() in TIFF_SUFFIXES
    try:
        with _any_size(), Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames == 1:
                deep = _more_bits_than_pillow_reads(image)  # before anything decodes it
                _warn_orientation(path, image)
                if deep or pillow_misreads_tiff(image):
                    return _read_deep(path)
                declared = declared_by_pillow(image)
                return np.asarray(convert(image) if convert else image), declared
    except (OSError, ValueError, SyntaxError) as err:
        if tiff:
            return read_tiff(path, err)
        raise cannot_read(path, err) from err
    if tiff:  # overviews and thumbnails are pages too: tifffile tells them apart
        return read_tiff(path, None)
    raise several_images(path, frames)


def _more_bits_than_pillow_reads(image: Image.Image) -> bool:
    """Whether ``image`` is colour with more than 8 bits per sample, which Pillow decodes to
    8 bits (keeping the high byte: 12-bit data in a 16-bit PNG reads as 0..15) or, for a
    planar TIFF, to raw bytes that are not the picture. Gray 16-bit files Pillow reads whole."""
    if image.mode not in ("RGB", "RGBA", "LA"):
        return False
    if image.format == "TIFF":
        bits = image.tag_v2.get(BITS_PER_SAMPLE, 8)
        return max(bits if isinstance(bits, tuple) else (bits,)) > 8
    for tile in image.tile:
        rawmode = tile[3][0] if isinstance(tile[3], tuple) else tile[3]
        if isinstance(rawmode, str) and ";16" in rawmode:
            return True
    return False


def _read_deep(path: Path) -> tuple[np.ndarray, Declared]:
    """A file whose values Pillow would not keep whole (more than 8 bits per colour sample,
    unsigned 32-bit): TIFF by tifffile, other formats (16-bit PNG) by OpenCV, whose channels
    come blue first."""
    if path.suffix.lower() in TIFF_SUFFIXES:
        return read_tiff(path, ValueError("values Pillow does not read whole"))
    import cv2

    array = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None or array.ndim != 3 or array.shape[2] not in (2, 3, 4):
        raise ValueError(f"cannot read image {path}: its 16-bit colour could not be decoded")
    if array.shape[2] == 2:  # gray + alpha (a PNG of two channels is never anything else)
        return array, Declared(alpha=True)
    return array[..., [2, 1, 0, 3][: array.shape[2]]], Declared(alpha=array.shape[2] == 4)


#: The EXIF tag that tells viewers to rotate or mirror the stored pixels (1: as stored).
_ORIENTATION_TAG = 0x0112


def _warn_orientation(path: Path, image: Image.Image) -> None:
    """Pixels are used as stored (images and masks stay on one grid), but a phone photo whose
    EXIF says "rotate" looks turned in a viewer: its angles would seem 90° off. Say so."""
    orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    if orientation != 1:
        warnings.warn(
            f"{path}: its EXIF orientation ({orientation}) tells viewers to rotate or mirror "
            f"it; its pixels are used as stored, so directions refer to the stored grid, not "
            f"to the picture a viewer shows (save it upright to change that)",
            DenseDirectionWarning,
            stacklevel=3,
        )


def image_size(path: str | Path) -> tuple[int, int]:
    """``(height, width)`` of an image or mask file, from its header where Pillow reads it
    (no pixel is decoded), else by reading the file."""
    try:
        with _any_size(), Image.open(path) as image:
            width, height = image.size
        return height, width
    except (OSError, ValueError, SyntaxError):
        return _read_raw(path)[0].shape[:2]  # names the file if it is unreadable


def to_uint8(array: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
    """uint8 values of an image of any depth, by the rule in the module docstring: uint8 as
    is, bool as 0/255, anything else by its per-image percentile range. ``excluded``
    ``(H, W)``: pixels without a value (no-data, transparent), which take no part in the
    range (their output is of no use: the caller fills them); NaN and infinite values do
    not either and read as the median of the others. Scaled a block of rows at a time: the
    float copies of a large image (a 6000² 16-bit tile) are what made reading it take GBs."""
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"image values must be integers or floats, got {array.dtype}")
    valued = _valued(array, excluded)
    if not valued.size:
        return np.zeros(array.shape, np.uint8)
    low, high = _percentiles(valued, PERCENTILES)
    if high <= low:  # (nearly) constant: fall back to the full range of the values
        low, high = float(valued.min()), float(valued.max())
    if high <= low:
        return np.zeros(array.shape, np.uint8)
    # Pixels without a value (NaN, infinite: no data) take the median of the others, not the
    # darkest value: a hole of black in a bright image would be read as edges all round it.
    floating = np.issubdtype(array.dtype, np.floating)
    fill = None  # the median, found the first time a block needs it
    out = np.empty(array.shape, np.uint8)
    rows = max(1, _BLOCK // max(1, array[:1].size))
    for start in range(0, array.shape[0], rows):
        block = array[start : start + rows].astype(np.float64)
        if floating and not (finite := np.isfinite(block)).all():
            fill = float(np.median(valued)) if fill is None else fill
            block[~finite] = fill
        block -= low
        block /= high - low
        np.clip(block, 0, 1, out=block)
        block *= 255
        out[start : start + rows] = np.round(block, out=block)
    return out


#: Values scaled at a time by :func:`to_uint8` (8 MB of float64).
_BLOCK = 1 << 20


def _valued(array: np.ndarray, excluded: np.ndarray | None) -> np.ndarray:
    """The values of ``array`` that set its range: finite ones, outside ``excluded``; flat,
    in the array's own type (a float64 copy of a large image is GBs)."""
    values = array if excluded is None else array[~excluded]
    if np.issubdtype(array.dtype, np.floating):
        finite = np.isfinite(values)
        if not finite.all():
            return values[finite]
    return values.ravel()


def _percentiles(values: np.ndarray, percents: tuple[float, ...]) -> tuple[float, ...]:
    """NumPy's linear percentiles of flat ``values``, found by partitioning them in their own
    type and interpolated in float64 (``np.percentile`` of a float32 array interpolates in
    float32; of a float64 copy it costs 8 bytes a value)."""
    n = values.size
    positions = [p / 100 * (n - 1) for p in percents]
    lows = [int(np.floor(x)) for x in positions]
    picked = np.partition(values, sorted({i for lo in lows for i in (lo, min(lo + 1, n - 1))}))
    result = []
    for x, lo in zip(positions, lows, strict=True):
        a, b = float(picked[lo]), float(picked[min(lo + 1, n - 1)])
        result.append(a + (x - lo) * (b - a))
    return tuple(result)


def as_rgb_uint8(image: np.ndarray, source: str = "the image") -> np.ndarray:
    """An image array as ``(H, W, 3)`` uint8 RGB.

    Accepts ``(H, W)`` gray, ``(H, W, 1)``, ``(H, W, 2)`` gray + alpha, ``(H, W, 3)`` RGB and
    ``(H, W, 4)`` RGBA, of any integer, bool or float dtype, and Pillow images (a palette or
    CMYK image as its colours, as :func:`read_image` reads its file). Depth rule:
    :func:`to_uint8`; alpha is dropped before scaling. A 2-channel image whose second
    channel is not constant is probably two measured channels (a two-colour microscopy
    stack), not gray + alpha: a warning naming ``source`` says that the second is ignored.
    """
    return as_rgb_and_no_data(image, source)[0]


def as_rgb_and_no_data(
    image: np.ndarray | Image.Image, source: str = "the image", declared: Declared = UNDECLARED
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`as_rgb_uint8` of ``image`` and its pixels without a value (:func:`no_data`),
    found once for both (the warning that counts them, and predict's mask); ``declared``:
    what the file says of its pixels (alpha, a no-data value; a Pillow image's alpha is its
    mode's)."""
    if isinstance(image, Image.Image):  # as a file of it reads: palette and CMYK as colours
        declared = declared_by_pillow(image)
        image = _colour_as_rgb(image)
    image = np.asarray(image)
    given = image.shape  # the caller's shape, for the message (gray becomes (H, W, 3) below)
    two = image.ndim == 3 and image.shape[2] == 2 and image.size
    if two and not declared.alpha and np.ptp(image[..., 1]) > 0:
        warnings.warn(
            f"{source} has 2 channels, read as gray + alpha: the second varies, so it may be "
            f"a second measured channel, which is ignored (pass one channel, e.g. "
            f"image[..., 1], or an RGB composite, to use it)",
            DenseDirectionWarning,
            stacklevel=2,
        )
    hole = nodata_pixels(image, declared.nodata)  # before alpha is dropped
    missing = _either(no_data(image, declared.alpha), hole)
    clear = None if missing is None else transparent(image, declared.alpha)
    image = colour_channels(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3) or not image.size:
        bands = len(given) == 3 and given[2] > 4
        raise ValueError(
            f"image must be (H, W), (H, W, 1|2|3|4) with H, W > 0, got shape {given}"
            + (
                f": a multispectral image of {given[2]} bands; save the three to see as RGB "
                f"(array[..., [r, g, b]], band numbers from 0) or one as gray (array[..., b])"
                if bands
                else ""
            )
        )
    if missing is not None:
        warn_no_data(source, missing, clear, declared.nodata if hole is not None else None)
    # The pixels without a value take no part in the range and read as the median colour of
    # the others (an 8-bit image's values stay as they are: no stretch for a declared hole).
    # Gray is scaled before it becomes three channels: a third of the float copies.
    scaled = to_uint8(image, missing)
    rgb = np.repeat(scaled[..., None], 3, axis=2) if scaled.ndim == 2 else scaled.copy(order="C")
    return (rgb if missing is None else _filled(rgb, missing)), missing


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return a if b is None else b if a is None else a | b


def _filled(rgb: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``rgb`` with its pixels without a value set to the median colour of the others (0
    where none has one: predict then gives no direction anywhere)."""
    if missing.all():
        rgb[...] = 0
        return rgb
    return fill_transparent(rgb, missing)


def read_image(path: str | Path) -> np.ndarray:
    """Any image file as ``(H, W, 3)`` uint8 RGB (see the module docstring for the rules).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is empty, not an image, corrupt or of an unsupported shape; the
            message names the file.
    """
    return read_image_and_no_data(path)[0]


def read_image_and_no_data(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`read_image` of ``path`` and the :func:`no_data` of the file's own values (a
    float TIFF's NaN pixels), which the uint8 image no longer tells apart."""
    raw, declared = _read_raw(path)
    try:
        return as_rgb_and_no_data(raw, str(path), declared)
    except ValueError as err:
        raise ValueError(f"cannot use image {path}: {err}") from err
