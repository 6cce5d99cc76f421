"""Angular error between direction maps and its summary statistics (pure NumPy/PyTorch).

Directions are undirected, so the error between angles ``a`` and ``b`` is taken modulo pi and
lies in ``[0, 90]`` degrees.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor

__all__ = ["ACCURACY_THRESHOLDS", "DirectionErrorSummary", "angular_error", "summarize_errors"]

ACCURACY_THRESHOLDS = (1.0, 5.0, 10.0, 20.0)  # degrees


def _as_tensor(name: str, value: np.ndarray | Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(value).__name__}")


def angular_error(
    pred: np.ndarray | Tensor,
    gt: np.ndarray | Tensor,
    mask: np.ndarray | Tensor | None = None,
) -> np.ndarray:
    """Per-pixel error in degrees, modulo 180, at the pixels where ``mask`` is true.

    Args:
        pred, gt: angle maps in radians of the same shape, e.g. ``(H, W)`` or ``(N, H, W)``.
        mask: boolean (or 0/1) map of the same shape; None means every pixel.

    Returns:
        1-D float64 array of errors in ``[0, 90]`` degrees, in row-major pixel order.
    """
    pred_t, gt_t = _as_tensor("pred", pred), _as_tensor("gt", gt)
    if pred_t.shape != gt_t.shape:
        raise ValueError(
            f"pred and gt angle maps differ in shape: {tuple(pred_t.shape)} vs {tuple(gt_t.shape)}"
        )
    diff = torch.remainder(pred_t.double() - gt_t.double(), math.pi)
    error = torch.rad2deg(torch.minimum(diff, math.pi - diff))
    if mask is not None:
        mask_t = _as_tensor("mask", mask)
        if mask_t.shape != pred_t.shape:
            raise ValueError(
                f"mask shape {tuple(mask_t.shape)} differs from the angle maps' "
                f"{tuple(pred_t.shape)}"
            )
        error = error[mask_t.bool()]
    return error.reshape(-1).cpu().numpy()


@dataclass(frozen=True)
class DirectionErrorSummary:
    """Angular error statistics in degrees; all NaN when ``count`` is 0.

    ``accuracy`` maps a threshold in degrees to the fraction of pixels with error <= it.
    """

    count: int
    mean: float
    median: float
    std: float
    rmse: float
    accuracy: dict[float, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int]:
        """Flat ``{"mean": .., "acc@5": .., ...}`` for logging and JSON."""
        flat = {k: v for k, v in asdict(self).items() if k != "accuracy"}
        flat.update({f"acc@{t:g}": v for t, v in self.accuracy.items()})
        return flat


def summarize_errors(
    errors: np.ndarray, thresholds: tuple[float, ...] = ACCURACY_THRESHOLDS
) -> DirectionErrorSummary:
    """Mean, median, standard deviation, RMSE and accuracy at ``thresholds`` of errors in
    degrees (e.g. from :func:`angular_error`)."""
    errors = np.asarray(errors, dtype=np.float64).reshape(-1)
    if errors.size == 0:
        nan = math.nan
        return DirectionErrorSummary(0, nan, nan, nan, nan, {t: nan for t in thresholds})
    return DirectionErrorSummary(
        count=int(errors.size),
        mean=float(errors.mean()),
        median=float(np.median(errors)),
        std=float(errors.std()),
        rmse=float(np.sqrt(np.mean(errors**2))),
        accuracy={t: float(np.mean(errors <= t)) for t in thresholds},
    )
