"""Mask files -> 0/1 structure masks by the mask rule (the rules: :mod:`dense_direction.io`)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.io.files import listing
from dense_direction.io.images import LOSSY_SUFFIXES, read_pixels

__all__ = [
    "FULL_SHARE",
    "MMSEG_IGNORE",
    "binarize_mask",
    "check_ignore_label",
    "check_labels",
    "check_mask_rule",
    "empty_masks",
    "empty_of",
    "ignored_pixels",
    "looks_like_mmseg_labels",
    "mask_rule",
    "mostly_structure",
    "read_binary_mask",
    "read_mask",
    "structure_shares",
]


def read_mask(path: str | Path) -> np.ndarray:
    """A mask or label file as stored: ``(H, W)`` or ``(H, W, C)``, values unchanged, except
    a palette image whose colours are all grays, one for each index it uses: it reads as
    those grays (:func:`_gray_palette_as_values`). An unreadable file is an error that names
    it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mask not found: {path}")
    try:
        return read_pixels(path, _gray_palette_as_values)
    except ValueError as err:  # the reader speaks of images; this file is a mask
        message = str(err)
        if message.startswith(prefix := "cannot read image "):
            message = "cannot read mask " + message[len(prefix) :]
        raise ValueError(message) from err


def _gray_palette_as_values(image: Image.Image) -> Image.Image:
    """A palette image whose used colours are distinct grays as those grays (mode ``L``): a
    white-on-black picture saved as GIF or palette PNG (``Image.fromarray(rgb).save("m.gif")``)
    may store white at index 0 and black at 1, which read as indices was the picture inverted
    (the vessels background, a field-of-view ROI its outside). A palette with colours, or
    grays shared by two indices, keeps its indices: a label map (VOC, mmseg palettes)."""
    if image.mode != "P" or "transparency" in image.info:
        return image
    used = [index for _, index in image.getcolors(256) or []]
    palette = image.getpalette() or []
    colours = [tuple(palette[3 * i : 3 * i + 3]) for i in used]
    grays = [c[0] for c in colours if len(c) == 3 and c[0] == c[1] == c[2]]
    if used and len(grays) == len(used) and len(set(grays)) == len(grays):
        return image.convert("L")
    return image


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


def check_mask_rule(threshold: float | None, positive: Sequence[int] | None) -> None:
    """The mask rule's options make sense: a ``threshold`` in [0, 1) (a fraction of the
    type's range: 2 made every mask empty, -1 every pixel structure) and at least one
    ``positive`` label value (none made every mask empty)."""
    real = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if threshold is not None and not (real and 0 <= threshold < 1):
        raise ValueError(
            f"threshold must be a fraction of the mask type's range in [0, 1) (0.5: above "
            f"half), got {threshold!r}"
        )
    if positive is not None and not list(positive):
        raise ValueError(
            "positive labels must name at least one label value that is structure, got none"
        )


def _labels(mask: np.ndarray, positive: Sequence[int]) -> np.ndarray:
    if mask.ndim == 3 and mask.shape[2] > 1:
        raise ValueError(
            f"label values (--positive-labels) need single-channel masks (gray or palette), "
            f"got {mask.shape[2]} channels; drop --positive-labels to use the any-channel rule"
        )
    return np.isin(mask.reshape(mask.shape[:2]), np.asarray(list(positive)))


#: The value mmseg's label masks give pixels that no loss may learn from (its ignore_index).
MMSEG_IGNORE = 255


def looks_like_mmseg_labels(mask: np.ndarray) -> bool:
    """Whether ``mask`` (as read) holds exactly the values 0, 1 and 255, in one channel: an
    mmseg label mask whose 255 marks pixels to leave out (a band along uncertain edges), which
    the any-non-zero rule would train as structure. A 0/255 or a 0/1 mask is not one."""
    mask = np.asarray(mask)
    if mask.ndim != 2 or not np.issubdtype(mask.dtype, np.integer):
        return False
    return bool(np.array_equal(np.unique(mask), [0, 1, MMSEG_IGNORE]))


def check_ignore_label(ignore: int | None, positive: Sequence[int] | None = None) -> None:
    """An ignored label value is a whole number >= 0, and not also a structure label."""
    if ignore is None:
        return
    if isinstance(ignore, bool) or not isinstance(ignore, numbers.Integral) or ignore < 0:
        raise ValueError(f"the ignored label must be a mask value, an integer >= 0; got {ignore!r}")
    if positive is not None and ignore in positive:
        raise ValueError(
            f"label {ignore} cannot be both ignored and structure (--ignore-label and "
            f"--positive-labels): give it to one of them"
        )


def ignored_pixels(mask: np.ndarray, ignore: int | None) -> np.ndarray | None:
    """Where ``mask`` (as read) holds the value ``ignore``: pixels neither structure nor
    background, left out of every loss (None for none). Needs a single-channel mask."""
    if ignore is None:
        return None
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] in (2, 4):  # gray + alpha: the value is the first
        mask = mask[..., :-1]
    if mask.ndim == 3 and mask.shape[2] > 1:
        raise ValueError(
            f"an ignored label value (--ignore-label) needs single-channel masks (gray or "
            f"palette), got {mask.shape[2]} channels"
        )
    return mask.reshape(mask.shape[:2]) == ignore


def binarize_mask(
    mask: np.ndarray,
    threshold: float | None = None,
    invert: bool = False,
    lossy: bool = False,
    positive: Sequence[int] | None = None,
    ignore: int | None = None,
) -> np.ndarray:
    """0/1 uint8 ``(H, W)`` structure mask by the mask rule (module docstring).

    Args:
        mask: ``(H, W)`` or ``(H, W, C)`` as read by :func:`read_mask`; with 2 or 4 channels
            the last one is alpha: fully transparent pixels are background.
        threshold: ``None``: any non-zero value is structure (``lossy``: above half the
            range). A number: structure above that fraction of the type's range.
        invert: swap structure and background (for masks drawn dark on light).
        lossy: the mask comes from a lossy file (JPEG, see :data:`LOSSY_SUFFIXES`).
        positive: label values that are structure (all others are background); replaces
            ``threshold`` and ``lossy``; the mask must have one channel.
        ignore: a label value that is neither (mmseg's 255: :data:`MMSEG_IGNORE`): 0 here,
            whatever the rule says; :func:`ignored_pixels` finds those pixels for the
            training pipeline, which leaves them out of every loss.
    """
    check_mask_rule(threshold, positive)
    mask = np.asarray(mask)
    ignored = ignored_pixels(mask, ignore)
    transparent = None
    if mask.ndim == 3 and mask.shape[2] in (2, 4):
        # Nothing is drawn where alpha is 0, whatever colour is stored there (paint programs
        # keep white under a transparent layer: every mask read as all structure).
        transparent = mask[..., -1] == 0
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
    binary = binary != invert
    if transparent is not None:
        binary &= ~transparent
    if ignored is not None:
        binary &= ~ignored
    return binary.astype(np.uint8)


def read_binary_mask(
    path: str | Path,
    threshold: float | None = None,
    invert: bool = False,
    positive: Sequence[int] | None = None,
    ignore: int | None = None,
    mmseg_like: list[str] | None = None,
) -> np.ndarray:
    """A mask file as ``(H, W)`` 0/1 uint8 by the mask rule (:func:`binarize_mask`; JPEG files
    count as lossy). A mask the rule cannot apply to is an error naming the file.
    ``mmseg_like``, where given, receives the path when the file
    :func:`looks_like_mmseg_labels`."""
    lossy = Path(path).suffix.lower() in LOSSY_SUFFIXES
    mask = read_mask(path)
    if mmseg_like is not None and looks_like_mmseg_labels(mask):
        mmseg_like.append(str(path))
    try:
        return binarize_mask(mask, threshold, invert, lossy, positive, ignore)
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
    shares = structure_shares(paths, threshold, invert, positive)
    return empty_of(shares, threshold, positive)


def structure_shares(
    paths: Iterable[str | Path],
    threshold: float | None = None,
    invert: bool = False,
    positive: Sequence[int] | None = None,
    ignore: int | None = None,
    mmseg_like: list[str] | None = None,
) -> dict[str, float]:
    """The share of structure pixels (by the mask rule) of each mask file, by its path.
    ``mmseg_like``: as :func:`read_binary_mask`'s."""
    return {
        str(p): float(read_binary_mask(p, threshold, invert, positive, ignore, mmseg_like).mean())
        for p in paths
    }


def empty_of(
    shares: dict[str, float], threshold: float | None = None, positive: Sequence[int] | None = None
) -> list[str]:
    """:func:`empty_masks` of shares already measured (:func:`structure_shares`)."""
    paths = list(shares)
    empty = [p for p, share in shares.items() if share == 0]
    if paths and len(empty) == len(paths):
        raise ValueError(
            f"all {len(paths)} masks are empty (no structure pixel: "
            f"{mask_rule(threshold, positive)}): {listing(empty)}"
        )
    return empty


#: A mask with more structure than this is more likely inverted (structure drawn dark on
#: white: 92-98 % "structure") than a picture of linear structures.
FULL_SHARE = 0.9


def mostly_structure(
    shares: dict[str, float], threshold: float | None = None, positive: Sequence[int] | None = None
) -> list[str]:
    """The masks of ``shares`` with more than :data:`FULL_SHARE` structure.

    Raises:
        ValueError: every mask is so (inverted masks trained a model of the background
            without a word); the message lists them and states the rule.
    """
    full = [p for p, share in shares.items() if share > FULL_SHARE]
    if shares and len(full) == len(shares):
        raise ValueError(
            f"all {len(shares)} masks are almost all structure (more than "
            f"{FULL_SHARE:.0%} of their pixels: {mask_rule(threshold, positive)}): "
            f"{listing(full)}; masks drawn dark on white read so: save structure as non-zero "
            f"on 0"
        )
    return full


def check_labels(
    labels: np.ndarray, name: str | Path = "labels", what: str = "labels"
) -> np.ndarray:
    """An ``(H, W)`` image of non-negative integer labels (0 = none: objects, classes, ROIs)
    as int64. Float images holding whole numbers are accepted, and so is a gray image stored
    as RGB(A) (equal colour channels, opaque); fractions, negatives or colour images are
    errors that name ``name`` and call the values ``what`` (``labels``, ``ROI``)."""
    labels = _gray_stored_as_colour(np.asarray(labels))
    each = "region" if what == "ROI" else "object or class"
    if labels.ndim != 2:
        raise ValueError(
            f"{name}: {what} must be a single-channel integer image (one value per {each}), "
            f"got shape {labels.shape}"
            + (": its colour channels differ" if labels.ndim == 3 else "")
        )
    if not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        floating = np.issubdtype(labels.dtype, np.floating)
        if not floating or not np.isfinite(labels).all() or np.any(labels != np.round(labels)):
            raise ValueError(
                f"{name}: {what} must be integers (one value per {each}, 0 = background), "
                f"got {labels.dtype} values that are not whole numbers"
            )
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name}: {what} must be >= 0 (0 = background), found {labels.min()}")
    return labels.astype(np.int64)


def _gray_stored_as_colour(labels: np.ndarray) -> np.ndarray:
    """The one channel of an RGB(A) image whose colour channels are equal and whose alpha,
    if any, is the same everywhere (what painting programs save a gray label image as);
    anything else unchanged."""
    if labels.ndim != 3 or labels.shape[2] not in (3, 4):
        return labels
    colour = labels[..., :3]
    plain = labels.shape[2] == 3 or np.all(labels[..., 3] == labels[..., 3].flat[0])
    if plain and np.all(colour == colour[..., :1]):
        return colour[..., 0]
    return labels
