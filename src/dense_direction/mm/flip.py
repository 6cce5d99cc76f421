"""Direction targets under geometric transforms: a flip that mirrors the angles, and the check
that no transform moved the label maps after the targets were made without them.

mmseg's ``RandomFlip`` and ``RandomRotate`` move the pixels of ``img`` and of every map in
``seg_fields``, but they cannot know that ``gt_directions`` holds angles: moved as pixels
they would still point the old way (a flip mirrors every direction, θ -> π - θ), and left
alone they lie on the wrong pixels. Either way a supervised loss would learn directions
about 40-50° off without a word. :class:`RandomDirectionFlip` flips them right; for any
other transform the targets must be made after it, and :func:`check_directions_grid` (in
``PackCustomInputs``) says so when they were not.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from mmseg.datasets.transforms import RandomFlip
from mmseg.registry import TRANSFORMS

__all__ = ["DIRECTIONS_GRID_KEY", "RandomDirectionFlip", "check_directions_grid", "mark_grid"]

#: A fingerprint of ``gt_seg_map`` as it was when ``gt_directions`` was made (or last moved
#: with it): a geometric transform that moved the maps but not the angles changes it.
DIRECTIONS_GRID_KEY = "directions_grid"


def _fingerprint(results: dict) -> str | None:
    labels = results.get("gt_seg_map")
    if labels is None:
        return None
    labels = np.ascontiguousarray(labels)
    digest = hashlib.blake2b(labels.tobytes(), digest_size=8)
    digest.update(repr(labels.shape).encode())
    return digest.hexdigest()


def mark_grid(results: dict, key: str = "gt_directions") -> None:
    """Record that ``gt_directions`` lies on the grid of the present ``gt_seg_map`` (the
    transforms that make or move the targets call it; ``key``: the one they wrote, which
    counts only when it is ``gt_directions``)."""
    if key == "gt_directions":
        results[DIRECTIONS_GRID_KEY] = _fingerprint(results)


def check_directions_grid(results: dict, name: str) -> None:
    """A ``ValueError`` naming sample ``name`` when ``gt_seg_map`` was moved after
    ``gt_directions`` was made, by a transform that left the angles behind."""
    made_on = results.get(DIRECTIONS_GRID_KEY)
    if "gt_directions" not in results or made_on is None or made_on == _fingerprint(results):
        return
    raise ValueError(
        f"{name}: gt_directions were made before a transform that moved the label maps but "
        f"not the angles (mmseg's RandomFlip or RandomRotate moves pixels; it does not turn "
        f"the directions they hold): use RandomDirectionFlip instead of RandomFlip, or make "
        f"the targets (MaskToMedialDirections, CenterlineToDirections) after the transform"
    )


@TRANSFORMS.register_module()
class RandomDirectionFlip(RandomFlip):
    """mmseg's ``RandomFlip`` (same arguments) that also flips ``gt_directions`` ``(K, H, W)``
    and mirrors its angles: a horizontal or a vertical flip turns θ into π - θ (x -> -x maps
    the direction (cos θ, sin θ) to (-cos θ, sin θ); y -> -y to (cos θ, -sin θ), the same
    line), both at once (``diagonal``, a half turn) keep θ. NaN stays NaN."""

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        angles = results.get("gt_directions")
        if angles is None:
            return
        direction = results["flip_direction"]
        axes = {"horizontal": (-1,), "vertical": (-2,), "diagonal": (-2, -1)}[direction]
        flipped = np.flip(np.asarray(angles), axis=axes)
        if direction != "diagonal":
            flipped = np.remainder(math.pi - flipped.astype(np.float64), math.pi)
        flipped = np.ascontiguousarray(flipped, dtype=np.float32)
        flipped[flipped >= np.float32(math.pi)] = 0  # π - tiny rounds up to π in float32
        results["gt_directions"] = flipped
        mark_grid(results)
