"""A loss against direction labels, for when they exist (hand-made or derived, e.g. the medial
targets of :mod:`.medial`).

Per labelled pixel, with the predicted unit vector ``u``, magnitude ``kappa`` and the label's
vector ``t`` (the package's convention), "cosine" is ``(1 - u . t) / 2 = sin^2`` of the angle
error and "von_mises" the negative log-likelihood ``-kappa u . t + log I0(kappa)``, so the
magnitude learns a confidence.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dense_direction.directions import angles_to_vectors
from dense_direction.losses._checks import check_choice, check_direction_targets, check_reduction
from dense_direction.losses._common import NamedLoss, compute_dtype

__all__ = [
    "SUPERVISED_KINDS",
    "SupervisedDirectionLoss",
    "log_i0",
    "supervised_direction_loss",
]

# Smallest predicted magnitude divided by: a zero vector has no direction.
EPS = 1e-6


def log_i0(kappa: Tensor) -> Tensor:
    """``log I0(kappa)``, stable for large kappa (also used by the circular losses)."""
    return torch.log(torch.special.i0e(kappa)) + kappa


SUPERVISED_KINDS = ("cosine", "von_mises")


def supervised_direction_loss(
    pred: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    kind: str = "cosine",
    reduction: str = "mean",
    loss_weight: float = 1.0,
) -> Tensor:
    """Loss against direction labels, for when they exist.

    Args:
        pred: ``(N, K, 2, H, W)`` vectors.
        target: ``(N, K, H, W)`` or ``(N, K, 1, H, W)`` angles in radians (y up); NaN where
            there is no label.
        weight: optional, broadcastable to ``(N, K, H, W)``.
        kind: "cosine" (``sin^2`` of the angle error, in [0, 1]) or "von_mises" (NLL with the
            predicted magnitude as concentration).
        reduction: "mean" over labelled pixels, "sum", or "none" (``(N, K, H, W)`` map).
    """
    check_choice("kind", kind, SUPERVISED_KINDS)
    check_reduction(reduction)
    target = check_direction_targets(pred, target, weight)
    dtype = compute_dtype(pred)
    labelled = torch.isfinite(target)
    angles = torch.where(labelled, target, torch.zeros_like(target)).to(dtype)
    truth = angles_to_vectors(angles, dim=2)
    vectors = pred.to(dtype)
    # max(|v|, EPS), written out: the norm over a size-2 middle axis was nearly all of this
    # loss's 25 ms per training step on a CPU (2 ms now; docs/benchmarks.md),
    # and clamping the square keeps the gradient 0 (not NaN) at a zero vector.
    kappa = (vectors[:, :, 0] ** 2 + vectors[:, :, 1] ** 2).clamp(min=EPS**2).sqrt()
    agreement = (vectors * truth).sum(dim=2) / kappa
    loss = (1 - agreement) / 2 if kind == "cosine" else -kappa * agreement + log_i0(kappa)
    loss = torch.where(labelled, loss, torch.zeros_like(loss)) * loss_weight
    if weight is not None:
        loss = loss * weight.to(dtype)
    if reduction == "none":
        return loss.to(pred.dtype)
    total = loss.sum()
    if reduction == "mean":
        total = total / labelled.sum().clamp(min=1)
    return total.to(pred.dtype)


class SupervisedDirectionLoss(NamedLoss):
    """Module form of :func:`supervised_direction_loss`.

    In a direction head it learns from direction labels, not masks: it sets
    ``needs_direction_labels``, so the head passes the samples' ``gt_directions`` (NaN
    outside the structure) instead of the class masks; the pipeline must load them.
    ``ignore_index`` is accepted for the heads' calling convention; unlabelled pixels are NaN.
    """

    needs_direction_labels = True

    def __init__(
        self,
        kind: str = "cosine",
        reduction: str = "mean",
        loss_weight: float = 1.0,
        loss_name: str = "loss_sup",
    ) -> None:
        super().__init__(loss_name)
        check_choice("kind", kind, SUPERVISED_KINDS)
        check_reduction(reduction)
        self.kind, self.reduction, self.loss_weight = kind, reduction, loss_weight

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        return supervised_direction_loss(
            pred,
            target,
            weight,
            kind=self.kind,
            reduction=self.reduction,
            loss_weight=self.loss_weight,
        )
