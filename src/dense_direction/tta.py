"""Test-time augmentation over the 8 symmetries of the square (rotations by 90 degrees, flips).

A symmetry ``(k, flip)`` maps an image by an optional left-right flip, then ``k`` quarter
turns counter-clockwise (``np.rot90``). Directions follow the package convention (radians in
``[0, pi)``, counter-clockwise from x, **y up**): the flip sends ``theta`` to ``pi - theta``,
a quarter turn adds ``pi / 2``. A direction field predicted on the mapped image is brought
back by undoing both, on the pixels and on the angles. On the vectors
``(-cos 2 theta, -sin 2 theta)`` that is: a quarter turn negates the vector (``2 theta`` gains
``pi``), the flip negates its second component (``2 theta -> -2 theta``).

Averaging the restored vectors over all 8 symmetries gives a field that is exactly
equivariant: predicting a rotated or mirrored image gives the rotated or mirrored field.
Fewer passes cost less (:func:`symmetries`): the first 4, the quarter turns, give a field
equivariant under rotations by 90 degrees (not under mirroring), the first 2 under none.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SYMMETRIES",
    "TTA_PASSES",
    "check_tta",
    "restore_map",
    "restore_vectors",
    "symmetries",
    "transform_image",
]

#: ``(quarter_turns, flip)`` pairs: the dihedral group of the square, identity first.
SYMMETRIES: tuple[tuple[int, bool], ...] = tuple(
    (k, flip) for flip in (False, True) for k in range(4)
)

#: Numbers of network passes test-time augmentation can make: the first that many symmetries.
#: Prefixes of :data:`SYMMETRIES`, so each count adds passes to the one below it: 4 is the
#: group of quarter turns, 2 the image and its quarter turn (errors and times of each:
#: docs/results.md, "Fewer test-time passes").
TTA_PASSES = (1, 2, 4, 8)


def check_tta(tta: bool | int, name: str = "tta") -> int:
    """The number of passes ``tta`` asks for: ``True`` 8, ``False`` 1, or one of
    :data:`TTA_PASSES`; else a ``ValueError`` naming ``name`` (e.g. the command-line flag)."""
    if isinstance(tta, (bool, np.bool_)):
        return len(SYMMETRIES) if tta else 1
    if isinstance(tta, (int, np.integer)) and int(tta) in TTA_PASSES:
        return int(tta)
    expected = ", ".join(map(str, TTA_PASSES))
    raise ValueError(f"{name} must be True, False or a number of passes ({expected}); got {tta!r}")


def symmetries(tta: bool | int) -> tuple[tuple[int, bool], ...]:
    """The symmetries ``tta`` (:func:`check_tta`) averages over, identity first."""
    return SYMMETRIES[: check_tta(tta)]


def transform_image(image: np.ndarray, quarter_turns: int, flip: bool) -> np.ndarray:
    """``(H, W, ...)`` image mapped by the symmetry (flip left-right first, then rotate)."""
    out = image[:, ::-1] if flip else image
    return np.ascontiguousarray(np.rot90(out, quarter_turns, axes=(0, 1)))


def restore_map(values: np.ndarray, quarter_turns: int, flip: bool) -> np.ndarray:
    """``(..., H', W')`` scalar maps predicted on a mapped image, back in the original frame."""
    out = np.rot90(values, -quarter_turns, axes=(-2, -1))
    return np.ascontiguousarray(out[..., ::-1] if flip else out)


def restore_vectors(vectors: np.ndarray, quarter_turns: int, flip: bool) -> np.ndarray:
    """``(..., 2, H', W')`` direction vectors predicted on a mapped image, back in the
    original frame, pixels and directions both."""
    out = restore_map(vectors, quarter_turns, flip)
    if quarter_turns % 2:
        out = -out
    if flip:
        out = out * np.array([1.0, -1.0], dtype=out.dtype)[:, None, None]
    return out
