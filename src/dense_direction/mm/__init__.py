"""The OpenMMLab adapter: the only package that imports mmengine / mmcv / mmseg.

Importing it registers every Dense Direction component, so a config needs only::

    custom_imports = dict(imports=["dense_direction.mm"], allow_failed_imports=False)

Registered names and constructor arguments match the published reference implementation.
"""

from dense_direction.mm._startup import import_mmengine_without_transformers

import_mmengine_without_transformers()  # first: before anything imports mmengine

import dense_direction.mm.console  # noqa: E402, F401  (imports mmseg without its noise)
from dense_direction.mm import (  # noqa: E402
    backbones,
    caching,
    checkpoints,
    datasets,
    flip,
    heads,
    hooks,
    metrics,
    precision,
    runner,  # registers DirectionClassesCheckHook, which configs may name
    segmentors,
    transforms,
    visualizer,
)
from dense_direction.mm.registration import REGISTERED_KERNELS, REGISTERED_LOSSES  # noqa: E402

__all__ = [
    "REGISTERED_KERNELS",
    "REGISTERED_LOSSES",
    "backbones",
    "caching",
    "checkpoints",
    "datasets",
    "flip",
    "heads",
    "hooks",
    "metrics",
    "precision",
    "runner",
    "segmentors",
    "transforms",
    "visualizer",
]
