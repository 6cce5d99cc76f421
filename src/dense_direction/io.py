"""The one image contract: how files and arrays become the images the models see.

* :func:`read_image` reads any image file (PNG, JPEG, TIFF, BMP, WebP; 8-bit, 16-bit, 32-bit
  integer or float; gray, gray + alpha, RGB or RGBA) as ``(H, W, 3)`` uint8 **RGB**.
* :func:`as_rgb_uint8` does the same for arrays: arrays given to the API are RGB (or gray,
  or RGBA), of any integer or float dtype.
* Bit depth (:func:`to_uint8`): 8-bit images are used as they are. Any other depth
  (16-bit, 12-bit data in a 16-bit file, 32-bit integers, floats) is scaled **per image** by
  its real range: the 0.1th and 99.9th percentiles of its values become 0 and 255 (values
  outside are clipped; NaN becomes 0). A constant image becomes 0. Training, prediction and
  evaluation all load images through this module, so they see the same pixels.
* Masks are read unchanged by :func:`read_mask` (label values, no scaling). The binary mask
  rule (:func:`binarize_mask`): **any non-zero value is structure**, whatever the encoding (0/1,
  0/255, 0/65535, labels 0/1/2 ...); in a colour mask a pixel is structure when **any colour
  channel** is non-zero (an alpha channel is ignored). JPEG masks are the exception, because
  compression leaves faint noise: there a pixel is structure above half the range (> 127).
  An explicit ``threshold`` (a fraction of the type's range: 255 for 8-bit, 65535 for 16-bit,
  1 for float) replaces both. Label masks (``positive``, ``train --positive-labels``): a
  pixel is structure when its value is one of the given labels; they must be single-channel
  (gray or palette). :func:`empty_masks` finds masks without any structure pixel.
* Pixels are taken as stored: EXIF orientation tags are not applied (images and masks stay on
  the same grid).
* Files are paired across folders by their stem (:func:`files_by_stem`, :func:`paired_files`);
  two files with the same stem in one folder (``x.png`` and ``x.jpg``) are an error.

Pure NumPy and Pillow (``tifffile`` for TIFFs that Pillow cannot decode, such as multi-channel
16-bit or float TIFFs); no OpenMMLab.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = [
    "IMAGE_SUFFIXES",
    "LOSSY_SUFFIXES",
    "PERCENTILES",
    "as_rgb_uint8",
    "binarize_mask",
    "check_unique_stems",
    "empty_masks",
    "files_by_stem",
    "image_size",
    "listing",
    "mask_rule",
    "mismatched_sizes",
    "paired_files",
    "read_binary_mask",
    "read_image",
    "read_mask",
    "sha256",
    "to_uint8",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
TIFF_SUFFIXES = (".tif", ".tiff")
LOSSY_SUFFIXES = (".jpg", ".jpeg")
PERCENTILES = (0.1, 99.9)


def _read_raw(path: str | Path) -> np.ndarray:
    """The stored pixel values of one image file, channels last (no scaling, no colour
    conversion except palette images, which become RGB(A))."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"cannot read image {path}: the file is empty (0 bytes)")
    return _pixels(path, _colour_as_rgb)


def _colour_as_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    return image


def _pixels(path: Path, convert: Callable[[Image.Image], Image.Image] | None = None) -> np.ndarray:
    """The one image of ``path`` (Pillow, else tifffile for TIFFs Pillow cannot decode)."""
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames == 1:
                return np.asarray(convert(image) if convert else image)
    except (OSError, ValueError, SyntaxError) as err:
        if path.suffix.lower() in TIFF_SUFFIXES:
            return _read_tiff(path, err)
        raise ValueError(f"cannot read image {path} (not an image, or corrupt): {err}") from err
    raise _several_images(path, frames)


def _several_images(path: Path, frames: int) -> ValueError:
    """The error for a file of several images (Pillow would silently return the first)."""
    return ValueError(
        f"cannot use image {path}: it holds {frames} images (pages or frames: a z-stack, a time "
        f"series, channels saved as pages, or an animation) and only single 2-D images are "
        f"read; save each plane you want as its own file (e.g. with tifffile)"
    )


def _read_tiff(path: Path, pil_error: Exception) -> np.ndarray:
    try:
        import tifffile
    except ImportError as err:
        raise ValueError(
            f"cannot read image {path}: Pillow cannot decode this TIFF ({pil_error}) and "
            f"tifffile is not installed (pip install tifffile)"
        ) from err
    try:
        with tifffile.TiffFile(path) as tiff:
            pages = len(tiff.pages)
            array = np.asarray(tiff.pages[0].asarray()) if pages == 1 else None
    except Exception as err:  # tifffile raises many types for corrupt files
        raise ValueError(f"cannot read image {path} (not an image, or corrupt): {err}") from err
    if array is None:
        raise _several_images(path, pages)
    if array.ndim == 3 and array.shape[0] in (1, 2, 3, 4) and array.shape[2] > 4:
        array = np.moveaxis(array, 0, -1)  # planar (C, H, W) -> (H, W, C)
    return array


def read_mask(path: str | Path) -> np.ndarray:
    """A mask or label file as stored: ``(H, W)`` or ``(H, W, C)``, values unchanged.
    An unreadable file is an error that names it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mask not found: {path}")
    return _pixels(path)


def _type_range(mask: np.ndarray) -> float:
    if mask.dtype == np.uint8:
        return 255.0
    if np.issubdtype(mask.dtype, np.integer):
        return 65535.0
    return 1.0


def mask_rule(threshold: float | None = None, positive: Sequence[int] | None = None) -> str:
    """The mask rule in words, for messages about masks without structure."""
    if positive is not None:
        return f"structure is a label in {sorted(set(positive))} (--positive-labels)"
    if threshold is not None:
        return f"structure is above {threshold:g} of the value range"
    return "structure is any non-zero value, any channel; > 127 in JPEG masks"


def _labels(mask: np.ndarray, positive: Sequence[int]) -> np.ndarray:
    if mask.ndim == 3 and mask.shape[2] > 1:
        raise ValueError(
            f"label values (--positive-labels) need single-channel masks (gray or palette), "
            f"got {mask.shape[2]} channels; drop --positive-labels to use the any-channel rule"
        )
    return np.isin(mask.reshape(mask.shape[:2]), np.asarray(list(positive)))


def binarize_mask(
    mask: np.ndarray,
    threshold: float | None = None,
    invert: bool = False,
    lossy: bool = False,
    positive: Sequence[int] | None = None,
) -> np.ndarray:
    """0/1 uint8 ``(H, W)`` structure mask by the mask rule (module docstring).

    Args:
        mask: ``(H, W)`` or ``(H, W, C)`` as read by :func:`read_mask`; with 2 or 4 channels
            the last one is alpha and ignored.
        threshold: ``None``: any non-zero value is structure (``lossy``: above half the
            range). A number: structure above that fraction of the type's range.
        invert: swap structure and background (for masks drawn dark on light).
        lossy: the mask comes from a lossy file (JPEG, see :data:`LOSSY_SUFFIXES`).
        positive: label values that are structure (all others are background); replaces
            ``threshold`` and ``lossy``; the mask must have one channel.
    """
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] in (2, 4):
        mask = mask[..., :-1]
    if mask.ndim not in (2, 3):
        raise ValueError(f"mask must be (H, W) or (H, W, C), got shape {mask.shape}")
    if positive is not None:
        binary = _labels(mask, positive)
    else:
        if threshold is None and lossy:
            threshold = 0.5
        if threshold is None:
            binary = mask != 0
        else:
            binary = mask.astype(np.float64) / _type_range(mask) > threshold
        if binary.ndim == 3:
            binary = binary.any(axis=2)
    return (binary != invert).astype(np.uint8)


def read_binary_mask(
    path: str | Path,
    threshold: float | None = None,
    invert: bool = False,
    positive: Sequence[int] | None = None,
) -> np.ndarray:
    """A mask file as ``(H, W)`` 0/1 uint8 by the mask rule (:func:`binarize_mask`; JPEG files
    count as lossy). A mask the rule cannot apply to is an error naming the file."""
    lossy = Path(path).suffix.lower() in LOSSY_SUFFIXES
    mask = read_mask(path)
    try:
        return binarize_mask(mask, threshold, invert, lossy, positive)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def empty_masks(
    paths: Iterable[str | Path],
    threshold: float | None = None,
    invert: bool = False,
    positive: Sequence[int] | None = None,
) -> list[str]:
    """The mask files among ``paths`` without a single structure pixel (by the mask rule).

    Raises:
        ValueError: every mask is empty (training on them would learn nothing); the message
            lists them and states the rule.
    """
    paths = [str(p) for p in paths]
    empty = [p for p in paths if not read_binary_mask(p, threshold, invert, positive).any()]
    if paths and len(empty) == len(paths):
        raise ValueError(
            f"all {len(paths)} masks are empty (no structure pixel: "
            f"{mask_rule(threshold, positive)}): {listing(empty)}"
        )
    return empty


def image_size(path: str | Path) -> tuple[int, int]:
    """``(height, width)`` of an image or mask file, from its header where Pillow reads it
    (no pixel is decoded), else by reading the file."""
    try:
        with Image.open(path) as image:
            width, height = image.size
        return height, width
    except (OSError, ValueError, SyntaxError):
        return _read_raw(path).shape[:2]  # names the file if it is unreadable


def mismatched_sizes(pairs: Iterable[tuple[str | Path, str | Path]]) -> list[str]:
    """``"img.png is 40x30 (WxH) but mask.png is 41x30"`` for each (image, mask) pair whose
    sizes differ: training would fail on them mid-run."""
    found = []
    for image, mask in pairs:
        (ih, iw), (mh, mw) = image_size(image), image_size(mask)
        if (ih, iw) != (mh, mw):
            found.append(f"{image} is {iw}x{ih} (WxH) but {mask} is {mw}x{mh}")
    return found


def to_uint8(array: np.ndarray) -> np.ndarray:
    """uint8 values of an image of any depth, by the rule in the module docstring: uint8 as
    is, bool as 0/255, anything else by its per-image percentile range."""
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"image values must be integers or floats, got {array.dtype}")
    values = array.astype(np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(array.shape, np.uint8)
    low, high = np.percentile(values[finite], PERCENTILES)
    if high <= low:  # (nearly) constant: fall back to the full range of the values
        low, high = values[finite].min(), values[finite].max()
    if high <= low:
        return np.zeros(array.shape, np.uint8)
    scaled = (np.where(finite, values, low) - low) / (high - low)
    return np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """An image array as ``(H, W, 3)`` uint8 RGB.

    Accepts ``(H, W)`` gray, ``(H, W, 1)``, ``(H, W, 2)`` gray + alpha, ``(H, W, 3)`` RGB and
    ``(H, W, 4)`` RGBA, of any integer, bool or float dtype (depth rule: :func:`to_uint8`;
    alpha is dropped before scaling).
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] in (2, 4):
        image = image[..., : image.shape[2] - 1]  # drop alpha
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
        raise ValueError(
            f"image must be (H, W), (H, W, 1|2|3|4) with H, W > 0, got shape {image.shape}"
        )
    return np.array(to_uint8(image), order="C", copy=True)  # owned and writable


def read_image(path: str | Path) -> np.ndarray:
    """Any image file as ``(H, W, 3)`` uint8 RGB (see the module docstring for the rules).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is empty, not an image, corrupt or of an unsupported shape; the
            message names the file.
    """
    raw = _read_raw(path)
    try:
        return as_rgb_uint8(raw)
    except ValueError as err:
        raise ValueError(f"cannot use image {path}: {err}") from err


def listing(names: Sequence[str], limit: int = 8) -> str:
    """``a, b, c and 5 more``: a short list of names for error messages."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_unique_stems(paths: Iterable[str | Path], what: str = "image") -> None:
    """Files that would share output or pairing names (same stem, e.g. ``x.png`` and
    ``x.jpg``) are an error listing every colliding group."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(Path(path).stem, []).append(str(path))
    clashes = [group for group in groups.values() if len(group) > 1]
    if clashes:
        raise ValueError(
            f"{len(clashes)} {what} names are used by more than one file (rename them, they "
            f"would overwrite each other's results): "
            + "; ".join(" and ".join(group) for group in clashes)
        )


def files_by_stem(folder: str | Path, suffixes: Sequence[str], what: str) -> dict[str, str]:
    """Files of ``folder`` with one of ``suffixes``, by stem. Two files with the same stem,
    a missing folder or a folder without such files are errors."""
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder not found: {path}")
    found = [f for f in sorted(path.iterdir()) if f.suffix.lower() in suffixes]
    if not found:
        raise FileNotFoundError(f"no {what} files ({', '.join(suffixes)}) in {path}")
    check_unique_stems(found, what)
    return {f.stem: str(f) for f in found}


def paired_files(images: str | Path, masks: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """Image and mask files by stem; any file without a partner is an error that lists them."""
    image_files = files_by_stem(images, IMAGE_SUFFIXES, "image")
    mask_files = files_by_stem(masks, IMAGE_SUFFIXES, "mask")
    lonely = sorted(set(image_files) - set(mask_files))
    if lonely:
        raise ValueError(
            f"{len(lonely)} images in {images} have no mask in {masks}: {listing(lonely)}"
        )
    orphans = sorted(set(mask_files) - set(image_files))
    if orphans:
        raise ValueError(
            f"{len(orphans)} masks in {masks} have no image in {images}: {listing(orphans)}"
        )
    return image_files, mask_files


def sha256(path: str | Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks (checkpoint run records, bundled
    model checksums)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
