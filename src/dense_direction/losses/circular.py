"""Circular-statistics losses against the mask's direction evidence, and a supervised loss.

The directional evidence ``v_k`` of a pixel (kernel responses over ``div`` bins, optionally
squished) is normalised into a distribution ``p_k`` over the bin directions ``theta_k``. On the
doubled circle (directions are modulo pi) each bin is the unit vector
``e_k = (-cos 2 theta_k, -sin 2 theta_k)`` (the package's vector convention), and the evidence
has a mean resultant ``m = sum_k p_k e_k`` with length ``R = |m|`` in [0, 1].

With the prediction's unit vector ``u`` and magnitude ``kappa = |pred|``:

* ``kind="cosine"``: ``(1 - u . m) / 2``, in [0, 1]; the expected ``sin^2`` of the angle to the
  evidence. Direction only.
* ``kind="von_mises"``: the negative log-likelihood of the evidence under a von Mises
  distribution on the doubled circle with mean ``u`` and concentration ``kappa``:
  ``-kappa u . m + log I0(kappa)``. Minimised at ``u = m / R`` and ``kappa = A^-1(R)``, so the
  predicted magnitude learns how concentrated the evidence is: a confidence.
* ``kind="kl"``: ``KL(p || q)`` with ``q_k`` the von Mises above evaluated at the bins and
  normalised over them; >= 0, 0 when the binned von Mises reproduces the evidence. It differs
  from the von Mises NLL by the evidence entropy and the discrete normaliser.

All three need the evidence only through ``m`` (and the entropy for "kl"), which is gathered at
the structure pixels in chunks without gradients, as in the efficient directional loss
(:mod:`._taps`).
The supervised loss for direction labels is in :mod:`.supervised`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from dense_direction.directions import angles_to_vectors
from dense_direction.losses._checks import check_choice, check_inputs
from dense_direction.losses._common import DirectionalLossOptions, NamedLoss, squish
from dense_direction.losses._pixels import MaskedPixels, masked_pixels, reduce_pixels, zero_loss
from dense_direction.losses._taps import TapPlan, chunk_size, gather_evidence, operands, plan_taps
from dense_direction.losses.supervised import EPS, log_i0

__all__ = ["CIRCULAR_KINDS", "CircularDirectionalLoss", "circular_directional_loss"]

CIRCULAR_KINDS = ("cosine", "von_mises", "kl")


def _split(xy: Tensor) -> tuple[Tensor, Tensor]:
    """Unit vectors ``(M, 2)`` and magnitudes ``(M,)`` of predicted vectors."""
    kappa = xy.norm(dim=1).clamp(min=EPS)
    return xy / kappa[:, None], kappa


def _bin_vectors(div: int, like: Tensor) -> Tensor:
    """``(div, 2)``: bin k's direction ``k pi / div`` as the unit vector ``e_k``."""
    angles = torch.arange(div, device=like.device, dtype=like.dtype) * (math.pi / div)
    return angles_to_vectors(angles, dim=1)


@torch.no_grad()
def _evidence_statistics(
    pixels: MaskedPixels, plan: TapPlan, options: DirectionalLossOptions
) -> tuple[Tensor, Tensor, Tensor]:
    """Per structure pixel: the evidence resultant ``m (M, 2)``, its entropy ``(M,)`` and
    whether the pixel is kept (``mask_patches``)."""
    ops = operands(plan, pixels.width, pixels.xy)
    bins = _bin_vectors(ops.weights.shape[1], pixels.xy)
    count = pixels.base.numel()
    resultant = pixels.xy.new_zeros(count, 2)
    entropy = pixels.xy.new_zeros(count)
    keep = torch.ones(count, dtype=torch.bool, device=pixels.xy.device)
    step = chunk_size(plan)
    for start in range(0, count, step):
        part = slice(start, start + step)
        evidence = gather_evidence(pixels.gt_flat, pixels.base[part], ops.offsets, ops.weights)
        if options.mask_patches:
            keep[part] = evidence.mean(dim=1) <= options.patch_thr
        if options.squish_values:
            evidence = squish(evidence, 1)
        total = evidence.sum(dim=1, keepdim=True)
        probs = torch.where(total > 0, evidence / total.clamp(min=1e-12), 0.0)
        resultant[part] = probs @ bins
        entropy[part] = -(probs * torch.log(probs.clamp(min=1e-12))).sum(dim=1)
    return resultant, entropy, keep


def _circular(xy: Tensor, resultant: Tensor, entropy: Tensor, kind: str, div: int) -> Tensor:
    unit, kappa = _split(xy)
    agreement = (unit * resultant).sum(dim=1)  # u . m
    if kind == "cosine":
        return (1 - agreement) / 2
    if kind == "von_mises":
        return -kappa * agreement + log_i0(kappa)
    # kl: sum_k p_k log p_k - sum_k p_k log q_k, log q_k = kappa u.e_k - log sum_j exp(kappa u.e_j)
    bins = _bin_vectors(div, xy)
    log_norm = torch.logsumexp(kappa[:, None] * (unit @ bins.T), dim=1)
    return -entropy - kappa * agreement + log_norm


def _circular_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None,
    plan: TapPlan,
    options: DirectionalLossOptions,
    kind: str,
    ignore_index: int | None = None,
) -> Tensor:
    check_inputs(pred, gt, weight, ignore_index)
    pixels = masked_pixels(pred, gt, options.pad, options.mask_thr, ignore_index)
    if pixels is None:
        return zero_loss(pred, options.reduction)
    resultant, entropy, keep = _evidence_statistics(pixels, plan, options)
    loss = _circular(pixels.xy, resultant, entropy, kind, plan.weights.shape[1])
    loss = torch.where(keep, loss, torch.zeros_like(loss))
    return reduce_pixels(
        loss, keep, pixels, weight, options.reduction, options.loss_weight, pred.dtype
    )


def _options(
    pad: int,
    div: int,
    mask_thr: float,
    squish_values: bool,
    mask_patches: bool,
    patch_thr: float,
    kernel_cfg: Mapping[str, Any] | None,
    reduction: str,
    loss_weight: float,
) -> DirectionalLossOptions:
    return DirectionalLossOptions(
        pad=pad,
        div=div,
        mask_thr=mask_thr,
        squish_values=squish_values,
        norm_values=True,
        norm_order=1,
        mask_patches=mask_patches,
        patch_thr=patch_thr,
        reduction=reduction,
        loss_weight=loss_weight,
        kernel_cfg=dict(kernel_cfg) if kernel_cfg is not None else {"type": "radial_line_kernel"},
    )


def circular_directional_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None = None,
    ignore_index: int | None = None,
    *,
    kind: str = "cosine",
    **options: Any,
) -> Tensor:
    """Circular-statistics loss of ``pred (N, K, 2, H, W)`` against the evidence of
    ``gt (N, K, 1, H, W)``; ``options`` as :class:`CircularDirectionalLoss`."""
    return CircularDirectionalLoss(kind=kind, **options)(pred, gt, weight, ignore_index)


class CircularDirectionalLoss(NamedLoss):
    """Module form (see the module docstring for the three kinds).

    Args:
        kind: "cosine", "von_mises" or "kl".
        pad, div, kernel_cfg: the evidence kernel (default a radial line kernel).
        squish_values: squish the evidence before normalising it to a distribution.
        mask_patches, patch_thr: drop pixels whose mean evidence exceeds ``patch_thr``.
        reduction: "mean" over kept pixels, "sum", or "none" (an ``(N, K, H, W)`` map).
    """

    def __init__(
        self,
        kind: str = "cosine",
        pad: int = 7,
        div: int = 90,
        mask_thr: float = 0.5,
        squish_values: bool = True,
        mask_patches: bool = True,
        patch_thr: float = 0.98,
        kernel_cfg: Mapping[str, Any] | None = None,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        loss_name: str = "loss_circ",
    ) -> None:
        super().__init__(loss_name)
        check_choice("kind", kind, CIRCULAR_KINDS)
        self.kind = kind
        self.options = _options(
            pad,
            div,
            mask_thr,
            squish_values,
            mask_patches,
            patch_thr,
            kernel_cfg,
            reduction,
            loss_weight,
        )
        self.plan = plan_taps(self.options.build_kernel())

    def forward(
        self,
        pred: Tensor,
        gt: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        return _circular_loss(pred, gt, weight, self.plan, self.options, self.kind, ignore_index)

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, pad={self.options.pad}, div={self.options.div}"
