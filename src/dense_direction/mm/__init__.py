"""The OpenMMLab adapter: the only package that imports mmengine / mmcv / mmseg.

Importing it registers every Dense Direction component, so a config needs only::

    custom_imports = dict(imports=["dense_direction.mm"], allow_failed_imports=False)

Registered names and constructor arguments match the published reference implementation.
"""

import dense_direction.mm.console  # noqa: F401  (first: imports mmseg without its noise)
from dense_direction.mm import (
    backbones,
    caching,
    checkpoints,
    datasets,
    heads,
    hooks,
    metrics,
    precision,
    runner,  # registers DirectionClassesCheckHook, which configs may name
    segmentors,
    transforms,
    visualizer,
)
from dense_direction.mm.registration import REGISTERED_KERNELS, REGISTERED_LOSSES

__all__ = [
    "REGISTERED_KERNELS",
    "REGISTERED_LOSSES",
    "backbones",
    "caching",
    "checkpoints",
    "datasets",
    "heads",
    "hooks",
    "metrics",
    "precision",
    "runner",
    "segmentors",
    "transforms",
    "visualizer",
]
