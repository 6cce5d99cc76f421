"""Checking what an analysis is given: angle maps, masks, confidences, labels, ROIs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi

from dense_direction.analysis.conventions import check_radians
from dense_direction.io.masks import check_labels
from dense_direction.notices import DenseDirectionWarning

__all__ = [
    "check_angles",
    "check_confidence",
    "check_labels",
    "check_same_size",
    "consecutive_labels",
    "fill_small_holes",
    "one_map",
    "structure_mask",
]


def check_angles(angles: np.ndarray, name: str | Path = "angle map") -> np.ndarray:
    """``(H, W)`` float64 angles, radians in [0, π) (NaN: no direction); a ``(1, H, W)`` map is
    squeezed. Any other shape, or finite values outside [0, π] (degrees, say), is an error."""
    angles = np.asarray(angles)
    if angles.ndim == 3 and angles.shape[0] == 1:
        angles = angles[0]
    if angles.ndim != 2 or not np.issubdtype(angles.dtype, np.number):
        raise ValueError(
            f"{name}: an angle map must be one numeric (H, W) array of radians, "
            f"got {angles.dtype} of shape {angles.shape}"
        )
    angles = angles.astype(np.float64)
    check_radians(angles, name)
    return angles


def one_map(array: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """``array`` without a leading axis of length 1 where the rest is ``shape`` (the angle
    map's): a ``(1, H, W)`` mask or confidence as ``predict`` returns them."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[0] == 1 and array.shape[1:] == tuple(shape):
        return array[0]
    return array


def check_same_size(reference: str, shape: tuple[int, ...], **others: np.ndarray | None) -> None:
    """Each array in ``others`` (named by its keyword) has the reference's ``(H, W)``."""
    for name, array in others.items():
        if array is not None and np.shape(array)[:2] != tuple(shape):
            theirs = np.shape(array)[:2]
            raise ValueError(
                f"{name.replace('_', ' ')} is {theirs[1]}x{theirs[0]} (WxH) but {reference} is "
                f"{shape[1]}x{shape[0]}: they must be the same size"
            )


def structure_mask(
    angles: np.ndarray,
    mask: np.ndarray | None,
    confidence: np.ndarray | None,
    threshold: float,
) -> np.ndarray:
    """Where the structure is: ``mask`` when given (non-zero), else the confidence above
    ``threshold``, else every finite angle. A NaN angle inside a mask or a confident region
    stays structure: the geometry (skeleton, widths, objects) is the mask's, and only the
    direction statistics skip the pixels without a direction."""
    if mask is not None:
        structure = np.asarray(mask) > 0
        if structure.ndim == 3:
            structure = structure.any(axis=2)
        return structure
    if confidence is not None:
        return np.asarray(confidence) > threshold
    if np.isfinite(angles).all():
        warnings.warn(
            "no mask or confidence given and every angle is finite: the whole image counts "
            "as structure; pass mask= (or confidence=), or set the angles to NaN where there "
            "is no structure",
            DenseDirectionWarning,
            stacklevel=3,
        )
    return np.isfinite(angles)


def fill_small_holes(structure: np.ndarray, max_hole: int) -> np.ndarray:
    """``structure`` with its holes of at most ``max_hole`` pixels filled: background regions
    (4-connected, as the 8-connected structure encloses them) that do not touch the frame.

    A pinhole in a mask (a segmentation's speckle, a pixel without data, to which ``predict``
    gives confidence 0) is a loop to the skeleton: a straight fibre with a few pinholes
    measured junctions and branches it does not have, and a bar with a row of them its length
    a fifth of the truth. Holes that large are not the loops of a network."""
    if max_hole <= 0:
        return structure
    background, count = ndi.label(~structure)
    if not count:
        return structure
    small = np.bincount(background.ravel(), minlength=count + 1) <= max_hole
    frame = np.concatenate((background[0], background[-1], background[:, 0], background[:, -1]))
    small[frame] = False  # the outside, not a hole
    small[0] = False  # the structure itself
    return structure | small[background]


def consecutive_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` renumbered 1, 2, 3 ... in order (0 stays 0), and ``ids``, where ``ids[k]``
    is the label that became ``k``. The tables count per label up to the largest one: label
    images with ids such as 10,000,000 (colour-coded, or class * 1000 + n) needed gigabytes
    for two objects, and larger ones were killed for memory."""
    ids, compact = np.unique(labels, return_inverse=True)
    if not ids.size or ids[0] != 0:
        ids, compact = np.concatenate(([0], ids)), compact + 1
    return compact.reshape(np.shape(labels)), ids


def check_confidence(confidence: np.ndarray | None) -> np.ndarray | None:
    """``confidence`` as float64, refused unless every value is a finite number in [0, 1]:
    -0.5 or NaN dropped pixels from the statistics without a word, a 0-100 scale made the
    whole background structure, and negative weights beside positive ones gave S above 1."""
    if confidence is None:
        return None
    values = np.asarray(confidence, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        found = values[bad]
        raise ValueError(
            f"confidence must be finite values in [0, 1] (predict's structure probability), "
            f"found {bad.sum()} others, e.g. {found[0]:g}: rescale it (a 0-255 or 0-100 "
            f"scale: divide by its top), and give pixels without a value confidence 0"
        )
    return values
