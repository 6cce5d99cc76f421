"""Registers the core losses with mmseg's ``MODELS`` and the kernels with mmengine's
``FUNCTIONS``. The classes are the core ones: no wrapper, no second implementation."""

from __future__ import annotations

from mmengine.registry import FUNCTIONS
from mmseg.registry import MODELS

from dense_direction.kernels import KERNELS
from dense_direction.losses import (
    CircularDirectionalLoss,
    DirectionalLoss,
    EfficientDirectionalLoss,
    MedialDirectionLoss,
    SmoothnessLoss,
    SupervisedDirectionLoss,
)

REGISTERED_LOSSES = (
    DirectionalLoss,
    EfficientDirectionalLoss,
    SmoothnessLoss,
    CircularDirectionalLoss,
    SupervisedDirectionLoss,
    MedialDirectionLoss,
)
REGISTERED_KERNELS = tuple(KERNELS)

for _loss in REGISTERED_LOSSES:
    MODELS.register_module(module=_loss)
for _name, _kernel in KERNELS.items():
    FUNCTIONS.register_module(name=_name, module=_kernel)
