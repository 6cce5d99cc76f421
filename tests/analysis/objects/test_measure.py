"""Per-branch and per-object geometry on drawn shapes with known length, width and shape."""

import math

import numpy as np
import pytest
from scipy import ndimage as ndi

from analysis_shapes import capsule, ring, segment, y_junction
from dense_direction.analysis.objects.measure import (
    branch_regions,
    measure_branches,
    measure_objects,
)
from dense_direction.analysis.objects.skeleton import skeleton_graph


def _measure(mask):
    distance = ndi.distance_transform_edt(mask)
    graph = skeleton_graph(mask, distance)
    objects, _ = ndi.label(mask, np.ones((3, 3)))
    branches, _ = measure_branches(graph, distance, objects, branch_regions(graph, mask))
    return branches, measure_objects(branches, graph, objects)


@pytest.mark.parametrize("angle", [0, 20, 30, 45, 60, 90, 110, 135, 160])
def test_six_pixel_line_is_six_wide_and_as_long_as_drawn(angle):
    # A line of width 6 and segment length 150 with round caps: 156 px tip to tip; pixel
    # area ≈ 6 × 150 + π 3² ≈ 928, so area / length ≈ 5.95.
    mask = capsule((301, 301), *segment(150, angle), 6)
    _, objects = _measure(mask)
    (row,) = objects.to_dict("records")
    assert row["width_mean"] == pytest.approx(6.0, abs=0.5)
    assert 6.0 - 0.5 <= row["width_max"] <= 6.0 + 1.0
    assert row["length"] == pytest.approx(156.0, rel=0.03)
    assert row["tortuosity"] == pytest.approx(1.0, abs=0.02)
    assert (row["junctions"], row["ends"], row["branches"]) == (0, 2, 1)


@pytest.mark.parametrize("width", [3, 10])
def test_width_follows_the_drawn_width(width):
    mask = capsule((301, 301), *segment(200, 37), width)
    _, objects = _measure(mask)
    assert objects["width_mean"].item() == pytest.approx(width, abs=0.5)


def test_y_junction_counts():
    branches, objects = _measure(y_junction(width=5))
    assert len(branches) == 3 and len(objects) == 1
    (row,) = objects.to_dict("records")
    assert (row["branches"], row["junctions"], row["ends"]) == (3, 1, 3)
    # Each branch runs from the junction to a free end: one of each.
    assert branches["junctions"].tolist() == [1, 1, 1]
    assert branches["ends"].tolist() == [1, 1, 1]
    # Three arms of 70 px from the centre (+ 2.5 px cap each): 217.5 px in all.
    assert row["length"] == pytest.approx(217.5, rel=0.03)


def test_a_thin_branch_keeps_its_own_maximum_width_beside_a_wide_one():
    # A 10-px trunk and two 4-px branches leaving its end: the branches' largest local width
    # was the trunk's, read at the pixels they share with it (width_max 10.2, mean 4.1).
    # Their own pixels are 4 wide (oblique bands read up to half a pixel narrower), so the
    # maximum, never below the mean, is about 4; the trunk keeps its 10.
    shape = (300, 300)
    mask = capsule(shape, (290, 150.5), (150, 150.5), 10)  # columns 146-155
    for tip in ((30, 60), (30, 240)):
        mask |= capsule(shape, (152, 150.5), tip, 4)
    branches, _ = _measure(mask)
    thin = branches[branches["width_mean"] < 6]
    assert len(thin) == 2 and (thin["width_max"] < 5).all()
    assert branches["width_max"].max() >= 10


def test_a_loop_smoothed_to_a_point_has_no_width():
    # A blob from a predicted mask: its skeleton closes a loop around a one-pixel hole, which
    # the smoothed centre-line shrinks to 0.0005 px; area / length read 20,970 px for 10
    # pixels, and the object's width_max took it. Nothing in a 14-px blob is wider than 14.
    rows = ["00001101011100", "00011101110100", "00011111110000", "00001111000000",
            "00011100000000", "00011110000000", "00000110000000", "00000111100000",
            "00001111000000", "00001111100000", "00001111100000", "00001111000000",
            "00000001000000", "00000001000000"]  # fmt: skip
    mask = np.pad(np.array([[c == "1" for c in r] for r in rows]), 3)
    branches, objects = _measure(mask)
    assert branches["closed"].any()
    tiny = branches["length"] < 1
    assert tiny.any() and branches.loc[tiny, "width_mean"].isna().all()
    assert branches["width_max"].max() <= 14 and objects["width_max"].item() <= 14


def test_object_curvature_leaves_out_branches_too_short_to_have_one():
    # A branch of under 4 centre-line points has no curvature (NaN). The object's curvature
    # is the path-weighted mean over the branches that have one: with the Y's three arms
    # given curvatures 0.02 and 0.05 and the third none, (0.02 p1 + 0.05 p2) / (p1 + p2);
    # counting the third arm's path as straight gave (0.02 p1 + 0.05 p2) / (p1 + p2 + p3).
    mask = y_junction(width=5)
    distance = ndi.distance_transform_edt(mask)
    graph = skeleton_graph(mask, distance)
    objects, _ = ndi.label(mask, np.ones((3, 3)))
    branches, _ = measure_branches(graph, distance, objects, branch_regions(graph, mask))
    branches["curvature_mean"] = [0.02, 0.05, math.nan]
    p1, p2, _ = branches["path_length"]
    (row,) = measure_objects(branches, graph, objects).to_dict("records")
    assert row["curvature_mean"] == pytest.approx((0.02 * p1 + 0.05 * p2) / (p1 + p2))
    branches["curvature_mean"] = math.nan
    assert math.isnan(measure_objects(branches, graph, objects)["curvature_mean"].item())


def test_ring_curvature_and_loop_tortuosity():
    # A ring of radius 30: |curvature| 1/30; a loop has no chord, so no tortuosity.
    _, objects = _measure(ring((101, 101), (50, 50), 30, 3))
    (row,) = objects.to_dict("records")
    assert row["curvature_mean"] == pytest.approx(1 / 30, rel=0.05)
    assert math.isnan(row["tortuosity"])
    assert row["length"] == pytest.approx(2 * math.pi * 30, rel=0.03)
    assert row["width_mean"] == pytest.approx(3, abs=0.5)
