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

Squish divides by ``1 - min_k v_k``, and normalising after it divides by the spread
``max_k v_k - min_k v_k``. Where the mask covers a window completely (``v_k = 1``) or evenly
(e.g. every bin half covered) that is float rounding noise divided by ~1e-7, so the value is
decided by the summation order of the convolution. Likewise, with binary masks the bin mean
often equals ``patch_thr`` exactly (a tie that rounding breaks). For those pixels
(``1 - min < 0.05``, or ``max - min < 0.05 max`` when normalising after squish, or
``|mean - patch_thr| <= 1e-5``) the evidence is recomputed with ``conv2d`` on the pixel's own
window and the mean is summed in the reference's order, which reproduces its rounding on the
same backend.

Differences from the reference, by design: ``gt`` is a constant (no gradient flows into it), and
at a prediction of exactly ``(0, 0)``, where the angle is undefined, the gradient is 0 instead of
NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from dense_direction.losses._common import (
    DirectionalLossOptions,
    check_inputs,
    compute_dtype,
    drop_ignored,
    post_process,
)
from dense_direction.losses.directional import DirectionalLoss

__all__ = [
    "EfficientDirectionalLoss",
    "MaskedPixels",
    "TapPlan",
    "efficient_directional_loss",
    "masked_pixels",
    "plan_taps",
    "reduce_pixels",
]

# Elements per chunk buffer: ~4 MB in float32, small enough to stay in cache-friendly sizes.
_CHUNK_ELEMENTS = 2**20
# Below this 1 - min_k v_k (or spread / max), squish amplifies rounding by > 20x: such pixels
# are recomputed the way the reference computes them.
_SQUISH_GUARD = 0.05
# A bin mean this close to patch_thr is a tie that rounding breaks: recomputed likewise.
_TIE_GUARD = 1e-5


@dataclass(frozen=True)
class TapPlan:
    """The non-zero offsets of a kernel, as used by the efficient loss.

    Attributes:
        rows, cols: ``(T,)`` int64 offsets of the taps from the centre.
        weights: ``(T, div)`` float64 kernel values at those taps.
        paired: each tap also stands for its point-mirrored offset ``(-row, -col)``.
        kernel: ``(div, s, s)`` float64, the full kernel (for the ill-conditioned pixels).
    """

    rows: Tensor
    cols: Tensor
    weights: Tensor
    paired: bool
    kernel: Tensor


def plan_taps(kernel: Tensor) -> TapPlan:
    """Compress a kernel ``(div, s, s)`` into its non-zero taps, folding point symmetry."""
    div, size, _ = kernel.shape
    pad = size // 2
    flat = kernel.to(torch.float64).reshape(div, size * size).T  # (s*s, div)
    mirrored = flat.flip(0)  # tap t <-> s*s-1-t is the point reflection (r, c) -> (-r, -c)
    scale = float(flat.abs().max()) or 1.0
    paired = bool(torch.allclose(flat, mirrored, rtol=0.0, atol=1e-9 * scale))
    if paired:
        centre = size * size // 2
        weights = (flat[: centre + 1] + mirrored[: centre + 1]) / 2
        weights[centre] /= 2  # the centre pairs with itself and is read twice
        taps = torch.arange(centre + 1)
    else:
        weights, taps = flat, torch.arange(size * size)
    used = (weights != 0).any(dim=1)
    taps, weights = taps[used], weights[used].contiguous()
    return TapPlan(
        rows=taps // size - pad,
        cols=taps % size - pad,
        weights=weights,
        paired=paired,
        kernel=kernel.to(torch.float64),
    )


def _chunk_size(plan: TapPlan) -> int:
    width = max(plan.weights.shape[0] * (2 if plan.paired else 1), plan.weights.shape[1])
    return max(64, _CHUNK_ELEMENTS // width)


def _tap_offsets(plan: TapPlan, width: int, device: torch.device) -> Tensor:
    """Flat offsets ``(T,)``, or ``(2T,)`` = [+o, -o] for a paired plan, in a padded plane."""
    offsets = plan.rows * width + plan.cols
    if plan.paired:
        offsets = torch.cat((offsets, -offsets))
    return offsets.to(device)


def _gather_evidence(gt_flat: Tensor, base: Tensor, offsets: Tensor, weights: Tensor) -> Tensor:
    """Evidence ``(C, div)`` at the pixels whose padded flat index is ``base (C,)``."""
    taps = weights.shape[0]
    values = gt_flat.index_select(0, (base[:, None] + offsets).view(-1))
    values = values.view(base.shape[0], -1, taps)
    values = values[:, 0] + values[:, 1] if values.shape[1] == 2 else values[:, 0]
    return values @ weights


def _window_evidence(gt_flat: Tensor, base: Tensor, width: int, kernel: Tensor) -> Tensor:
    """Evidence ``(C, div)`` by ``conv2d`` over each pixel's own window (reference rounding)."""
    div, size, _ = kernel.shape
    pad = size // 2
    steps = torch.arange(size, device=base.device)
    window = ((steps[:, None] - pad) * width + (steps[None, :] - pad)).reshape(-1)
    crops = gt_flat[base[:, None] + window].view(-1, 1, size, size)
    return F.conv2d(crops, kernel.unsqueeze(1)).view(-1, div)


def _inverse(values: Tensor) -> Tensor:
    """``1 / values`` with 0 where ``values`` is 0 (the reference's NaN -> 0)."""
    safe = torch.where(values == 0, torch.ones_like(values), values)
    return torch.where(values == 0, torch.zeros_like(values), 1 / safe)


def _reference_mean(evidence: Tensor) -> Tensor:
    """Mean over bins of ``(C, div)`` summed in the reference's order (bins outermost)."""
    return evidence.T.contiguous().mean(dim=0)


def _fragile(
    evidence: Tensor,
    low: Tensor | None,
    high: Tensor | None,
    mean: Tensor | None,
    options: DirectionalLossOptions,
) -> Tensor | None:
    """Pixels whose result the reference decides by float rounding (see the module doc)."""
    fragile = None
    if low is not None and high is not None:
        fragile = (1 - low) < _SQUISH_GUARD
        if options.norm_values:  # normalising rescales the squished spread, noise included
            fragile |= (high - low) < _SQUISH_GUARD * high
    if mean is not None:
        tie = (mean - options.patch_thr).abs() <= _TIE_GUARD
        fragile = tie if fragile is None else fragile | tie
    return fragile


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


@dataclass(frozen=True)
class _Operands:
    """What every chunk of one call needs, on the call's device and dtype."""

    offsets: Tensor  # (T,) or (2T,) flat tap offsets in a padded plane
    weights: Tensor  # (T, div)
    bin_basis: Tensor  # (div, 2): [sin pi b_k, cos pi b_k]
    kernel: Tensor  # (div, s, s), for pixels recomputed like the reference
    width: int  # padded plane width


def _operands(plan: TapPlan, width: int, like: Tensor) -> _Operands:
    div = plan.weights.shape[1]
    angles = torch.arange(div, device=like.device, dtype=like.dtype) * (math.pi / div)
    return _Operands(
        offsets=_tap_offsets(plan, width, like.device),
        weights=plan.weights.to(like),
        bin_basis=torch.stack((torch.sin(angles), torch.cos(angles)), dim=1),
        kernel=plan.kernel.to(like),
        width=width,
    )


def _score_chunk(
    gt_flat: Tensor, base: Tensor, xy: Tensor, ops: _Operands, options: DirectionalLossOptions
) -> tuple[Tensor, Tensor, Tensor]:
    """Loss, ``dloss/dd`` and kept flags ``(C,)`` for a chunk of pixels."""
    evidence = _gather_evidence(gt_flat, base, ops.offsets, ops.weights)
    low, high = evidence.aminmax(dim=1) if options.squish_values else (None, None)
    mean = evidence.mean(dim=1) if options.mask_patches else None
    fragile = _fragile(evidence, low, high, mean, options)
    exact = None
    if fragile is not None and fragile.any():
        exact = _window_evidence(gt_flat, base[fragile], ops.width, ops.kernel)
        evidence[fragile] = exact
        if low is not None:
            low[fragile] = exact.amin(dim=1)
        if mean is not None:
            mean[fragile] = _reference_mean(exact)
    values, scale = _linearise(evidence, low, options)
    if exact is not None and scale is not None:
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
        ops = _operands(plan, width, xy)
        loss, slope = xy.new_empty(count), xy.new_empty(count)
        keep = torch.empty(count, dtype=torch.bool, device=xy.device)
        step = _chunk_size(plan)
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
    @once_differentiable
    def backward(ctx: Any, grad_loss: Tensor, _grad_keep: Tensor) -> tuple[Tensor | None, ...]:
        xy, slope = ctx.saved_tensors
        x, y = xy.unbind(1)
        radius2 = x * x + y * y
        # d = (atan2(y, x) + pi) / (2 pi): dd/dx = -y / (2 pi r^2), dd/dy = x / (2 pi r^2).
        scale = grad_loss * slope / (2 * math.pi * radius2)
        scale = torch.where(radius2 > 0, scale, torch.zeros_like(scale))
        return torch.stack((-y * scale, x * scale), dim=1), None, None, None, None, None


def _zero_loss(pred: Tensor, reduction: str) -> Tensor:
    """0 (or a zero map) that still depends on ``pred``, so backward runs without masked
    pixels."""
    zero_map = pred[:, :, 0] * 0
    return zero_map if reduction == "none" else zero_map.sum()


@dataclass(frozen=True)
class MaskedPixels:
    """The pixels a mask-based loss works on, located once per call.

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


def _efficient_loss(
    pred: Tensor,
    gt: Tensor,
    weight: Tensor | None,
    plan: TapPlan,
    options: DirectionalLossOptions,
    ignore_index: int | None = None,
) -> Tensor:
    check_inputs(pred, gt, weight)
    pixels = masked_pixels(pred, gt, options.pad, options.mask_thr, ignore_index)
    if pixels is None:
        return _zero_loss(pred, options.reduction)
    loss, keep = _MaskedDirectionalLoss.apply(
        pixels.xy, pixels.gt_flat, pixels.base, pixels.width, plan, options
    )
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
