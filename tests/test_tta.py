import math

import numpy as np
import pytest
import torch

from dense_direction.directions import angles_to_vectors, vectors_to_angles
from dense_direction.evaluation import angular_error
from dense_direction.losses import medial_directions
from dense_direction.tta import (
    SYMMETRIES,
    check_tta,
    restore_map,
    restore_vectors,
    symmetries,
    transform_image,
)
from helpers import line_mask

# A band at 30 deg (y up). Derived by hand: a left-right flip mirrors it to 180 - 30 = 150 deg;
# each counter-clockwise quarter turn adds 90 deg.
EXPECTED = {
    (0, False): 30,
    (1, False): 120,
    (2, False): 30,
    (3, False): 120,
    (0, True): 150,
    (1, True): 60,
    (2, True): 150,
    (3, True): 60,
}


def _vectors(angles):
    return angles_to_vectors(torch.from_numpy(angles), dim=0).numpy()


def test_symmetries_are_the_eight_of_the_square():
    assert len(set(SYMMETRIES)) == 8 and SYMMETRIES[0] == (0, False)


@pytest.mark.parametrize(("turns", "flip"), SYMMETRIES)
def test_mapped_band_has_the_hand_derived_direction_and_restores(turns, flip):
    mask = line_mask(65, math.radians(30), 9).numpy().astype(bool)
    mapped = transform_image(mask, turns, flip)
    # Measured independently of the code under test: the band's direction in the mapped
    # image, from its distance transform.
    angles, _ = medial_directions(mapped)
    measured = angular_error(angles, np.full(angles.shape, math.radians(EXPECTED[turns, flip])))
    assert np.nanmean(measured) < 1.0 and np.nanmax(measured) < 3.0  # digital band
    restored = restore_vectors(_vectors(np.nan_to_num(angles))[None], turns, flip)[0]
    back = vectors_to_angles(torch.from_numpy(restored), dim=0).numpy()
    scored = transform_image(np.isfinite(angles), 0, False)
    scored = restore_map(scored, turns, flip)
    assert angular_error(back, np.full(back.shape, math.radians(30)), scored).mean() < 1.0


@pytest.mark.parametrize(("turns", "flip"), SYMMETRIES)
def test_restore_map_inverts_transform_image(turns, flip):
    image = np.arange(7 * 5).reshape(7, 5)
    assert np.array_equal(restore_map(transform_image(image, turns, flip), turns, flip), image)


def test_restore_vectors_keeps_leading_axes_and_dtype():
    vectors = np.random.default_rng(0).standard_normal((3, 2, 2, 6, 4)).astype(np.float32)
    out = restore_vectors(vectors, 1, True)
    assert out.shape == (3, 2, 2, 4, 6) and out.dtype == np.float32


@pytest.mark.parametrize(("tta", "passes"), [(True, 8), (False, 1), (1, 1), (2, 2), (4, 4), (8, 8)])
def test_check_tta_counts_the_passes(tta, passes):
    assert check_tta(tta) == passes
    assert symmetries(tta) == SYMMETRIES[:passes]


def test_four_passes_are_the_quarter_turns():
    assert symmetries(4) == ((0, False), (1, False), (2, False), (3, False))


@pytest.mark.parametrize("tta", [0, 3, 16, -1, 2.0, "8", None])
def test_check_tta_names_what_it_accepts(tta):
    with pytest.raises(ValueError, match=r"--tta must be True, False or a number of passes "):
        check_tta(tta, "--tta")
