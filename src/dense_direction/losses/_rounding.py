"""Pixels whose directional loss the reference decides by float rounding, recomputed its way.

Squish divides by ``1 - min_k v_k``, and normalising after it divides by the spread
``max_k v_k - min_k v_k``. Where the mask covers a window completely (``v_k = 1``) or evenly
(e.g. every bin half covered) that is float rounding noise divided by ~1e-7, so the value is
decided by the summation order of the convolution. Likewise, with binary masks the bin mean
often equals ``patch_thr`` exactly (a tie that rounding breaks). For those pixels
(``1 - min < 0.05``, or ``max - min < 0.05 max`` when normalising after squish, or
``|mean - patch_thr| <= 1e-5``) the evidence is recomputed with ``conv2d`` on the pixel's own
window and the mean is summed in the reference's order, which reproduces its rounding on the
same backend.
"""

from __future__ import annotations

from torch import Tensor

from dense_direction.losses._common import DirectionalLossOptions
from dense_direction.losses._taps import Operands, window_evidence

__all__ = ["recompute_fragile"]

# Below this 1 - min_k v_k (or spread / max), squish amplifies rounding by > 20x.
SQUISH_GUARD = 0.05
# A bin mean this close to patch_thr is a tie that rounding breaks.
TIE_GUARD = 1e-5


def _reference_mean(evidence: Tensor) -> Tensor:
    """Mean over bins of ``(C, div)`` summed in the reference's order (bins outermost)."""
    return evidence.T.contiguous().mean(dim=0)


def _fragile(
    low: Tensor | None,
    high: Tensor | None,
    mean: Tensor | None,
    options: DirectionalLossOptions,
) -> Tensor | None:
    """Flags ``(C,)`` of the pixels the guards catch (None when no guard applies)."""
    fragile = None
    if low is not None and high is not None:
        fragile = (1 - low) < SQUISH_GUARD
        if options.norm_values:  # normalising rescales the squished spread, noise included
            fragile |= (high - low) < SQUISH_GUARD * high
    if mean is not None:
        tie = (mean - options.patch_thr).abs() <= TIE_GUARD
        fragile = tie if fragile is None else fragile | tie
    return fragile


def recompute_fragile(
    gt_flat: Tensor,
    base: Tensor,
    evidence: Tensor,
    low: Tensor | None,
    high: Tensor | None,
    mean: Tensor | None,
    ops: Operands,
    options: DirectionalLossOptions,
) -> tuple[Tensor, Tensor] | None:
    """Overwrite ``evidence``, ``low`` and ``mean`` (in place) at the fragile pixels with the
    reference's numbers; returns ``(flags, exact evidence)`` there, or None if none is."""
    fragile = _fragile(low, high, mean, options)
    if fragile is None or not fragile.any():
        return None
    exact = window_evidence(gt_flat, base[fragile], ops.width, ops.kernel)
    evidence[fragile] = exact
    if low is not None:
        low[fragile] = exact.amin(dim=1)
    if mean is not None:
        mean[fragile] = _reference_mean(exact)
    return fragile, exact
