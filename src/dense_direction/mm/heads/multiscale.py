"""A direction loss at several ground-truth scales: one real head plus dummy heads that only
compute losses on the real head's output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmseg.registry import MODELS
from torch import Tensor, nn

from dense_direction.mm.heads.base import BaseDirectionDecodeHead

__all__ = ["DummyDirectionHead", "MultiscaleLossDirectionHead"]


@MODELS.register_module()
class DummyDirectionHead(BaseDirectionDecodeHead):
    """No layers: passes ``(N, K, 2, h, w)`` vectors through; used for its losses at its own
    ``gt_scale_factor``. Arguments other than the loss settings are accepted and ignored, so
    a real head's config can be reused."""

    def __init__(
        self,
        dir_classes: Sequence[int] | None = None,
        loss_decode: Any = None,
        ignore_index: int = 255,
        align_corners: bool = False,
        pre_norm_vectors: bool = False,
        post_norm_vectors: bool = False,
        gt_scale_factor: float = 1.0,
        **_real_head_arguments: Any,
    ) -> None:
        k = len(dir_classes) if dir_classes is not None else 1
        super().__init__(
            2 * k,
            2 * k,
            dir_classes=dir_classes,
            dropout_ratio=0,
            loss_decode=loss_decode,
            ignore_index=ignore_index,
            align_corners=align_corners,
            pre_norm_vectors=pre_norm_vectors,
            post_norm_vectors=post_norm_vectors,
            gt_scale_factor=gt_scale_factor,
            init_cfg={},
        )
        del self.conv_dir  # nothing to learn

    def forward(self, inputs: Tensor) -> Tensor:
        if inputs.dim() != 5 or inputs.shape[1] != self.num_classes or inputs.shape[2] != 2:
            raise ValueError(
                f"DummyDirectionHead takes (N, {self.num_classes}, 2, H, W) vectors, got "
                f"{tuple(inputs.shape)}"
            )
        return inputs


@MODELS.register_module()
class MultiscaleLossDirectionHead(nn.Module):
    """``real_head`` predicts; every head in ``dummy_heads`` adds its losses on the same
    prediction at its own ``gt_scale_factor``. Each dummy config is the real head's config with
    its own entries on top (e.g. ``dict(gt_scale_factor=0.5)``). Loss keys: ``dir1.<name>`` for
    the real head, ``dir2.<name>``, ... for the dummies."""

    def __init__(self, real_head: dict, dummy_heads: dict | Sequence[dict]) -> None:
        super().__init__()
        self.real_head = MODELS.build(real_head)
        dummies = [dummy_heads] if isinstance(dummy_heads, dict) else list(dummy_heads)
        self.dummy_heads = nn.ModuleList(
            MODELS.build({**real_head, **d, "type": "DummyDirectionHead"}) for d in dummies
        )
        self.align_corners = self.real_head.align_corners
        self.num_classes, self.out_channels = (
            self.real_head.num_classes,
            self.real_head.out_channels,
        )
        self.dir_classes = self.real_head.dir_classes

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        return self.real_head(inputs)

    def loss(
        self, inputs: Sequence[Tensor], batch_data_samples: Sequence[Any], train_cfg: Any = None
    ) -> dict[str, Tensor]:
        vectors = self.real_head(inputs)
        losses = {}
        for i, head in enumerate([self.real_head, *self.dummy_heads], start=1):
            for name, value in head.loss_by_feat(vectors, batch_data_samples).items():
                losses[f"dir{i}.{name}"] = value
        return losses

    def predict(
        self, inputs: Sequence[Tensor], batch_img_metas: Sequence[dict], test_cfg: Any = None
    ) -> Tensor:
        return self.real_head.predict(inputs, batch_img_metas, test_cfg)
