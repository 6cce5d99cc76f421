"""The base direction head: features -> a 2-vector per pixel and direction class.

Constructor arguments follow the published reference. Shapes: the head's raw output is
``(N, K, 2, h, w)`` (K direction classes = ``len(dir_classes)``); ``predict`` returns
``(N, 2K, H, W)`` with channels ``[x_0, y_0, x_1, y_1, ...]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.structures import build_pixel_sampler
from torch import Tensor, nn

from dense_direction.losses import class_masks  # re-exported: its owner is the core
from dense_direction.mm.precision import float32_losses

__all__ = ["BaseDirectionDecodeHead", "class_masks", "direction_labels", "direction_targets"]

_INPUT_TRANSFORMS = (None, "resize_concat", "multiple_select")


def direction_targets(
    batch_data_samples: Sequence[Any], dir_classes: Sequence[int], scale: float = 1.0
) -> Tensor:
    """Per-class binary masks ``(N, K, 1, H, W)`` from the samples' ``gt_sem_seg`` labels,
    resized by ``scale`` (bilinear, so masks become soft at the borders)."""
    labels = torch.stack([s.gt_sem_seg.data for s in batch_data_samples])  # (N, 1, H, W)
    masks = class_masks(labels, dir_classes)
    if scale != 1.0:
        flat = F.interpolate(
            masks.squeeze(2), scale_factor=scale, mode="bilinear", align_corners=False
        )
        masks = flat.unsqueeze(2)
    return masks


def direction_labels(batch_data_samples: Sequence[Any], masks: Tensor) -> Tensor:
    """Direction labels ``(N, K, H, W)`` (radians, y up) for losses that learn from them
    (``needs_direction_labels``, e.g. ``SupervisedDirectionLoss``): the samples'
    ``gt_directions`` (one map, or one per direction class), resized (nearest) to ``masks``
    ``(N, K, 1, H, W)`` and NaN (unlabelled) outside them."""
    missing = [i for i, s in enumerate(batch_data_samples) if "gt_directions" not in s]
    if missing:
        raise ValueError(
            "a loss with needs_direction_labels (SupervisedDirectionLoss) learns from direction "
            "labels, and these samples carry none: load them in the training pipeline "
            "(LoadDirectionAnnotations, then PackCustomInputs(additional_data_keys="
            "('gt_directions',))), or use a directional loss, which needs masks only"
        )
    angles = torch.stack([s.gt_directions.data for s in batch_data_samples]).float()
    angles = angles.to(masks.device)
    n, k = masks.shape[:2]
    if angles.shape[1] not in (1, k):
        raise ValueError(
            f"gt_directions has {angles.shape[1]} maps; expected 1 or one per direction class ({k})"
        )
    if angles.shape[-2:] != masks.shape[-2:]:
        angles = F.interpolate(angles, size=masks.shape[-2:], mode="nearest")
    angles = angles.expand(n, k, *masks.shape[-2:])
    return torch.where(masks.squeeze(2) > 0.5, angles, torch.full_like(angles, float("nan")))


def _build_losses(loss_decode: dict | Sequence[dict] | None) -> nn.Module:
    if loss_decode is None:
        loss_decode = dict(type="DirectionalLoss")
    if isinstance(loss_decode, dict):
        return MODELS.build(loss_decode)
    if isinstance(loss_decode, (list, tuple)):
        return nn.ModuleList(MODELS.build(cfg) for cfg in loss_decode)
    raise TypeError(
        f"loss_decode must be a dict or a list of dicts, got {type(loss_decode).__name__}"
    )


class BaseDirectionDecodeHead(BaseModule):
    """Shared machinery of the direction heads (subclasses implement ``forward``).

    Args:
        in_channels, channels: input feature channels and the channels ``conv_dir`` reads.
        dir_classes: label ids that get a direction field each (default ``(1,)``).
        dropout_ratio: ``Dropout2d`` before ``conv_dir``.
        in_index, input_transform: which backbone outputs to use, as in mmseg.
        loss_decode: one loss config or a list; each is called as
            ``loss(pred, gt, weight=..., ignore_index=...)`` with ``gt`` the class masks
            ``(N, K, 1, H, W)``, or, for a loss with ``needs_direction_labels``, the samples'
            direction labels (:func:`direction_labels`).
        sampler: optional mmseg pixel sampler giving per-pixel weights.
        pre_norm_vectors: unit-normalise vectors before resizing (training and inference).
        post_norm_vectors: unit-normalise vectors after resizing at inference.
        gt_scale_factor: scale of the ground-truth masks the loss compares against (the
            prediction is resized to them).
    """

    def __init__(
        self,
        in_channels: int | Sequence[int],
        channels: int,
        *,
        dir_classes: Sequence[int] | None = None,
        dropout_ratio: float = 0.1,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        act_cfg: dict | None = None,
        in_index: int | Sequence[int] = -1,
        input_transform: str | None = None,
        loss_decode: dict | Sequence[dict] | None = None,
        ignore_index: int = 255,
        sampler: dict | None = None,
        align_corners: bool = False,
        pre_norm_vectors: bool = False,
        post_norm_vectors: bool = False,
        gt_scale_factor: float = 1.0,
        init_cfg: dict | None = None,
    ) -> None:
        if init_cfg is None:
            init_cfg = dict(type="Normal", std=0.01, override=dict(name="conv_dir"))
        super().__init__(init_cfg)
        self.dir_classes = tuple(dir_classes) if dir_classes is not None else (1,)
        if not self.dir_classes:
            raise ValueError("dir_classes must name at least one label id, e.g. [1]")
        self.num_classes = len(self.dir_classes)
        self.out_channels = 2 * self.num_classes
        self.channels = channels
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.act_cfg = act_cfg if act_cfg is not None else dict(type="ReLU")
        self.ignore_index, self.align_corners = ignore_index, align_corners
        self.pre_norm_vectors, self.post_norm_vectors = pre_norm_vectors, post_norm_vectors
        if not gt_scale_factor > 0:
            raise ValueError(f"gt_scale_factor must be > 0, got {gt_scale_factor}")
        self.gt_scale_factor = gt_scale_factor
        self._init_inputs(in_channels, in_index, input_transform)
        self.loss_decode = _build_losses(loss_decode)
        self.sampler = build_pixel_sampler(sampler, context=self) if sampler else None
        self.conv_dir = nn.Conv2d(channels, self.out_channels, kernel_size=1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None

    # ------------------------------------------------------------------ inputs

    def _init_inputs(self, in_channels: Any, in_index: Any, input_transform: str | None) -> None:
        if input_transform not in _INPUT_TRANSFORMS:
            raise ValueError(
                f"input_transform must be one of {_INPUT_TRANSFORMS}, got {input_transform!r}"
            )
        many = input_transform is not None
        for name, value in (("in_channels", in_channels), ("in_index", in_index)):
            if many != isinstance(value, (list, tuple)):
                want = "a list (one per selected input)" if many else "an int"
                raise ValueError(
                    f"with input_transform={input_transform!r}, {name} must be {want}, "
                    f"got {value!r}"
                )
        if many and len(in_channels) != len(in_index):
            raise ValueError(
                f"in_channels {list(in_channels)} and in_index {list(in_index)} differ in length"
            )
        self.input_transform, self.in_index = input_transform, in_index
        self.in_channels = sum(in_channels) if input_transform == "resize_concat" else in_channels

    def _transform_inputs(self, inputs: Sequence[Tensor]) -> Tensor | list[Tensor]:
        if isinstance(inputs, Tensor):  # indexing it would take a sample, not a feature map
            raise TypeError(
                f"{type(self).__name__} takes the backbone's list (or tuple) of feature maps, "
                f"got one tensor of shape {tuple(inputs.shape)}: pass [features]"
            )
        if self.input_transform is None:
            return inputs[self.in_index]
        selected = [inputs[i] for i in self.in_index]
        if self.input_transform == "multiple_select":
            return selected
        size = selected[0].shape[2:]
        return torch.cat(
            [
                F.interpolate(x, size=size, mode="bilinear", align_corners=self.align_corners)
                for x in selected
            ],
            dim=1,
        )

    # ------------------------------------------------------------------ outputs

    def estimate_directions(self, feat: Tensor) -> Tensor:
        """``(N, channels, h, w)`` features -> ``(N, K, 2, h, w)`` vectors."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        out = self.conv_dir(feat)
        n, _, h, w = out.shape
        vectors = out.view(n, self.num_classes, 2, h, w)
        if self.pre_norm_vectors:
            vectors = F.normalize(vectors, dim=2, eps=1e-6)
        return vectors

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        raise NotImplementedError

    def _resize(self, vectors: Tensor, size: Sequence[int]) -> Tensor:
        n, k, _, h, w = vectors.shape
        if (h, w) == tuple(size):
            return vectors
        flat = F.interpolate(
            vectors.reshape(n, 2 * k, h, w),
            size=tuple(size),
            mode="bilinear",
            align_corners=self.align_corners,
        )
        return flat.view(n, k, 2, *flat.shape[-2:])

    def loss(
        self, inputs: Sequence[Tensor], batch_data_samples: Sequence[Any], train_cfg: Any = None
    ) -> dict[str, Tensor]:
        """Forward, then :meth:`loss_by_feat`."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(
        self, dir_vectors: Tensor, batch_data_samples: Sequence[Any]
    ) -> dict[str, Tensor]:
        """Losses of ``(N, K, 2, h, w)`` vectors against the samples' class masks, keyed by
        each loss's ``loss_name`` (equal names are summed). Losses compute in float32, also
        when the forward pass autocasts to a lower precision."""
        with float32_losses(dir_vectors):
            return self._losses(dir_vectors.float(), batch_data_samples)

    def _losses(self, dir_vectors: Tensor, batch_data_samples: Sequence[Any]) -> dict[str, Tensor]:
        targets = direction_targets(batch_data_samples, self.dir_classes, self.gt_scale_factor)
        targets = targets.to(dir_vectors.device)
        vectors = self._resize(dir_vectors, targets.shape[-2:])
        weight = None
        if self.sampler is not None:
            labels = targets.squeeze(2).argmax(1)  # (N, H, W) for the sampler's interface
            weight = self.sampler.sample(vectors.flatten(1, 2), labels.unsqueeze(1))
            weight = weight.view(weight.shape[0], 1, 1, *weight.shape[-2:])
        losses: dict[str, Tensor] = {}
        modules = (
            self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        )
        labels = None
        for module in modules:
            target = targets
            if getattr(module, "needs_direction_labels", False):
                if labels is None:
                    labels = direction_labels(batch_data_samples, targets)
                target = labels
            value = module(vectors, target, weight=weight, ignore_index=self.ignore_index)
            losses[module.loss_name] = losses.get(module.loss_name, 0) + value
        return losses

    def predict(
        self, inputs: Sequence[Tensor], batch_img_metas: Sequence[dict], test_cfg: Any = None
    ) -> Tensor:
        """Forward, then :meth:`predict_by_feat`: ``(N, 2K, H, W)`` vectors."""
        return self.predict_by_feat(self.forward(inputs), batch_img_metas)

    def predict_by_feat(self, dir_vectors: Tensor, batch_img_metas: Sequence[dict]) -> Tensor:
        meta = batch_img_metas[0]
        if isinstance(meta["img_shape"], torch.Size):  # a window of slide inference
            size = meta["img_shape"]
        else:
            size = meta.get("pad_shape", meta["img_shape"])[:2]
        vectors = self._resize(dir_vectors, size)
        if self.post_norm_vectors:
            vectors = F.normalize(vectors, dim=2, eps=1e-6)
        return vectors.flatten(1, 2)
