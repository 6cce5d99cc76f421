"""Properties any directional loss must have, checked on both implementations."""

import math

import pytest
import torch

from dense_direction.losses import DirectionalLoss, EfficientDirectionalLoss
from helpers import line_mask, random_masks, uniform_field

LOSSES = [DirectionalLoss, EfficientDirectionalLoss]
TRAIN = {
    "pad": 10,
    "div": 180,
    "squish_values": True,
    "norm_values": True,
    "mask_patches": True,
    "patch_thr": 0.98,
    "kernel_cfg": {"type": "radial_line_kernel"},
}
CONFIGS = {
    "defaults": {},
    "radial": {
        "pad": 5,
        "div": 36,
        "squish_values": True,
        "norm_values": True,
        "kernel_cfg": {"type": "radial_line_kernel"},
    },
}


def _inputs(seed=0, size=28):
    pred = torch.randn(2, 1, 2, size, size, generator=torch.Generator().manual_seed(seed))
    return pred, random_masks(2, 1, size, seed=seed)


def _rotate(pred, gt):
    # rot90 over (row, col) turns the picture counter-clockwise: theta -> theta + pi/2, which
    # on the doubled circle is a half turn: (x, y) -> (-x, -y).
    return -torch.rot90(pred, 1, dims=(-2, -1)), torch.rot90(gt, 1, dims=(-2, -1))


def _mirror(pred, gt, axis):
    # Mirroring either image axis maps theta -> pi - theta: (x, y) -> (x, -y).
    flipped = pred.flip(axis).clone()
    flipped[:, :, 1] *= -1
    return flipped, gt.flip(axis)


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("transform", ["rot90", "mirror_cols", "mirror_rows"])
def test_rotating_or_mirroring_mask_and_field_keeps_the_loss(loss_cls, config, transform):
    loss = loss_cls(**CONFIGS[config])
    pred, gt = _inputs()
    moved = {
        "rot90": lambda: _rotate(pred, gt),
        "mirror_cols": lambda: _mirror(pred, gt, -1),
        "mirror_rows": lambda: _mirror(pred, gt, -2),
    }[transform]()
    assert loss(*moved).item() == pytest.approx(loss(pred, gt).item(), rel=1e-5)


def _best_angle(loss, gt, candidates):
    """The candidate angle (radians) of a uniform field that minimises the loss."""
    size = gt.shape[-1]
    preds = torch.cat([uniform_field(a, (1, 1, size, size)) for a in candidates])
    gts = gt.expand(len(candidates), 1, 1, size, size)
    per_pixel = loss(preds, gts)  # reduction "none": (len(candidates), 1, H, W)
    per_angle = per_pixel.flatten(1).sum(1)
    return candidates[int(per_angle.argmin())]


@pytest.mark.parametrize("degrees", [0.0, 27.0, 45.0, 90.0, 117.0, 153.0, 33.5])
def test_efficient_loss_is_minimal_along_a_thick_line(degrees):
    gt = line_mask(65, math.radians(degrees), width=5)[None, None, None]
    loss = EfficientDirectionalLoss(**TRAIN, reduction="none")
    candidates = [math.radians(a / 2) for a in range(360)]  # every half degree
    best = math.degrees(_best_angle(loss, gt, candidates))
    error = min(abs(best - degrees), 180 - abs(best - degrees))
    assert error <= 1.0 + 1e-9  # within one bin (1 degree): the band is rasterised


@pytest.mark.parametrize("degrees", [0.0, 27.0, 45.0, 90.0, 117.0, 153.0])
def test_reference_loss_is_minimal_along_a_thick_line(degrees):
    # Default configuration: 20 bins, 9 degrees apart; the test angles are bin angles.
    gt = line_mask(41, math.radians(degrees), width=5)[None, None, None]
    loss = DirectionalLoss(reduction="none")
    candidates = [math.radians(a) for a in range(0, 180, 3)]
    assert math.degrees(_best_angle(loss, gt, candidates)) == pytest.approx(degrees)


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_empty_mask_gives_zero_with_a_gradient_path(loss_cls, reduction):
    pred = torch.randn(2, 1, 2, 16, 16, requires_grad=True)
    value = loss_cls(reduction=reduction)(pred, torch.zeros(2, 1, 1, 16, 16))
    assert torch.all(value == 0)
    value.sum().backward()
    assert pred.grad is not None and torch.all(pred.grad == 0)


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_fully_dropped_patches_give_zero_not_nan(loss_cls):
    pred = torch.randn(1, 1, 2, 12, 12, requires_grad=True)
    value = loss_cls(mask_patches=True, patch_thr=0.0)(pred, torch.ones(1, 1, 1, 12, 12))
    assert value.item() == 0.0
    value.backward()
    assert torch.isfinite(pred.grad).all()


def test_aligned_field_scores_lower_than_perpendicular():
    gt = line_mask(33, math.radians(60), width=3)[None, None, None]
    loss = EfficientDirectionalLoss()
    aligned = loss(uniform_field(math.radians(60), (1, 1, 33, 33)), gt)
    perpendicular = loss(uniform_field(math.radians(150), (1, 1, 33, 33)), gt)
    assert aligned < 0.5 * perpendicular


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"squish_values": True, "norm_values": True},
        {"mask_patches": True, "patch_thr": 0.5},
        {"norm_values": True, "norm_order": 2, "reduction": "none"},
    ],
)
def test_efficient_gradient_passes_gradcheck_in_float64(options):
    gen = torch.Generator().manual_seed(3)
    pred = torch.randn(1, 2, 2, 10, 10, dtype=torch.float64, generator=gen, requires_grad=True)
    gt = random_masks(1, 2, 10, seed=3).double()
    loss = EfficientDirectionalLoss(pad=2, div=8, **options)
    assert torch.autograd.gradcheck(lambda p: loss(p, gt), (pred,), eps=1e-6, atol=1e-6)


def test_zero_vector_gets_zero_gradient():
    pred = torch.zeros(1, 1, 2, 8, 8, requires_grad=True)
    EfficientDirectionalLoss(pad=2, div=8)(pred, torch.ones(1, 1, 1, 8, 8)).backward()
    assert torch.all(pred.grad == 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
@pytest.mark.parametrize("loss_cls", LOSSES)
def test_cuda_matches_cpu(loss_cls):
    """A loss moved to the GPU before its first call (as a network's losses are in training,
    where the efficient loss then plans its taps from a kernel on the GPU) gives the CPU's
    value and gradient."""
    pred, gt = _inputs()
    cpu_pred = pred.clone().requires_grad_(True)
    cpu_value = loss_cls(**CONFIGS["radial"])(cpu_pred, gt)
    cpu_value.backward()
    gpu_pred = pred.cuda().requires_grad_(True)
    gpu_value = loss_cls(**CONFIGS["radial"]).cuda()(gpu_pred, gt.cuda())
    gpu_value.backward()
    assert gpu_value.item() == pytest.approx(cpu_value.item(), rel=1e-4)
    assert torch.allclose(gpu_pred.grad.cpu(), cpu_pred.grad, atol=1e-5)
