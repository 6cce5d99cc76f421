"""A convolution and the ReLU after it in one pass over memory, where oneDNN can (plain
PyTorch; no OpenMMLab).

On a CPU a 3x3 convolution of a UNet's full-resolution stage writes its output, and a ReLU
then reads and writes it again: for 16 channels of a 544x544 tile in bfloat16 that second pass
is ~13 % of the convolution's time. oneDNN applies the ReLU as the convolution writes
(a "post-op"); PyTorch reaches it through ``torch.ops.mkldnn._convolution_pointwise``, the
operator its own compiler emits for this pattern. That operator is internal, so
:func:`fused_conv_relu` uses it only where a one-time probe of the running PyTorch shows it
gives the plain path's numbers (:func:`fusion_works`), and falls back to ``relu(conv(x))``
everywhere else: on other devices, with gradients, for dtypes other than float32/bfloat16.

Under CPU autocast the convolution runs in autocast's dtype, as ``conv2d`` would; the fused
operator is not on autocast's list, so the input and weights are cast here.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["ConvReLU", "fused_conv_relu", "fusion_works"]

_FUSABLE = (torch.float32, torch.bfloat16)


def _pointwise_operator():
    """The oneDNN operator, or None where this PyTorch has none."""
    if not torch.backends.mkldnn.is_available():
        return None
    return getattr(getattr(torch.ops, "mkldnn", None), "_convolution_pointwise", None)


def _fused(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Tensor:
    operator = _pointwise_operator()
    if operator is None:
        raise RuntimeError("no oneDNN pointwise convolution in this PyTorch")
    return operator(x, weight, bias, list(padding), [1, 1], list(dilation), 1, "relu", [], "")


@functools.cache
def fusion_works(dtype: torch.dtype) -> bool:
    """Whether the fused operator exists here and computes ``relu(conv2d(x))`` for ``dtype``
    (probed once per dtype on a small channels-last input with a dilation; a PyTorch whose
    internal operator changed its signature or results gets the plain path)."""
    if dtype not in _FUSABLE or _pointwise_operator() is None:
        return False
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 8, 12, 10, generator=generator).to(dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    weight = torch.randn(4, 8, 3, 3, generator=generator).to(dtype)
    bias = torch.randn(4, generator=generator).to(dtype)
    try:
        with torch.inference_mode():
            fused = _fused(x, weight, bias, (2, 2), (2, 2))
            plain = F.relu(F.conv2d(x, weight, bias, padding=2, dilation=2))
    except (RuntimeError, TypeError, ValueError):
        return False
    tolerance = 1e-4 if dtype == torch.float32 else 0.05  # bfloat16: 8 bits of mantissa
    return fused.shape == plain.shape and torch.allclose(
        fused.float(), plain.float(), rtol=tolerance, atol=tolerance
    )


def _compute_dtype(x: Tensor) -> torch.dtype:
    """The dtype ``conv2d`` would compute ``x`` in on the CPU: autocast's where it is on."""
    if torch.is_autocast_enabled("cpu"):
        return torch.get_autocast_dtype("cpu")
    return x.dtype


def fused_conv_relu(
    x: Tensor, conv: nn.Conv2d, weights: tuple[Tensor, Tensor | None] | None = None
) -> Tensor:
    """``relu(conv(x))`` for ``x (N, C, H, W)``: in one oneDNN pass on a CPU without
    gradients where :func:`fusion_works` for the compute dtype, else the two PyTorch ops. A
    convolution with groups, strides or padding modes other than zeros takes the plain path.
    ``weights``: ``conv``'s weight and bias already in the compute dtype (weight channels-last,
    the layout oneDNN computes in; else they are converted on every call)."""
    dtype = _compute_dtype(x)
    if not _fusable(x, conv, dtype):
        return F.relu(conv(x), inplace=True)
    weight, bias = weights or _converted(conv, dtype)
    return _fused(x.to(dtype), weight, bias, conv.padding, conv.dilation)


def _fusable(x: Tensor, conv: nn.Conv2d, dtype: torch.dtype) -> bool:
    return (
        x.device.type == "cpu"
        and not torch.is_grad_enabled()
        and conv.groups == 1
        and conv.stride == (1, 1)
        and conv.padding_mode == "zeros"
        and not isinstance(conv.padding, str)
        and fusion_works(dtype)
    )


def _converted(conv: nn.Conv2d, dtype: torch.dtype) -> tuple[Tensor, Tensor | None]:
    weight = conv.weight.detach().to(dtype).contiguous(memory_format=torch.channels_last)
    return weight, None if conv.bias is None else conv.bias.detach().to(dtype)


class ConvReLU(nn.Module):
    """Module form of :func:`fused_conv_relu`: ``conv`` then a ReLU. Keeps the weights it
    converted for the fused path, per dtype and device, while ``conv``'s weights stay the
    same tensors at the same version (an in-place change or a ``.to()`` converts again)."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.conv = conv
        self._converted: dict[tuple, tuple[Tensor, Tensor | None]] = {}

    def forward(self, x: Tensor) -> Tensor:
        dtype = _compute_dtype(x)
        if not _fusable(x, self.conv, dtype):
            return F.relu(self.conv(x), inplace=True)
        w, b = self.conv.weight, self.conv.bias
        key = (dtype, w.device, w.data_ptr(), w._version, None if b is None else b._version)
        if key not in self._converted:
            self._converted = {key: _converted(self.conv, dtype)}
        return fused_conv_relu(x, self.conv, self._converted[key])
