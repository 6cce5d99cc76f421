"""The angle convention, and conversions between direction vectors and angles.

Convention (used everywhere in the package):

* A direction is an angle ``theta`` in ``[0, pi)``, counter-clockwise from the image x-axis,
  with x to the right and **y up**. Image rows grow downward, so a structure running from the
  bottom-left to the top-right of an image has ``theta = pi / 4``.
* A network predicts a 2-vector ``(x, y)`` per pixel and direction class. It encodes the angle
  on the doubled circle, ``theta = ((atan2(y, x) + pi) / 2) mod pi``, so the vector for
  ``theta`` is ``(-cos 2 theta, -sin 2 theta)``. Doubling makes ``theta`` and ``theta + pi``
  (the same undirected line) the same vector.
* Vector fields keep the 2-vector on axis ``-3``: ``(N, K, 2, H, W)`` or ``(2, H, W)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "angles_to_vectors",
    "angular_difference",
    "check_not_degrees",
    "vectors_to_angles",
    "wrap_angle",
]


def _check_vector_axis(vectors: Tensor, dim: int) -> None:
    if not isinstance(vectors, Tensor):
        raise TypeError(
            f"expected a torch.Tensor of direction vectors, got {type(vectors).__name__}"
        )
    if not -vectors.dim() <= dim < vectors.dim() or vectors.shape[dim] != 2:
        raise ValueError(
            f"expected a vector axis of size 2 at dim={dim} (e.g. shape (N, K, 2, H, W)), "
            f"got shape {tuple(vectors.shape)}"
        )


def vectors_to_angles(vectors: Tensor, dim: int = -3) -> Tensor:
    """Angles in ``[0, pi)`` of doubled-angle direction vectors.

    Args:
        vectors: ``(..., 2, ...)`` with ``(x, y)`` on axis ``dim``, e.g. ``(N, K, 2, H, W)``.
        dim: the vector axis.

    Returns:
        The angles, ``vectors`` with axis ``dim`` removed, e.g. ``(N, K, H, W)``.
    """
    _check_vector_axis(vectors, dim)
    x, y = vectors.unbind(dim)
    # atan2 is in [-pi, pi], so the angle is in [0, pi]: only pi itself needs wrapping (to 0).
    # In place on atan2's new array (its gradient needs its inputs, not its output): on a
    # 4000x3000 field one array instead of five.
    angles = torch.atan2(y, x).add_(math.pi).mul_(0.5)
    return angles.masked_fill_(angles >= math.pi, 0.0)


def angles_to_vectors(angles: Tensor, dim: int = -3) -> Tensor:
    """Unit doubled-angle vectors ``(-cos 2 theta, -sin 2 theta)`` for angles in radians.

    Args:
        angles: any shape with at least ``-dim - 1`` axes, e.g. ``(N, K, H, W)``.
        dim: where to insert the vector axis in the output (the default -3 before ``H, W``).

    Returns:
        ``angles`` with a vector axis of size 2 inserted at ``dim``, e.g. ``(N, K, 2, H, W)``.
    """
    if not isinstance(angles, Tensor):
        raise TypeError(f"expected a torch.Tensor of angles, got {type(angles).__name__}")
    if not -angles.dim() - 1 <= dim <= angles.dim():
        # (torch.stack's IndexError did not say which axis was meant.)
        raise ValueError(
            f"dim={dim} is no place for the vector axis in angles of shape "
            f"{tuple(angles.shape)}: give dim in {-angles.dim() - 1}..{angles.dim()} (dim=-1 "
            f"puts it last; the default -3 needs (..., H, W) angles)"
        )
    return torch.stack((-torch.cos(2 * angles), -torch.sin(2 * angles)), dim=dim)


def check_not_degrees(name: str, angles: Tensor) -> None:
    """Refuse angles in degrees. Radians in any convention lie within [-2π, 2π]; beyond, the
    values are degrees, which read as radians give nonsense modulo π without a word. NaN and
    infinite values (unlabelled pixels) are not looked at."""
    if not angles.is_floating_point():
        angles = angles.double()
    magnitude = torch.where(torch.isfinite(angles), angles.abs(), torch.zeros_like(angles))
    largest = float(magnitude.amax()) if magnitude.numel() else 0.0
    if largest > 2 * math.pi * (1 + 1e-6):  # the margin: 2π rounded to float32 is above 2π
        raise ValueError(
            f"{name} must be angles in radians, found values up to {largest:.4g} (degrees?): "
            f"convert with numpy.radians or torch.deg2rad"
        )


def wrap_angle(angles: Tensor) -> Tensor:
    """Map angles in radians to ``[0, pi)`` (directions are modulo pi)."""
    wrapped = torch.remainder(angles, math.pi)
    # remainder can round a tiny negative angle up to exactly pi; fold it back to 0. Adding
    # 0.0 turns -0.0 (atan2 of -0.0) into 0.0.
    return torch.where(wrapped >= math.pi, torch.zeros_like(wrapped), wrapped) + 0.0


def angular_difference(a: Tensor, b: Tensor) -> Tensor:
    """Unsigned difference between undirected angles, in radians, in ``[0, pi/2]``."""
    diff = torch.remainder(a - b, math.pi)
    return torch.minimum(diff, math.pi - diff)
