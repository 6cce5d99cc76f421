import math

import numpy as np
import pytest
import torch

from dense_direction.classical import hessian_direction, structure_tensor_direction
from dense_direction.evaluation import angular_error
from helpers import line_mask

ANGLES = [0.0, 20.0, 45.0, 90.0, 121.0, 160.0]


def _blurred_line(degrees, width=3, size=65):
    img = line_mask(size, math.radians(degrees), width, dtype=torch.float64)
    return torch.nn.functional.avg_pool2d(img[None, None], 3, 1, 1)[0, 0]


def _core(size=65, radius=12):
    # Centre-line pixels well away from the image border.
    core = torch.zeros(size, size, dtype=torch.bool)
    c = size // 2
    core[c - radius : c + radius + 1, c - radius : c + radius + 1] = True
    return core


@pytest.mark.parametrize("degrees", ANGLES)
def test_structure_tensor_finds_a_straight_line(degrees):
    img = _blurred_line(degrees)
    angles, coherence = structure_tensor_direction(img, sigma=1.0, rho=3.0)
    on_line = (line_mask(65, math.radians(degrees), 1.5) > 0) & _core()
    errors = angular_error(angles, torch.full_like(angles, math.radians(degrees)), on_line)
    assert np.median(errors) < 1.0
    assert coherence[on_line].mean() > 0.8


@pytest.mark.parametrize("degrees", ANGLES)
@pytest.mark.parametrize("polarity", ["bright", "dark"])
def test_hessian_finds_bright_and_dark_lines(degrees, polarity):
    img = _blurred_line(degrees)
    img = img if polarity == "bright" else 1 - img
    angles = hessian_direction(img, sigma=1.5)
    on_line = (line_mask(65, math.radians(degrees), 1.0) > 0) & _core()
    errors = angular_error(angles, torch.full_like(angles, math.radians(degrees)), on_line)
    assert np.median(errors) < 1.0


def test_rotating_the_image_rotates_the_direction():
    img = _blurred_line(30.0)
    angles, _ = structure_tensor_direction(img)
    turned, _ = structure_tensor_direction(torch.rot90(img, 1))
    expected = torch.remainder(torch.rot90(angles, 1) + math.pi / 2, math.pi)
    core = torch.rot90(_core() & (line_mask(65, math.radians(30), 1.5) > 0), 1)
    assert angular_error(turned, expected, core).max() < 1e-6


def test_flat_image_has_zero_coherence():
    _, coherence = structure_tensor_direction(np.zeros((16, 16)))
    assert isinstance(coherence, np.ndarray) and np.all(coherence == 0)


def test_rgb_numpy_in_numpy_out():
    rgb = np.repeat(_blurred_line(45.0).numpy()[..., None], 3, axis=2)
    angles = hessian_direction(rgb, sigma=1.5)
    assert isinstance(angles, np.ndarray) and angles.shape == (65, 65)
    assert abs(math.degrees(angles[32, 32]) - 45.0) < 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: hessian_direction(np.zeros((2, 4, 5))),
            r"\(H, W\) grayscale.*got shape \(2, 4, 5\)",
        ),
        (lambda: hessian_direction(np.zeros((8, 8)), sigma=0), "sigma must be a number > 0"),
        # An empty image failed deep inside with "cannot reshape tensor of 0 elements".
        (lambda: structure_tensor_direction(np.zeros((0, 5))), r"H, W > 0, got shape \(0, 5\)"),
        (lambda: structure_tensor_direction(np.zeros((8, 8)), rho=-1), "rho must be"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_flipped_and_turned_views_and_numpy_scalars_are_taken():
    # Views with a negative stride (image[:, ::-1], np.rot90) failed in torch.from_numpy,
    # and np.float32 scales were refused as "not a number". A flipped view gives the flipped
    # copy's answer.
    image = np.random.default_rng(0).random((24, 32))
    for view in (image[:, ::-1], np.rot90(image)):
        np.testing.assert_array_equal(
            structure_tensor_direction(view, np.float32(1.0), np.float64(2.0)),
            structure_tensor_direction(view.copy(), 1.0, 2.0),
        )
        np.testing.assert_array_equal(hessian_direction(view), hessian_direction(view.copy()))
    assert angular_error(image[:, ::-1], image[:, ::-1].copy()).max() == 0


def test_pixels_without_a_value_get_no_direction_and_do_not_spread():
    # A NaN pixel spread over the filters' support: a few holes made most of the output NaN.
    # Now the holes alone are NaN, and elsewhere the result is that of the image with the
    # holes filled by the median (here 0.0: a line on a zero background).
    image = line_mask(64, math.radians(30.0), width=3).numpy().astype(np.float64)
    holes = np.zeros(image.shape, bool)
    holes[::16, ::16] = True
    holey = np.where(holes, np.nan, image)
    filled = np.where(holes, np.median(image[~holes]), image)
    for direction in (
        lambda im: structure_tensor_direction(im, 1.0, 2.0)[0],
        lambda im: hessian_direction(im, 2.0),
    ):
        got, want = direction(holey), direction(filled)
        assert np.isnan(got[holes]).all() and np.isfinite(got[~holes]).all()
        np.testing.assert_array_equal(got[~holes], want[~holes])
    # A one-channel image (H, W, 1), as predict takes it, is its plane.
    np.testing.assert_array_equal(hessian_direction(image[..., None]), hessian_direction(image))


def test_angles_lie_in_zero_to_pi_without_negative_zero():
    # remainder(-1e-17, pi) rounds to exactly pi: the Hessian gave pi at four pixels of this
    # thresholded fibre image (bins int(a / pi * 180) = 180), and -0.0 on a flat image.
    from dense_direction.synthetic import generate_sample

    image = generate_sample("fibres", size=64, seed=28).image.mean(axis=2) > 100
    for angles in (hessian_direction(image), structure_tensor_direction(image)[0]):
        assert ((angles >= 0) & (angles < math.pi)).all()
    flat = hessian_direction(np.zeros((1, 1)))
    assert flat[0, 0] == 0 and not np.signbit(flat).any()


def test_the_filters_on_the_cpu_do_not_unfold_the_image(monkeypatch):
    # float64 conv2d unfolds the image once per kernel tap (im2col): about 450 bytes a pixel
    # at rho = 6 (49 taps), so evaluate's baselines were killed for memory on a 4096^2 image
    # (torch's memory is not Python's: tracemalloc cannot see it, hence this check of the
    # path). The line-by-line filters give conv2d's numbers to float rounding.
    from dense_direction import classical

    image = torch.from_numpy(np.random.default_rng(0).random((64, 80)))
    g, d1, _ = classical._kernels_1d(6.0)
    unfolded = classical._separable(image.clone().requires_grad_(True), g, d1).detach()
    monkeypatch.setattr(classical.F, "conv2d", lambda *a, **k: pytest.fail("conv2d used"))
    assert torch.allclose(classical._separable(image, g, d1), unfolded, rtol=0, atol=1e-15)
    structure_tensor_direction(image.numpy(), sigma=2.0, rho=6.0)
    hessian_direction(image.numpy(), sigma=4.0)
