"""DPT decoder block (reassemble + fusion of ViT features) and the DPT direction head."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.dpt_head import FeatureFusionBlock, ReassembleBlocks
from mmseg.registry import MODELS
from torch import Tensor, nn

from dense_direction.mm.heads.base import BaseDirectionDecodeHead

__all__ = ["DPTDecoderBlock", "DPTDirectionHead"]


@MODELS.register_module()
class DPTDecoderBlock(BaseModule):
    """Four ViT feature maps -> one map at 8x their resolution (DPT, Ranftl et al. 2021).

    Inputs are ``(patch_map (N, C, h, w), cls_token (N, C))`` pairs, or bare maps when
    ``readout_type="ignore"``. Usable as a neck (``return_list=True`` returns ``[map]``).
    """

    def __init__(
        self,
        channels: int = 768,
        embed_dims: int = 768,
        post_process_channels: Sequence[int] | None = None,
        readout_type: str = "ignore",
        patch_size: int = 16,
        expand_channels: bool = False,
        act_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        init_cfg: dict | None = None,
        return_list: bool = False,
    ) -> None:
        super().__init__(init_cfg)
        post = list(post_process_channels or (96, 192, 384, 768))
        act_cfg = act_cfg if act_cfg is not None else dict(type="ReLU")
        norm_cfg = norm_cfg if norm_cfg is not None else dict(type="BN")
        self.readout_type, self.return_list = readout_type, return_list
        self.reassemble = ReassembleBlocks(embed_dims, post, readout_type, patch_size)
        widths = [c * int(math.pow(2, i)) if expand_channels else c for i, c in enumerate(post)]
        self.convs = nn.ModuleList(
            ConvModule(c, channels, kernel_size=3, padding=1, act_cfg=None, bias=False)
            for c in widths
        )
        self.fusion_blocks = nn.ModuleList(
            FeatureFusionBlock(channels, act_cfg, norm_cfg) for _ in widths
        )
        self.fusion_blocks[0].res_conv_unit1 = None
        self.project = ConvModule(channels, channels, kernel_size=3, padding=1, norm_cfg=norm_cfg)

    def forward(self, features: Sequence[Any]) -> Tensor | list[Tensor]:
        if len(features) != len(self.convs):
            raise ValueError(
                f"DPTDecoderBlock expects {len(self.convs)} feature levels (one per "
                f"post_process_channels entry), got {len(features)}; check the backbone's "
                f"layers_to_extract / the head's in_index"
            )
        pairs = [f if isinstance(f, (tuple, list)) else (f, None) for f in features]
        if self.readout_type != "ignore" and any(cls is None for _, cls in pairs):
            raise ValueError(
                f"readout_type={self.readout_type!r} needs class tokens: set the backbone's "
                f"return_class_token=True"
            )
        maps = [conv(x) for conv, x in zip(self.convs, self.reassemble(pairs), strict=True)]
        out = self.fusion_blocks[0](maps[-1])
        for i in range(1, len(self.fusion_blocks)):
            out = self.fusion_blocks[i](out, maps[-(i + 1)])
        out = self.project(out)
        return [out] if self.return_list else out


@MODELS.register_module()
class DPTDirectionHead(BaseDirectionDecodeHead):
    """A :class:`DPTDecoderBlock` over four selected ViT levels, then ``conv_dir``.

    Use with ``input_transform="multiple_select"`` and four ``in_index`` entries.
    """

    def __init__(
        self,
        embed_dims: int = 768,
        post_process_channels: Sequence[int] | None = None,
        readout_type: str = "ignore",
        patch_size: int = 16,
        expand_channels: bool = False,
        act_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        dpt_init_cfg: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(act_cfg=act_cfg, **kwargs)
        self.dpt_block = DPTDecoderBlock(
            channels=self.channels,
            embed_dims=embed_dims,
            post_process_channels=post_process_channels,
            readout_type=readout_type,
            patch_size=patch_size,
            expand_channels=expand_channels,
            act_cfg=act_cfg,
            norm_cfg=norm_cfg,
            init_cfg=dpt_init_cfg,
        )

    def forward(self, inputs: Sequence[Any]) -> Tensor:
        return self.estimate_directions(self.dpt_block(self._transform_inputs(inputs)))
