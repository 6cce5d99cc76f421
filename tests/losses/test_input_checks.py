"""Bad input gets a ValueError/TypeError that says what was expected and what came."""

import math

import numpy as np
import pytest
import torch

from dense_direction.losses import (
    DirectionalLoss,
    EfficientDirectionalLoss,
    SmoothnessLoss,
    directional_loss,
)

LOSSES = [DirectionalLoss, EfficientDirectionalLoss, SmoothnessLoss]
GOOD_PRED = torch.zeros(2, 1, 2, 8, 8)
GOOD_GT = torch.zeros(2, 1, 1, 8, 8)


def _nan_pred():
    pred = GOOD_PRED.clone()
    pred[0, 0, 1, 3, 3] = math.nan
    pred[1, 0, 0, 0, 0] = math.inf
    return pred


def _nan_gt():
    gt = GOOD_GT.clone()
    gt[0, 0, 0, 0, 0] = math.nan
    return gt


BAD_INPUTS = {
    "pred_4d": (
        torch.zeros(2, 2, 8, 8),
        GOOD_GT,
        ValueError,
        r"pred must have shape \(N, K, 2, H, W\).*got \(2, 2, 8, 8\); one direction class: "
        r"add its axis with pred\[:, None\]",
    ),
    "pred_channels_last": (
        torch.zeros(2, 1, 8, 8, 2),
        GOOD_GT,
        ValueError,
        r"got \(2, 1, 8, 8, 2\); the 2-vector last .*pred.permute\(0, 1, 4, 2, 3\)",
    ),
    # No pixels: a bare conv2d "Kernel size can't be greater than actual input size" (or 0
    # from some losses).
    "pred_no_pixels": (
        torch.zeros(2, 1, 2, 0, 8),
        torch.zeros(2, 1, 1, 0, 8),
        ValueError,
        r"pred has no pixels: H x W is 0 x 8",
    ),
    "gt_4d": (
        GOOD_PRED,
        torch.zeros(2, 1, 8, 8),
        ValueError,
        r"got \(2, 1, 8, 8\); add the class axes with gt\[:, :, None\]",
    ),
    "pred_3_components": (
        torch.zeros(2, 1, 3, 8, 8),
        GOOD_GT,
        ValueError,
        r"got \(2, 1, 3, 8, 8\)",
    ),
    "gt_3d": (
        GOOD_PRED,
        torch.zeros(2, 8, 8),
        ValueError,
        r"gt must have shape \(N, K, 1, H, W\), got \(2, 8, 8\); add the class axes",
    ),
    "class_count": (
        torch.zeros(2, 2, 2, 8, 8),
        GOOD_GT,
        ValueError,
        r"disagree on K \(direction classes\): 2 vs 1",
    ),
    "height": (GOOD_PRED, torch.zeros(2, 1, 1, 9, 8), ValueError, "disagree on H: 8 vs 9"),
    "batch": (GOOD_PRED, torch.zeros(3, 1, 1, 8, 8), ValueError, r"disagree on N \(batch\)"),
    "non_finite": (_nan_pred(), GOOD_GT, ValueError, "2 non-finite values.*lower the learning"),
    # A 0/255 mask read without dividing: the evidence would be 255x too large and the patch
    # masking would silently drop every pixel (loss 0), so it is refused.
    "mask_0_255": (GOOD_PRED, GOOD_GT + 255, ValueError, "values from 255 to 255.*divide 0/255"),
    # NaN passed the [0, 1] check (both comparisons false) and made the loss NaN.
    "mask_nan": (GOOD_PRED, _nan_gt(), ValueError, "got 1 NaN or infinite values.*ignore_index"),
    "mask_negative": (GOOD_PRED, GOOD_GT - 1, ValueError, r"\[0, 1\].*from -1 to -1"),
    "integer_pred": (GOOD_PRED.long(), GOOD_GT, TypeError, "floating-point.*torch.int64"),
    "not_a_tensor": (GOOD_PRED.numpy(), GOOD_GT, TypeError, "pred must be a torch.Tensor"),
}


@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_tensors_are_explained(loss_cls, case):
    pred, gt, error, message = BAD_INPUTS[case]
    with pytest.raises(error, match=message):
        loss_cls()(pred, gt)


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_ignored_pixels_may_hold_the_ignore_value(loss_cls):
    # mmseg pads label maps with 255 = ignore_index; those pixels are exempt from the [0, 1]
    # check and count as background, so the loss equals that of a plain 0/1 mask.
    gt = GOOD_GT.clone()
    gt[:, :, :, 2:6, 4] = 1
    padded = gt.clone()
    padded[:, :, :, :, 7] = 255
    cleared = gt.clone()
    cleared[:, :, :, :, 7] = 0
    pred = torch.randn(2, 1, 2, 8, 8, generator=torch.Generator().manual_seed(0))
    loss = loss_cls()
    assert torch.allclose(loss(pred, padded, ignore_index=255), loss(pred, cleared))


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_weight_that_does_not_broadcast(loss_cls):
    with pytest.raises(ValueError, match=r"weight must broadcast to .*\(2, 1, 1, 8, 8\), got \(3,"):
        loss_cls()(GOOD_PRED, GOOD_GT, torch.ones(3, 1, 1, 8, 8))


@pytest.mark.parametrize("loss_cls", LOSSES)
def test_a_weight_with_nan_or_from_numpy_is_named(loss_cls):
    # A NaN weight made the loss NaN without a word (a NaN pred or gt is an error); a NumPy
    # weight failed with "'numpy.ndarray' object has no attribute 'to'".
    weight = torch.ones(2, 1, 1, 8, 8)
    weight[0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="weight must be finite"):
        loss_cls()(GOOD_PRED, GOOD_GT, weight)
    with pytest.raises(TypeError, match=r"weight must be a torch\.Tensor, got ndarray"):
        loss_cls()(GOOD_PRED, GOOD_GT, np.ones((2, 1, 1, 8, 8)))


@pytest.mark.parametrize("loss_cls", [DirectionalLoss, EfficientDirectionalLoss])
@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"kernel_cfg": {"type": "radial_line_kernel", "threshold": 0.5}},
            ValueError,
            "threshold must be in",
        ),
        (
            {"kernel_cfg": {"type": "polar_disc_kernel", "radius": 5}, "pad": 3},
            ValueError,
            "radius must be in",
        ),
        ({"div": 0}, ValueError, "div must be >= 1, got 0"),
        ({"kernel_cfg": {"type": "hough_kernel"}}, ValueError, "unknown kernel type"),
        ({"kernel_cfg": "radial_line_kernel"}, TypeError, "kernel_cfg must be a dict"),
        ({"reduction": "avg"}, ValueError, r"reduction must be one of \('mean', 'sum', 'none'\)"),
        ({"norm_order": 0}, ValueError, "norm_order must be > 0"),
        ({"patch_thr": None}, TypeError, "patch_thr must be a real number"),
        # Options no pixel can pass: the loss was 0 at every step, without a word.
        ({"mask_thr": 1.0}, ValueError, r"mask_thr must be in \[0, 1\).*no pixel ever would"),
        ({"mask_thr": -0.1}, ValueError, "the background would too"),
        ({"mask_patches": True, "patch_thr": -1}, ValueError, "patch_thr must be >= 0 with"),
    ],
)
def test_bad_options_are_explained(loss_cls, options, error, message):
    with pytest.raises(error, match=message):
        loss_cls(**options)


def test_plain_function_rejects_unknown_options():
    with pytest.raises(TypeError, match="kernel"):
        directional_loss(GOOD_PRED, GOOD_GT, kernel="radial_line_kernel")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pad": 0}, "pad must be an int >= 1"),
        ({"alpha": -1}, "alpha must be a number > 0"),
        ({"reduction": "max"}, "reduction"),
        ({"mask_thr": 1.0}, r"mask_thr must be in \[0, 1\)"),
    ],
)
def test_bad_smoothness_options(options, message):
    with pytest.raises(ValueError, match=message):
        SmoothnessLoss(**options)
