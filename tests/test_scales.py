"""Width-adaptive scale selection (dense_direction.scales): widths read from a mask, weights
per scale, and the fusion of vector fields."""

import math

import numpy as np
import pytest

from dense_direction.scales import check_scales, fuse_scales, local_width, scale_weights
from helpers import line_mask


@pytest.mark.parametrize("width", [6, 17, 30])
def test_a_band_has_its_width_at_every_pixel_not_only_on_its_centre_line(width):
    # A straight band of width w: every pixel lies in a disk of diameter w inside the band
    # (centred on the centre-line) and in none larger, at its edges as on its centre-line.
    # Rasterised, the band is w or w + 1 pixels across and widths come in steps of 2 px:
    # within 2 px.
    mask = line_mask(129, math.radians(25), width).numpy().astype(bool)
    measured = local_width(mask)
    inner = mask.copy()
    inner[:20], inner[-20:], inner[:, :20], inner[:, -20:] = False, False, False, False
    assert np.abs(measured[inner] - width).max() <= 2
    assert (measured[~mask] == 0).all()


def test_a_thin_bar_keeps_its_width_where_it_meets_a_wide_one():
    # A 6-px bar (rows 40-45) from the left edge into a 30-px vertical band (cols 60-89): the
    # bar's pixels away from the band lie in no disk wider than 6; the band's in one of 30.
    mask = np.zeros((128, 128), bool)
    mask[:, 60:90] = True
    mask[40:46, :60] = True
    measured = local_width(mask)
    assert (measured[40:46, 5:50] == 6).all()
    assert (measured[5:120, 60:90] == 30).all()
    # Searching no further than 16 px: the band reads 16, the bar still 6.
    capped = local_width(mask, max_width=16)
    assert (capped[5:120, 60:90] == 16).all() and (capped[40:46, 5:50] == 6).all()


def test_width_of_an_empty_mask_is_zero_and_of_a_full_one_the_image_side():
    assert (local_width(np.zeros((8, 9), bool)) == 0).all()
    assert (local_width(np.ones((8, 9), bool)) == 9).all()


def test_width_needs_a_two_dimensional_mask():
    with pytest.raises(ValueError, match=r"mask must be \(H, W\), got shape \(2, 8, 8\)"):
        local_width(np.ones((2, 8, 8), bool))


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        # Hand-derived (scales 1, 1/2, 1/4; target 8 px): the ideal scale is 8 / w, clipped
        # to [1/4, 1], split between its neighbours linearly in log2(scale).
        (0, (1, 0, 0)),  # background: the image itself
        (4, (1, 0, 0)),  # narrower than the target: ideal 2, clipped to 1
        (8, (1, 0, 0)),
        (16, (0, 1, 0)),
        # ideal 1/3: log2 = -1.585, 0.585 below 1/2 and 0.415 above 1/4
        (24, (0, 0.415, 0.585)),
        (32, (0, 0, 1)),
        (64, (0, 0, 1)),  # ideal 1/8, clipped to 1/4
        # ideal 8/11.31 = 2^-0.5: halfway between 1 and 1/2
        (8 * math.sqrt(2), (0.5, 0.5, 0)),
    ],
)
def test_scale_weights_match_the_hand_derived_split(width, expected):
    weights = scale_weights(np.array([[width]], np.float32), (1, 0.5, 0.25), target_width=8)
    assert weights[:, 0, 0] == pytest.approx(expected, abs=1e-3)


def test_scale_weights_follow_the_order_of_scales_given_descending():
    # check_scales sorts the scales, largest first; the weights come in that order.
    weights = scale_weights(np.array([[16.0]]), (0.5, 1), target_width=8)
    assert weights[:, 0, 0] == pytest.approx((0, 1))


def test_one_scale_weighs_one_everywhere():
    weights = scale_weights(np.array([[0.0, 5.0, 300.0]]), (1,))
    assert (weights == 1).all()


@pytest.mark.parametrize(
    ("scales", "message"),
    [
        ((), r"at least 1 \(the image itself\), got none"),
        ((1, 1.5), "must lie in"),
        ((1, 0), "must lie in"),
        ((0.5, 0.25), "must include 1"),
        ((1, 0.5, 0.5), "must not repeat"),
    ],
)
def test_bad_scales_are_named(scales, message):
    with pytest.raises(ValueError, match=message):
        check_scales(scales)


@pytest.mark.parametrize("scales", [0.5, "1 0.5", (1, "0.5"), (1, None)])
def test_scales_that_are_not_a_sequence_of_numbers_are_a_type_error(scales):
    # Before: "'float' object is not iterable" or a float() error that named no argument.
    with pytest.raises(TypeError, match=r"scales must (be 'auto' or a sequence|hold numbers)"):
        check_scales(scales)


def test_fusion_takes_each_pixel_from_the_scale_its_weights_choose():
    fine = np.zeros((2, 1, 2), np.float32)
    fine[0] = 1.0  # vector (1, 0): 90 deg
    coarse = np.zeros((2, 1, 2), np.float32)
    coarse[0] = -1.0  # vector (-1, 0): 0 deg
    weights = np.array([[[1.0, 0.25]], [[0.0, 0.75]]], np.float32)
    fused = fuse_scales([fine, coarse], weights)
    # pixel 0: the fine field alone; pixel 1: 0.25 * 1 + 0.75 * (-1) = -0.5
    assert fused[0, 0].tolist() == [1.0, -0.5]
    assert (fused[1] == 0).all()


def test_fusion_needs_one_weight_map_per_field():
    with pytest.raises(ValueError, match="2 fields but 1 weight maps"):
        fuse_scales([np.zeros((2, 1, 1))] * 2, np.ones((1, 1, 1)))


@pytest.mark.parametrize("block", [2, 3, 13])
def test_block_any_marks_the_blocks_holding_a_pixel(block):
    from dense_direction.scales import _block_any

    image = np.zeros((4 * block, 3 * block), bool)
    image[0, 0] = True  # block (0, 0), its first pixel
    image[2 * block - 1, 3 * block - 1] = True  # block (1, 2), its last pixel
    image[3 * block + block // 2, block] = True  # block (3, 1)
    expected = np.zeros((4, 3), bool)
    expected[0, 0] = expected[1, 2] = expected[3, 1] = True
    assert np.array_equal(_block_any(image, block), expected)
