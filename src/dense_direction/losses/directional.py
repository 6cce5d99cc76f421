"""The directional loss, written to be read: evidence for every bin at every pixel by convolution.

For each pixel of a structure it scores the predicted direction against direction evidence
taken from the shape of the ground-truth mask around that pixel:

1. ``d = (atan2(y, x) + pi) / (2 pi)`` per pixel; bin weights ``w_k = sin(pi |b_k - d|)``
   with ``b_k = k / div``. ``w_k = |sin(theta_k - theta)|``: 0 when the prediction points
   along bin ``k``, 1 when it is perpendicular.
2. Evidence ``v_k = gt * kernel_k`` (cross-correlation, zero padding ``pad``).
3. Pixels count where ``gt > mask_thr`` and, with ``mask_patches``, where the mean evidence
   over bins is at most ``patch_thr`` (drops the inside of blobs, which has no direction).
4. Optional ``squish_values`` and ``norm_values`` (see :mod:`._common`).
5. Per-pixel loss ``sum_k w_k v_k``, times ``loss_weight`` and ``weight``.

This module costs ``O(N K div H W)`` memory; train with
:class:`~dense_direction.losses.EfficientDirectionalLoss`, which computes the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_direction.losses._checks import check_inputs
from dense_direction.losses._common import (
    DirectionalLossOptions,
    NamedLoss,
    compute_dtype,
    drop_ignored,
    post_process,
)

__all__ = ["DirectionalLoss", "directional_loss", "reduce_masked"]


def reduce_masked(loss: Tensor, keep: Tensor, reduction: str) -> Tensor:
    """Reduce a per-pixel loss map ``(N, K, 1, H, W)`` over the kept pixels.

    Returns:
        "mean": sum over kept pixels / their number (0 with a gradient path when none is kept);
        "sum": the sum; "none": the map ``(N, K, H, W)`` with 0 where pixels are not kept.
    """
    masked = torch.where(keep, loss, torch.zeros_like(loss))
    if reduction == "none":
        return masked.squeeze(2)
    total = masked.sum()
    if reduction == "sum":
        return total
    return total / keep.sum().clamp(min=1)


def _evidence(gt: Tensor, kernel: Tensor, pad: int) -> Tensor:
    """``(N, K, 1, H, W)`` mask -> ``(N, K, div, H, W)`` evidence."""
    n, k, _, h, w = gt.shape
    flat = gt.reshape(n * k, 1, h, w)
    # The number of kernels, not -1: view cannot infer it from an empty batch.
    return F.conv2d(flat, kernel.unsqueeze(1), padding=pad).view(n, k, kernel.shape[0], h, w)


def _bin_weights(pred: Tensor, div: int) -> Tensor:
    """``(N, K, 2, H, W)`` vectors -> ``(N, K, div, H, W)`` weights ``sin(pi |b_k - d|)``."""
    d = (torch.atan2(pred[:, :, 1:2], pred[:, :, 0:1]) + math.pi) / (2 * math.pi)
    bins = torch.arange(div, dtype=pred.dtype, device=pred.device).view(1, 1, -1, 1, 1) / div
    return torch.sin(math.pi * torch.abs(bins - d))


def _directional_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None,
    kernel: Tensor,
    options: DirectionalLossOptions,
    ignore_index: int | None = None,
) -> Tensor:
    check_inputs(pred, gt, weight, ignore_index)
    dtype = compute_dtype(pred)
    work = pred.to(dtype)
    gt = drop_ignored(gt.to(dtype), ignore_index)
    evidence = _evidence(gt, kernel.to(device=pred.device, dtype=dtype), options.pad)
    keep = gt > options.mask_thr
    if options.mask_patches:
        keep = keep & (evidence.mean(dim=2, keepdim=True) <= options.patch_thr)
    evidence = post_process(evidence, 2, options)
    loss = (_bin_weights(work, options.div) * evidence).sum(dim=2, keepdim=True)
    loss = loss * options.loss_weight
    if weight is not None:
        loss = loss * weight.to(dtype)
    return reduce_masked(loss, keep, options.reduction).to(pred.dtype)


def directional_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None = None,
    ignore_index: int | None = None,
    **options: Any,
) -> Tensor:
    """Directional loss of vector field ``pred`` against masks ``gt`` (reference version).

    Args:
        pred: ``(N, K, 2, H, W)`` predicted doubled-angle vectors.
        gt: ``(N, K, 1, H, W)`` masks (0/1 or soft), one per direction class.
        weight: optional per-pixel weight broadcastable to ``(N, K, 1, H, W)``.
        ignore_index: pixels where ``gt`` equals it take no part (mmseg heads pass 255).
        **options: the fields of :class:`DirectionalLossOptions` (pad, div, kernel_cfg, ...).

    Returns:
        A scalar for reduction "mean"/"sum"; an ``(N, K, H, W)`` map for "none", 0 outside
        the kept pixels.
    """
    opts = DirectionalLossOptions(**options)
    return _directional_loss(pred, gt, weight, opts.build_kernel(), opts, ignore_index)


def _copy_config(kernel_cfg: Mapping[str, Any] | None) -> Any:
    if kernel_cfg is None:
        return {"type": "circular_point_kernel"}
    return dict(kernel_cfg) if isinstance(kernel_cfg, Mapping) else kernel_cfg


class DirectionalLoss(NamedLoss):
    """Module form of :func:`directional_loss`; the kernel is built once at construction.

    Constructor arguments match the published reference (``pad=3, div=20, mask_thr=0.5,
    squish_values=False, norm_values=False, norm_order=1, mask_patches=False, patch_thr=0.8,
    kernel_cfg=dict(type="circular_point_kernel"), reduction="mean", loss_weight=1.0,
    loss_name="loss_dir"``).
    """

    def __init__(
        self,
        pad: int = 3,
        div: int = 20,
        mask_thr: float = 0.5,
        squish_values: bool = False,
        norm_values: bool = False,
        norm_order: float = 1,
        mask_patches: bool = False,
        patch_thr: float = 0.8,
        kernel_cfg: Mapping[str, Any] | None = None,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        loss_name: str = "loss_dir",
    ) -> None:
        super().__init__(loss_name)
        self.options = DirectionalLossOptions(
            pad=pad,
            div=div,
            mask_thr=mask_thr,
            squish_values=squish_values,
            norm_values=norm_values,
            norm_order=norm_order,
            mask_patches=mask_patches,
            patch_thr=patch_thr,
            reduction=reduction,
            loss_weight=loss_weight,
            kernel_cfg=_copy_config(kernel_cfg),
        )
        self.register_buffer("kernel", self.options.build_kernel(), persistent=False)

    def forward(
        self,
        pred: Tensor,
        gt: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        """See :func:`directional_loss`."""
        return _directional_loss(pred, gt, weight, self.kernel, self.options, ignore_index)

    def extra_repr(self) -> str:
        o = self.options
        return (
            f"pad={o.pad}, div={o.div}, kernel={o.kernel_cfg['type']!r}, reduction={o.reduction!r}"
        )
