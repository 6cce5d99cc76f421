"""Reading a model's config without OpenMMLab, and deciding whether the plain-PyTorch network
(:mod:`dense_direction.networks.unet`) computes it.

A config that training or ``tools/bundle_model.py`` dumps is a Python file of literal
assignments (``model = dict(type='SegmentoDirectioner', backbone=dict(...), ...)``):
:func:`read_config` reads those without running the file. :func:`network_recipe` returns what
the network and the estimator need (:class:`NetworkRecipe`) when the model is one the plain
network reproduces exactly, else ``None`` and the OpenMMLab adapter builds it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dense_direction.networks.unet import UNetSpec

__all__ = ["NetworkRecipe", "network_recipe", "read_config"]

# mmseg UNet's defaults for the arguments a config may leave out.
_UNET_DEFAULTS: dict[str, Any] = dict(
    in_channels=3,
    num_stages=5,
    strides=(1, 1, 1, 1, 1),
    downsamples=(True, True, True, True),
    enc_dilations=(1, 1, 1, 1, 1),
    dec_dilations=(1, 1, 1, 1),
    conv_cfg=None,
    norm_cfg=dict(type="BN"),
    act_cfg=dict(type="ReLU"),
    upsample_cfg=dict(type="InterpConv"),
    dcn=None,
    plugins=None,
)
_SEG_HEADS = {"LinearSegmentationHead", "LinearHead"}
_BATCH_NORMS = {"BN", "SyncBN", "BN2d"}


@dataclass(frozen=True)
class NetworkRecipe:
    """The plain network's shape (``spec``) and the estimator's input contract.

    Attributes:
        spec: for :meth:`UNetDirectionNetwork.from_state_dict`.
        dir_classes: the label ids with a direction field, in output order.
        mean, std: per input channel, in the order the network reads (RGB when
            ``bgr_to_rgb``, else BGR: mmseg loads images BGR).
        bgr_to_rgb: the data preprocessor's channel conversion.
        divisor: inputs are padded to multiples of it.
    """

    spec: UNetSpec
    dir_classes: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    bgr_to_rgb: bool
    divisor: int


def read_config(path: str | Path) -> dict[str, Any]:
    """The top-level ``NAME = literal`` assignments of a dumped config file (``dict(...)``
    calls, lists, tuples, numbers, strings, booleans, None); a ``ValueError`` naming the
    file and line of anything else (the file is never run)."""
    path = Path(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    config: dict[str, Any] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            raise ValueError(f"{path}:{node.lineno}: not a plain assignment")
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            raise ValueError(f"{path}:{node.lineno}: not a plain assignment")
        config[target.id] = _literal(node.value, path)
    return config


def _literal(node: ast.AST, path: Path) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, path) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {
            _literal(k, path): _literal(v, path)
            for k, v in zip(node.keys, node.values, strict=True)
        }
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_literal(node.operand, path)
    is_dict = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    if is_dict and node.func.id == "dict" and not node.args:
        return {k.arg: _literal(k.value, path) for k in node.keywords if k.arg is not None}
    raise ValueError(f"{path}:{getattr(node, 'lineno', '?')}: not a literal value")


def network_recipe(config: Mapping[str, Any]) -> NetworkRecipe | None:
    """The :class:`NetworkRecipe` of ``config`` (:func:`read_config`) when its model is a
    ``SegmentoDirectioner`` (UNet + ``DualDecodeHead`` of linear heads) or a ``Directioner``
    (UNet + ``LinearDirectionHead``) that the plain network computes exactly: mmseg's UNet
    with strides 1, max-pool downsampling before every stage, ``InterpConv`` upsampling,
    batch norms (or none) and ReLU; heads on the last decoder output without norms. Anything
    else, ``None``."""
    model = config.get("model")
    if not isinstance(model, Mapping) or model.get("neck") or model.get("auxiliary_head"):
        return None
    backbone = {**_UNET_DEFAULTS, **dict(model.get("backbone") or {})}
    spec_args = _unet_args(backbone)
    heads = _heads(model)
    pre = model.get("data_preprocessor") or config.get("data_preprocessor") or {}
    if spec_args is None or heads is None or pre.get("mean") is None or pre.get("std") is None:
        return None
    (seg_prefix, dir_prefix), dir_head = heads
    normalise = bool(dir_head.get("pre_norm_vectors") or dir_head.get("post_norm_vectors"))
    spec = UNetSpec(
        **spec_args, dir_prefix=dir_prefix, seg_prefix=seg_prefix, normalise_vectors=normalise
    )
    test_cfg = pre.get("test_cfg") or {}
    return NetworkRecipe(
        spec=spec,
        dir_classes=tuple(dir_head.get("dir_classes") or (1,)),
        mean=tuple(float(v) for v in pre["mean"]),
        std=tuple(float(v) for v in pre["std"]),
        bgr_to_rgb=bool(pre.get("bgr_to_rgb") or pre.get("rgb_to_bgr")),
        divisor=int(test_cfg.get("size_divisor") or pre.get("size_divisor") or 32),
    )


def _unet_args(backbone: Mapping[str, Any]) -> dict[str, Any] | None:
    """``UNetSpec`` arguments of an mmseg UNet config the plain network computes, else None."""
    stages = int(backbone["num_stages"])
    norm = backbone["norm_cfg"]
    plain = (
        backbone.get("type") == "UNet"
        and backbone["in_channels"] == 3
        and list(backbone["strides"])[:stages] == [1] * stages
        and list(backbone["downsamples"])[: stages - 1] == [True] * (stages - 1)
        and backbone["conv_cfg"] is None
        and dict(backbone["act_cfg"]) == {"type": "ReLU"}
        and dict(backbone["upsample_cfg"]) == {"type": "InterpConv"}
        and backbone["dcn"] is None
        and not backbone["plugins"]
        and (norm is None or norm.get("type") in _BATCH_NORMS)
    )
    if not plain:
        return None
    return dict(
        enc_dilations=tuple(int(d) for d in backbone["enc_dilations"][:stages]),
        dec_dilations=tuple(int(d) for d in backbone["dec_dilations"][: stages - 1]),
        bn_eps=None if norm is None else float(norm.get("eps", 1e-5)),
    )


def _linear_head(head: Mapping[str, Any] | None, types: set[str]) -> bool:
    """A linear head of one of ``types`` reading the last decoder output, without a norm."""
    return (
        isinstance(head, Mapping)
        and head.get("type") in types
        and head.get("in_index", -1) == -1
        and head.get("input_transform") is None
        and head.get("norm_cfg") is None
    )


def _heads(
    model: Mapping[str, Any],
) -> tuple[tuple[str | None, str], Mapping[str, Any]] | None:
    """``((seg_prefix, dir_prefix), dir_head_config)`` of the model's heads, else None."""
    head = model.get("decode_head") or {}
    if model.get("type") == "Directioner":
        if not _linear_head(head, {"LinearDirectionHead"}):
            return None
        return (None, "decode_head.conv_dir"), head
    if model.get("type") != "SegmentoDirectioner" or head.get("type") != "DualDecodeHead":
        return None
    seg = head.get("seg_head_config") or head.get("seg_head")
    direction = head.get("dir_head_config") or head.get("dir_head")
    if not (_linear_head(seg, _SEG_HEADS) and _linear_head(direction, {"LinearDirectionHead"})):
        return None
    return ("decode_head.seg_head.conv_seg", "decode_head.dir_head.conv_dir"), direction
