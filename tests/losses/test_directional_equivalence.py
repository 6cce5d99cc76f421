"""EfficientDirectionalLoss computes DirectionalLoss's numbers for every kernel and option."""

import pytest
import torch

import dense_direction.losses._taps as taps
import dense_direction.losses.efficient as efficient
from dense_direction.kernels import KERNELS
from dense_direction.losses import (
    DirectionalLoss,
    EfficientDirectionalLoss,
    directional_loss,
    efficient_directional_loss,
)
from dense_direction.losses._pixels import masked_pixels
from helpers import random_masks

OPTION_SETS = {
    "plain": {},
    "squish": {"squish_values": True},
    "l1norm": {"norm_values": True},
    "l2norm": {"norm_values": True, "norm_order": 2},
    "squish_norm": {"squish_values": True, "norm_values": True},
    "patches": {"mask_patches": True, "patch_thr": 0.7},
    "train": {"squish_values": True, "norm_values": True, "mask_patches": True, "patch_thr": 0.98},
}


def _inputs(k=1, size=24, seed=0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    pred = torch.randn(2, k, 2, size, size, generator=gen, dtype=dtype)
    return pred, random_masks(2, k, size, seed=seed).to(dtype)


def _run(loss, pred, gt, weight=None):
    leaf = pred.clone().requires_grad_(True)
    value = loss(leaf, gt, weight)
    value.sum().backward()
    return value.detach(), leaf.grad


def _assert_same(reference, fast):
    (ref_value, ref_grad), (fast_value, fast_grad) = reference, fast
    scale = ref_value.abs().max().clamp(min=1e-12)
    assert torch.allclose(fast_value, ref_value, rtol=1e-5, atol=1e-6 * scale)
    assert torch.allclose(fast_grad, ref_grad, rtol=0, atol=1e-6 + 1e-5 * ref_grad.abs().max())


@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("options", sorted(OPTION_SETS))
def test_same_numbers_for_every_kernel_and_option(kernel, options):
    config = {"pad": 4, "div": 16, "kernel_cfg": {"type": kernel}, **OPTION_SETS[options]}
    pred, gt = _inputs()
    _assert_same(
        _run(DirectionalLoss(**config), pred, gt),
        _run(EfficientDirectionalLoss(**config), pred, gt),
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_same_numbers_for_every_reduction_with_weights_and_classes(reduction):
    config = {
        "pad": 3,
        "div": 12,
        "reduction": reduction,
        "loss_weight": 0.7,
        "kernel_cfg": {"type": "radial_line_kernel"},
    }
    pred, gt = _inputs(k=3, seed=1)
    weight = torch.rand(2, 3, 1, 24, 24, generator=torch.Generator().manual_seed(5))
    reference = _run(DirectionalLoss(**config), pred, gt, weight)
    _assert_same(reference, _run(EfficientDirectionalLoss(**config), pred, gt, weight))
    if reduction == "none":
        assert reference[0].shape == (2, 3, 24, 24)


def test_plain_functions_equal_modules():
    pred, gt = _inputs()
    config = {"pad": 3, "div": 10, "squish_values": True}
    expected = DirectionalLoss(**config)(pred, gt)
    assert torch.equal(directional_loss(pred, gt, **config), expected)
    assert torch.allclose(efficient_directional_loss(pred, gt, **config), expected, rtol=1e-6)


def test_small_chunks_give_the_same_result(monkeypatch):
    config = {
        "pad": 5,
        "div": 36,
        "squish_values": True,
        "norm_values": True,
        "kernel_cfg": {"type": "radial_line_kernel"},
    }
    pred, gt = _inputs(size=32)
    whole = _run(EfficientDirectionalLoss(**config), pred, gt)
    monkeypatch.setattr(taps, "CHUNK_ELEMENTS", 100)  # 64-pixel chunks
    chunked = _run(EfficientDirectionalLoss(**config), pred, gt)
    assert torch.equal(whole[0], chunked[0])
    assert torch.allclose(whole[1], chunked[1], rtol=0, atol=1e-9)


def test_float64_and_half_inputs():
    config = {"pad": 3, "div": 12}
    pred, gt = _inputs(dtype=torch.float64)
    _assert_same(
        _run(DirectionalLoss(**config), pred, gt),
        _run(EfficientDirectionalLoss(**config), pred, gt),
    )
    half = pred.to(torch.bfloat16)
    value, grad = _run(EfficientDirectionalLoss(**config), half, gt)
    assert value.dtype == torch.bfloat16 and grad.dtype == torch.bfloat16
    assert torch.isfinite(grad.float()).all()
    expected = DirectionalLoss(**config)(half.double(), gt)
    assert value.double().item() == pytest.approx(expected.item(), rel=1e-2)


def test_asymmetric_custom_kernel_uses_all_taps():
    def one_sided(pad, div):
        kernel = torch.zeros(div, 2 * pad + 1, 2 * pad + 1, dtype=torch.float64)
        kernel[:, :pad, :] = 1.0 / (pad * (2 * pad + 1))
        return kernel

    config = {"pad": 2, "div": 6, "kernel_cfg": {"type": one_sided}}
    assert not EfficientDirectionalLoss(**config).plan.paired
    pred, gt = _inputs()
    _assert_same(
        _run(DirectionalLoss(**config), pred, gt),
        _run(EfficientDirectionalLoss(**config), pred, gt),
    )


def test_tap_plan_skips_zero_taps_and_folds_symmetry():
    loss = EfficientDirectionalLoss(pad=10, div=180, kernel_cfg={"type": "radial_line_kernel"})
    # 441 offsets; those with d < 10 are non-zero (weight (pad - d)/pad): 305 of them; folding
    # the point symmetry keeps one of each +-o pair plus the centre: (305 - 1) / 2 + 1 = 153.
    assert loss.plan.paired
    assert loss.plan.weights.shape == (153, 180)


@pytest.mark.parametrize("loss_cls", [DirectionalLoss, EfficientDirectionalLoss])
def test_ignore_index_drops_those_pixels(loss_cls):
    # A label map padded with 255 (as mmseg pads): with ignore_index=255 the padded pixels
    # count as background; the loss equals that of the map with the padding zeroed.
    pred, gt = _inputs()
    padded = gt.clone()
    padded[..., -4:] = 255
    cleaned = padded.clone()
    cleaned[..., -4:] = 0
    loss = loss_cls(pad=3, div=12, reduction="sum")
    assert loss(pred, padded, ignore_index=255).item() == pytest.approx(
        loss(pred, cleaned).item(), rel=1e-6
    )
    with pytest.raises(ValueError, match="pass ignore_index"):  # 255 without it: not a mask
        loss(pred, padded)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_pixels_inside_wide_structures_are_skipped_with_the_same_numbers(reduction):
    # A 30-px band plus a 2-px line, pad 4: band pixels deeper than 4 px see a window that the
    # band covers completely, so their bin mean is 1 > patch_thr and mask_patches drops them.
    # The fast loss finds them by one convolution and never scores them; the numbers must
    # still be the reference's, which scores every pixel and then drops them.
    gt = torch.zeros(2, 1, 1, 48, 48)
    gt[:, :, :, 8:38, :] = 1
    gt[:, :, :, 42:44, 5:40] = 1
    pred = torch.randn(2, 1, 2, 48, 48, generator=torch.Generator().manual_seed(3))
    options = dict(OPTION_SETS["train"], pad=4, div=18, reduction=reduction)
    fast = EfficientDirectionalLoss(**options)
    pixels = masked_pixels(pred, gt, 4, 0.5, None)
    scored = efficient._not_surely_dropped(pixels, fast.plan, fast.options)
    # Rows 13..32 of the band are > 4 px from both edges: 20 rows x 48 columns x 2 images.
    assert pixels.base.numel() - scored.numel() >= 20 * 40 * 2
    _assert_same(_run(DirectionalLoss(**options), pred, gt), _run(fast, pred, gt))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_an_empty_batch_gives_the_same_for_both(reduction):
    # DirectionalLoss raised "cannot reshape tensor of 0 elements" where the efficient loss
    # gave 0 (or an empty map).
    pred, gt = torch.zeros(0, 1, 2, 8, 8), torch.zeros(0, 1, 1, 8, 8)
    exact = DirectionalLoss(reduction=reduction)(pred, gt)
    fast = EfficientDirectionalLoss(reduction=reduction)(pred, gt)
    assert exact.shape == fast.shape and torch.equal(exact, fast)


def test_a_second_derivative_is_refused_by_the_efficient_loss_and_given_by_the_exact_one():
    # torch.autograd.grad(..., create_graph=True) through the efficient loss returned a
    # gradient that did not require grad, without a word: a gradient penalty added to the
    # loss changed nothing. The exact loss, built from autograd operations, has it.
    pred, gt = _inputs()
    leaf = pred.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(DirectionalLoss()(leaf, gt), leaf, create_graph=True)
    assert grad.requires_grad
    with pytest.raises(RuntimeError, match=r"no second derivative.*use DirectionalLoss"):
        torch.autograd.grad(EfficientDirectionalLoss()(leaf, gt), leaf, create_graph=True)
    # An ordinary backward is unchanged.
    _assert_same(_run(DirectionalLoss(), pred, gt), _run(EfficientDirectionalLoss(), pred, gt))
