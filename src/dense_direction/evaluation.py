"""Angular error between direction maps and its summary statistics (pure NumPy/PyTorch).

Directions are undirected, so the error between angles ``a`` and ``b`` is taken modulo pi and
lies in ``[0, 90]`` degrees.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from itertools import pairwise

import numpy as np
import torch
from torch import Tensor

from dense_direction._tensors import from_array
from dense_direction.directions import check_not_degrees

__all__ = [
    "ACCURACY_THRESHOLDS",
    "WIDTH_BANDS",
    "DirectionErrorSummary",
    "angular_error",
    "field_by_class",
    "grouped_summaries",
    "local_width",
    "scored_pixels",
    "summarize_errors",
    "width_band",
    "width_band_labels",
]

#: Edges (pixels) of the structure-width bands results are reported in; the last is open.
WIDTH_BANDS = (0, 4, 8, 12, 16, 24, 32, 48)

ACCURACY_THRESHOLDS = (1.0, 5.0, 10.0, 20.0)  # degrees


def _as_tensor(name: str, value: np.ndarray | Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return from_array(value)
    raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(value).__name__}")


def scored_pixels(
    region: np.ndarray,
    crossing: np.ndarray | None = None,
    truth: np.ndarray | None = None,
    no_data: np.ndarray | None = None,
) -> np.ndarray:
    """The pixels a direction error is measured on: inside ``region`` (centre-line or mask),
    outside ``crossing`` (where two structures overlap and the direction is ambiguous), and,
    when ``truth`` angles are given, where the truth is finite, and outside ``no_data``
    (where the image has no value: :func:`dense_direction.io.no_data`; no method sees
    anything there). All ``(H, W)``."""
    select = np.asarray(region).astype(bool)
    for excluded in (crossing, no_data):
        if excluded is not None:
            select = select & ~np.asarray(excluded).astype(bool)
    if truth is not None:
        select = select & np.isfinite(truth)
    return select


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
    for name, angles in (("pred", pred_t), ("gt", gt_t)):
        check_not_degrees(name, angles)
    diff = torch.remainder(pred_t.double() - gt_t.double(), math.pi)
    error = torch.rad2deg(torch.minimum(diff, math.pi - diff))
    if mask is not None:
        mask_t = _as_tensor("mask", mask)
        if mask_t.shape != pred_t.shape:
            raise ValueError(
                f"mask shape {tuple(mask_t.shape)} differs from the angle maps' "
                f"{tuple(pred_t.shape)}"
            )
        if mask_t.is_floating_point() and not bool(torch.isfinite(mask_t).all()):
            # bool(NaN) is True: a NaN pixel counted as selected.
            raise ValueError("mask must be finite (bool, or 0/1): it holds NaN or infinite")
        error = error[mask_t.bool()]
    return error.reshape(-1).cpu().numpy()


def field_by_class(
    angles: np.ndarray, dir_classes: tuple[int, ...], classes: np.ndarray | None = None
) -> np.ndarray:
    """One ``(H, W)`` angle map from a model's ``(K, H, W)`` fields: at each pixel the field of
    that pixel's own class in ``classes`` (``(H, W)`` label ids; ``dir_classes[k]`` is field
    k's id), NaN where the class has no field. A single field is returned as it is, with or
    without ``classes``: it is the direction of every structure. Several fields without
    ``classes`` are an error: which one a pixel's truth belongs to is not known."""
    angles = np.asarray(angles)
    if angles.ndim == 2:
        angles = angles[None]
    if angles.ndim != 3 or angles.shape[0] != len(dir_classes):
        raise ValueError(
            f"expected ({len(dir_classes)}, H, W) angles, one field per direction class "
            f"{tuple(dir_classes)}, got shape {angles.shape}"
        )
    if len(dir_classes) == 1:
        return angles[0]
    if classes is None:
        raise ValueError(
            f"the model predicts {len(dir_classes)} direction fields (label ids "
            f"{', '.join(map(str, dir_classes))}): each pixel is scored against the field of "
            "its own class, so a class map (label ids, 0 = background) is needed for every image"
        )
    if np.shape(classes) != angles.shape[1:]:
        raise ValueError(
            f"class map of shape {np.shape(classes)} for angle maps of {angles.shape[1:]}"
        )
    field = np.full(angles.shape[1:], np.nan, angles.dtype)
    for channel, label in enumerate(dir_classes):
        own = classes == label
        field[own] = angles[channel][own]
    return field


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
    if not np.isfinite(errors).all():
        # A NaN error (no predicted direction: predict gives NaN where the image has no
        # value) made every figure NaN and counted as a miss.
        raise ValueError(
            f"errors hold {int((~np.isfinite(errors)).sum())} NaN or infinite values "
            f"(pixels without a direction): leave them out first, e.g. with the mask of "
            f"angular_error or errors[np.isfinite(errors)]"
        )
    if errors.size and (errors.min() < 0 or errors.max() > 90):
        # -5 counted as "within 1 degree"; an error of an undirected line is at most 90.
        raise ValueError(
            f"errors must be unsigned angles in [0, 90] degrees (angular_error gives them), "
            f"found values from {errors.min():g} to {errors.max():g}"
        )
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


def local_width(mask: np.ndarray) -> np.ndarray:
    """Twice the distance to the background at every mask pixel (0 outside): the width of the
    structure at its centre-line. The image border is not background (a structure that leaves
    the image keeps its width)."""
    from scipy import ndimage

    return 2 * ndimage.distance_transform_edt(np.asarray(mask).astype(bool))


def width_band(widths: np.ndarray, edges: tuple[float, ...] = WIDTH_BANDS) -> np.ndarray:
    """The band label (``"4-8"``, ..., ``"48+"``) of each width, as a string array."""
    labels = width_band_labels(edges)
    index = np.clip(np.searchsorted(edges, np.asarray(widths), side="right") - 1, 0, None)
    return np.asarray(labels)[index]


def width_band_labels(edges: tuple[float, ...] = WIDTH_BANDS) -> list[str]:
    """Labels of the bands between ``edges``, narrowest first; the last band is open."""
    return [f"{a:g}-{b:g}" for a, b in pairwise(edges)] + [f"{edges[-1]:g}+"]


def grouped_summaries(
    errors: np.ndarray, groups: np.ndarray, order: list[str] | None = None
) -> dict[str, dict]:
    """:func:`summarize_errors` of ``errors`` per distinct value of ``groups`` (same length),
    as flat dicts, in ``order`` (groups without errors left out) or sorted."""
    errors, groups = np.asarray(errors).reshape(-1), np.asarray(groups).reshape(-1)
    if errors.shape != groups.shape:
        raise ValueError(f"{errors.size} errors but {groups.size} group labels")
    present = {str(g) for g in groups.tolist()}
    keys = [g for g in order if g in present] if order is not None else sorted(present)
    return {g: summarize_errors(errors[groups == g]).as_dict() for g in keys}
