import json
import math

import numpy as np
import pytest
import torch

from dense_direction.kernels import (
    KERNELS,
    build_kernel,
    circular_point_kernel,
    polar_disc_kernel,
    polar_sector_kernel,
    polar_wedge_kernel,
    radial_line_kernel,
)
from helpers import reference_dir

ALL = sorted(KERNELS)


def _reference_kernels():
    folder = reference_dir()
    if not (folder / "directional_reference.json").exists():
        return []
    cases = json.loads((folder / "directional_reference.json").read_text())["kernels"]
    return sorted(cases.items())


@pytest.mark.parametrize(
    ("name", "cfg"),
    _reference_kernels()
    or [pytest.param(None, None, marks=pytest.mark.skip(reason="../shared/reference not present"))],
)
def test_matches_reference_kernels(name, cfg):
    expected = np.load(reference_dir() / "directional_reference.npz")[f"kernel/{name}"]
    built = build_kernel(cfg).numpy()
    assert built.shape == expected.shape
    # float64 kernels; arccos near +-1 differs between numpy/libm builds by up to ~2e-8 (polar
    # kernels), far inside MISSION's 1e-5 for the reference vectors.
    np.testing.assert_allclose(built, expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_shape_dtype_and_bins_sum_to_one(name):
    kernel = build_kernel({"type": name}, pad=4, div=12)
    assert kernel.shape == (12, 9, 9)
    assert kernel.dtype == torch.float64
    assert torch.all(kernel >= 0)
    assert torch.allclose(kernel.sum(dim=(-2, -1)), torch.ones(12, dtype=torch.float64))


@pytest.mark.parametrize("name", ALL)
def test_point_symmetric(name):
    # A direction is undirected: evidence at +o and -o counts the same.
    kernel = build_kernel({"type": name}, pad=5, div=16)
    assert torch.allclose(kernel, kernel.flip(-2, -1), atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_bin_mass_lies_along_its_direction(name):
    # Bins 0, div/4 and div/2 stand for 0, pi/4 and pi/2 (y up). Row offsets grow downward, so
    # pi/4 points to (row -r, col +r): the up-right / down-left diagonal.
    pad, div = 5, 8
    kernel = build_kernel({"type": name}, pad=pad, div=div)
    c = pad
    row, column = kernel[:, c].sum(-1), kernel[:, :, c].sum(-1)
    diagonal = torch.diagonal(kernel, dim1=-2, dim2=-1).sum(-1)  # falling: (row +r, col +r)
    anti = torch.diagonal(kernel.flip(-1), dim1=-2, dim2=-1).sum(-1)  # rising: (row -r, col +r)
    assert row[0] > 2 * column[0]
    assert column[div // 2] > 2 * row[div // 2]
    assert anti[div // 4] > 2 * diagonal[div // 4]
    assert diagonal[3 * div // 4] > 2 * anti[3 * div // 4]
    # Off the centre, the perpendicular through the centre gets nothing.
    assert kernel[0, :c, c].sum() < 1e-9
    assert kernel[div // 4, c + 1 :, c + 1 :].diagonal().sum() < 1e-9


def test_rotating_a_kernel_by_90_degrees_moves_it_by_half_the_bins():
    # rot90 with dims (row, col) turns the picture counter-clockwise: theta -> theta + pi/2.
    kernel = radial_line_kernel(pad=6, div=12)
    rotated = torch.rot90(kernel, 1, dims=(-2, -1))
    assert torch.allclose(rotated, kernel.roll(-6, dims=0), atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: circular_point_kernel(3, 20, threshold=0.5),
            ValueError,
            r"threshold must be in \[1, inf\], got 0.5",
        ),
        (lambda: radial_line_kernel(3, 20, threshold=0.9), ValueError, "threshold"),
        (lambda: radial_line_kernel(3, 0), ValueError, "div must be >= 1, got 0"),
        (lambda: radial_line_kernel(0, 4), ValueError, "pad must be >= 1, got 0"),
        (lambda: radial_line_kernel(2.5, 4), TypeError, "pad must be an int, got float"),
        (
            lambda: polar_disc_kernel(3, 8, radius=4.0),
            ValueError,
            r"radius must be in \(0, 3\], got 4",
        ),
        (lambda: polar_sector_kernel(3, 8, radius=0), ValueError, "radius"),
        (
            lambda: polar_wedge_kernel(3, 8, threshold=1.0),
            ValueError,
            r"threshold must be in \(0, 0.785398\], got 1",
        ),
        (
            lambda: polar_wedge_kernel(1, 20, threshold=0.1),
            ValueError,
            "have no support.*increase pad",
        ),
        (
            lambda: build_kernel({"type": "gaussian_kernel"}, pad=3, div=8),
            ValueError,
            "unknown kernel type 'gaussian_kernel'; expected one of",
        ),
        (
            lambda: build_kernel({"type": "polar_kernel", "radius": 2}, pad=3, div=8),
            TypeError,
            r"unexpected options \['radius'\]; it accepts \['alpha'\]",
        ),
        (
            lambda: build_kernel({"type": "polar_kernel", "pad": 4}, pad=3, div=8),
            ValueError,
            "sets pad=4 but the caller passes pad=3",
        ),
        (lambda: build_kernel({"type": "polar_kernel"}), ValueError, "needs 'pad'"),
        (lambda: build_kernel("polar_kernel", pad=3, div=8), TypeError, "'type' key"),
    ],
)
def test_invalid_parameters_are_explained(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_callable_type_builds_a_custom_kernel():
    def box_kernel(pad, div):
        size = 2 * pad + 1
        return torch.full((div, size, size), 1.0 / size**2, dtype=torch.float64)

    kernel = build_kernel({"type": box_kernel}, pad=2, div=3)
    assert kernel.shape == (3, 5, 5)


def test_a_custom_kernel_of_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match=r"returned \(3, 4, 4\); expected .* \(3, 5, 5\)"):
        build_kernel({"type": lambda pad, div: torch.zeros(div, 4, 4)}, pad=2, div=3)


def test_angles_of_bins():
    # Bin k stands for k*pi/div: with div=4 bin 1 is pi/4, the rising diagonal.
    kernel = polar_wedge_kernel(pad=3, div=4, threshold=math.pi / 8)
    assert kernel[1, 2, 4] > 0 and kernel[1, 2, 2] == 0
