"""bfloat16 autocast and channels-last training: faster, with losses still in float32."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from torch import nn

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from contract_kit import samples as make_samples
from mmengine.registry import OPTIM_WRAPPERS
from mmseg.registry import MODELS

from dense_direction.mm.heads.base import direction_targets
from dense_direction.mm.precision import AutocastOptimWrapper, ChannelsLastHook


def _wrapper(model: nn.Module, precision: str) -> AutocastOptimWrapper:
    return OPTIM_WRAPPERS.build(
        dict(
            type="AutocastOptimWrapper",
            precision=precision,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        )
    )


@pytest.mark.parametrize(
    ("precision", "dtype"), [("bfloat16", torch.bfloat16), ("float32", torch.float32)]
)
def test_forward_autocasts_to_the_chosen_precision(precision, dtype):
    model = nn.Conv2d(3, 4, 3)
    wrapper = _wrapper(model, precision)
    with wrapper.optim_context(model):
        out = model(torch.randn(1, 3, 8, 8))
    assert out.dtype == dtype
    assert wrapper.dtype_for(model) == dtype


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16"):
        _wrapper(nn.Linear(2, 2), "half")


def test_direction_losses_compute_in_float32_under_autocast():
    head = MODELS.build(
        dict(
            type="LinearDirectionHead",
            in_channels=4,
            channels=4,
            loss_decode=[
                dict(type="EfficientDirectionalLoss", pad=3, div=18),
                dict(type="SupervisedDirectionLoss", loss_name="loss_sup"),
            ],
        )
    )
    samples = make_samples(2, 32)
    vectors = torch.randn(2, 1, 2, 32, 32).to(torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        losses = head.loss_by_feat(vectors, samples)
    # The same bfloat16 numbers scored in float32 outside autocast: equal to rounding only if
    # nothing inside the losses (matrix products, sums) ran in bfloat16.
    exact = head.loss_by_feat(vectors.float(), samples)
    assert set(losses) == {"loss_dir", "loss_sup"}
    for name, value in losses.items():
        assert value.dtype == torch.float32
        torch.testing.assert_close(value, exact[name], rtol=1e-6, atol=1e-7)
    assert direction_targets(samples, (1,)).sum() > 0  # the losses saw structure pixels


def test_segmentation_loss_computes_in_float32_under_autocast():
    head = MODELS.build(
        dict(type="LinearSegmentationHead", in_channels=4, channels=4, num_classes=2)
    )
    samples = make_samples(2, 16)
    # Logits at half the labels' size: mmseg resizes them (bilinear) before the loss, which
    # under autocast alone would run in bfloat16.
    logits = torch.randn(2, 2, 8, 8).to(torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        losses = head.loss_by_feat(logits, samples)
    exact = head.loss_by_feat(logits.float(), samples)
    assert losses["loss_ce"].dtype == torch.float32
    torch.testing.assert_close(losses["loss_ce"], exact["loss_ce"], rtol=1e-6, atol=1e-7)


def test_channels_last_hook_keeps_the_parameters_the_optimizer_holds():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(8, 2, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = SimpleNamespace(model=model)
    ChannelsLastHook().before_train(runner)
    convs = [model[0].weight, model[2].weight]
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert not convs[0].is_contiguous()  # a (8, 3, 3, 3) weight: really re-laid out
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert {id(p) for p in model.parameters()} == held


@pytest.mark.parametrize("stage", ["before_train", "before_val", "before_test"])
def test_channels_last_hook_acts_before_every_stage(stage):
    model = nn.Sequential(nn.Conv2d(3, 8, 3))
    getattr(ChannelsLastHook(), stage)(SimpleNamespace(model=model))
    assert not model[0].weight.is_contiguous()
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
