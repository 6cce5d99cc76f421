"""DirectionEstimator's fast paths: channels-last weights change nothing but the speed;
bfloat16 autocast changes the field only by bfloat16 rounding."""

import numpy as np
import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.evaluation import angular_error
from helpers import REPO_ROOT


def _estimator(precision: str):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.mm.runner import load_config

    init_default_scope("mmseg")
    torch.manual_seed(0)
    cfg = load_config(REPO_ROOT / "configs/seg_dir/unet_synthetic_lines_cpu.py")
    return DirectionEstimator(MODELS.build(cfg.model), "cpu", precision=precision)


@pytest.fixture(scope="module")
def image():
    from dense_direction.synthetic import generate_sample

    return generate_sample("vessels", (64, 96), seed=3).image


def test_channels_last_weights_give_the_channels_first_field(image):
    estimator = _estimator("float32")
    weights = [m.weight for m in estimator.model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert any(not w.is_contiguous() for w in weights)  # 3x3 weights really re-laid out
    fast = estimator.predict(image, tta=False).angles
    estimator.model.to(memory_format=torch.contiguous_format)
    plain = estimator.predict(image, tta=False).angles
    assert angular_error(fast, plain).max() < 1e-2  # degrees: float reassociation only


def test_bfloat16_forward_stays_close_to_float32(image):
    exact = _estimator("float32").predict(image, tta=False)
    fast_estimator = _estimator("bfloat16")
    assert fast_estimator.dtype == torch.bfloat16
    fast = fast_estimator.predict(image, tta=False)
    error = angular_error(fast.angles, exact.angles)
    # bfloat16 keeps 8 bits of mantissa (relative rounding 2^-9 ~ 0.2 %): through a small
    # (here untrained, so weak-vectored) network most angles move by a fraction of a degree.
    assert error.max() > 0  # the forward pass really ran in bfloat16
    assert np.median(error) < 1.0


def test_the_callers_mmseg_model_keeps_its_training_mode():
    # The adapter rewrites an evaluation-mode copy; the model a user trains stays in
    # training mode (batch norms updating), as the core estimator promises for any module.
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.mm.runner import load_config

    init_default_scope("mmseg")
    cfg = load_config(REPO_ROOT / "configs/seg_dir/unet_synthetic_lines_cpu.py")
    model = MODELS.build(cfg.model).train()
    estimator = DirectionEstimator(model, "cpu", precision="float32")
    assert model.training and estimator.model is not model and not estimator.model.training
