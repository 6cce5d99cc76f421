"""Smoothness loss: neighbouring structure pixels should predict similar directions.

With ``m = gt > mask_thr`` and ``u = pred * m``, the neighbourhood vector ``n`` is the sum of
``u`` over the ``(2 pad + 1)^2`` window around each pixel (zero padding) minus ``u`` itself.
Per pixel ``l = ((1 - cos_sim(u, n)) / 2) ** alpha * m``: 0 when the pixel agrees with the
(magnitude-weighted) mean of its neighbours, 1 when it is opposite on the doubled circle,
i.e. perpendicular as a direction.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_direction.losses._checks import (
    check_inputs,
    check_mask_thr,
    check_min_int,
    check_positive,
    check_real,
    check_reduction,
)
from dense_direction.losses._common import NamedLoss, compute_dtype, drop_ignored

__all__ = ["SmoothnessLoss", "smoothness_loss"]


def _check_options(
    pad: int, alpha: float, reduction: str, mask_thr: float, loss_weight: float
) -> None:
    check_min_int("pad", pad, 1)
    check_positive("alpha", alpha)
    check_reduction(reduction)
    # As the directional losses' (a string failed inside torch with "'>' not supported").
    check_real("loss_weight", loss_weight)
    check_mask_thr(mask_thr)


def _smoothness_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None,
    pad: int,
    mask_thr: float,
    alpha: float,
    reduction: str,
    loss_weight: float,
    ignore_index: int | None = None,
) -> Tensor:
    check_inputs(pred, gt, weight, ignore_index)
    n, k, _, h, w = pred.shape
    dtype = compute_dtype(pred)
    mask = (drop_ignored(gt, ignore_index) > mask_thr).to(dtype)
    masked = pred.to(dtype) * mask
    window = torch.ones(1, 1, 2 * pad + 1, 2 * pad + 1, dtype=dtype, device=pred.device)
    planes = masked.reshape(n * k * 2, 1, h, w)
    neighbours = F.conv2d(planes, window, padding=pad).view(n, k, 2, h, w) - masked
    similarity = F.cosine_similarity(masked, neighbours, dim=2, eps=1e-8).unsqueeze(2)
    loss = ((1 - similarity) / 2) ** alpha * mask * loss_weight
    if weight is not None:
        loss = loss * weight.to(dtype)
    if reduction == "none":
        return loss.squeeze(2).to(pred.dtype)
    total = loss.sum()
    if reduction == "mean":
        total = total / mask.sum().clamp(min=1)
    return total.to(pred.dtype)


def smoothness_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None = None,
    *,
    pad: int = 1,
    mask_thr: float = 0.5,
    alpha: float = 2.0,
    reduction: str = "mean",
    loss_weight: float = 1.0,
    ignore_index: int | None = None,
) -> Tensor:
    """Smoothness of the vector field ``pred`` over the masked pixels of ``gt``.

    Args:
        pred: ``(N, K, 2, H, W)`` predicted doubled-angle vectors.
        gt: ``(N, K, 1, H, W)`` masks.
        weight: optional per-pixel weight broadcastable to ``(N, K, 1, H, W)``.
        pad: the neighbourhood is ``(2 pad + 1)^2``.
        mask_thr: pixels with ``gt > mask_thr`` take part.
        alpha: exponent sharpening the per-pixel disagreement.
        reduction: "mean" (over masked pixels), "sum", or "none" (``(N, K, H, W)`` map).
        loss_weight: multiplies the loss.
        ignore_index: pixels where ``gt`` equals it take no part.
    """
    _check_options(pad, alpha, reduction, mask_thr, loss_weight)
    return _smoothness_loss(
        pred, gt, weight, pad, mask_thr, alpha, reduction, loss_weight, ignore_index
    )


class SmoothnessLoss(NamedLoss):
    """Module form of :func:`smoothness_loss`; constructor arguments match the reference."""

    def __init__(
        self,
        pad: int = 1,
        mask_thr: float = 0.5,
        alpha: float = 2.0,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        loss_name: str = "loss_smth",
    ) -> None:
        super().__init__(loss_name)
        _check_options(pad, alpha, reduction, mask_thr, loss_weight)
        self.pad, self.mask_thr, self.alpha = pad, mask_thr, alpha
        self.reduction, self.loss_weight = reduction, loss_weight

    def forward(
        self,
        pred: Tensor,
        gt: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        """See :func:`smoothness_loss`."""
        return _smoothness_loss(
            pred,
            gt,
            weight,
            self.pad,
            self.mask_thr,
            self.alpha,
            self.reduction,
            self.loss_weight,
            ignore_index,
        )

    def extra_repr(self) -> str:
        return f"pad={self.pad}, alpha={self.alpha}, reduction={self.reduction!r}"
