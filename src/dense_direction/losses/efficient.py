"""The directional loss for training: the same numbers as :mod:`.directional`, a fraction of the
time and memory.

Where the reference convolves the whole mask with every bin's kernel (``N K div H W`` values, most
of them thrown away), this version works only where the loss is defined:

* **Only masked pixels.** Evidence is computed for the ``M`` pixels with ``gt > mask_thr``
  (thin structures cover a few percent of an image), in chunks of bounded size.
* **Only useful taps.** Kernel offsets that are zero in every bin are skipped, and kernels that
  are point-symmetric (all six built-in ones) read ``gt(p + o) + gt(p - o)`` once per pair of
  offsets, halving the matrix product. Evidence is then one ``(C, T) @ (T, div)`` product per
  chunk of ``C`` pixels.
* **A hand-written backward.** The loss depends on the prediction only through one angle per
  pixel, so the forward pass stores ``dloss/dd`` (one number per pixel) instead of the
  ``(M, div)`` intermediates autograd would keep. Peak memory is ``O(M + chunk)``.

Bin weights use ``sin(pi |b - d|) = |sin(pi b) cos(pi d) - cos(pi b) sin(pi d)|`` to avoid a
transcendental per (pixel, bin).

Pixels whose value the reference decides by float rounding are recomputed its way (see
:mod:`._rounding`).

Differences from the reference, by design: ``gt`` is a constant (no gradient flows into it), and
at a prediction of exactly ``(0, 0)``, where the angle is undefined, the gradient is 0 instead of
NaN.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dense_direction.losses._checks import check_inputs
from dense_direction.losses._common import DirectionalLossOptions, post_process
from dense_direction.losses._pixels import MaskedPixels, masked_pixels, reduce_pixels, zero_loss
from dense_direction.losses._rounding import recompute_fragile
from dense_direction.losses._taps import (
    Operands,
    TapPlan,
    chunk_size,
    gather_evidence,
    operands,
    plan_taps,
)
from dense_direction.losses.directional import DirectionalLoss

__all__ = ["EfficientDirectionalLoss", "efficient_directional_loss"]

# Pixels whose bin-mean evidence exceeds patch_thr by more than this are dropped unscored.
DROP_MARGIN = 1e-3


def _inverse(values: Tensor) -> Tensor:
    """``1 / values`` with 0 where ``values`` is 0 (the reference's NaN -> 0)."""
    safe = torch.where(values == 0, torch.ones_like(values), values)
    return torch.where(values == 0, torch.zeros_like(values), 1 / safe)


def _linearise(
    evidence: Tensor, low: Tensor | None, options: DirectionalLossOptions
) -> tuple[Tensor, Tensor | None]:
    """Squish and normalisation as ``values * scale`` with a per-pixel ``scale (C,)``.

    Both steps are affine per pixel, and the loss is linear in the values, so the scale can be
    applied to the per-pixel loss instead of to every bin (None stands for 1).
    """
    if low is None:
        if not options.norm_values:
            return evidence, None
        norm = torch.linalg.vector_norm(evidence, ord=options.norm_order, dim=1)
        return evidence, _inverse(norm)
    values = evidence - low[:, None]
    if options.norm_values:
        return values, _inverse(torch.linalg.vector_norm(values, ord=options.norm_order, dim=1))
    return values, _inverse(1 - low)


def _weigh(values: Tensor, xy: Tensor, bin_basis: Tensor) -> tuple[Tensor, Tensor]:
    """``sum_k v_k |sin(pi (b_k - d))|`` per pixel and its derivative with respect to ``d``."""
    d = (torch.atan2(xy[:, 1], xy[:, 0]) + math.pi) / (2 * math.pi)
    cos_d, sin_d = torch.cos(math.pi * d), torch.sin(math.pi * d)
    # sin(pi (b_k - d)) for every (pixel, bin); bin_basis is (div, 2) = [sin pi b, cos pi b].
    signed = torch.stack((cos_d, -sin_d), dim=1) @ bin_basis.T
    oriented = values * signed.sign()
    loss = (oriented * signed).sum(dim=1)
    sums = oriented @ bin_basis  # (C, 2)
    # d/dd sin(pi (b - d)) = -pi cos(pi (b - d)) = -pi (cos pi b cos pi d + sin pi b sin pi d)
    slope = -math.pi * (cos_d * sums[:, 1] + sin_d * sums[:, 0])
    return loss, slope


def _score_chunk(
    gt_flat: Tensor, base: Tensor, xy: Tensor, ops: Operands, options: DirectionalLossOptions
) -> tuple[Tensor, Tensor, Tensor]:
    """Loss, ``dloss/dd`` and kept flags ``(C,)`` for a chunk of pixels."""
    evidence = gather_evidence(gt_flat, base, ops.offsets, ops.weights)
    low, high = evidence.aminmax(dim=1) if options.squish_values else (None, None)
    mean = evidence.mean(dim=1) if options.mask_patches else None
    recomputed = recompute_fragile(gt_flat, base, evidence, low, high, mean, ops, options)
    values, scale = _linearise(evidence, low, options)
    if recomputed is not None and scale is not None:
        fragile, exact = recomputed
        values[fragile] = post_process(exact, 1, options)
        scale[fragile] = 1
    loss, slope = _weigh(values, xy, ops.bin_basis)
    if scale is not None:
        loss, slope = loss * scale, slope * scale
    if mean is None:
        return loss, slope, torch.ones_like(loss, dtype=torch.bool)
    return loss, slope, mean <= options.patch_thr


class _MaskedDirectionalLoss(torch.autograd.Function):
    """``xy (M, 2)`` vectors at masked pixels -> per-pixel loss ``(M,)`` and kept flags."""

    @staticmethod
    def forward(
        ctx: Any,
        xy: Tensor,
        gt_flat: Tensor,
        base: Tensor,
        width: int,
        plan: TapPlan,
        options: DirectionalLossOptions,
    ) -> tuple[Tensor, Tensor]:
        count = xy.shape[0]
        ops = operands(plan, width, xy)
        loss, slope = xy.new_empty(count), xy.new_empty(count)
        keep = torch.empty(count, dtype=torch.bool, device=xy.device)
        step = chunk_size(plan)
        for start in range(0, count, step):
            part = slice(start, start + step)
            loss[part], slope[part], keep[part] = _score_chunk(
                gt_flat, base[part], xy[part], ops, options
            )
        loss = torch.where(keep, loss, torch.zeros_like(loss))
        ctx.save_for_backward(xy, torch.where(keep, slope, torch.zeros_like(slope)))
        ctx.mark_non_differentiable(keep)
        return loss, keep

    @staticmethod
    def backward(ctx: Any, grad_loss: Tensor, _grad_keep: Tensor) -> tuple[Tensor | None, ...]:
        # Grad mode is on in a backward only under create_graph=True: a derivative of this
        # gradient is asked for, which the hand-written backward cannot give (it returned a
        # constant, and a gradient penalty on it silently did nothing).
        if torch.is_grad_enabled():
            raise RuntimeError(
                "EfficientDirectionalLoss has no second derivative (its backward is written by "
                "hand); for a gradient penalty or another double backward use DirectionalLoss, "
                "which computes the same loss with autograd"
            )
        xy, slope = ctx.saved_tensors
        x, y = xy.unbind(1)
        radius2 = x * x + y * y
        # d = (atan2(y, x) + pi) / (2 pi): dd/dx = -y / (2 pi r^2), dd/dy = x / (2 pi r^2).
        scale = grad_loss * slope / (2 * math.pi * radius2)
        scale = torch.where(radius2 > 0, scale, torch.zeros_like(scale))
        return torch.stack((-y * scale, x * scale), dim=1), None, None, None, None, None


def _not_surely_dropped(
    pixels: MaskedPixels, plan: TapPlan, options: DirectionalLossOptions
) -> Tensor | None:
    """Indices of the pixels worth scoring, or None for all.

    ``mask_patches`` drops pixels whose evidence, averaged over bins, exceeds ``patch_thr``:
    pixels deep inside wide structures, whose window the mask covers (nearly) completely.
    That mean is one convolution with the bin-averaged kernel, far cheaper than the evidence
    of every bin, so such pixels are found first and skipped. Only pixels clearly above the
    threshold are skipped (by ``DROP_MARGIN``, 100 times the width of the ties that rounding
    decides), so the loss is unchanged.
    """
    if not options.mask_patches:
        return None
    planes = pixels.shape[0] * pixels.shape[1]
    padded = pixels.gt_flat.view(planes, 1, -1, pixels.width)
    mean_kernel = plan.kernel.mean(dim=0).to(padded)[None, None]
    means = F.conv2d(padded, mean_kernel).reshape(-1)[pixels.index]
    dropped = means > options.patch_thr + DROP_MARGIN
    if not dropped.any():
        return None
    return torch.nonzero(~dropped).squeeze(1)


def _efficient_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None,
    plan: TapPlan,
    options: DirectionalLossOptions,
    ignore_index: int | None = None,
) -> Tensor:
    check_inputs(pred, gt, weight, ignore_index)
    pixels = masked_pixels(pred, gt, options.pad, options.mask_thr, ignore_index)
    if pixels is None:
        return zero_loss(pred, options.reduction)
    scored = _not_surely_dropped(pixels, plan, options)
    if scored is None:
        loss, keep = _MaskedDirectionalLoss.apply(
            pixels.xy, pixels.gt_flat, pixels.base, pixels.width, plan, options
        )
    else:
        part, kept = _MaskedDirectionalLoss.apply(
            pixels.xy[scored], pixels.gt_flat, pixels.base[scored], pixels.width, plan, options
        )
        loss = part.new_zeros(pixels.base.shape).index_put((scored,), part)
        keep = kept.new_zeros(pixels.base.shape).index_put((scored,), kept)
    return reduce_pixels(
        loss, keep, pixels, weight, options.reduction, options.loss_weight, pred.dtype
    )


def efficient_directional_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None = None,
    ignore_index: int | None = None,
    **options: Any,
) -> Tensor:
    """Directional loss, fast path; same arguments and results as
    :func:`~dense_direction.losses.directional_loss`.

    Args:
        pred: ``(N, K, 2, H, W)`` predicted doubled-angle vectors.
        gt: ``(N, K, 1, H, W)`` masks (0/1 or soft); treated as a constant.
        weight: optional per-pixel weight broadcastable to ``(N, K, 1, H, W)``.
        **options: the fields of :class:`DirectionalLossOptions`.

    Returns:
        A scalar for reduction "mean"/"sum"; an ``(N, K, H, W)`` map for "none", 0 outside
        the kept pixels.
    """
    opts = DirectionalLossOptions(**options)
    return _efficient_loss(pred, gt, weight, plan_taps(opts.build_kernel()), opts, ignore_index)


class EfficientDirectionalLoss(DirectionalLoss):
    """Module form of :func:`efficient_directional_loss`: the loss to train with.

    Same constructor arguments as :class:`DirectionalLoss` (and the published reference); the
    kernel's tap plan is prepared once, on first use.
    """

    @cached_property
    def plan(self) -> TapPlan:
        """The kernel's non-zero taps (see :func:`plan_taps`)."""
        return plan_taps(self.kernel)

    def forward(
        self,
        pred: Tensor,
        gt: Tensor,
        weight: Tensor | None = None,
        ignore_index: int | None = None,
    ) -> Tensor:
        """See :func:`efficient_directional_loss`."""
        return _efficient_loss(pred, gt, weight, self.plan, self.options, ignore_index)
