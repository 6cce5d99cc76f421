"""Direction targets under flips (mm/flip.py): RandomDirectionFlip mirrors the angles, and
PackCustomInputs refuses targets that a plain flip left behind."""

import math

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

import dense_direction.mm  # noqa: F401  (registers the transforms)
from dense_direction.mm.flip import mark_grid
from dense_direction.synthetic import generate_sample


def _diagonal_line(size: int = 9) -> dict:
    """A line from the bottom-left corner to the top-right one: 45° (y up), NaN elsewhere."""
    mask = np.flipud(np.eye(size, dtype=np.uint8))
    angles = np.where(mask, math.pi / 4, np.nan).astype(np.float32)[None]
    results = {
        "img": np.dstack([mask * 255] * 3).astype(np.uint8),
        "gt_seg_map": mask,
        "seg_fields": ["gt_seg_map"],
        "gt_directions": angles,
    }
    mark_grid(results)
    return results


@pytest.mark.parametrize(
    ("direction", "expected"),
    # A mirror (x -> -x, or y -> -y) turns the 45° line into one from the bottom-right to the
    # top-left: 135°; both at once (a half turn) give the same 45° line back.
    [("horizontal", 3 * math.pi / 4), ("vertical", 3 * math.pi / 4), ("diagonal", math.pi / 4)],
)
def test_a_flip_mirrors_the_angles_with_the_pixels(direction, expected):
    flip = TRANSFORMS.build(dict(type="RandomDirectionFlip", prob=1.0, direction=direction))
    out = flip(_diagonal_line())
    line = out["gt_seg_map"].astype(bool)
    assert line.sum() == 9 and (line == ~np.isnan(out["gt_directions"][0])).all()
    np.testing.assert_allclose(out["gt_directions"][0][line], expected, atol=1e-6)
    if direction != "diagonal":  # the pixels moved: now the other diagonal
        assert line[0, 0] and line[8, 8]
    packer = TRANSFORMS.build(dict(type="PackCustomInputs"))
    packer(out)  # on the grid of the flipped maps: packs


def test_flipped_medial_targets_are_the_targets_of_the_flipped_mask():
    # Equivariance on a real mask: the targets computed on the mask and then flipped equal
    # the targets of the flipped mask (the filters are symmetric), for each flip.
    mask = (generate_sample("vessels", 64, seed=3).mask > 0).astype(np.uint8)
    medial = TRANSFORMS.build(dict(type="MaskToMedialDirections", cache_mb=0))
    for direction in ("horizontal", "vertical", "diagonal"):
        base = {"img": np.zeros((64, 64, 3), np.uint8), "gt_seg_map": mask.copy()}
        flip = TRANSFORMS.build(dict(type="RandomDirectionFlip", prob=1.0, direction=direction))
        flipped = flip(medial({**base, "seg_fields": ["gt_seg_map"]}))["gt_directions"][0]
        moved = {
            "img": base["img"],
            "gt_seg_map": np.ascontiguousarray(flipped_map(mask, direction)),
        }
        want = medial(moved)["gt_directions"][0]
        both = ~np.isnan(want)
        assert (both == ~np.isnan(flipped)).all() and both.sum() > 200
        diff = np.remainder(flipped[both] - want[both] + math.pi / 2, math.pi) - math.pi / 2
        assert np.abs(diff).max() < 1e-4


def flipped_map(array: np.ndarray, direction: str) -> np.ndarray:
    axes = {"horizontal": (1,), "vertical": (0,), "diagonal": (0, 1)}[direction]
    return np.flip(array, axis=axes)


def test_a_plain_flip_after_the_targets_is_refused():
    # mmseg's RandomFlip moved gt_seg_map (and the image) but not gt_directions: a supervised
    # loss learned the 45° line's targets on pixels of the 135° one (about 45-50° off).
    flip = TRANSFORMS.build(dict(type="RandomFlip", prob=1.0, direction="horizontal"))
    packer = TRANSFORMS.build(dict(type="PackCustomInputs"))
    with pytest.raises(ValueError, match="made before a transform that moved the label maps"):
        packer(flip(_diagonal_line()))
    # Targets made after the flip are on its grid.
    medial = TRANSFORMS.build(dict(type="MaskToMedialDirections", cache_mb=0))
    packer(medial(flip(_diagonal_line())))
