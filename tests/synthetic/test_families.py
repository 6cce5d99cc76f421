import math

import numpy as np
import pytest
from scipy import ndimage

from dense_direction.evaluation import angular_error, scored_pixels
from dense_direction.synthetic.families import BENCHMARK_WIDTHS, FAMILIES, generate_width_sample


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic_and_consistent(family):
    a = generate_width_sample(family, 6, 96, seed=3)
    b = generate_width_sample(family, 6, 96, seed=3)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, generate_width_sample(family, 6, 96, seed=4).mask)
    mask = a.mask.astype(bool)
    assert mask.any() and np.all(mask[a.centerline.astype(bool)])
    assert np.all(np.isfinite(a.direction[mask])) and np.all(np.isnan(a.direction[~mask]))


@pytest.mark.parametrize("width", [2, 8, 24, 48])
@pytest.mark.parametrize("family", ["straight", "arcs", "sinusoids"])
def test_structures_have_the_nominal_width(family, width):
    # Twice the distance to the background at a centre-line pixel is the local width (up to
    # a pixel of rasterisation), away from crossings and the image border.
    s = generate_width_sample(family, width, 256, seed=0)
    depth = ndimage.distance_transform_edt(np.pad(s.mask, 1))[1:-1, 1:-1]
    inner = np.zeros_like(s.mask, bool)
    inner[width:-width, width:-width] = True
    select = scored_pixels(s.centerline, s.crossing) & inner
    assert np.median(2 * depth[select]) == pytest.approx(width, abs=1.5)


def test_straight_lines_have_one_direction_per_line():
    s = generate_width_sample("straight", 16, 128, seed=1)  # wide: one line
    mask = s.mask.astype(bool)
    angles = s.direction[mask]
    assert np.ptp(angles) < 1e-6 or np.ptp(np.mod(angles + math.pi / 2, math.pi)) < 1e-6


def test_crossings_mark_the_overlap():
    s = generate_width_sample("crossings", 8, 128, seed=2)
    assert s.crossing.any()
    # Outside the overlap, the truth is one of the two line directions.
    values = np.unique(np.round(s.direction[scored_pixels(s.mask, s.crossing)], 6))
    assert len(values) == 2


def test_truth_agrees_with_the_mask_shape_on_arcs():
    # The analytic tangent and the structure tensor of the mask itself agree on an arc.
    from dense_direction.losses import medial_directions

    s = generate_width_sample("arcs", 12, 192, seed=5)
    angles, _ = medial_directions(s.mask)
    select = scored_pixels(s.centerline, s.crossing, angles)
    assert angular_error(angles, np.nan_to_num(s.direction), select).mean() < 2.0


def test_widths_and_bad_arguments():
    assert BENCHMARK_WIDTHS[0] == 1 and BENCHMARK_WIDTHS[-1] == 48
    with pytest.raises(ValueError, match="family"):
        generate_width_sample("spirals", 4)
    with pytest.raises(ValueError, match="width"):
        generate_width_sample("arcs", 0)
