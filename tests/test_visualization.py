import math

import numpy as np
import pytest
from PIL import Image

from dense_direction.visualization import (
    add_legend,
    color_wheel,
    comparison_row,
    direction_colors,
    direction_overlay,
    error_histogram,
    error_panel,
    quiver_plot,
)


@pytest.mark.parametrize(
    ("angle", "rgb"),
    [
        (0.0, (1, 0, 0)),  # hue 0: red
        (math.pi / 2, (0, 1, 1)),  # hue 1/2: cyan
        (math.pi / 3, (0, 1, 0)),  # hue 1/3: green
        (math.pi - 1e-9, (1, 0, 0)),  # pi is 0 again
    ],
)
def test_hue_is_the_angle_over_pi(angle, rgb):
    assert np.allclose(direction_colors(np.array([[angle]]))[0, 0], rgb, atol=1e-6)


def test_overlay_only_touches_masked_pixels():
    image = np.full((4, 4, 3), 100, np.uint8)
    angles = np.zeros((4, 4))
    mask = np.zeros((4, 4), bool)
    mask[1, 1] = True
    out = direction_overlay(image, angles, mask, alpha=1.0)
    assert tuple(out[1, 1]) == (255, 0, 0)
    assert (out[~mask] == 100).all()


def test_overlay_size_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"image \(4, 4\) and angles \(4, 5\) differ"):
        direction_overlay(np.zeros((4, 4)), np.zeros((4, 5)))


def test_color_wheel_colours_each_diameter_by_its_angle():
    # Hue = angle / pi with full saturation and value; HSV -> RGB by hand, with h' = 6 hue:
    #   0       -> h' = 0:   (1, 0, 0)                     red      (255, 0, 0)
    #   pi/2    -> h' = 3:   (0, 1, 1)                     cyan     (0, 255, 255)
    #   pi/4    -> h' = 1.5: sector 1 is (X, 1, 0), X = 1 - |1.5 mod 2 - 1| = 0.5
    #                                                      (128, 255, 0), 127.5 either way
    #   3pi/4   -> h' = 4.5: sector 4 is (X, 0, 1), X = 1 - |4.5 mod 2 - 1| = 0.5
    #                                                      (128, 0, 255)
    # With y up, pi/4 is up-right of the centre and 3pi/4 up-left; down-right is -pi/4, the
    # same diameter as 3pi/4, so it has that colour too.
    wheel = color_wheel(101)
    c = 50
    assert tuple(wheel[c, c + 40, :3]) == (255, 0, 0)
    assert tuple(wheel[c - 40, c, :3]) == (0, 255, 255)
    assert np.allclose(wheel[c - 28, c + 28, :3], (128, 255, 0), atol=1)
    assert np.allclose(wheel[c - 28, c - 28, :3], (128, 0, 255), atol=1)
    assert np.allclose(wheel[c + 28, c + 28, :3], (128, 0, 255), atol=1)
    assert wheel[0, 0, 3] == 0 and wheel[c, c, 3] == 0  # transparent corners and centre


def test_legend_is_drawn_in_the_corner():
    picture = np.zeros((100, 100, 3), np.uint8)
    out = add_legend(picture)
    assert out[:30, 70:].any() and not out[50:, :50].any()
    assert not picture.any()  # a copy by default
    drawn = add_legend(picture, copy=False)
    assert drawn is picture and np.array_equal(picture, out)


def test_quiver_and_histogram_write_files(tmp_path):
    angles = np.full((48, 64), math.pi / 4)
    mask = np.ones((48, 64))
    picture = quiver_plot(np.zeros((48, 64)), angles, mask, step=8, path=str(tmp_path / "q.png"))
    assert picture.shape == (48, 64, 3)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "q.png")), picture)
    error_histogram(
        {"model": np.array([1.0, 2.0]), "baseline": np.array([5.0])}, str(tmp_path / "h.png")
    )
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_error_panel_colours_scored_pixels_by_error_and_darkens_the_rest():
    from matplotlib import colormaps

    rgb = np.full((2, 3, 3), 200, np.uint8)
    errors = np.array([[0.0, 45.0, 90.0], [10.0, 10.0, 10.0]])
    select = np.array([[True, True, True], [False, False, False]])
    panel = error_panel(rgb, errors, select)
    # Unscored pixels: the gray value 200 darkened to 45 % -> 90.
    assert (panel[1] == 90).all()
    # Scored pixels: inferno at error / 45, clipped at 45 degrees (90 degrees looks like 45).
    inferno = colormaps["inferno"]
    assert np.array_equal(panel[0, 0], (np.array(inferno(0.0)[:3]) * 255).astype(np.uint8))
    assert np.array_equal(panel[0, 1], (np.array(inferno(1.0)[:3]) * 255).astype(np.uint8))
    assert np.array_equal(panel[0, 2], panel[0, 1])


def test_comparison_row_is_image_truth_prediction_error():
    rgb = np.full((8, 8, 3), 120, np.uint8)
    truth = np.full((8, 8), np.nan)
    truth[3:5] = 0.0  # a horizontal band: red in the truth panel
    angles = np.full((8, 8), np.pi / 2)  # predicted vertical: cyan
    select = np.isfinite(truth)
    row = comparison_row(rgb, truth, angles, np.where(select, 90.0, 0.0), select)
    assert row.shape == (8, 32, 3)
    assert np.array_equal(row[:, :8], rgb)
    red, cyan = row[4, 8 + 1].astype(int), row[4, 16 + 1].astype(int)
    assert red[0] > red[1] and cyan[2] > cyan[0]
    # Outside the truth's pixels both overlays leave the photograph as it is.
    assert np.array_equal(row[0, 8:24], np.full((16, 3), 120))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_colours_are_matplotlibs_hsv_with_full_saturation(dtype):
    # The written-out formula against matplotlib's general HSV conversion (hue = angle / pi,
    # saturation 1, value = strength), angles beyond [0, pi) and NaN included.
    from matplotlib.colors import hsv_to_rgb

    rng = np.random.default_rng(0)
    angles = rng.uniform(-4, 8, (50, 60)).astype(dtype)
    angles[0, 0] = np.nan
    strength = rng.uniform(-0.2, 1.2, (50, 60))
    hue = np.mod(np.nan_to_num(angles.astype(np.float64)), np.pi) / np.pi
    expected = hsv_to_rgb(np.stack((hue, np.ones_like(hue), np.clip(strength, 0, 1)), -1))
    got = direction_colors(angles, strength)
    assert got.dtype == dtype and np.abs(got - expected).max() < 1e-5


def test_overlay_blends_by_alpha_in_every_slab():
    # Grey 100 under a shown pixel at angle 0 (red, (1, 0, 0)) with alpha 0.8: each channel
    # is ((1 - 0.8) * 100 / 255 + 0.8 * c) * 255 + 0.5, floored:
    #   red   20 + 204 + 0.5 = 224.5 -> 224;  green and blue 20 + 0 + 0.5 -> 20.
    # At pi/2 (cyan, (0, 1, 1)) the same the other way round: (20, 224, 224). With a strength
    # of 0.5 the colour is halved: red 20 + 102 + 0.5 -> 122. Rows 0, 300 and 599 lie in
    # three slabs of the loop that bounds the temporaries (256 rows each).
    image = np.full((600, 7, 3), 100, np.uint8)
    angles = np.zeros((600, 7), np.float32)
    angles[300] = math.pi / 2
    mask = np.zeros((600, 7), bool)
    mask[[0, 300, 599], 3] = True
    out = direction_overlay(image, angles, mask)
    assert tuple(out[0, 3]) == (224, 20, 20)
    assert tuple(out[300, 3]) == (20, 224, 224)
    assert tuple(out[599, 3]) == (224, 20, 20)
    assert (out[~mask] == 100).all()
    strength = np.full((600, 7), 0.5, np.float32)
    assert tuple(direction_overlay(image, angles, mask, strength=strength)[0, 3]) == (122, 20, 20)
    assert (image == 100).all()  # the input is not drawn on


def test_overlay_of_rgba_and_gray_images():
    # An RGBA image loses its alpha channel; a gray one is repeated into three channels.
    angles = np.zeros((3, 4), np.float32)
    mask = np.zeros((3, 4), bool)
    mask[1, 2] = True
    rgba = np.full((3, 4, 4), 100, np.uint8)
    gray = np.full((3, 4), 100, np.uint8)
    for image in (rgba, gray):
        out = direction_overlay(image, angles, mask)
        assert out.shape == (3, 4, 3)
        assert tuple(out[1, 2]) == (224, 20, 20)
        assert tuple(out[0, 0]) == (100, 100, 100)


@pytest.mark.parametrize(
    ("degrees", "colour", "slope"),
    [
        # y up: 45 deg runs from bottom-left to top-right, so the row falls as the column
        # grows (a negative row-column correlation); 135 deg the other way. Colours: hue =
        # angle / 180, 45 deg is h' = 1.5, (0.5, 1, 0) -> (128, 255, 0); 135 deg (128, 0, 255).
        (45, (128, 255, 0), -1),
        (135, (128, 0, 255), 1),
        (0, (255, 0, 0), 0),
        (90, (0, 255, 255), 0),
    ],
)
def test_quiver_segments_point_along_their_direction_with_y_up(degrees, colour, slope):
    # One grid point (step 100 puts it at (50, 50)): a segment 0.8 * 100 = 80 px long
    # centred on it, 100 // 12 = 8 px wide, on black.
    angles = np.full((100, 100), math.radians(degrees))
    mask = np.zeros((100, 100), bool)
    mask[50, 50] = True
    picture = quiver_plot(np.zeros((100, 100)), angles, mask, step=100)
    assert tuple(picture[50, 50]) == colour
    rows, cols = np.nonzero(picture.sum(axis=2) > 60)
    if slope:
        assert np.sign(np.corrcoef(rows, cols)[0, 1]) == slope
        # 20 px up the segment's upper half: right of the centre at 45 deg, left at 135.
        up_right, up_left = picture[30, 70].any(), picture[30, 30].any()
        assert (up_right, up_left) == ((True, False) if slope < 0 else (False, True))
    elif degrees == 0:
        assert rows.min() >= 44 and rows.max() <= 56 and cols.max() - cols.min() >= 80
    else:
        assert cols.min() >= 44 and cols.max() <= 56 and rows.max() - rows.min() >= 80
