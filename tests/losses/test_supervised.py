"""The supervised loss against direction labels: hand-computed values and input checks."""

import math

import pytest
import torch

from dense_direction.losses import SupervisedDirectionLoss, supervised_direction_loss
from helpers import uniform_field


def test_supervised_hand_computed():
    # Prediction 30 deg off the label: sin^2(30 deg) = 0.25; on it: 0; perpendicular: 1;
    # an unlabelled (NaN) pixel does not count.
    target = torch.tensor([0.5, 0.5, 0.5, math.nan]).view(1, 1, 1, 4)
    pred = uniform_field(0.5, (1, 1, 1, 4))
    pred[..., 0] = uniform_field(0.5 + math.radians(30), (1, 1, 1, 1))[..., 0]
    pred[..., 2] = uniform_field(0.5 + math.pi / 2, (1, 1, 1, 1))[..., 0]
    out = supervised_direction_loss(pred, target, reduction="none")[0, 0, 0]
    assert torch.allclose(out, torch.tensor([0.25, 0.0, 1.0, 0.0]), atol=1e-6)
    assert SupervisedDirectionLoss()(pred, target).item() == pytest.approx(1.25 / 3)
    # von Mises, on the label with kappa = 1: -1 + log I0(1) = -1 + log 1.2660658777520082.
    vm = supervised_direction_loss(pred[..., 1:2], target[..., 1:2], kind="von_mises")
    assert vm.item() == pytest.approx(-1 + math.log(1.2660658777520082), abs=1e-6)


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        ((1, 1, 2, 4, 4), (1, 2, 4, 4), r"disagree on K \(direction classes\): 1 vs 2"),
        ((1, 1, 2, 4, 4), (1, 1, 4, 5), "disagree on W: 4 vs 5"),
        ((1, 1, 2, 4, 4), (4, 4), r"target must be angles of shape \(N, K, H, W\).*got \(4, 4\)"),
        ((1, 2, 4, 4), (1, 1, 4, 4), r"pred must have shape \(N, K, 2, H, W\).*got \(1, 2, 4, 4\)"),
    ],
)
def test_supervised_shape_errors(pred, target, message):
    with pytest.raises(ValueError, match=message):
        supervised_direction_loss(torch.zeros(pred), torch.zeros(target))


def test_supervised_weight_must_broadcast():
    with pytest.raises(ValueError, match=r"weight must broadcast to \(N, K, H, W\)"):
        supervised_direction_loss(
            torch.zeros(1, 1, 2, 4, 4), torch.zeros(1, 1, 4, 4), torch.ones(3, 4, 4)
        )


def test_supervised_refuses_labels_in_degrees():
    # 90 (degrees for vertical) read as radians is 90 mod pi = 2.04 rad = 117 deg: the loss
    # trained toward nonsense without a word. Radians lie within [-2 pi, 2 pi]; NaN (no label)
    # is not looked at, so a map of radians with NaN holes passes.
    pred = uniform_field(0.5, (1, 1, 1, 3))
    with pytest.raises(ValueError, match=r"target must be angles in radians.*up to 90"):
        supervised_direction_loss(pred, torch.tensor([0.0, 90.0, math.nan]).view(1, 1, 1, 3))
    radians = torch.tensor([-2 * math.pi, 2 * math.pi, math.nan]).view(1, 1, 1, 3)
    assert torch.isfinite(supervised_direction_loss(pred, radians))


def test_supervised_refuses_infinite_labels():
    # +inf targets were taken as unlabelled (loss 0) as NaN is; only NaN marks no label.
    pred = uniform_field(0.5, (1, 1, 1, 3))
    target = torch.tensor([0.5, math.inf, math.nan]).view(1, 1, 1, 3)
    with pytest.raises(ValueError, match=r"target holds 1 infinite values.*NaN \(not inf\)"):
        supervised_direction_loss(pred, target)
