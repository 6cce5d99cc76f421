"""DirectionEstimator.predict(tta=True): averaging over the 8 symmetries of the square makes
the field exactly equivariant, whatever the network (here an untrained one)."""

import math

import numpy as np
import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.evaluation import angular_error
from helpers import REPO_ROOT


@pytest.fixture(scope="module")
def estimator():
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.mm.runner import load_config

    init_default_scope("mmseg")
    torch.manual_seed(0)
    cfg = load_config(REPO_ROOT / "configs/seg_dir/unet_synthetic_lines_cpu.py")
    return DirectionEstimator(MODELS.build(cfg.model), "cpu")


@pytest.fixture(scope="module")
def image():
    from dense_direction.synthetic import generate_sample

    return generate_sample("vessels", (64, 96), seed=3).image  # sides divisible by 16


def _close(a, b):
    return angular_error(a, b).max()


def test_tta_is_the_default(estimator, image):
    assert np.array_equal(
        estimator.predict(image).angles, estimator.predict(image, tta=True).angles
    )


def test_rotated_input_gives_the_rotated_field(estimator, image):
    plain = estimator.predict(image, tta=True)
    turned = estimator.predict(np.rot90(image).copy(), tta=True)
    # A quarter turn counter-clockwise adds 90 deg to every direction (y up).
    expected = np.mod(np.rot90(plain.angles, axes=(1, 2)) + math.pi / 2, math.pi)
    assert _close(turned.angles, expected) < 1e-2
    assert np.allclose(turned.confidence, np.rot90(plain.confidence, axes=(1, 2)), atol=1e-5)


def test_mirrored_input_gives_the_mirrored_field(estimator, image):
    plain = estimator.predict(image, tta=True)
    mirrored = estimator.predict(image[:, ::-1].copy(), tta=True)
    expected = np.mod(math.pi - plain.angles[:, :, ::-1], math.pi)
    assert _close(mirrored.angles, expected) < 1e-2


def test_without_tta_an_untrained_network_is_not_equivariant(estimator, image):
    # The check above could not pass by accident: the plain network breaks the symmetry.
    plain = estimator.predict(image, tta=False)
    turned = estimator.predict(np.rot90(image).copy(), tta=False)
    expected = np.mod(np.rot90(plain.angles, axes=(1, 2)) + math.pi / 2, math.pi)
    assert _close(turned.angles, expected) > 1.0


def test_tta_counts_true_and_false_are_8_and_1(estimator, image):
    assert np.array_equal(estimator.predict(image, tta=8).angles, estimator.predict(image).angles)
    one = estimator.predict(image, tta=1).angles
    assert np.array_equal(one, estimator.predict(image, tta=False).angles)


def test_four_passes_are_equivariant_under_quarter_turns_only(estimator, image):
    plain = estimator.predict(image, tta=4)
    turned = estimator.predict(np.rot90(image).copy(), tta=4)
    expected = np.mod(np.rot90(plain.angles, axes=(1, 2)) + math.pi / 2, math.pi)
    assert _close(turned.angles, expected) < 1e-2
    # Mirroring is not among the quarter turns: the untrained network's asymmetry shows.
    mirrored = estimator.predict(image[:, ::-1].copy(), tta=4)
    assert _close(mirrored.angles, np.mod(math.pi - plain.angles[:, :, ::-1], math.pi)) > 1.0


def _apart(a, b):
    """Angle between doubled angles ``a`` and ``b`` (radians), in [0, pi]."""
    return np.abs(np.angle(np.exp(1j * (a - b))))


def test_two_passes_average_the_image_and_its_quarter_turn(estimator, image):
    # Derived by hand from one-pass predictions: the plain field and the field of the image
    # turned a quarter counter-clockwise, turned back (clockwise: -90 deg). Structure
    # probabilities average; the mean of two vectors (any positive lengths) points between
    # them, so its doubled angle lies on the shorter arc between theirs.
    plain = estimator.predict(image, tta=1, smooth=0)
    turned = estimator.predict(np.rot90(image).copy(), tta=1, smooth=0)
    back_angles = np.mod(np.rot90(turned.angles, -1, axes=(1, 2)) - math.pi / 2, math.pi)
    back_structure = np.rot90(turned.structure, -1, axes=(1, 2))
    got = estimator.predict(image, tta=2, smooth=0)
    assert np.allclose(got.structure, (plain.structure + back_structure) / 2, atol=1e-5)
    a, b, c = 2 * plain.angles, 2 * back_angles, 2 * got.angles
    usable = _apart(a, b) < math.radians(170)  # nearly opposite: the arc is ill-defined
    between = np.abs(_apart(a, c) + _apart(c, b) - _apart(a, b))
    assert usable.mean() > 0.5 and np.percentile(between[usable], 99) < 1e-3
    assert np.median(_apart(a, b)[usable]) > 0.5  # the two passes do differ


def test_a_tta_count_it_cannot_average_is_an_error(estimator, image):
    with pytest.raises(ValueError, match="tta must be True, False or a number of passes"):
        estimator.predict(image, tta=3)
