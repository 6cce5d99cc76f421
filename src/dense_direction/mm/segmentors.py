"""Directioner (direction only) and SegmentoDirectioner (segmentation + direction).

Both are mmseg ``EncoderDecoder`` models: whole or sliding-window inference (``test_cfg``:
``mode="whole"|"slide"``, ``crop_size``, ``stride``), then per image the padding is removed,
a test-time flip is undone and the result is resized to the original image. Results are
written to each data sample as:

* ``estimated_vs``: ``PixelData (2K, H, W)`` direction vectors ``[x_0, y_0, x_1, ...]``;
* ``estimated_dirs``: ``PixelData (K, H, W)`` angles in ``[0, pi)`` (y up);
* ``dir_classes``: the label ids of the K direction classes;
* and for SegmentoDirectioner also ``seg_logits`` ``(C, H, W)`` and ``pred_sem_seg``
  ``(1, H, W)`` (sigmoid > threshold for one class, argmax otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from dense_direction.directions import vectors_to_angles

__all__ = ["Directioner", "SegmentoDirectioner", "whole_outputs"]


def _restore(
    maps: Tensor, meta: dict, align_corners: bool, vector_channels: slice | None
) -> Tensor:
    """One image's ``(1, C, H, W)`` output back to the original image: remove padding, undo a
    flip, resize to ``ori_shape``. Channels in ``vector_channels`` are (x, y) pairs: a mirror
    maps theta to pi - theta, i.e. (x, y) to (x, -y)."""
    _, _, h, w = maps.shape
    left, right, top, bottom = meta.get("img_padding_size", meta.get("padding_size", [0] * 4))
    maps = maps[:, :, top : h - bottom, left : w - right]
    if meta.get("flip"):
        direction = meta.get("flip_direction")
        if direction not in ("horizontal", "vertical"):
            raise ValueError(f"cannot undo flip_direction {direction!r} (horizontal or vertical)")
        maps = maps.flip(dims=(3,) if direction == "horizontal" else (2,))
        if vector_channels is not None:
            maps = maps.clone()
            maps[:, vector_channels][:, 1::2] *= -1  # the y components (a view, in place)
    size = tuple(meta["ori_shape"][:2])
    if tuple(maps.shape[-2:]) != size:
        maps = F.interpolate(maps, size=size, mode="bilinear", align_corners=align_corners)
    return maps[0]


def _set_directions(sample: SegDataSample, vectors: Tensor, dir_classes: Sequence[int]) -> None:
    k = len(dir_classes)
    angles = vectors_to_angles(vectors.view(k, 2, *vectors.shape[-2:]), dim=1)
    sample.set_data(
        {"estimated_vs": PixelData(data=vectors), "estimated_dirs": PixelData(data=angles)}
    )
    sample.set_field(list(dir_classes), "dir_classes", field_type="metainfo")


def whole_outputs(model: EncoderDecoder, inputs: Tensor) -> Tensor:
    """``model.encode_decode`` of ``(N, 3, H, W)`` inputs that are each a whole image (nothing
    padded, nothing to resize back): the raw ``(N, C, H, W)`` outputs, C as ``out_channels``."""
    shape = tuple(inputs.shape[-2:])
    meta = dict(img_shape=shape, pad_shape=shape, ori_shape=shape)
    return model.encode_decode(inputs, [meta] * inputs.shape[0])


@MODELS.register_module()
class Directioner(EncoderDecoder):
    """Backbone (+ neck) + direction head; predicts a direction field per direction class.

    Constructor arguments are mmseg ``EncoderDecoder``'s.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # mmseg reads test_cfg by attribute; accept plain dicts too (models built in code).
        self.test_cfg = ConfigDict(self.test_cfg or dict(mode="whole"))

    def _init_decode_head(self, decode_head: dict) -> None:
        super()._init_decode_head(decode_head)
        self.out_channels = 2 * len(self.decode_head.dir_classes)

    @property
    def dir_classes(self) -> tuple[int, ...]:
        return tuple(self.decode_head.dir_classes)

    def postprocess_result(self, vectors: Tensor, data_samples: list | None = None) -> list:
        samples = data_samples or [SegDataSample() for _ in range(vectors.shape[0])]
        for i, sample in enumerate(samples):
            restored = (
                vectors[i]
                if data_samples is None
                else _restore(vectors[i : i + 1], sample.metainfo, self.align_corners, slice(None))
            )
            _set_directions(sample, restored, self.dir_classes)
        return samples


@MODELS.register_module()
class SegmentoDirectioner(Directioner):
    """Backbone (+ neck) + :class:`DualDecodeHead`: segmentation and direction together.

    Internally the two outputs travel as one tensor (C segmentation channels, then 2K vector
    channels), so mmseg's whole and sliding-window inference apply unchanged.
    """

    def _init_decode_head(self, decode_head: dict) -> None:
        super()._init_decode_head(decode_head)
        head = self.decode_head
        if not hasattr(head, "seg_head"):
            raise ValueError("SegmentoDirectioner needs a DualDecodeHead as decode_head")
        self.num_seg_channels = head.seg_head.out_channels
        self.out_channels = self.num_seg_channels + 2 * len(head.dir_classes)

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        seg_logits, vectors = self.decode_head.predict(
            self.extract_feat(inputs), batch_img_metas, self.test_cfg
        )
        return torch.cat((seg_logits, vectors), dim=1)

    def postprocess_result(self, outputs: Tensor, data_samples: list | None = None) -> list:
        c = self.num_seg_channels
        samples = data_samples or [SegDataSample() for _ in range(outputs.shape[0])]
        for i, sample in enumerate(samples):
            restored = (
                outputs[i]
                if data_samples is None
                else _restore(
                    outputs[i : i + 1], sample.metainfo, self.align_corners, slice(c, None)
                )
            )
            logits, vectors = restored[:c], restored[c:]
            if c == 1:
                logits = logits.sigmoid()
                labels = (logits > self.decode_head.threshold).to(logits)
            else:
                labels = logits.argmax(dim=0, keepdim=True)
            sample.set_data(
                {"seg_logits": PixelData(data=logits), "pred_sem_seg": PixelData(data=labels)}
            )
            _set_directions(sample, vectors, self.dir_classes)
        return samples

    def aug_test(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("SegmentoDirectioner has no test-time augmentation")
