"""The pixels a mask-based loss works on: located once per call, reduced back at the end.

Losses that score only structure pixels (the efficient directional loss, the circular losses)
work on ``(M,)`` vectors of those pixels; this module finds them in ``gt`` and turns the
per-pixel losses back into "mean", "sum" or an ``(N, K, H, W)`` map.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_direction.losses._common import compute_dtype, drop_ignored

__all__ = ["MaskedPixels", "masked_pixels", "reduce_pixels", "zero_loss"]


@dataclass(frozen=True)
class MaskedPixels:
    """The structure pixels of one call.

    Attributes:
        index: ``(M,)`` flat indices over ``(N, K, H, W)`` of pixels with ``gt > mask_thr``.
        base: ``(M,)`` their flat indices in the zero-padded mask planes ``gt_flat``.
        gt_flat: the masks padded by ``pad`` on every side, flattened.
        width: the padded plane width.
        xy: ``(M, 2)`` predicted vectors there (connected to ``pred`` for autograd).
        shape: ``(N, K, H, W)``.
    """

    index: Tensor
    base: Tensor
    gt_flat: Tensor
    width: int
    xy: Tensor
    shape: tuple[int, int, int, int]


def masked_pixels(
    pred: Tensor, gt: Tensor, pad: int, mask_thr: float, ignore_index: int | None
) -> MaskedPixels | None:
    """Locate the structure pixels of ``gt`` (None when there are none)."""
    n, k, _, h, w = gt.shape
    dtype = compute_dtype(pred)
    masks = drop_ignored(gt.to(dtype), ignore_index).reshape(n * k, h, w)
    index = torch.nonzero(masks.reshape(-1) > mask_thr).squeeze(1)  # over (N K H W)
    if index.numel() == 0:
        return None
    plane, rest = index // (h * w), index % (h * w)
    row, col = rest // w, rest % w
    height, width = h + 2 * pad, w + 2 * pad
    base = plane * (height * width) + (row + pad) * width + (col + pad)
    gt_flat = F.pad(masks, (pad, pad, pad, pad)).reshape(-1)
    xy = pred.reshape(n * k, 2, h * w)[plane, :, rest].to(dtype)
    return MaskedPixels(index, base, gt_flat, width, xy, (n, k, h, w))


def zero_loss(pred: Tensor, reduction: str) -> Tensor:
    """0 (or a zero map) that still depends on ``pred``, so backward runs without masked
    pixels."""
    zero_map = pred[:, :, 0] * 0
    return zero_map if reduction == "none" else zero_map.sum()


def reduce_pixels(
    loss: Tensor,
    keep: Tensor,
    pixels: MaskedPixels,
    weight: Tensor | None,
    reduction: str,
    loss_weight: float,
    out_dtype: torch.dtype,
) -> Tensor:
    """Per-pixel losses ``(M,)`` (0 where not kept) -> "mean" over kept pixels, "sum", or an
    ``(N, K, H, W)`` map for "none"."""
    n, k, h, w = pixels.shape
    loss = loss * loss_weight
    if weight is not None:
        loss = loss * weight.to(loss.dtype).expand(n, k, 1, h, w).reshape(-1)[pixels.index]
    if reduction == "none":
        full = loss.new_zeros(n * k * h * w).index_put((pixels.index,), loss)
        return full.view(n, k, h, w).to(out_dtype)
    total = loss.sum()
    if reduction == "mean":
        total = total / keep.sum().clamp(min=1)
    return total.to(out_dtype)
