"""What the directional losses share: their options and the post-processing of evidence.

Input checks live in :mod:`._checks`; gathering evidence at masked pixels in :mod:`._taps` and
:mod:`._pixels`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from dense_direction.kernels import build_kernel
from dense_direction.losses._checks import (
    check_kernel_cfg,
    check_mask_thr,
    check_real,
    check_reduction,
)


@dataclass(frozen=True)
class DirectionalLossOptions:
    """Options of :class:`DirectionalLoss` and :class:`EfficientDirectionalLoss`, validated once.

    Names and defaults follow the published reference implementation.
    """

    pad: int = 3
    div: int = 20
    mask_thr: float = 0.5
    squish_values: bool = False
    norm_values: bool = False
    norm_order: float = 1
    mask_patches: bool = False
    patch_thr: float = 0.8
    kernel_cfg: Mapping[str, Any] = field(default_factory=lambda: {"type": "circular_point_kernel"})
    reduction: str = "mean"
    loss_weight: float = 1.0

    def __post_init__(self) -> None:
        for name in ("norm_order", "patch_thr", "loss_weight"):
            check_real(name, getattr(self, name))
        check_mask_thr(self.mask_thr)
        if self.mask_patches and self.patch_thr < 0:
            raise ValueError(
                f"patch_thr must be >= 0 with mask_patches (a pixel is kept where its mean "
                f"evidence is at most patch_thr), got {self.patch_thr}: no pixel would be kept"
            )
        if self.norm_order <= 0:
            raise ValueError(f"norm_order must be > 0 (a p-norm order), got {self.norm_order}")
        check_reduction(self.reduction)
        check_kernel_cfg(self.kernel_cfg)

    def build_kernel(self) -> Tensor:
        """The kernel ``(div, 2*pad+1, 2*pad+1)``, float64; also validates pad and div."""
        return build_kernel(self.kernel_cfg, pad=self.pad, div=self.div)


def drop_ignored(gt: Tensor, ignore_index: int | None) -> Tensor:
    """``gt`` with pixels equal to ``ignore_index`` set to 0: they count as background, both
    as loss pixels and as evidence for their neighbours (mmseg pads label maps with 255)."""
    if ignore_index is None:
        return gt
    return torch.where(gt == ignore_index, torch.zeros_like(gt), gt)


def squish(values: Tensor, dim: int) -> Tensor:
    """Rescale so the smallest value over ``dim`` becomes 0 and 1 stays 1; NaN (no contrast
    left) becomes 0."""
    low = values.amin(dim=dim, keepdim=True)
    out = (values - low) / (1 - low)
    return torch.where(torch.isnan(out), torch.zeros_like(out), out)


def normalise(values: Tensor, dim: int, order: float) -> Tensor:
    """Divide by the ``order``-norm over ``dim``; an all-zero vector stays 0."""
    out = values / torch.linalg.vector_norm(values, ord=order, dim=dim, keepdim=True)
    return torch.where(torch.isnan(out), torch.zeros_like(out), out)


def post_process(values: Tensor, dim: int, options: DirectionalLossOptions) -> Tensor:
    """Steps 4 and 5 of the loss: optional squish, then optional normalisation over bins."""
    if options.squish_values:
        values = squish(values, dim)
    if options.norm_values:
        values = normalise(values, dim, options.norm_order)
    return values


def class_masks(labels: Tensor, dir_classes: Sequence[int]) -> Tensor:
    """Label maps ``(N, 1, H, W)`` -> float masks ``(N, K, 1, H, W)``, one per direction class
    (label id in ``dir_classes``): the layout the direction losses take."""
    return torch.cat([(labels == c) for c in dir_classes], dim=1).float().unsqueeze(2)


def compute_dtype(pred: Tensor) -> torch.dtype:
    """float32 for half-precision inputs (the bin sums need it), else pred's own dtype."""
    return torch.promote_types(pred.dtype, torch.float32)


class NamedLoss(nn.Module):
    """Base of the loss modules: mmseg heads read ``loss_name`` as the key of the loss in the
    model's loss dict (and ``needs_direction_labels`` to know what to pass as ``gt``)."""

    needs_direction_labels = False

    def __init__(self, loss_name: str) -> None:
        super().__init__()
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Key of this loss in a model's loss dict (mmseg convention)."""
        return self._loss_name
