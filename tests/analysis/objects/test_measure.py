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
