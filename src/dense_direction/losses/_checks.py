"""Input checks of every loss, in one place, so bad input is reported the same way everywhere.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value or shape) with a message that says what was expected and what came.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from dense_direction.directions import check_not_degrees

REDUCTIONS = ("mean", "sum", "none")


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    """``value`` must be one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def check_reduction(reduction: str) -> None:
    check_choice("reduction", reduction, REDUCTIONS)


def check_real(name: str, value: Any) -> None:
    """A real number (bools and NaN are not: they are always a config mistake here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")


def check_mask_thr(value: Any) -> None:
    """``mask_thr`` in [0, 1): masks hold values in [0, 1] and a pixel takes part where
    ``gt > mask_thr``; at 1 or above none ever does (the loss was 0 at every step, without a
    word), below 0 the background does too."""
    check_real("mask_thr", value)
    if not 0 <= value < 1:
        raise ValueError(
            f"mask_thr must be in [0, 1) (masks hold values in [0, 1]; a pixel takes part "
            f"where gt > mask_thr), got {value!r}: "
            + ("no pixel ever would" if value >= 1 else "the background would too")
        )


def check_positive(name: str, value: Any, unit: str = "") -> None:
    """A number > 0; ``unit`` (e.g. "pixels") is named in the message."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        suffix = f" ({unit})" if unit else ""
        raise ValueError(f"{name} must be a number > 0{suffix}, got {value!r}")


def check_min_int(name: str, value: Any, low: int) -> None:
    """An int (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")


def check_kernel_cfg(kernel_cfg: Any) -> None:
    """A kernel config: a mapping with a ``type`` key (the kernel checks its own options)."""
    if not isinstance(kernel_cfg, Mapping) or "type" not in kernel_cfg:
        raise TypeError(
            f"kernel_cfg must be a dict with a 'type' key, e.g. "
            f"dict(type='radial_line_kernel'), got {kernel_cfg!r}"
        )


def check_medial_options(sigma: Any, rho: Any, min_coherence: Any) -> None:
    """The options the medial loss and its pipeline transform share."""
    check_positive("sigma", sigma, "pixels")
    check_positive("rho", rho, "pixels")
    check_real("min_coherence", min_coherence)
    if not 0 <= min_coherence <= 1:
        raise ValueError(f"min_coherence must be in [0, 1], got {min_coherence!r}")


def _check_tensor(name: str, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")


def _pred_hint(shape: torch.Size) -> str:
    """How to get a prediction of a common wrong shape into (N, K, 2, H, W)."""
    if len(shape) == 4 and shape[1] == 2:
        return "; one direction class: add its axis with pred[:, None]"
    if len(shape) == 5 and shape[-1] == 2 and shape[2] != 2:
        return "; the 2-vector last (channels-last): use pred.permute(0, 1, 4, 2, 3)"
    return ""


def _check_pred(pred: Any) -> None:
    _check_tensor("pred", pred)
    if not pred.is_floating_point():
        raise TypeError(f"pred must be a floating-point tensor, got {pred.dtype}")
    if pred.dim() != 5 or pred.shape[2] != 2:
        raise ValueError(
            f"pred must have shape (N, K, 2, H, W) (K direction classes, a 2-vector per pixel), "
            f"got {tuple(pred.shape)}{_pred_hint(pred.shape)}"
        )
    if pred.shape[3] == 0 or pred.shape[4] == 0:  # a bare conv2d or NumPy error further on
        raise ValueError(
            f"pred has no pixels: H x W is {pred.shape[3]} x {pred.shape[4]} (an empty crop "
            f"or image?), shape {tuple(pred.shape)}"
        )
    bad = (~torch.isfinite(pred)).sum().item()
    if bad:
        raise ValueError(
            f"pred contains {bad} non-finite values (NaN or inf); during training this means "
            f"the training diverged: lower the learning rate (`dense-direction train --lr`, or "
            f"optim_wrapper.optimizer.lr in a config) or clip gradients"
        )


def _check_mask_values(gt: Tensor, ignore_index: int | None) -> None:
    """Masks are 0..1 (1 = structure); ``ignore_index`` pixels are exempt. A 0/255 mask would
    flood the evidence and (with patch masking) silently zero the loss."""
    if gt.numel() == 0:
        return
    values = gt.float()
    if ignore_index is not None:
        values = torch.where(values == ignore_index, torch.zeros_like(values), values)
    if not torch.isfinite(values).all():
        # NaN passes both bounds below and made the loss NaN (an all-NaN mask 0.0).
        raise ValueError(
            f"gt must hold mask values in [0, 1] (1 = structure), got "
            f"{int((~torch.isfinite(values)).sum())} NaN or infinite values; mark unlabelled "
            f"pixels with ignore_index instead"
        )
    low, high = torch.aminmax(values)
    low, high = low.item(), high.item()
    if low < 0 or high > 1:
        hint = " (divide 0/255 masks by 255" if high == 255 else " (rescale them"
        hint += "; pass ignore_index for a value that marks unlabelled pixels)"
        raise ValueError(
            f"gt must hold mask values in [0, 1] (1 = structure), got values from {low:g} to "
            f"{high:g}{hint}"
        )


def _check_same_grid(pred: Tensor, other: Tensor, other_name: str) -> None:
    """``pred (N, K, 2, H, W)`` and ``other (N, K, 1, H, W)`` agree on N, K, H, W and device."""
    for axis, name in ((0, "N (batch)"), (1, "K (direction classes)"), (3, "H"), (4, "W")):
        if pred.shape[axis] != other.shape[axis]:
            raise ValueError(
                f"pred {tuple(pred.shape)} and {other_name} {tuple(other.shape)} disagree on "
                f"{name}: {pred.shape[axis]} vs {other.shape[axis]}"
            )
    if pred.device != other.device:
        raise ValueError(f"pred is on {pred.device} but {other_name} is on {other.device}")


def check_weight(weight: Any, target: tuple[int, ...], axes: str = "(N, K, 1, H, W)") -> None:
    """An optional per-pixel ``weight`` must be a tensor of finite values that broadcasts to
    ``target`` (named ``axes``): a NaN weight made the loss NaN without a word, a NumPy one
    failed with "'numpy.ndarray' object has no attribute 'to'"."""
    if weight is None:
        return
    _check_tensor("weight", weight)
    if weight.is_floating_point() and not bool(torch.isfinite(weight).all()):
        raise ValueError("weight must be finite: it holds NaN or infinite values")
    got = tuple(weight.shape)
    try:
        # The broadcast must not grow the target: (3, H, W) against (1, 1, H, W) broadcasts
        # to (1, 3, H, W), which would silently multiply the loss map.
        fits = torch.broadcast_shapes(weight.shape, target) == torch.Size(target)
    except (RuntimeError, AttributeError) as err:
        raise ValueError(f"weight must broadcast to {axes} = {target}, got {got}") from err
    if not fits:
        raise ValueError(f"weight must broadcast to {axes} = {target}, got {got}")


def check_inputs(pred: Any, gt: Any, weight: Any = None, ignore_index: int | None = None) -> None:
    """Validate ``pred (N, K, 2, H, W)``, masks ``gt (N, K, 1, H, W)`` with values in [0, 1]
    (``ignore_index`` pixels exempt) and an optional ``weight`` broadcastable to
    ``(N, K, 1, H, W)``."""
    _check_pred(pred)
    _check_tensor("gt", gt)
    if gt.dim() != 5 or gt.shape[2] != 1:
        hints = {3: "gt[:, None, None]", 4: "gt[:, :, None] (or gt[:, None] for (N, 1, H, W))"}
        hint = f"; add the class axes with {hints[gt.dim()]}" if gt.dim() in hints else ""
        raise ValueError(f"gt must have shape (N, K, 1, H, W), got {tuple(gt.shape)}{hint}")
    _check_same_grid(pred, gt, "gt")
    _check_mask_values(gt, ignore_index)
    check_weight(weight, (*gt.shape[:2], 1, *gt.shape[3:]))


def check_direction_targets(pred: Any, target: Any, weight: Any = None) -> Tensor:
    """Validate ``pred (N, K, 2, H, W)`` against angle labels ``target`` of shape
    ``(N, K, H, W)`` or ``(N, K, 1, H, W)`` and a ``weight`` broadcastable to ``(N, K, H, W)``;
    returns the target as ``(N, K, H, W)``.

    Labels are not checked for finiteness: NaN marks an unlabelled pixel.
    """
    _check_pred(pred)
    _check_tensor("target", target)
    if target.dim() == 4:
        target = target.unsqueeze(2)
    if target.dim() != 5 or target.shape[2] != 1:
        raise ValueError(
            f"target must be angles of shape (N, K, H, W) or (N, K, 1, H, W) (radians, NaN "
            f"where unlabelled), got {tuple(target.shape)}"
        )
    _check_same_grid(pred, target, "target")
    infinite = int(torch.isinf(target).sum()) if target.is_floating_point() else 0
    if infinite:  # they were taken as unlabelled without a word, as NaN is
        raise ValueError(
            f"target holds {infinite} infinite values: angles are radians in [0, pi), and NaN "
            f"(not inf) marks an unlabelled pixel"
        )
    check_not_degrees("target", target)
    target = target.squeeze(2)
    check_weight(weight, tuple(target.shape), "(N, K, H, W)")
    return target
