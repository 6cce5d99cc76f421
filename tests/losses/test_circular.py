import math

import pytest
import torch

from dense_direction.losses import (
    CircularDirectionalLoss,
    circular_directional_loss,
)
from dense_direction.losses._pixels import masked_pixels
from dense_direction.losses.circular import _evidence_statistics
from helpers import line_mask, random_masks, uniform_field

KINDS = ["cosine", "von_mises", "kl"]


def _line(degrees, size=49, width=3):
    return line_mask(size, math.radians(degrees), width)[None, None, None]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("degrees", [0.0, 35.0, 90.0, 140.0])
def test_minimal_along_the_line(kind, degrees):
    gt = _line(degrees)
    loss = CircularDirectionalLoss(kind=kind, reduction="none")
    candidates = [math.radians(a) for a in range(0, 180, 2)]
    fields = torch.cat([2 * uniform_field(a, (1, 1, 49, 49)) for a in candidates])
    per_angle = loss(fields, gt.expand(len(candidates), -1, -1, -1, -1)).flatten(1).sum(1)
    best = math.degrees(candidates[int(per_angle.argmin())])
    assert min(abs(best - degrees), 180 - abs(best - degrees)) <= 2.0


def test_cosine_is_bounded_and_ranks_directions():
    gt = _line(60)
    loss = CircularDirectionalLoss(kind="cosine")
    aligned = loss(uniform_field(math.radians(60), (1, 1, 49, 49)), gt)
    perpendicular = loss(uniform_field(math.radians(150), (1, 1, 49, 49)), gt)
    # Per pixel (1 - u.m)/2 with u -> -u for the perpendicular: the two add up to exactly 1,
    # and the aligned value is (1 - R)/2 for the evidence resultant length R.
    assert 0 <= aligned < 0.5 < perpendicular <= 1
    assert (aligned + perpendicular).item() == pytest.approx(1.0, abs=1e-5)


def test_von_mises_magnitude_learns_the_evidence_concentration():
    # With u along the evidence, -kappa R + log I0(kappa) is minimal where
    # I1(kappa) / I0(kappa) = R: the predicted magnitude becomes a confidence.
    gt = _line(20)
    field = uniform_field(math.radians(20), (1, 1, 49, 49))
    loss = CircularDirectionalLoss(kind="von_mises")
    pixels = masked_pixels(field, gt, loss.options.pad, 0.5, None)
    resultant, _, keep = _evidence_statistics(pixels, loss.plan, loss.options)
    r = resultant[keep].norm(dim=1).mean().item()
    kappas = torch.linspace(0.1, 20, 400)
    values = torch.stack([loss(k * field, gt) for k in kappas])
    best = kappas[values.argmin()].item()
    ratio = (torch.special.i1(torch.tensor(best)) / torch.special.i0(torch.tensor(best))).item()
    assert ratio == pytest.approx(r, abs=0.03)
    assert 0.5 < r < 1


def test_kl_is_not_negative():
    pred = torch.randn(2, 1, 2, 32, 32, generator=torch.Generator().manual_seed(0))
    out = CircularDirectionalLoss(kind="kl", reduction="none")(pred, random_masks(2, 1, 32))
    assert out.min() > -1e-5


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_float64(kind):
    gen = torch.Generator().manual_seed(4)
    pred = torch.randn(1, 1, 2, 12, 12, dtype=torch.float64, generator=gen, requires_grad=True)
    gt = random_masks(1, 1, 12, seed=4).double()
    loss = CircularDirectionalLoss(kind=kind, pad=2, div=8, mask_patches=False)
    assert torch.autograd.gradcheck(lambda p: loss(p, gt), (pred,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_mask_and_rotation(kind):
    pred = torch.randn(1, 1, 2, 24, 24, requires_grad=True)
    zero = CircularDirectionalLoss(kind=kind)(pred, torch.zeros(1, 1, 1, 24, 24))
    zero.backward()
    assert zero.item() == 0 and torch.all(pred.grad == 0)
    gt = random_masks(1, 1, 24, seed=2)
    loss = CircularDirectionalLoss(kind=kind, pad=4, div=24)
    turned = loss(-torch.rot90(pred.detach(), 1, dims=(-2, -1)), torch.rot90(gt, 1, dims=(-2, -1)))
    assert turned.item() == pytest.approx(loss(pred.detach(), gt).item(), rel=1e-4)


def test_function_and_bad_kind():
    pred, gt = torch.randn(1, 1, 2, 16, 16), random_masks(1, 1, 16)
    assert torch.equal(
        circular_directional_loss(pred, gt, kind="cosine"),
        CircularDirectionalLoss(kind="cosine")(pred, gt),
    )
    with pytest.raises(ValueError, match=r"kind must be one of \('cosine', 'von_mises', 'kl'\)"):
        CircularDirectionalLoss(kind="wrapped_normal")
