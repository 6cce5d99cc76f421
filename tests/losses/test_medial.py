import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from dense_direction.evaluation import angular_error
from dense_direction.losses import (
    EfficientDirectionalLoss,
    MedialDirectionLoss,
    medial_direction_loss,
    medial_directions,
)
from helpers import line_mask, uniform_field

SIZE = 97


def _band(degrees, width, size=SIZE):
    return line_mask(size, math.radians(degrees), width).numpy().astype(bool)


def _depth(mask):
    return ndimage.distance_transform_edt(mask)


@pytest.mark.parametrize("degrees", [0.0, 30.0, 90.0, 117.0])
@pytest.mark.parametrize("width", [3.4, 12.4, 30.4, 48.4])  # no pixel on the boundary
def test_medial_direction_of_a_band_is_its_angle_at_every_depth(degrees, width):
    # A straight band: the distance to the background grows perpendicular to the band at every
    # pixel, so the direction of least change is the band's angle everywhere, the centre-line
    # included (the gradient flips sign there, which doubled angles ignore).
    mask = _band(degrees, width)
    angles, coherence = medial_directions(mask)
    scored = np.isfinite(angles)
    errors = angular_error(angles, np.full(mask.shape, math.radians(degrees)), scored)
    assert errors.max() < 5.0 and errors.mean() < 1.5  # digital staircases of thin bands
    assert np.all(np.isnan(angles[~mask])) and np.all(coherence[~mask] == 0)
    # Every pixel farther from the border than its depth plus 2 (sigma + rho) = 6 has a target.
    border = (
        np.minimum.reduce(
            np.indices(mask.shape).tolist() + (SIZE - 1 - np.indices(mask.shape)).tolist()
        )
        + 1
    )
    assert np.all(scored[mask & (border >= _depth(mask) + 6)])
    assert coherence[scored].mean() > 0.9


def test_ring_gives_the_tangent_of_the_circle():
    # Ring of radius 36 and width 20: the tangent at (x, y) is perpendicular to the radius,
    # angle atan2(y, x) + 90 deg.
    coords = np.arange(SIZE) - (SIZE - 1) / 2
    x, y = coords[None, :], -coords[:, None]
    mask = np.abs(np.hypot(x, y) - 36) <= 10
    angles, _ = medial_directions(mask)
    tangent = np.mod(np.arctan2(y, x) + math.pi / 2, math.pi) + 0 * x
    assert angular_error(angles, tangent, np.isfinite(angles)).mean() < 2.0  # digital circle


def test_rotating_the_mask_rotates_the_directions():
    rng = np.random.default_rng(0)
    mask = ndimage.gaussian_filter(rng.random((64, 64)), 4) > 0.5
    angles, _ = medial_directions(mask)
    turned, _ = medial_directions(np.rot90(mask))
    # np.rot90 turns the picture 90 deg counter-clockwise: every direction gains 90 deg.
    expected = np.mod(np.rot90(angles) + math.pi / 2, math.pi)
    assert np.array_equal(np.isfinite(turned), np.isfinite(expected))
    assert angular_error(turned, expected, np.isfinite(turned)).max() < 1e-3  # float32


def test_image_border_is_not_an_edge():
    # A horizontal band 20 px wide cut by the top border (rows 0-19): the border is no edge,
    # so the depth grows from row 19 upward and the direction is horizontal; the pixels nearer
    # the border than their depth plus 6 get no target rather than a wrong one.
    mask = np.zeros((64, 64), bool)
    mask[:20, :] = True
    angles, _ = medial_directions(mask)
    scored = np.isfinite(angles)
    assert scored.sum() > 100
    assert angular_error(angles, np.zeros_like(angles), scored).max() < 1.0


def test_no_background_or_no_structure_gives_no_target():
    for mask in (np.ones((16, 16), bool), np.zeros((16, 16), bool)):
        angles, coherence = medial_directions(mask)
        assert np.all(np.isnan(angles)) and np.all(coherence == 0)


def test_loss_is_lowest_at_the_true_angle_inside_a_wide_band():
    # 30-px band at 40 deg. Deep inside it (more than 10 px from the edges) the directional
    # loss with pad 7 sees a full window, has no evidence and drops the pixel; the medial loss
    # is sin^2 of the angle error there (coherence 1): 0 at 40 deg, 1/4 at 70 deg, 1 at 130.
    gt = torch.from_numpy(_band(40, 30)).float()[None, None, None]
    inner = np.zeros((SIZE, SIZE), bool)
    inner[10:-10, 10:-10] = True  # away from the zero padding of the directional loss
    has_target = np.isfinite(medial_directions(gt[0, 0, 0].numpy())[0])
    deep = torch.from_numpy((_depth(gt[0, 0, 0].numpy()) > 10) & inner & has_target)
    assert deep.sum() > 500
    directional = EfficientDirectionalLoss(
        pad=7, div=90, kernel_cfg=dict(type="radial_line_kernel"), squish_values=True,
        norm_values=True, mask_patches=True, patch_thr=0.98, reduction="none",
    )  # fmt: skip
    medial = MedialDirectionLoss(reduction="none")
    per_angle = []
    for degrees in range(0, 180, 10):
        pred = uniform_field(math.radians(degrees), (1, 1, SIZE, SIZE))
        assert directional(pred, gt)[0, 0][deep].abs().max() == 0
        per_angle.append(medial(pred, gt)[0, 0][deep].mean().item())
    assert int(np.argmin(per_angle)) * 10 == 40
    assert per_angle[4] < 1e-3  # 40 deg
    assert per_angle[7] == pytest.approx(0.25, abs=0.01)  # 70 deg: sin^2(30 deg)
    assert per_angle[13] == pytest.approx(1.0, abs=0.01)  # 130 deg: perpendicular


def test_mean_reduction_divides_by_pixels_with_a_target_and_gradients_flow():
    mask = _band(0, 9.4, 33)
    gt = torch.from_numpy(mask).float()[None, None, None]
    pred = uniform_field(math.radians(90), (1, 1, 33, 33)).requires_grad_()
    total = medial_direction_loss(pred, gt, reduction="sum")
    mean = medial_direction_loss(pred, gt, reduction="mean")
    targets = np.isfinite(medial_directions(mask)[0]).sum()
    assert 0 < targets < mask.sum()  # the border margin has none
    assert mean.item() == pytest.approx(total.item() / targets)
    (mean * 2).backward()
    assert pred.grad.abs().sum() > 0


def test_a_weight_of_any_shape_the_checks_accept_weights_each_pixel():
    # An (H, W) or 0-d weight passed the shared check, then failed with IndexError; a weight
    # of 2 everywhere, in any of the shapes, doubles the loss, and the full shape agrees.
    mask = _band(0, 9.4, 33)
    gt = torch.from_numpy(mask).float()[None, None, None]
    pred = uniform_field(math.radians(80), (1, 1, 33, 33))
    plain = medial_direction_loss(pred, gt, reduction="sum")
    for weight in (torch.tensor(2.0), torch.full((33, 33), 2.0), torch.full(gt.shape, 2.0)):
        assert medial_direction_loss(pred, gt, weight, reduction="sum").item() == pytest.approx(
            2 * plain.item()
        )


def test_empty_mask_gives_zero_with_a_gradient_path():
    pred = torch.randn(2, 1, 2, 16, 16, requires_grad=True)
    loss = medial_direction_loss(pred, torch.zeros(2, 1, 1, 16, 16))
    assert loss.item() == 0.0 and not torch.isnan(loss)
    loss.backward()
    assert pred.grad is not None


def _horizontal_band_into_unknown():
    # A horizontal band 9 px wide (rows 20-28) running into unknown pixels from column 40 on
    # (a no-data hole, a batch's padding): its true end lies somewhere in the hole.
    mask = np.zeros((64, 64), bool)
    mask[20:29, :] = True
    unknown = np.zeros_like(mask)
    unknown[:, 40:] = True
    return mask & ~unknown, unknown


def test_unknown_pixels_are_no_edge():
    # Like the image border, the hole is no edge: the depth of the band does not fall toward
    # it, so every target is horizontal (0 deg); a pixel within its depth plus 2 (1 + 2) px
    # of the hole gets none (its nearest edge may be hidden), nor do the hole's own pixels.
    # Counted as background instead, the hole would be the band's end: the depth would
    # grow from column 39 leftward and bend the directions there toward vertical.
    mask, unknown = _horizontal_band_into_unknown()
    angles, coherence = medial_directions(mask, unknown=unknown)
    scored = np.isfinite(angles)
    assert not scored[unknown].any() and not (coherence[unknown] > 0).any()
    assert scored[:, :20].sum() > 100  # the far part keeps its targets
    # Column c is 40 - c px from the hole: on the centre row (depth 5) targets end at
    # column 29 (11 >= 5 + 6), on the edge row 20 (depth 1) at column 33 (7 >= 1 + 6).
    assert scored[24, 29] and not scored[24, 30:].any()
    assert scored[20, 33] and not scored[20, 34:].any()
    assert angular_error(angles, np.zeros_like(angles), scored).max() < 1.0
    background, _ = medial_directions(mask)  # the hole taken for background: a bent end
    near_end = np.isfinite(background) & (np.arange(64) >= 30)
    assert angular_error(background, np.zeros_like(background), near_end).max() > 20


def test_unknown_of_another_shape_is_refused():
    with pytest.raises(ValueError, match=r"unknown must be \(H, W\) or the mask's shape"):
        medial_directions(np.ones((2, 8, 8)), unknown=np.zeros((8, 9)))


def test_ignored_pixels_are_no_edge_for_the_loss():
    # The band into the hole, the hole marked 255 (mmseg's padding value): with a horizontal
    # prediction every scored pixel's loss is sin^2(0) = 0; were 255 taken for background,
    # the bent targets at the band's false end would cost up to sin^2(> 20 deg) > 0.1.
    mask, unknown = _horizontal_band_into_unknown()
    labels = torch.from_numpy(np.where(unknown, 255, mask).astype(np.float32))
    pred = uniform_field(0.0, (1, 1, 64, 64))
    loss = medial_direction_loss(pred, labels[None, None, None], ignore_index=255, reduction="none")
    assert loss.abs().max() < 1e-4
    cut = torch.from_numpy(mask.astype(np.float32))[None, None, None]
    assert medial_direction_loss(pred, cut, reduction="none").max() > 0.1


def test_min_coherence_drops_unclear_targets():
    # Two bands crossing at right angles: at the crossing the depth grows toward the centre
    # from all four sides, the tensor is isotropic and its coherence near 0.
    cross = _band(0, 9.4, 49) | _band(90, 9.4, 49)
    gt = torch.from_numpy(cross).float()[None, None, None]
    pred = torch.randn(1, 1, 2, 49, 49)
    loose = medial_direction_loss(pred, gt, reduction="none")[0, 0]
    strict = medial_direction_loss(pred, gt, reduction="none", min_coherence=0.5)[0, 0]
    assert loose[24, 24] > 0 and strict[24, 24] == 0
    arm = (24, slice(11, 14))  # on the horizontal band, 6-8 px from the vertical one's edge
    assert torch.equal(strict[arm], loose[arm]) and strict[arm].abs().sum() > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(sigma=0), "sigma"),
        (dict(rho=-1), "rho"),
        (dict(min_coherence=2), "min_coherence"),
        (dict(mask_thr=1.0), r"mask_thr must be in \[0, 1\)"),
    ],
)
def test_bad_options_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MedialDirectionLoss(**kwargs)


def test_an_empty_batch_gives_zero_as_the_other_losses_do():
    # "need at least one array to stack" (np.stack of no depth map); the others give 0.
    empty = MedialDirectionLoss()(torch.zeros(0, 1, 2, 8, 8), torch.zeros(0, 1, 1, 8, 8))
    assert empty.item() == 0.0
