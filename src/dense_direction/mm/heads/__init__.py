"""Decode heads: direction heads, the DPT decoder block, multiscale and dual wrappers."""

from dense_direction.mm.heads.base import (
    BaseDirectionDecodeHead,
    direction_labels,
    direction_targets,
)
from dense_direction.mm.heads.dpt import DPTDecoderBlock, DPTDirectionHead
from dense_direction.mm.heads.dual import DualDecodeHead
from dense_direction.mm.heads.linear import LinearDirectionHead
from dense_direction.mm.heads.multiscale import DummyDirectionHead, MultiscaleLossDirectionHead
from dense_direction.mm.heads.segmentation import LinearSegmentationHead

__all__ = [
    "BaseDirectionDecodeHead",
    "DPTDecoderBlock",
    "DPTDirectionHead",
    "DualDecodeHead",
    "DummyDirectionHead",
    "LinearDirectionHead",
    "LinearSegmentationHead",
    "MultiscaleLossDirectionHead",
    "direction_labels",
    "direction_targets",
]
