"""Tiny stand-ins for the DINO backbones, so tests download nothing: Hugging Face configs of
a 4-layer, 16-wide ViT, and a torch.hub repository whose models are one patch convolution."""

from __future__ import annotations

from pathlib import Path

TINY = dict(hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=32)
TINY_V2 = dict(TINY, patch_size=14, image_size=56)
TINY_V3 = dict(TINY, patch_size=16, num_register_tokens=4)

HUBCONF = """
import torch
from torch import nn


class TinyViT(nn.Module):
    def __init__(self, patch):
        super().__init__()
        self.patch = patch
        self.embed = nn.Conv2d(3, 8, patch, patch)

    def get_intermediate_layers(self, x, n, reshape, return_class_token, norm):
        feats = self.embed(x)
        layers = range(n) if isinstance(n, int) else n
        outs = [feats if reshape else feats.flatten(2).transpose(1, 2) for _ in layers]
        if return_class_token:
            outs = [(o, feats.mean((2, 3))) for o in outs]
        return tuple(outs)


def dinov2_vits14_reg(pretrained=True):
    return TinyViT(14)


def dinov3_vits16(pretrained=False):
    return TinyViT(16)
"""


def write_hub(folder: Path) -> Path:
    """A local torch.hub repository (``hubconf.py``) in ``folder``."""
    (folder / "hubconf.py").write_text(HUBCONF)
    return folder
