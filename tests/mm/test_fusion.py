"""inference_copy: the rewritten network computes the original's function, never changes the
original, and refuses (keeps the original) where a rewrite would change the outputs."""

import warnings

import pytest
import torch
from torch import nn

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from helpers import REPO_ROOT


def _unet(seed: int = 0) -> nn.Module:
    """The CPU UNet preset with random weights and batch-norm statistics far from (0, 1), so
    a norm that were dropped or applied twice would show in the outputs."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from dense_direction.mm.runner import load_config

    init_default_scope("mmseg")
    torch.manual_seed(seed)
    config = load_config(REPO_ROOT / "configs/seg_dir/unet_synthetic_lines_cpu.py")
    model = MODELS.build(config.model)
    for norm in model.modules():
        if isinstance(norm, nn.BatchNorm2d):
            norm.running_mean.uniform_(-0.5, 0.5)
            norm.running_var.uniform_(0.5, 2.0)
            norm.weight.data.uniform_(0.5, 1.5)
            norm.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


def _outputs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    from dense_direction.mm.segmentors import whole_outputs

    with torch.inference_mode():
        return whole_outputs(model, x)


def _count(model: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


def test_rewritten_unet_computes_the_same_outputs_with_fewer_operations():
    from mmseg.models.backbones.unet import InterpConv
    from mmseg.models.utils import Upsample

    from dense_direction.mm.fusion import inference_copy

    model = _unet()
    fast = inference_copy(model)
    assert fast is not model
    assert _count(model, nn.BatchNorm2d) > 0 and _count(fast, nn.BatchNorm2d) == 0
    for block in (m for m in fast.modules() if isinstance(m, InterpConv)):
        conv, upsample, activation = block.interp_upsample  # conv first, activation last
        assert isinstance(conv, nn.Conv2d) and isinstance(upsample, Upsample)
        assert isinstance(activation, nn.ReLU)
    x = torch.randn(2, 3, 96, 128, generator=torch.Generator().manual_seed(1))
    expected, got = _outputs(model, x), _outputs(fast, x)
    # float32 reassociation only: the outputs are of order 1, their differences ~1e-6.
    assert (expected - got).abs().max() < 1e-4 * expected.abs().max()


def test_the_original_model_is_left_as_it_was():
    from mmseg.models.backbones.unet import InterpConv

    from dense_direction.mm.fusion import inference_copy

    model = _unet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    inference_copy(model)
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    for block in (m for m in model.modules() if isinstance(m, InterpConv)):
        assert not isinstance(block.interp_upsample[0], nn.Conv2d)  # still upsample first


class _PreActivation(nn.Module):
    """A norm *before* its convolution (mmcv ConvModule order norm, conv, act): the conv is
    registered first, so pairing by position would fold the norm into the wrong side."""

    def __init__(self) -> None:
        from mmcv.cnn import ConvModule

        super().__init__()
        self.block = ConvModule(
            3, 3, 3, padding=1, norm_cfg=dict(type="BN"), order=("norm", "conv", "act")
        )
        self.block.norm.running_mean.fill_(0.7)
        self.block.norm.running_var.fill_(3.0)

    def encode_decode(self, x: torch.Tensor, metas: list) -> torch.Tensor:
        return self.block(x)


def test_a_rewrite_that_changes_the_outputs_is_refused_with_a_warning():
    from dense_direction.mm.fusion import inference_copy

    model = _PreActivation().eval()
    with pytest.warns(UserWarning, match="changed this model's outputs"):
        kept = inference_copy(model)
    assert kept is model
    assert _count(kept, nn.BatchNorm2d) == 1


class _NeedsLargeInputs(_PreActivation):
    def encode_decode(self, x: torch.Tensor, metas: list) -> torch.Tensor:
        if x.shape[-1] < 128:
            raise ValueError("input smaller than the patch grid")
        return self.block(x)


def test_a_model_that_cannot_run_the_probe_is_kept_with_a_warning():
    from dense_direction.mm.fusion import inference_copy

    model = _NeedsLargeInputs().eval()
    with pytest.warns(UserWarning, match="could not check the inference rewrite"):
        assert inference_copy(model) is model


def test_a_model_in_training_mode_is_refused():
    from dense_direction.mm.fusion import inference_copy

    with pytest.raises(ValueError, match="evaluation mode"):
        inference_copy(_unet().train())


def test_the_estimator_predicts_with_the_rewritten_copy():
    from dense_direction.evaluation import angular_error
    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.synthetic import generate_sample

    image = generate_sample("vessels", (64, 96), seed=3).image
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the UNet rewrite is accepted, silently
        fast = DirectionEstimator(_unet(), "cpu", precision="float32")
    plain = DirectionEstimator(_unet(), "cpu", precision="float32", rewrite=False)
    assert _count(fast.model, nn.BatchNorm2d) == 0
    assert _count(plain.model, nn.BatchNorm2d) > 0
    a, b = fast.predict(image, tta=False), plain.predict(image, tta=False)
    assert angular_error(a.angles, b.angles).max() < 0.05  # degrees
    assert abs(a.confidence - b.confidence).max() < 1e-4
