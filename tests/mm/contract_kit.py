"""The registry-wide contract (timm-style): every type Dense Direction registers in an
OpenMMLab registry, and a base tester that each kind of component specialises.

``registered_types()`` reads the registries themselves (after importing every module of
``dense_direction.mm``), so a newly registered component shows up here without anyone adding
it to a list; the contract test fails until it has a contract.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from mmengine.registry import Registry
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from helpers import line_mask

SIZE = 32  # image side of the hand-made samples
ANGLE = 0.4  # radians: the direction of the line in every hand-made sample
C = 8  # feature channels of the heads' inputs

TINY_UNET = dict(
    type="UNet",
    in_channels=3,
    base_channels=8,
    num_stages=2,
    strides=(1, 1),
    enc_num_convs=(1, 1),
    dec_num_convs=(1,),
    downsamples=(True,),
    enc_dilations=(1, 1),
    dec_dilations=(1,),
    norm_cfg=dict(type="BN"),
    upsample_cfg=dict(type="InterpConv"),
)
PREPROCESSOR = dict(
    type="SegDataPreProcessor",
    mean=[0, 0, 0],
    std=[255, 255, 255],
    size_divisor=8,
    test_cfg=dict(size_divisor=8),
)
DIRECTIONER = dict(
    type="Directioner",
    data_preprocessor=PREPROCESSOR,
    backbone=TINY_UNET,
    decode_head=dict(
        type="LinearDirectionHead",
        in_channels=8,
        channels=8,
        loss_decode=dict(type="EfficientDirectionalLoss", pad=3, div=12),
    ),
)


def import_adapter() -> None:
    """Import every module of ``dense_direction.mm``: registration happens at import, and
    some modules (the runner's hook) are not imported by the package itself."""
    import dense_direction.mm as adapter

    for module in pkgutil.walk_packages(adapter.__path__, f"{adapter.__name__}."):
        importlib.import_module(module.name)


def registered_types() -> dict[str, Any]:
    """``"registry/TypeName" -> object`` for everything ``dense_direction`` registers."""
    import mmengine.registry as engine_registries
    import mmseg.registry as seg_registries

    import_adapter()
    found: dict[str, Any] = {}
    for namespace in (seg_registries, engine_registries):
        for registry in vars(namespace).values():
            if not isinstance(registry, Registry):
                continue
            for name, obj in registry.module_dict.items():
                if getattr(obj, "__module__", "").startswith("dense_direction"):
                    found[f"{registry.name}/{name}"] = obj
    return found


def samples(n: int = 2, size: int = SIZE) -> list[SegDataSample]:
    """Samples as the data pipeline packs them: a 3-px line at ``ANGLE`` (label 1) shifted
    per sample, its direction labels (NaN off the line) and image metadata."""
    out = []
    for i in range(n):
        mask = line_mask(size, ANGLE, 3).roll(2 * i, dims=1).bool()
        sample = SegDataSample(gt_sem_seg=PixelData(data=mask.long()[None]))
        angles = torch.where(mask, torch.tensor(ANGLE), torch.tensor(math.nan))[None]
        sample.set_field(PixelData(data=angles), "gt_directions")
        shape = (size, size)
        sample.set_metainfo(dict(img_shape=shape, ori_shape=shape, pad_shape=shape))
        out.append(sample)
    return out


def assert_finite_gradients(module: torch.nn.Module, skip: tuple[str, ...] = ()) -> None:
    """Every trainable parameter got a finite gradient (none left out of the graph), except
    those whose names end with one of ``skip``."""
    for name, param in module.named_parameters():
        if param.requires_grad and not name.endswith(skip):
            assert param.grad is not None, f"{name} got no gradient"
            assert torch.isfinite(param.grad).all(), f"{name} has a non-finite gradient"


def assert_losses(losses: dict) -> torch.Tensor:
    """mmseg loss dicts: ``loss*`` keys hold finite scalars; returns their sum."""
    parts = [v for k, v in losses.items() if "loss" in k.split(".")[-1]]
    assert parts, f"no loss in {sorted(losses)}"
    for key, value in losses.items():
        assert torch.isfinite(torch.as_tensor(value)).all(), f"{key} = {value}"
    return sum(p.sum() for p in parts)


@dataclass
class Contract:
    """Base tester: build ``cfg`` through the registry that holds the type, then ``check``.

    Subclasses override ``check``; ``registry`` is the registry's name as in
    :func:`registered_types` keys ("model", "transform", ...). ``cfg`` holds the type and the
    fewest arguments it needs; ``make(context)`` adds paths of files it writes.
    """

    cfg: dict
    registry: str = "model"
    make: Callable[[Context], dict] | None = None  # more config, from files it writes
    extra: dict = field(default_factory=dict)

    def config(self, context: Context) -> dict:
        return dict(self.cfg, **(self.make(context) if self.make else {}))

    def build(self, context: Context) -> Any:
        return context.registry(self.registry).build(self.config(context))

    def check(self, obj: Any, context: Context) -> None:
        raise NotImplementedError

    def run(self, context: Context) -> None:
        obj = self.build(context)
        self.check(obj, context)


class Context:
    """What the contracts share: registries by name, a temporary folder, a synthetic dataset."""

    def __init__(self, tmp_path: Path, synth_root: Path) -> None:
        self.tmp_path, self.synth_root = tmp_path, synth_root
        import_adapter()
        self._registries = {}
        import mmengine.registry as engine_registries
        import mmseg.registry as seg_registries

        for namespace in (engine_registries, seg_registries):  # mmseg's children win
            for registry in vars(namespace).values():
                if isinstance(registry, Registry):
                    self._registries[registry.name] = registry

    def registry(self, name: str) -> Registry:
        return self._registries[name]

    def synthetic_info(self, phase: str = "test") -> dict:
        """One sample's data info from the synthetic folder (paths of every annotation)."""
        dataset = self.registry("dataset").build(
            dict(type="SyntheticLinesDataset", data_root=str(self.synth_root), phase=phase)
        )
        return dict(dataset.get_data_info(0))

    def image_mask_folders(
        self,
        images: str = "images",
        masks: str = "masks",
        suffixes: tuple[str, str] = (".png", ".png"),
        count: int = 3,
    ) -> tuple[Path, Path]:
        """``count`` RGB images and 0/255 masks of a line, paired by name, in
        ``tmp_path/images`` and ``tmp_path/masks``."""
        from PIL import Image

        folders = self.tmp_path / images, self.tmp_path / masks
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            mask = line_mask(SIZE, ANGLE + i, 3).numpy().astype(np.uint8) * 255
            image = Image.fromarray(np.stack([255 - mask] * 3, axis=-1))
            image.save(folders[0] / f"{i:02d}{suffixes[0]}")
            Image.fromarray(mask).save(folders[1] / f"{i:02d}{suffixes[1]}")
        return folders
