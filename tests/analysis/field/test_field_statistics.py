"""Axial statistics: values derived by hand from z = Σ w exp(2iθ) / Σ w."""

import math

import numpy as np
import pytest

from dense_direction.analysis.field import (
    axial_histogram,
    field_statistics,
    grouped_statistics,
    misorientation_map,
    order_parameter_by_size,
)


def test_aligned_field_has_order_one_and_its_angle():
    # Every pixel at 0.7 rad: z = exp(1.4i), |z| = 1, arg/2 = 0.7; dispersion sqrt(-2 ln 1)/2 = 0.
    angles = np.full((20, 30), 0.7)
    stats = field_statistics(angles)
    assert stats.order_parameter == pytest.approx(1.0)
    assert stats.mean_direction == pytest.approx(0.7)
    assert stats.dispersion == pytest.approx(0.0, abs=1e-6)
    assert stats.pixels == 600


def test_uniform_angles_have_order_zero():
    # 180 angles k·π/180: the doubled angles are 180 equally spaced points on the circle,
    # whose sum is 0.
    angles = (np.arange(180) * math.pi / 180).reshape(12, 15)
    assert field_statistics(angles).order_parameter == pytest.approx(0.0, abs=1e-9)
    random = np.random.default_rng(0).uniform(0, math.pi, (100, 100))
    # For N independent uniform angles |z| is about 1/sqrt(N) = 0.01.
    assert field_statistics(random).order_parameter < 0.03


def test_mean_wraps_across_zero_and_weights_count():
    # 170° and 10°: doubled 340° and 20°, mean vector along 0° with length cos 20°: the mean
    # direction is 0°, not the 90° a plain average would give.
    stats = field_statistics(np.radians([[170.0, 10.0]]))
    assert min(stats.mean_direction, math.pi - stats.mean_direction) < 1e-9
    assert stats.order_parameter == pytest.approx(math.cos(math.radians(20)))
    # 0 with weight 3 and 90° with weight 1: (3·1 + 1·(−1)) / 4 = 0.5, mean 0;
    # dispersion sqrt(-2 ln 0.5) / 2 = 0.5887 rad.
    weighted = field_statistics(np.array([[0.0, math.pi / 2]]), weights=np.array([[3.0, 1.0]]))
    assert weighted.order_parameter == pytest.approx(0.5)
    assert weighted.mean_direction == pytest.approx(0.0, abs=1e-12)
    assert weighted.dispersion == pytest.approx(math.sqrt(-2 * math.log(0.5)) / 2)


def test_mask_and_nan_are_left_out():
    angles = np.array([[0.3, np.nan, 1.2]])
    stats = field_statistics(angles, mask=np.array([[1, 1, 0]]))
    assert stats.pixels == 1 and stats.mean_direction == pytest.approx(0.3)


def test_grouped_statistics_per_label():
    angles = np.array([[0.1, 0.1, 1.0, 2.0]])
    labels = np.array([[1, 1, 2, 0]])
    stats = grouped_statistics(angles, labels)
    assert stats["mean_direction"] == pytest.approx([0.1, 1.0])
    assert stats["pixels"].tolist() == [2, 1]


def test_histogram_counts_every_selected_pixel_once():
    angles = np.radians([[5.0, 95.0, 179.0, 95.0]])
    counts, edges = axial_histogram(angles, bins=18)
    assert counts.sum() == 4 and counts[0] == 1 and counts[9] == 2 and counts[17] == 1
    assert edges[-1] == pytest.approx(math.pi)


def test_order_parameter_falls_with_neighbourhood_size_when_alignment_is_local():
    # Bands 16 px wide alternately at 0 and 90°: a 16-px window mostly sees one band
    # (S near 1), a 128-px window sees both in equal parts (S near 0).
    angles = np.where((np.arange(256) // 16) % 2 == 0, 0.0, math.pi / 2)[None, :].repeat(256, 0)
    by_size = order_parameter_by_size(angles, sizes=(8, 32, 128))
    assert by_size[8] > 0.6 and by_size[128] < 0.15
    assert by_size[8] > by_size[32] > by_size[128]


def test_misorientation_is_zero_in_a_uniform_field_and_high_at_a_bend():
    uniform = misorientation_map(np.full((30, 30), 1.0))
    assert np.nanmax(uniform) == pytest.approx(0.0, abs=1e-9)
    step = np.zeros((30, 30))
    step[:, 15:] = math.pi / 2
    mis = misorientation_map(step)
    # Far from the step one direction only (0); on the step the window straddles 0 and 90°
    # about equally: S ≈ cos 90° = 0, arccos 0 = 90°.
    assert mis[15, 2] < 1e-3
    assert math.degrees(mis[15, 14:16].max()) > 70


def test_the_building_blocks_refuse_degrees_as_analyze_image_does():
    # field_statistics(np.degrees(angles)) returned numbers (90 rad read as 116.6 deg).
    from dense_direction.analysis.field import field_statistics

    with pytest.raises(ValueError, match=r"radians in \[0, pi\).*from 90 to 90"):
        field_statistics(np.full((4, 4), 90.0))
