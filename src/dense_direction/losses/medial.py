"""Direction targets for the inside of wide structures, derived from the mask alone.

The directional loss reads direction evidence in a window of radius ``pad``: a pixel deeper
than about ``pad`` inside a structure sees a window the mask covers completely, the evidence
is flat over all bins, and no supervision reaches it. Roads, large vessels and wide cracks
have such interiors.

The *medial direction* fills them in. Inside a structure the Euclidean distance to the
background, ``D``, grows away from both edges; its gradient points from the nearest edge
point, i.e. across the structure, at every depth. The structure tensor of ``D`` (gradient at
scale ``sigma``, outer products averaged at scale ``rho``) therefore gives the direction
*along* the structure everywhere inside it, and its coherence says how clear that is: 1 in a
band, low at junctions, crossings and blob-like ends. Gradient signs flip at the medial axis,
which the tensor ignores (it works on doubled angles), so the centre-line is covered too.

For a band of constant width the target at a pixel equals the tangent of the centre-line at
its nearest centre-line point; for a tapering one it is off by the taper angle
(``atan(dr/ds)``).

:class:`MedialDirectionLoss` scores predictions against these targets with the supervised
cosine loss, weighted per pixel by the coherence. It complements the directional loss (which
is exact near edges and on thin lines); it does not replace it.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor

from dense_direction.classical import structure_tensor_fields
from dense_direction.losses._checks import (
    check_inputs,
    check_mask_thr,
    check_medial_options,
    check_positive,
    check_reduction,
)
from dense_direction.losses._common import NamedLoss, drop_ignored
from dense_direction.losses.supervised import supervised_direction_loss

__all__ = [
    "MedialDirectionLoss",
    "check_medial_options",
    "medial_direction_loss",
    "medial_directions",
]


def medial_directions(
    mask: np.ndarray, sigma: float = 1.0, rho: float = 2.0, unknown: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Direction along the structure at every mask pixel, from the mask's distance transform.

    Args:
        mask: ``(H, W)`` boolean (or 0/1) structure mask, or a stack ``(..., H, W)`` of them.
        sigma: scale of the distance transform's gradient (pixels).
        rho: scale over which gradient outer products are averaged (pixels).
        unknown: pixels whose label is unknown (an image's no-data pixels, a batch's
            padding), ``(H, W)`` or the mask's shape; like the image border they are no
            edge, and they get no target.

    Returns:
        ``(angles, coherence)``, each float32 of the mask's shape: radians in ``[0, pi)``
        (y up) and coherence in ``[0, 1]`` inside the mask; NaN and 0 outside it, and at mask
        pixels closer to the image border or to an unknown pixel than their depth plus
        ``2 (sigma + rho)``, where the border or the unknown pixels may hide their nearest
        edge. A mask with no background pixel gives NaN everywhere.
    """
    check_positive("sigma", sigma, "pixels")
    check_positive("rho", rho, "pixels")
    masks = np.asarray(mask).astype(bool)
    if masks.ndim < 2:
        raise ValueError(f"mask must be (H, W) or (..., H, W), got shape {masks.shape}")
    flat = masks.reshape(-1, *masks.shape[-2:])
    hidden = _unknown_like(unknown, masks.shape).reshape(flat.shape)
    # Pixels beyond the array are not background, so the border is no edge. But the nearest
    # edge of a pixel near the border may lie beyond it, which bends the depth profile, and the
    # derivatives pad the border: targets are kept only where the distance to the border
    # exceeds the depth plus the tensor's reach. Training crops cover those pixels elsewhere.
    # Unknown pixels are treated the same way: counted as structure for the depth (a road
    # running into a no-data hole does not end at it) and kept at that distance.
    structure_or_unknown = flat | hidden
    # An array, not np.stack: an empty batch has no map to stack ("need at least one array").
    depth = np.array([_depth(m) for m in structure_or_unknown], np.float64).reshape(flat.shape)
    along, clear = structure_tensor_fields(torch.from_numpy(depth), sigma, rho)
    reach = depth + 2 * (sigma + rho)
    keep = flat & ~hidden & (_border_distance(flat.shape[-2:]) >= reach)
    for i, h in enumerate(hidden):
        if h.any():
            keep[i] &= ndimage.distance_transform_edt(~h) >= reach[i]
        if not flat[i].any() or structure_or_unknown[i].all():  # no structure or no edge
            keep[i] = False
    angles = np.where(keep, along.numpy(), np.nan).astype(np.float32)
    coherence = np.where(keep, clear.numpy(), 0).astype(np.float32)
    return angles.reshape(masks.shape), coherence.reshape(masks.shape)


def _unknown_like(unknown: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """``unknown`` as a boolean array of the masks' ``shape`` (all False when ``None``)."""
    if unknown is None:
        return np.zeros(shape, bool)
    unknown = np.asarray(unknown).astype(bool)
    if unknown.shape not in (shape, shape[-2:]):
        raise ValueError(
            f"unknown must be (H, W) or the mask's shape {shape}, got shape {unknown.shape}"
        )
    return np.broadcast_to(unknown, shape)


def _depth(mask: np.ndarray) -> np.ndarray:
    """Distance to the nearest background pixel (0 outside the mask; 0 when no background)."""
    if mask.all():
        return np.zeros(mask.shape)
    return ndimage.distance_transform_edt(mask)


def _border_distance(shape: tuple[int, int]) -> np.ndarray:
    """Pixels from each pixel to the nearest image border (1 on the outermost ring)."""
    rows = np.minimum(np.arange(shape[0]), np.arange(shape[0])[::-1]) + 1
    cols = np.minimum(np.arange(shape[1]), np.arange(shape[1])[::-1]) + 1
    return np.minimum(rows[:, None], cols[None, :])


def medial_targets(
    gt: Tensor,
    mask_thr: float = 0.5,
    sigma: float = 1.0,
    rho: float = 2.0,
    ignore_index: int | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`medial_directions` of every mask in ``gt (N, K, 1, H, W)``, pixels equal to
    ``ignore_index`` unknown (no edge, no target).

    Returns ``(angles, coherence)``, each ``(N, K, H, W)`` float32 on ``gt``'s device; angles
    are NaN off the masks. Computed without gradients (targets, not predictions)."""
    gt = gt.detach().squeeze(2)
    unknown = None if ignore_index is None else (gt == ignore_index).cpu().numpy()
    masks = (drop_ignored(gt, ignore_index) > mask_thr).cpu().numpy()
    angles, coherence = medial_directions(masks, sigma, rho, unknown)
    return torch.from_numpy(angles).to(gt.device), torch.from_numpy(coherence).to(gt.device)


def medial_direction_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None = None,
    *,
    mask_thr: float = 0.5,
    sigma: float = 1.0,
    rho: float = 2.0,
    min_coherence: float = 0.0,
    reduction: str = "mean",
    loss_weight: float = 1.0,
    ignore_index: int | None = None,
) -> Tensor:
    """Supervised cosine loss of ``pred (N, K, 2, H, W)`` against the medial directions of
    ``gt (N, K, 1, H, W)``, weighted by their coherence.

    Per mask pixel ``l = c * sin^2(theta_pred - theta_medial)`` (``c`` the coherence, set to 0
    below ``min_coherence``), times ``loss_weight`` and ``weight``. ``"mean"`` divides the
    sum by the number of mask pixels that have a target; ``"none"`` returns the
    ``(N, K, H, W)`` map. An empty mask gives 0 with a gradient path. Pixels equal to
    ``ignore_index`` (mmseg's padding, no-data pixels) are unknown: no edge, no target.
    """
    check_inputs(pred, gt, weight, ignore_index)
    check_reduction(reduction)
    check_mask_thr(mask_thr)
    angles, coherence = medial_targets(gt, mask_thr, sigma, rho, ignore_index)
    coherence = torch.where(coherence >= min_coherence, coherence, torch.zeros_like(coherence))
    # A weight of any shape that broadcasts to gt's, (H, W) and 0-d included.
    pixel_weight = (
        coherence if weight is None else coherence * torch.broadcast_to(weight, gt.shape)[:, :, 0]
    )
    return supervised_direction_loss(
        pred,
        angles,
        pixel_weight,
        kind="cosine",
        reduction=reduction,
        loss_weight=loss_weight,
    )


class MedialDirectionLoss(NamedLoss):
    """Module form of :func:`medial_direction_loss`; registered for configs as
    ``dict(type="MedialDirectionLoss", ...)``.

    Args:
        mask_thr: gt values above it are structure.
        sigma, rho: structure-tensor scales on the distance transform (pixels).
        min_coherence: pixels whose target is less clear than this are not scored.
        reduction: "mean" (over mask pixels with a target), "sum" or "none".
        loss_weight: multiplies the loss.
        loss_name: key of the loss in the head's loss dict.
    """

    def __init__(
        self,
        mask_thr: float = 0.5,
        sigma: float = 1.0,
        rho: float = 2.0,
        min_coherence: float = 0.0,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        loss_name: str = "loss_medial",
    ) -> None:
        super().__init__(loss_name)
        check_medial_options(sigma, rho, min_coherence)
        check_reduction(reduction)
        check_mask_thr(mask_thr)
        self.mask_thr, self.sigma, self.rho = mask_thr, sigma, rho
        self.min_coherence, self.reduction, self.loss_weight = min_coherence, reduction, loss_weight

    def forward(
        self,
        pred: Tensor,
        gt: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        return medial_direction_loss(
            pred,
            gt,
            weight,
            mask_thr=self.mask_thr,
            sigma=self.sigma,
            rho=self.rho,
            min_coherence=self.min_coherence,
            reduction=self.reduction,
            loss_weight=self.loss_weight,
            ignore_index=ignore_index,
        )

    def extra_repr(self) -> str:
        return (
            f"sigma={self.sigma}, rho={self.rho}, min_coherence={self.min_coherence}, "
            f"reduction={self.reduction!r}, loss_weight={self.loss_weight}"
        )
