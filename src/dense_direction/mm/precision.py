"""Training at the pace of the hardware: bfloat16 autocast and channels-last convolutions.

* :class:`AutocastOptimWrapper` runs the model's forward pass under ``torch.autocast`` in the
  dtype :func:`dense_direction.hardware.resolve_precision` picks (``precision="auto"``:
  bfloat16 where the CPU or GPU has bfloat16 units, float32 elsewhere). mmengine's
  ``AmpOptimWrapper`` refuses CPUs; bfloat16 needs no loss scaling, so this wrapper has none.
* :class:`ChannelsLastHook` stores convolution weights channels-last, which oneDNN (CPU) and
  cuDNN run faster, in float32 too.
* Losses always compute in float32 (:func:`float32_losses`): the directional loss sums many
  small evidence terms, and its reference numbers are float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.registry import HOOKS, OPTIM_WRAPPERS
from torch import Tensor, nn

from dense_direction.hardware import check_precision, resolve_precision

__all__ = ["AutocastOptimWrapper", "ChannelsLastHook", "float32_losses"]


def float32_losses(like: Tensor) -> contextlib.AbstractContextManager:
    """A context in which autocast is off on ``like``'s device: losses inside it compute in
    float32 even when the forward pass autocasts (cast their inputs with ``.float()``)."""
    return torch.autocast(device_type=like.device.type, enabled=False)


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts the forward pass.

    Args:
        precision: "auto" (bfloat16 where the hardware computes it natively, else float32),
            "bfloat16" or "float32" (no autocast). Other arguments as ``OptimWrapper``.
    """

    def __init__(self, *args: Any, precision: str = "auto", **kwargs: Any) -> None:
        check_precision(precision, "AutocastOptimWrapper precision")
        super().__init__(*args, **kwargs)
        self.precision = precision
        self._dtype: torch.dtype | None = None

    def dtype_for(self, model: nn.Module) -> torch.dtype:
        """The autocast dtype on ``model``'s device (decided once, and logged)."""
        if self._dtype is None:
            device = next(model.parameters()).device
            self._dtype = resolve_precision(self.precision, device)
            print_log(
                f"training precision: {str(self._dtype).removeprefix('torch.')} on {device.type} "
                f"(precision={self.precision!r}; losses in float32)",
                logger="current",
            )
        return self._dtype

    @contextlib.contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        dtype = self.dtype_for(model)
        device = next(model.parameters()).device.type
        with super().optim_context(model):
            if dtype == torch.float32:
                yield
            else:
                with torch.autocast(device_type=device, dtype=dtype):
                    yield


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Store the model's 4-d weights channels-last before training, validation and testing
    (after weights are initialised or loaded; parameters stay the same objects, so the
    optimizer keeps them)."""

    priority = "VERY_HIGH"

    def before_train(self, runner: Any) -> None:
        runner.model.to(memory_format=torch.channels_last)

    before_val = before_test = before_train
