import math

import numpy as np
import pytest

from dense_direction.transforms import (
    ArrayCache,
    centerline_directions,
    crop_array,
    grow_box,
    guided_crop_box,
    pack_angles,
    unpack_angles,
)
from helpers import line_mask


def test_crop_box_centres_the_only_structure_pixel():
    # One structure pixel at (row 10, col 20) in 40x50; an 8x8 crop centred on it starts at
    # (10 - 4, 20 - 4) = (6, 16).
    mask = np.zeros((40, 50), np.uint8)
    mask[10, 20] = 1
    assert guided_crop_box(mask, (8, 8), np.random.default_rng(0)) == (6, 16, 8, 8)


def test_crop_box_is_clamped_inside_the_image():
    mask = np.zeros((40, 50), np.uint8)
    mask[1, 48] = 1
    assert guided_crop_box(mask, (8, 8), np.random.default_rng(0)) == (0, 42, 8, 8)


def test_crop_box_honours_the_ratio_when_it_can():
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :4] = 1  # a band on the left edge
    mask[40, 40] = 1  # a lone pixel
    rng = np.random.default_rng(1)
    for _ in range(5):
        top, left, h, w = guided_crop_box(mask, (16, 16), rng, min_ratio=0.1)
        assert mask[top : top + h, left : left + w].mean() >= 0.1


def test_crop_box_by_index_and_empty_mask_fallback():
    labels = np.zeros((30, 30), np.uint8)
    labels[5, 5], labels[25, 25] = 1, 2
    assert guided_crop_box(labels, (6, 6), np.random.default_rng(0), positive=[2]) == (22, 22, 6, 6)
    top, left, h, w = guided_crop_box(np.zeros((30, 30)), (6, 6), np.random.default_rng(0))
    assert 0 <= top <= 24 and 0 <= left <= 24 and (h, w) == (6, 6)


def test_crop_larger_than_image_says_what_to_do():
    with pytest.raises(
        ValueError,
        # The command-line way first: the largest crop that fits is the shorter side, 20.
        # (20 rows, 30 columns: 30x20 as width x height, as every size message gives it)
        match=r"image 30x20 \(WxH\) is smaller than the crop 32x32; resize or pad first "
        r"\(dense-direction train: a --crop of at most 20;",
    ):
        guided_crop_box(np.ones((20, 30)), (32, 32), np.random.default_rng(0))


def test_crop_array_layouts():
    box = (1, 2, 3, 4)
    assert crop_array(np.zeros((10, 10, 3)), box, channels_first=False).shape == (3, 4, 3)
    assert crop_array(np.zeros((2, 10, 10)), box, channels_first=True).shape == (2, 3, 4)


@pytest.mark.parametrize("degrees", [0.0, 30.0, 90.0, 145.0])
def test_centerline_directions_of_a_straight_line(degrees):
    line = line_mask(61, math.radians(degrees), 1.0).numpy().astype(np.uint8)
    angles = centerline_directions(line)
    assert angles.shape == (1, 61, 61) and angles.dtype == np.float32
    # A 1-px rasterised line is a staircase at most angles: allow 1.5 deg.
    assert math.degrees(angles[0, 30, 30]) == pytest.approx(degrees % 180, abs=1.5)


def test_centerline_directions_of_a_circle_are_tangents():
    # On a circle, the point at polar angle phi (y up) has tangent phi + 90 deg.
    size, radius, c = 81, 30, 40
    rows, cols = np.mgrid[0:size, 0:size]
    ring = (np.abs(np.hypot(rows - c, cols - c) - radius) < 0.5).astype(np.uint8)
    angles = centerline_directions(ring, sigma=1.0, rho=2.0)[0]
    for phi in (0, 45, 90, 135):
        row = round(c - radius * math.sin(math.radians(phi)))
        col = round(c + radius * math.cos(math.radians(phi)))
        expected = (phi + 90) % 180
        error = abs(math.degrees(angles[row, col]) - expected)
        assert min(error, 180 - error) < 3.0


def test_centerline_directions_per_class():
    labels = np.zeros((41, 41), np.uint8)
    labels[20, :] = 1  # horizontal, class 1
    labels[:, 20] = 2  # vertical, class 2
    angles = centerline_directions(labels, dir_classes=(1, 2))
    assert math.degrees(angles[0, 20, 5]) == pytest.approx(0, abs=1)
    assert math.degrees(angles[1, 5, 20]) == pytest.approx(90, abs=1)


def test_cache_evicts_the_least_recently_used_arrays():
    cache = ArrayCache(max_bytes=3 * 800)
    for key in "abc":
        cache.put(key, np.zeros(100))  # 800 bytes each
    cache.get("a")
    cache.put("d", np.zeros(100))
    assert cache.get("b") is None and cache.get("a") is not None and cache.bytes == 2400


def test_cache_counts_told_sizes_and_a_replaced_key_once():
    # Room for 2000 bytes: "a" (told 1500) and "b" (told 400) fit; putting "a" again with
    # 900 replaces its 1500 (1300 in use, not 2800); "c" (800) would make 2100, so "b", now
    # the least recently used, goes: 900 + 800 = 1700. A value larger than the room is not
    # kept.
    cache = ArrayCache(max_bytes=2000)
    cache.put("a", {"img": None}, nbytes=1500)
    cache.put("b", "small", nbytes=400)
    cache.put("a", {"img": 1}, nbytes=900)
    assert cache.bytes == 1300 and cache.get("a") == {"img": 1}
    cache.put("c", [0], nbytes=800)
    assert cache.get("b") is None and cache.bytes == 1700
    cache.put("huge", np.zeros(1000))  # 8000 bytes
    assert cache.get("huge") is None and cache.bytes == 1700
    # Replacing "c" by a value too large to keep drops the old one: no stale "c" is served.
    cache.put("c", np.zeros(1000))
    assert cache.get("c") is None and cache.bytes == 900


def test_grow_box_is_clipped_to_the_array():
    # (top, left, h, w) = (10, 50, 20, 30) grown by 15 in a 40x90 array: top 10 - 15 -> 0,
    # left 50 - 15 = 35, bottom 30 + 15 -> 40, right 80 + 15 -> 90: (0, 35, 40, 55).
    assert grow_box((10, 50, 20, 30), 15, (40, 90)) == (0, 35, 40, 55)
    assert grow_box((10, 50, 20, 30), 5, (40, 90)) == (5, 45, 30, 40)  # inside: + 2 x 5
    assert grow_box((10, 50, 20, 30), 0, (40, 90)) == (10, 50, 20, 30)


def test_packed_angles_round_trip_within_half_a_code():
    # Codes step by pi / 65535 rad, so rounding moves an angle by at most half of that
    # (2.4e-5 rad); an angle within half a step of pi wraps to code 0 (the same axis).
    angles = np.array([0.0, 1e-6, 0.5, np.pi / 2, np.pi - 1e-6, np.nan, 3.0], np.float32)
    codes = pack_angles(angles)
    assert codes.dtype == np.uint16 and codes[5] == 65535 and codes[4] == 0
    back = unpack_angles(codes)
    assert np.isnan(back[5]) and np.all(
        (back[~np.isnan(back)] >= 0) & (back[~np.isnan(back)] < np.pi)
    )
    diff = np.abs(back - angles)
    axial = np.minimum(diff, np.pi - diff)[~np.isnan(angles)]
    assert axial.max() <= np.pi / 65535 / 2 + 1e-6
    assert unpack_angles(pack_angles(np.full((3, 4), np.nan))).shape == (3, 4)
