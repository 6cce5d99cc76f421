import math

import pytest
import torch

from dense_direction.losses import SmoothnessLoss, smoothness_loss
from helpers import uniform_field


def _row_of_three(centre, sides):
    """A mask of three pixels in a row; the centre and the two side pixels get given vectors."""
    gt = torch.zeros(1, 1, 1, 5, 5)
    gt[..., 2, 1:4] = 1
    pred = torch.zeros(1, 1, 2, 5, 5)
    pred[0, 0, :, 2, 2] = torch.tensor(centre)
    pred[0, 0, :, 2, 1] = torch.tensor(sides)
    pred[0, 0, :, 2, 3] = torch.tensor(sides)
    return pred, gt


def test_uniform_field_is_perfectly_smooth():
    gt = torch.ones(1, 1, 1, 9, 9)
    assert SmoothnessLoss()(uniform_field(0.7, (1, 1, 9, 9)), gt).item() == pytest.approx(
        0.0, abs=1e-7
    )


def test_opposite_neighbours_score_one():
    # Centre (1, 0), sides (-1, 0). pad=1 windows: the centre's neighbour sum is (-2, 0) -> cos -1;
    # each side sees only the centre (1, 0) against its (-1, 0) -> cos -1. Every pixel scores
    # ((1 - (-1)) / 2) ** 2 = 1, so the mean over the 3 masked pixels is 1.
    pred, gt = _row_of_three((1.0, 0.0), (-1.0, 0.0))
    assert SmoothnessLoss()(pred, gt).item() == pytest.approx(1.0)


def test_perpendicular_neighbours_score_a_quarter():
    # Centre (1, 0), sides (0, 1): cosine 0 everywhere -> ((1 - 0) / 2) ** 2 = 0.25 per pixel;
    # alpha=1 gives 0.5; sum over 3 pixels with loss_weight 2 and alpha 1 gives 3.
    pred, gt = _row_of_three((1.0, 0.0), (0.0, 1.0))
    assert SmoothnessLoss()(pred, gt).item() == pytest.approx(0.25)
    assert SmoothnessLoss(alpha=1.0)(pred, gt).item() == pytest.approx(0.5)
    assert smoothness_loss(
        pred, gt, alpha=1.0, reduction="sum", loss_weight=2.0
    ).item() == pytest.approx(3.0)


def test_none_reduction_is_a_map_zero_off_the_mask():
    pred, gt = _row_of_three((1.0, 0.0), (-1.0, 0.0))
    out = SmoothnessLoss(reduction="none")(pred, gt)
    assert out.shape == (1, 1, 5, 5)
    assert torch.allclose(out[0, 0, 2, 1:4], torch.ones(3))
    assert out.sum().item() == pytest.approx(3.0)


def test_empty_mask_gives_zero_with_gradient():
    pred = torch.randn(1, 1, 2, 6, 6, requires_grad=True)
    value = SmoothnessLoss()(pred, torch.zeros(1, 1, 1, 6, 6))
    assert value.item() == 0.0
    value.backward()
    assert torch.all(pred.grad == 0)


def test_rotation_invariance():
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(1, 1, 2, 12, 12, generator=gen)
    gt = (torch.rand(1, 1, 1, 12, 12, generator=gen) > 0.4).float()
    turned = -torch.rot90(pred, 1, dims=(-2, -1)), torch.rot90(gt, 1, dims=(-2, -1))
    loss = SmoothnessLoss(pad=2)
    assert loss(*turned).item() == pytest.approx(loss(pred, gt).item(), rel=1e-5)


def test_smoothing_a_noisy_field_lowers_the_loss():
    gt = torch.ones(1, 1, 1, 16, 16)
    noisy = uniform_field(math.pi / 3, (1, 1, 16, 16)) + 0.8 * torch.randn(
        1, 1, 2, 16, 16, generator=torch.Generator().manual_seed(1)
    )
    assert SmoothnessLoss()(uniform_field(math.pi / 3, (1, 1, 16, 16)), gt) < SmoothnessLoss()(
        noisy, gt
    )


@pytest.mark.parametrize(("name", "value"), [("mask_thr", "a"), ("loss_weight", "x")])
def test_arguments_of_the_wrong_kind_are_named(name, value):
    # "'>' not supported between 'Tensor' and 'str'" and "only integer tensors of a single
    # element can be converted to an index", from inside torch, at the first call.
    with pytest.raises(TypeError, match=f"{name} must be a real number, got '{value}'"):
        SmoothnessLoss(**{name: value})
