"""LinearDirectionHead: a 1x1 convolution from the selected features (a linear probe)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmcv.cnn import build_norm_layer
from mmseg.registry import MODELS
from torch import Tensor

from dense_direction.mm.heads.base import BaseDirectionDecodeHead

__all__ = ["LinearDirectionHead"]


@MODELS.register_module()
class LinearDirectionHead(BaseDirectionDecodeHead):
    """Selected features (optionally normalised by ``norm_cfg``) -> ``conv_dir``.

    ``channels`` must equal the selected input channels: there is no projection.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.in_channels != self.channels:
            raise ValueError(
                f"LinearDirectionHead reads the features directly: channels ({self.channels}) "
                f"must equal in_channels ({self.in_channels}); set channels={self.in_channels}"
            )
        self.norm = build_norm_layer(self.norm_cfg, self.channels)[1] if self.norm_cfg else None

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        feat = self._transform_inputs(inputs)
        if self.norm is not None:
            feat = self.norm(feat)
        return self.estimate_directions(feat)
