"""Direction kernels: per direction bin, where around a pixel the mask is evidence for that bin.

Every kernel function takes ``pad`` and ``div`` and returns a float64 tensor ``(div, s, s)``
with ``s = 2 * pad + 1``; bin ``k`` stands for the direction ``theta_k = k * pi / div`` in the
package's angle convention (see :mod:`dense_direction.directions`). Evidence for bin ``k`` at a
pixel is the cross-correlation of the mask with ``kernel[k]`` with zero padding ``pad``, which is
what ``torch.nn.functional.conv2d`` computes.

Construction works on centred grid coordinates ``r = i - pad`` (row) and ``c = j - pad``
(column) with unit points ``p_k = (sin a_k, cos a_k)`` in (row, col) components,
``a_k = k * pi / div``. Each kernel is built in (row, col) coordinates and then mirrored along
the column axis: rows grow downward while the angle convention has y up. Unless stated
otherwise each bin is normalised to sum 1.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

__all__ = [
    "KERNELS",
    "build_kernel",
    "circular_point_kernel",
    "polar_disc_kernel",
    "polar_kernel",
    "polar_sector_kernel",
    "polar_wedge_kernel",
    "radial_line_kernel",
]

_DTYPE = torch.float64


# ---------------------------------------------------------------------------- checks and grid


def _check_int(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _check_number(
    name: str, value: float, low: float, high: float = math.inf, low_inclusive: bool = True
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    too_low = value < low if low_inclusive else value <= low
    if too_low or value > high or math.isnan(value):
        bound = "[" if low_inclusive else "("
        raise ValueError(f"{name} must be in {bound}{low:g}, {high:g}], got {value:g}")


def _grid(pad: int, div: int) -> tuple[Tensor, Tensor, Tensor]:
    """Centred row/col coordinates ``(1, s, 1)``, ``(1, 1, s)`` and bin angles ``(div, 1, 1)``."""
    _check_int("pad", pad, 1)
    _check_int("div", div, 1)
    coords = torch.arange(-pad, pad + 1, dtype=_DTYPE)
    rows = coords.view(1, -1, 1)
    cols = coords.view(1, 1, -1)
    angles = (torch.arange(div, dtype=_DTYPE) * math.pi / div).view(-1, 1, 1)
    return rows, cols, angles


def _normalise(kernel: Tensor, name: str) -> Tensor:
    sums = kernel.sum(dim=(-2, -1), keepdim=True)
    empty = (sums <= 0).flatten().nonzero().flatten()
    if empty.numel():
        raise ValueError(
            f"{name}: bins {empty.tolist()} have no support (all weights zero); "
            f"increase pad or the kernel's threshold/radius"
        )
    return kernel / sums


def _mirror(kernel: Tensor) -> Tensor:
    return kernel.flip(-1)


def _folded_angle(pad: int, div: int) -> tuple[Tensor, Tensor]:
    """Angle in ``[0, pi/2]`` between each grid offset's line and each bin (NaN at the centre),
    and the distance of each offset from the centre."""
    rows, cols, angles = _grid(pad, div)
    dist = torch.sqrt(rows**2 + cols**2)
    cosine = (rows / dist) * torch.sin(angles) + (cols / dist) * torch.cos(angles)
    gap = torch.arccos(cosine)
    gap = torch.where(gap > math.pi / 2, math.pi - gap, gap)
    return gap, dist.expand(div, -1, -1)


def _disc(dist: Tensor, pad: int, radius: float | None) -> Tensor:
    if radius is None:
        radius = pad
    _check_number("radius", radius, 0.0, float(pad), low_inclusive=False)
    return (dist <= radius).to(_DTYPE)


# ---------------------------------------------------------------------------- the six kernels


def circular_point_kernel(pad: int, div: int, threshold: float = 1.0) -> Tensor:
    """Two soft points at ``+-pad * p_k`` on the circle of radius ``pad``.

    Each point is a cone ``max(0, threshold - distance)`` normalised to sum 1; the kernel is
    their mean (so each bin sums to 1 without further normalisation).

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64.
    """
    _check_number("threshold", threshold, 1.0)
    rows, cols, angles = _grid(pad, div)
    q_row, q_col = pad * torch.sin(angles), pad * torch.cos(angles)

    def cone(sign: float) -> Tensor:
        dist = torch.sqrt((rows - sign * q_row) ** 2 + (cols - sign * q_col) ** 2)
        weight = torch.clamp(threshold - dist, min=0.0)
        return weight / weight.sum(dim=(-2, -1), keepdim=True)

    return _mirror((cone(1.0) + cone(-1.0)) / 2)


def radial_line_kernel(
    pad: int, div: int, threshold: float = 1.0, reverse_weights: bool = False
) -> Tensor:
    """A soft line segment through the centre along each bin's direction, within the disc of
    radius ``pad``, weighted ``(pad - d) / pad`` by distance ``d`` from the centre (``d / pad``
    with ``reverse_weights``).

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64, each bin summing to 1.
    """
    _check_number("threshold", threshold, 1.0)
    rows, cols, angles = _grid(pad, div)
    dist = torch.sqrt(rows**2 + cols**2)
    weight = (pad - dist) / pad
    if reverse_weights:
        weight = 1 - weight
    slope = torch.tan(angles)
    line_dist = torch.abs(slope * rows - cols) / torch.sqrt(slope**2 + 1)
    kernel = torch.clamp(threshold - line_dist, min=0.0)
    kernel = torch.where(dist > pad, torch.zeros_like(kernel), kernel) * weight
    kernel = _mirror(kernel.transpose(-2, -1))
    return _normalise(kernel, "radial_line_kernel")


def polar_kernel(pad: int, div: int, alpha: float = 1.0) -> Tensor:
    """Every offset weighted by how close its direction is to the bin's:
    ``(1 - g / (pi/2)) ** alpha`` with ``g`` the folded angle between them (centre 0).

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64, each bin summing to 1.
    """
    _check_number("alpha", alpha, 0.0, low_inclusive=False)
    gap, _ = _folded_angle(pad, div)
    kernel = torch.nan_to_num((1 - gap / (math.pi / 2)) ** alpha, nan=0.0)
    return _normalise(_mirror(kernel), "polar_kernel")


def polar_wedge_kernel(
    pad: int, div: int, alpha: float = 1.0, threshold: float = math.pi / 10
) -> Tensor:
    """Offsets within ``threshold`` radians of the bin's direction (both ways), weighted
    ``((threshold - g) / threshold) ** alpha``.

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64, each bin summing to 1.
    """
    _check_number("alpha", alpha, 0.0, low_inclusive=False)
    _check_number("threshold", threshold, 0.0, math.pi / 4, low_inclusive=False)
    gap, _ = _folded_angle(pad, div)
    kernel = (torch.clamp(threshold - gap, min=0.0) / threshold) ** alpha
    kernel = torch.nan_to_num(kernel, nan=0.0)
    return _normalise(_mirror(kernel), "polar_wedge_kernel")


def polar_disc_kernel(
    pad: int, div: int, alpha: float = 1.0, radius: float | None = None
) -> Tensor:
    """:func:`polar_kernel` restricted to the disc ``d <= radius`` (default ``pad``).

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64, each bin summing to 1.
    """
    _, dist = _folded_angle(pad, div)
    disc = _disc(dist, pad, radius)
    return _normalise(polar_kernel(pad, div, alpha) * disc, "polar_disc_kernel")


def polar_sector_kernel(
    pad: int,
    div: int,
    alpha: float = 1.0,
    threshold: float = math.pi / 10,
    radius: float | None = None,
) -> Tensor:
    """:func:`polar_wedge_kernel` restricted to the disc ``d <= radius`` (default ``pad``).

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64, each bin summing to 1.
    """
    _, dist = _folded_angle(pad, div)
    disc = _disc(dist, pad, radius)
    wedge = polar_wedge_kernel(pad, div, alpha, threshold)
    return _normalise(wedge * disc, "polar_sector_kernel")


# ---------------------------------------------------------------------------- building from configs

KernelFn = Callable[..., Tensor]

KERNELS: dict[str, KernelFn] = {
    fn.__name__: fn
    for fn in (
        circular_point_kernel,
        radial_line_kernel,
        polar_kernel,
        polar_wedge_kernel,
        polar_disc_kernel,
        polar_sector_kernel,
    )
}


def _resolve(kernel_type: Any) -> KernelFn:
    if callable(kernel_type):
        return kernel_type
    if isinstance(kernel_type, str) and kernel_type in KERNELS:
        return KERNELS[kernel_type]
    raise ValueError(
        f"unknown kernel type {kernel_type!r}; expected one of {sorted(KERNELS)} "
        f"or a callable (pad, div, **options) -> Tensor (div, s, s)"
    )


def _check_options(fn: KernelFn, options: Mapping[str, Any]) -> None:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(options) - set(params))
    if unknown:
        accepted = sorted(set(params) - {"pad", "div"})
        raise TypeError(
            f"{getattr(fn, '__name__', fn)} got unexpected options {unknown}; it accepts {accepted}"
        )


def build_kernel(cfg: Mapping[str, Any], pad: int | None = None, div: int | None = None) -> Tensor:
    """Build a kernel from a config such as ``dict(type="radial_line_kernel", threshold=2)``.

    ``pad`` and ``div`` come from the arguments (a loss passes its own) or from ``cfg``; giving
    both with different values is an error.

    Returns:
        ``(div, 2 * pad + 1, 2 * pad + 1)`` float64.
    """
    if not isinstance(cfg, Mapping) or "type" not in cfg:
        raise TypeError(f"kernel config must be a mapping with a 'type' key, got {cfg!r}")
    options = dict(cfg)
    fn = _resolve(options.pop("type"))
    for name, value in (("pad", pad), ("div", div)):
        if value is None:
            if name not in options:
                raise ValueError(f"kernel config {dict(cfg)!r} needs '{name}'")
            continue
        if name in options and options[name] != value:
            raise ValueError(
                f"kernel config sets {name}={options[name]!r} but the caller passes "
                f"{name}={value!r}; set it in one place"
            )
        options[name] = value
    _check_options(fn, options)
    kernel = fn(**options)
    _check_built(kernel, options["pad"], options["div"], fn)
    return kernel


def _check_built(kernel: Tensor, pad: int, div: int, fn: KernelFn) -> None:
    size = 2 * pad + 1
    expected = (div, size, size)
    if not isinstance(kernel, Tensor) or tuple(kernel.shape) != expected:
        got = tuple(kernel.shape) if isinstance(kernel, Tensor) else type(kernel).__name__
        raise ValueError(
            f"kernel function {getattr(fn, '__name__', fn)} returned {got}; expected a tensor "
            f"of shape (div, 2*pad+1, 2*pad+1) = {expected}"
        )
    if not torch.isfinite(kernel).all():
        raise ValueError(
            f"kernel function {getattr(fn, '__name__', fn)} returned non-finite values"
        )
