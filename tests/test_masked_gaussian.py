"""The normalised Gaussian on a pyramid (dense_direction.masked_gaussian): which level a
Gaussian goes to, the block means, and the bilinear samples; expectations derived by hand or
from SciPy. How close the whole comes to the full-resolution Gaussian: tests/test_smoothing.py."""

import numpy as np
import pytest
from scipy import ndimage

from dense_direction.masked_gaussian import MaskedPyramid, bilinear_at, pyramid_level


@pytest.mark.parametrize(
    ("sigma", "level"), [(2.0, 0), (2.12, 1), (4.24, 1), (4.3, 2), (8.5, 2), (8.6, 3), (12, 3)]
)
def test_a_gaussian_goes_to_the_coarsest_level_that_keeps_it_a_pixel_wide(sigma, level):
    # On a level f times coarser a Gaussian keeps sqrt(sigma^2 - (f^2 - 1) / 4) / f coarse
    # pixels (block means and bilinear samples take the rest), and must keep 0.95:
    # sigma 2.0, f 2: sqrt(4 - 0.75) / 2 = 0.90, too narrow; sigma 2.12: 0.97 (level 1);
    # sigma 4.24, f 4: sqrt(18 - 3.75) / 4 = 0.94 (stays at 1); 4.3: 0.96 (level 2);
    # sigma 8.5, f 8: sqrt(72.25 - 15.75) / 8 = 0.94; 8.6: 0.95 (level 3); 12 at f 16: 0.56.
    assert pyramid_level(sigma) == level


def test_bilinear_samples_match_scipy_and_continue_the_edge():
    # planes[0] = [[0, 1, 2], [3, 4, 5]]: at (0.5, 0.5) the mean of 0, 1, 3, 4 = 2; (1, 2) is
    # the corner 5; (-3, 10) lies beyond the top right: the edge value 2; (0.25, 1.5):
    # 1.5 on the top row, 4.5 on the bottom, a quarter of the way down: 2.25.
    planes = np.stack([np.arange(6.0).reshape(2, 3), np.ones((2, 3))]).astype(np.float32)
    y, x = np.array([0.5, 1.0, -3.0, 0.25]), np.array([0.5, 2.0, 10.0, 1.5])
    got = bilinear_at(planes, y, x)
    np.testing.assert_allclose(got[0], [2.0, 5.0, 2.0, 2.25], atol=1e-6)
    np.testing.assert_allclose(got[1], 1.0, atol=1e-6)
    rng = np.random.default_rng(0)
    for shape in [(7, 9), (1, 6), (5, 1)]:
        planes = rng.normal(size=(3, *shape)).astype(np.float32)
        y, x = rng.uniform(-2, shape[0] + 1, 200), rng.uniform(-2, shape[1] + 1, 200)
        expected = [ndimage.map_coordinates(p, [y, x], order=1, mode="nearest") for p in planes]
        np.testing.assert_allclose(bilinear_at(planes, y, x), expected, atol=1e-5)


@pytest.mark.parametrize("shape", [(8, 10), (7, 9)])
def test_the_first_halving_from_the_field_is_the_halving_of_the_full_stack(shape):
    # Level 1 is built from the field and mask without the full-resolution stack; it must be
    # what halving that stack gives (the same sums in the same order: equal bit for bit), and
    # the 2x2 block means of (m, m vx, m vy), an odd side padded with zeros.
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2, *shape)).astype(np.float32)
    mask = rng.random(shape) > 0.4
    direct = MaskedPyramid(vectors, mask).level(1)
    through_full = MaskedPyramid(vectors, mask)
    full = through_full.level(0)
    assert np.array_equal(direct, through_full.level(1))
    padded = np.pad(full, ((0, 0), (0, shape[0] % 2), (0, shape[1] % 2)))
    blocks = padded.reshape(3, padded.shape[1] // 2, 2, padded.shape[2] // 2, 2).mean((2, 4))
    np.testing.assert_allclose(direct, blocks, atol=1e-6)
    np.testing.assert_allclose(full[1:], vectors * mask, atol=0)
