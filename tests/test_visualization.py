import math

import numpy as np
import pytest

from dense_direction.visualization import (
    add_legend,
    color_wheel,
    direction_colors,
    direction_overlay,
    error_histogram,
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


def test_quiver_and_histogram_write_files(tmp_path):
    angles = np.full((48, 64), math.pi / 4)
    mask = np.ones((48, 64))
    picture = quiver_plot(np.zeros((48, 64)), angles, mask, step=8, path=str(tmp_path / "q.png"))
    assert picture.shape == (48, 64, 3) and (tmp_path / "q.png").exists()
    error_histogram(
        {"model": np.array([1.0, 2.0]), "baseline": np.array([5.0])}, str(tmp_path / "h.png")
    )
    assert (tmp_path / "h.png").stat().st_size > 1000
