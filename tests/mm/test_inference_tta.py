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
