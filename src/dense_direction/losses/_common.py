"""What the directional losses share: options, input checks, evidence post-processing and
reductions. Checks live here so every loss reports bad input the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from dense_direction.kernels import build_kernel

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_real(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")


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
        for name in ("mask_thr", "norm_order", "patch_thr", "loss_weight"):
            _check_real(name, getattr(self, name))
        if self.norm_order <= 0:
            raise ValueError(f"norm_order must be > 0 (a p-norm order), got {self.norm_order}")
        check_reduction(self.reduction)
        if not isinstance(self.kernel_cfg, Mapping) or "type" not in self.kernel_cfg:
            raise TypeError(
                f"kernel_cfg must be a dict with a 'type' key, e.g. "
                f"dict(type='radial_line_kernel'), got {self.kernel_cfg!r}"
            )

    def build_kernel(self) -> Tensor:
        """The kernel ``(div, 2*pad+1, 2*pad+1)``, float64; also validates pad and div."""
        return build_kernel(self.kernel_cfg, pad=self.pad, div=self.div)


def check_inputs(pred: Tensor, gt: Tensor, weight: Tensor | None = None) -> None:
    """Validate ``pred (N, K, 2, H, W)``, ``gt (N, K, 1, H, W)`` and an optional ``weight``
    broadcastable to ``(N, K, 1, H, W)``."""
    for name, value in (("pred", pred), ("gt", gt)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not pred.is_floating_point():
        raise TypeError(f"pred must be a floating-point tensor, got {pred.dtype}")
    if pred.dim() != 5 or pred.shape[2] != 2:
        raise ValueError(
            f"pred must have shape (N, K, 2, H, W) (K direction classes, a 2-vector per pixel), "
            f"got {tuple(pred.shape)}"
        )
    if gt.dim() != 5 or gt.shape[2] != 1:
        hint = "; add the class axes with gt[:, None, None]" if gt.dim() == 3 else ""
        raise ValueError(f"gt must have shape (N, K, 1, H, W), got {tuple(gt.shape)}{hint}")
    for axis, name in ((0, "N (batch)"), (1, "K (direction classes)"), (3, "H"), (4, "W")):
        if pred.shape[axis] != gt.shape[axis]:
            raise ValueError(
                f"pred {tuple(pred.shape)} and gt {tuple(gt.shape)} disagree on {name}: "
                f"{pred.shape[axis]} vs {gt.shape[axis]}"
            )
    if pred.device != gt.device:
        raise ValueError(f"pred is on {pred.device} but gt is on {gt.device}")
    bad = (~torch.isfinite(pred)).sum().item()
    if bad:
        raise ValueError(f"pred contains {bad} non-finite values (NaN or inf)")
    if weight is not None:
        target = (*gt.shape[:2], 1, *gt.shape[3:])
        try:
            torch.broadcast_shapes(weight.shape, target)
        except (RuntimeError, AttributeError) as err:
            got = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
            raise ValueError(
                f"weight must broadcast to (N, K, 1, H, W) = {target}, got {got}"
            ) from err


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


def compute_dtype(pred: Tensor) -> torch.dtype:
    """float32 for half-precision inputs (the bin sums need it), else pred's own dtype."""
    return torch.promote_types(pred.dtype, torch.float32)
