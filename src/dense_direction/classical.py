"""Classical direction estimators, the baselines learned models must beat.

Both return angles in the package convention: radians in ``[0, pi)``, counter-clockwise from the
image x-axis with **y up** (see :mod:`dense_direction.directions`). Derivatives are Gaussian
derivatives with replicate padding at the borders; ``x`` is the column axis and ``y = -row``.

* :func:`structure_tensor_direction` (as in OrientationJ): the direction of least intensity
  change, from the Gaussian-smoothed outer product of the gradient, plus its coherence.
* :func:`hessian_direction`: the eigenvector of the Hessian whose eigenvalue is smallest in
  magnitude (along a ridge or valley), for bright and dark lines alike.

Inputs are 2-D grayscale images or ``(H, W, 3|4)`` RGB(A) arrays (alpha is ignored), NumPy or
PyTorch; outputs have the input's type.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from dense_direction._tensors import from_array
from dense_direction.directions import wrap_angle

__all__ = [
    "BASELINES",
    "BASELINES_ALL_WIDTHS",
    "gaussian_derivatives",
    "hessian_direction",
    "structure_tensor_direction",
    "structure_tensor_fields",
]

_TRUNCATE = 4.0  # kernel radius in sigmas


def _to_gray(image: np.ndarray | Tensor) -> tuple[Tensor, bool]:
    was_numpy = isinstance(image, np.ndarray)
    if not was_numpy and not isinstance(image, Tensor):
        raise TypeError(f"image must be a numpy array or torch tensor, got {type(image).__name__}")
    img = from_array(image) if was_numpy else image
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]  # (H, W, 1), as predict takes it
    if img.ndim == 3 and img.shape[-1] in (3, 4):
        img = img[..., :3].double().mean(dim=-1)
    if img.ndim != 2 or 0 in img.shape:
        raise ValueError(
            f"image must be (H, W) grayscale or (H, W, 1|3|4) with H, W > 0, got shape "
            f"{tuple(img.shape)}"
        )
    return img.double(), was_numpy


def _without_holes(gray: Tensor) -> tuple[Tensor, Tensor | None]:
    """``gray`` with its NaN or infinite pixels (no value) set to the median of the others,
    and where they were (None when none): the filters would spread one NaN pixel over their
    whole support (a few holes made most of the output NaN), so the holes get no
    direction instead, as ``predict`` gives them none."""
    missing = ~torch.isfinite(gray)
    if not missing.any():
        return gray, None
    values = gray[~missing]
    fill = values.median() if values.numel() else gray.new_zeros(())
    return torch.where(missing, fill, gray), missing


def _with_holes(value: Tensor, missing: Tensor | None) -> Tensor:
    return value if missing is None else value.masked_fill(missing, math.nan)


def _check_sigma(name: str, sigma: float) -> None:
    # numbers.Real: NumPy's scalars too (np.float32(1.0) was refused as "not a number").
    if not isinstance(sigma, numbers.Real) or isinstance(sigma, (bool, np.bool_)) or not sigma > 0:
        raise ValueError(f"{name} must be a number > 0 (pixels), got {sigma!r}")


def _kernels_1d(sigma: float) -> tuple[Tensor, Tensor, Tensor]:
    """Correlation kernels for smoothing, first and second derivative at scale ``sigma``."""
    radius = max(1, math.ceil(_TRUNCATE * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    d1 = x * g  # correlation with it estimates f'; scaled so that f(x) = x gives exactly 1
    d1 = d1 / (x * d1).sum()
    d2 = (x**2 / sigma**4 - 1 / sigma**2) * g
    d2 = d2 - g * d2.sum()  # no response to constants
    d2 = d2 / (0.5 * x**2 * d2).sum()  # f(x) = x^2 / 2 gives exactly 1
    return g, d1, d2


def _separable(image: Tensor, along_rows: Tensor, along_cols: Tensor) -> Tensor:
    """Correlate ``(..., H, W)`` with ``along_rows`` vertically and ``along_cols``
    horizontally, the border replicated. On the CPU (without autograd) by SciPy's
    ``correlate1d``, line by line: float64 ``conv2d`` unfolds the image (im2col), about 450
    bytes a pixel with the baselines' longest kernels (a 4096² evaluation was killed for
    memory at 24 GB); the numbers agree to float rounding."""
    if image.device.type == "cpu" and not image.requires_grad:
        from scipy import ndimage  # on first use, as the rest of the package does

        rows = ndimage.correlate1d(image.numpy(), along_rows.numpy(), axis=-2, mode="nearest")
        return torch.from_numpy(
            ndimage.correlate1d(rows, along_cols.numpy(), axis=-1, mode="nearest")
        )
    r, c = along_rows.numel() // 2, along_cols.numel() // 2
    x = F.pad(image.reshape(-1, 1, *image.shape[-2:]), (c, c, r, r), mode="replicate")
    x = F.conv2d(x, along_rows.view(1, 1, -1, 1))
    return F.conv2d(x, along_cols.view(1, 1, 1, -1)).reshape(image.shape)


def gaussian_derivatives(image: Tensor, sigma: float, order: int) -> dict[str, Tensor]:
    """Gaussian derivatives of float64 ``(..., H, W)`` images in (x right, y up) coordinates.

    Returns ``{"x", "y"}`` for ``order=1`` and ``{"xx", "xy", "yy"}`` for ``order=2``.
    """
    g, d1, d2 = _kernels_1d(sigma)
    if order == 1:
        return {"x": _separable(image, g, d1), "y": -_separable(image, d1, g)}
    if order == 2:
        return {
            "xx": _separable(image, g, d2),
            "yy": _separable(image, d2, g),
            "xy": -_separable(image, d1, d1),
        }
    raise ValueError(f"order must be 1 or 2, got {order}")


def _doubled_angle(axx: Tensor, axy: Tensor, ayy: Tensor) -> Tensor:
    """Orientation in [0, pi) of the eigenvector with the larger eigenvalue of [[axx, axy],
    [axy, ayy]]."""
    return wrap_angle(0.5 * torch.atan2(2 * axy, axx - ayy))


def _output(value: Tensor, as_numpy: bool) -> np.ndarray | Tensor:
    return value.numpy() if as_numpy else value


def structure_tensor_direction(
    image: np.ndarray | Tensor, sigma: float = 1.0, rho: float = 2.0
) -> tuple[np.ndarray | Tensor, np.ndarray | Tensor]:
    """Direction of least intensity change, and coherence in [0, 1].

    Args:
        image: ``(H, W)`` or ``(H, W, 1|3|4)``; NaN or infinite pixels (no value) get no
            direction (NaN) and do not spread into their neighbours'.
        sigma: scale of the gradient (pixels).
        rho: scale of the window averaging the gradient's outer product (pixels).

    Returns:
        ``(angles, coherence)``, each ``(H, W)`` float64. Coherence
        ``sqrt((Jxx - Jyy)^2 + 4 Jxy^2) / (Jxx + Jyy)`` is 1 for a perfectly oriented
        neighbourhood and 0 for an isotropic or flat one, where the angle is meaningless.
    """
    _check_sigma("sigma", sigma)
    _check_sigma("rho", rho)
    gray, as_numpy = _to_gray(image)
    gray, missing = _without_holes(gray)
    angles, coherence = structure_tensor_fields(gray, sigma, rho)
    angles, coherence = _with_holes(angles, missing), _with_holes(coherence, missing)
    return _output(angles, as_numpy), _output(coherence, as_numpy)


def structure_tensor_fields(images: Tensor, sigma: float, rho: float) -> tuple[Tensor, Tensor]:
    """:func:`structure_tensor_direction` of float64 ``(..., H, W)`` images at once (no
    checks): ``(angles, coherence)`` of the same shape."""
    grad = gaussian_derivatives(images, sigma, order=1)
    g, _, _ = _kernels_1d(rho)
    jxx = _separable(grad["x"] * grad["x"], g, g)
    jxy = _separable(grad["x"] * grad["y"], g, g)
    jyy = _separable(grad["y"] * grad["y"], g, g)
    # The gradient is across the structure; the structure runs perpendicular to it.
    angles = wrap_angle(_doubled_angle(jxx, jxy, jyy) + math.pi / 2)
    trace = jxx + jyy
    spread = torch.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    coherence = torch.where(trace > 1e-12, spread / trace.clamp(min=1e-12), torch.zeros_like(trace))
    return angles, coherence.clamp(0, 1)


def hessian_direction(image: np.ndarray | Tensor, sigma: float = 2.0) -> np.ndarray | Tensor:
    """Direction along ridges and valleys: the Hessian eigenvector whose eigenvalue is
    smallest in magnitude.

    Args:
        image: ``(H, W)`` or ``(H, W, 1|3|4)``; NaN or infinite pixels get no direction.
        sigma: scale (pixels); about half the width of the structures works best.

    Returns:
        ``(H, W)`` float64 angles.
    """
    _check_sigma("sigma", sigma)
    gray, as_numpy = _to_gray(image)
    gray, missing = _without_holes(gray)
    h = gaussian_derivatives(gray, sigma, order=2)
    major = _doubled_angle(h["xx"], h["xy"], h["yy"])  # eigenvector of the larger eigenvalue
    half_trace = (h["xx"] + h["yy"]) / 2
    radius = torch.sqrt(((h["xx"] - h["yy"]) / 2) ** 2 + h["xy"] ** 2)
    larger, smaller = half_trace + radius, half_trace - radius
    along = torch.where(larger.abs() <= smaller.abs(), major, wrap_angle(major + math.pi / 2))
    return _output(_with_holes(along, missing), as_numpy)


def _structure_tensor_angles(sigma: float, rho: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda image: structure_tensor_direction(image, sigma, rho)[0]


def _hessian_angles(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda image: hessian_direction(image, sigma)


def _settings(
    tensor_scales: tuple[tuple[float, float], ...], hessian_scales: tuple[float, ...]
) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Named baseline functions: one structure tensor per ``(sigma, rho)``, one Hessian per
    ``sigma``."""
    return {
        **{
            f"structure tensor s={s:g} r={r:g}": _structure_tensor_angles(s, r)
            for s, r in tensor_scales
        },
        **{f"hessian s={s:g}": _hessian_angles(s) for s in hessian_scales},
    }


#: The baseline settings the benchmarks and ``dense-direction evaluate`` report: name ->
#: function from a grayscale image to angles.
BASELINES: dict[str, Callable[[np.ndarray], np.ndarray]] = _settings(
    ((1, 2), (1, 4), (2, 6)), (1, 2, 4)
)

#: A wider sweep of scales for structures up to ~50 px wide (the width benchmark picks the best
#: setting per width band on the test set): the window must reach the edges of the structure.
BASELINES_ALL_WIDTHS: dict[str, Callable[[np.ndarray], np.ndarray]] = _settings(
    ((1, 2), (1, 4), (2, 6), (2, 12), (4, 16), (4, 24), (8, 32)), (1, 2, 4, 8, 12, 16, 24)
)
