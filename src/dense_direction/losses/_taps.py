"""Direction evidence at chosen pixels, without convolving whole images.

A kernel ``(div, s, s)`` is compressed once into its non-zero taps (:func:`plan_taps`); the
evidence of a chunk of pixels is then one gather from the zero-padded, flattened mask planes
and one ``(C, T) @ (T, div)`` product (:func:`gather_evidence`). Kernels that are
point-symmetric (all six built-in ones) read ``gt(p + o) + gt(p - o)`` once per pair of
offsets, halving the product. Used by the efficient directional loss and the circular losses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "Operands",
    "TapPlan",
    "chunk_size",
    "gather_evidence",
    "operands",
    "plan_taps",
    "window_evidence",
]

# Elements per chunk buffer: ~4 MB in float32, small enough to stay in cache-friendly sizes.
CHUNK_ELEMENTS = 2**20


@dataclass(frozen=True)
class TapPlan:
    """The non-zero offsets of a kernel.

    Attributes:
        rows, cols: ``(T,)`` int64 offsets of the taps from the centre.
        weights: ``(T, div)`` float64 kernel values at those taps.
        paired: each tap also stands for its point-mirrored offset ``(-row, -col)``.
        kernel: ``(div, s, s)`` float64, the full kernel (for pixels recomputed by window).
    """

    rows: Tensor
    cols: Tensor
    weights: Tensor
    paired: bool
    kernel: Tensor


def plan_taps(kernel: Tensor) -> TapPlan:
    """Compress a kernel ``(div, s, s)`` into its non-zero taps, folding point symmetry.

    The plan is made and kept on the CPU whatever the kernel's device (a loss moved to a GPU
    holds its kernel there); the loss moves its parts to the prediction's device."""
    div, size, _ = kernel.shape
    pad = size // 2
    kernel = kernel.detach().to("cpu", torch.float64)
    flat = kernel.reshape(div, size * size).T  # (s*s, div)
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
        kernel=kernel,
    )


def chunk_size(plan: TapPlan) -> int:
    """Pixels per chunk so that a chunk's gather buffer stays near ``CHUNK_ELEMENTS``."""
    width = max(plan.weights.shape[0] * (2 if plan.paired else 1), plan.weights.shape[1])
    return max(64, CHUNK_ELEMENTS // width)


def _tap_offsets(plan: TapPlan, width: int, device: torch.device) -> Tensor:
    """Flat offsets ``(T,)``, or ``(2T,)`` = [+o, -o] for a paired plan, in a padded plane."""
    offsets = plan.rows * width + plan.cols
    if plan.paired:
        offsets = torch.cat((offsets, -offsets))
    return offsets.to(device)


def gather_evidence(gt_flat: Tensor, base: Tensor, offsets: Tensor, weights: Tensor) -> Tensor:
    """Evidence ``(C, div)`` at the pixels whose padded flat index is ``base (C,)``."""
    taps = weights.shape[0]
    values = gt_flat.index_select(0, (base[:, None] + offsets).view(-1))
    values = values.view(base.shape[0], -1, taps)
    values = values[:, 0] + values[:, 1] if values.shape[1] == 2 else values[:, 0]
    return values @ weights


def window_evidence(gt_flat: Tensor, base: Tensor, width: int, kernel: Tensor) -> Tensor:
    """Evidence ``(C, div)`` by ``conv2d`` over each pixel's own window: the reference's
    summation order, hence its rounding."""
    div, size, _ = kernel.shape
    pad = size // 2
    steps = torch.arange(size, device=base.device)
    window = ((steps[:, None] - pad) * width + (steps[None, :] - pad)).reshape(-1)
    crops = gt_flat[base[:, None] + window].view(-1, 1, size, size)
    return F.conv2d(crops, kernel.unsqueeze(1)).view(-1, div)


@dataclass(frozen=True)
class Operands:
    """What every chunk of one call needs, on the call's device and dtype."""

    offsets: Tensor  # (T,) or (2T,) flat tap offsets in a padded plane
    weights: Tensor  # (T, div)
    bin_basis: Tensor  # (div, 2): [sin pi b_k, cos pi b_k]
    kernel: Tensor  # (div, s, s), for pixels recomputed like the reference
    width: int  # padded plane width


def operands(plan: TapPlan, width: int, like: Tensor) -> Operands:
    """The plan's tensors on ``like``'s device and dtype, for planes ``width`` wide."""
    div = plan.weights.shape[1]
    angles = torch.arange(div, device=like.device, dtype=like.dtype) * (math.pi / div)
    return Operands(
        offsets=_tap_offsets(plan, width, like.device),
        weights=plan.weights.to(like),
        bin_basis=torch.stack((torch.sin(angles), torch.cos(angles)), dim=1),
        kernel=plan.kernel.to(like),
        width=width,
    )
