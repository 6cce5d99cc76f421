"""LinearSegmentationHead: mmseg's segmentation head with a 1x1 classifier on the features."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from mmcv.cnn import build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from dense_direction.mm.precision import float32_losses

__all__ = ["LinearSegmentationHead"]


@MODELS.register_module()
@MODELS.register_module(name="LinearHead")  # the reference project's name for it
class LinearSegmentationHead(BaseDecodeHead):
    """Selected features (optionally normalised) -> ``cls_seg``; ``channels`` must equal the
    selected input channels."""

    def __init__(self, **kwargs: Any) -> None:
        # mmseg's CrossEntropyLoss warns on every construction that `avg_non_ignore` defaults
        # to False. Our configs keep the reference's setting on purpose, so the note would only
        # print on every `predict` and `train`; other warnings still show.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Default ``avg_non_ignore`` is False")
            super().__init__(**kwargs)
        if self.in_channels != self.channels:
            raise ValueError(
                f"LinearSegmentationHead reads the features directly: channels "
                f"({self.channels}) must equal in_channels ({self.in_channels})"
            )
        self.norm = build_norm_layer(self.norm_cfg, self.channels)[1] if self.norm_cfg else None

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        feat = self._transform_inputs(inputs)
        if self.norm is not None:
            feat = self.norm(feat)
        return self.cls_seg(feat)

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: Sequence[Any]) -> dict:
        """mmseg's losses, in float32 also when the forward pass autocasts."""
        with float32_losses(seg_logits):
            return super().loss_by_feat(seg_logits.float(), batch_data_samples)
