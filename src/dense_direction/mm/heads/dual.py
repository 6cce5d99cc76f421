"""DualDecodeHead: a segmentation head and a direction head on the same features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmseg.registry import MODELS
from torch import Tensor, nn

__all__ = ["DualDecodeHead"]


@MODELS.register_module()
class DualDecodeHead(nn.Module):
    """Runs ``seg_head_config`` and ``dir_head_config`` (``seg_head`` / ``dir_head`` are
    accepted as aliases, as some reference configs use them). ``forward`` returns
    ``(seg_logits, dir_vectors)``; losses are keyed ``seg.<name>`` and ``dir.<name>``."""

    def __init__(
        self,
        seg_head_config: dict | None = None,
        dir_head_config: dict | None = None,
        *,
        seg_head: dict | None = None,
        dir_head: dict | None = None,
    ) -> None:
        super().__init__()
        seg_cfg, dir_cfg = seg_head_config or seg_head, dir_head_config or dir_head
        if seg_cfg is None or dir_cfg is None:
            raise ValueError("DualDecodeHead needs both seg_head_config and dir_head_config")
        self.seg_head, self.dir_head = MODELS.build(seg_cfg), MODELS.build(dir_cfg)
        self.align_corners = self.seg_head.align_corners
        self.num_classes, self.out_channels = self.seg_head.num_classes, self.seg_head.out_channels
        self.threshold = getattr(self.seg_head, "threshold", None) or 0.5
        self.dir_classes = self.dir_head.dir_classes

    def forward(self, inputs: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
        return self.seg_head(inputs), self.dir_head(inputs)

    def loss(
        self, inputs: Sequence[Tensor], batch_data_samples: Sequence[Any], train_cfg: Any = None
    ) -> dict[str, Tensor]:
        losses = {
            f"seg.{k}": v
            for k, v in self.seg_head.loss(inputs, batch_data_samples, train_cfg).items()
        }
        losses.update(
            {
                f"dir.{k}": v
                for k, v in self.dir_head.loss(inputs, batch_data_samples, train_cfg).items()
            }
        )
        return losses

    def predict(
        self, inputs: Sequence[Tensor], batch_img_metas: Sequence[dict], test_cfg: Any = None
    ) -> tuple[Tensor, Tensor]:
        return (
            self.seg_head.predict(inputs, batch_img_metas, test_cfg),
            self.dir_head.predict(inputs, batch_img_metas, test_cfg),
        )
