"""The OpenCV helpers give SciPy's numbers (the core's defaults), on views as on arrays."""

import numpy as np
import pytest
from scipy import ndimage

from dense_direction.cv_ops import opencv_disk_dilation, opencv_distance, opencv_gaussian


def test_opencv_distance_is_scipys_exact_transform():
    # predict's structure widths use OpenCV's transform: the same distances as scipy's, the
    # image border included (it is not background for either).
    rng = np.random.default_rng(0)
    mask = ndimage.uniform_filter(rng.random((120, 160)), 9) > 0.5
    mask[:5, :40] = True
    expected = ndimage.distance_transform_edt(mask)
    np.testing.assert_allclose(opencv_distance(mask), expected, atol=1e-4)


@pytest.mark.parametrize("sigma", [0.8, 2.1, 5.3])
def test_opencv_gaussian_is_scipys_constant_mode_filter(sigma):
    # Zeros beyond the image (a bright pixel at the border loses the weight that falls
    # outside) and the kernel truncated at 4 sigma, like smoothing's default. The input is a
    # strided view, as the pyramid's boxes are.
    rng = np.random.default_rng(1)
    stack = rng.random((3, 90, 130)).astype(np.float32)
    stack[1, 5, 7] = 50.0  # the corner of the view below
    view = stack[1, 5:, 7:120]
    expected = ndimage.gaussian_filter(view, sigma, mode="constant")
    np.testing.assert_allclose(opencv_gaussian(view, sigma), expected, atol=1e-5)


def test_smoothing_with_opencv_gives_scipys_field():
    # predict passes both helpers to the core's smoothing; its field must not change.
    from dense_direction.smoothing import smooth_field, structure_width

    mask = np.zeros((120, 160), bool)
    mask[20:70, 10:150] = True  # a 50-px band: rungs up to 48 px, pyramid levels 1 and 2
    mask[90:100, 30:120] = True  # a 10-px band: full resolution
    angles = np.random.default_rng(2).normal(0.3, 0.2, mask.shape)
    vectors = np.stack([np.cos(2 * angles), np.sin(2 * angles)]).astype(np.float32)
    width = structure_width(mask)
    np.testing.assert_array_equal(structure_width(mask, distance=opencv_distance), width)
    with_dilation = structure_width(mask, distance=opencv_distance, dilate=opencv_disk_dilation)
    np.testing.assert_array_equal(with_dilation, width)
    expected = smooth_field(vectors, mask, width, 0.25)
    assert np.abs(expected - vectors).max() > 0.1  # the smoothing does change the field
    got = smooth_field(vectors, mask, width, 0.25, blur=opencv_gaussian)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_disk_footprint_hand_derived():
    # radius 2.5: offsets with dy^2 + dx^2 <= 6.25 -> (2, 1) is in (5), (2, 2) is out (8).
    from dense_direction.scales import disk_footprint

    footprint = disk_footprint(2.5)
    assert footprint.shape == (5, 5)
    assert footprint[0, 1] == 1 and footprint[0, 0] == 0 and footprint[2, 2] == 1
    assert footprint.sum() == 21  # 25 less the four corners


@pytest.mark.parametrize("radius", [1.0, 2.5, 3.57, 5.05])
def test_the_disk_dilation_is_the_exact_distance_threshold(radius):
    # structure_width's full-resolution rungs dilate instead of transforming: the same pixels
    # as an exact Euclidean transform thresholded at the radius.
    from dense_direction.cv_ops import opencv_disk_dilation

    seeds = np.random.default_rng(3).random((80, 90)) > 0.995
    seeds[0, 0] = seeds[79, 45] = True  # seeds on the border reach inwards only
    expected = ndimage.distance_transform_edt(~seeds) <= radius
    np.testing.assert_array_equal(opencv_disk_dilation(seeds, radius), expected)
