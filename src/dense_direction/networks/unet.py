"""The UNet direction network for inference, in plain PyTorch (no OpenMMLab).

The same function as an mmseg ``UNet`` backbone (``InterpConv`` upsampling, strides 1, a
2x2 max-pool before every stage but the first) with this project's linear heads
(``LinearSegmentationHead``, ``LinearDirectionHead``, or both under a ``DualDecodeHead``),
evaluated as a trained model is: batch norms folded into the convolutions before them, and
each decoder's 1x1 convolution applied before its bilinear upsampling (bilinear weights sum
to 1 at every output pixel, so a per-pixel affine map commutes with the interpolation: the
same numbers at a quarter of the pixels; the activation stays after).
:mod:`dense_direction.mm.fusion` rewrites an mmseg model the same way.

:meth:`UNetDirectionNetwork.from_state_dict` reads the weights an mmseg model of that shape
saved (keys ``backbone.encoder.{i}...``, ``decode_head.seg_head.conv_seg``,
``decode_head.dir_head.conv_dir``), so a bundled model predicts without importing mmengine,
mmcv or mmseg. Input ``(N, 3, H, W)`` normalised, H and W multiples of ``2**downsamplings``;
output ``(N, C + 2K, H, W)``: C structure logits, then K direction classes' vectors
``(x, y)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dense_direction.networks.fused import ConvReLU

__all__ = ["UNetDirectionNetwork", "UNetSpec"]


@dataclass(frozen=True)
class UNetSpec:
    """What the network needs to know that its weights do not say.

    Attributes:
        enc_dilations: dilation of each encoder stage's later convolutions (the first is 1).
        dec_dilations: the same for each decoder stage (index ``i`` joins stages i, i+1).
        bn_eps: the batch norms' epsilon (``None``: the weights hold no batch norms).
        dir_prefix: the state-dict prefix of the direction head's 1x1 convolution.
        seg_prefix: the same for the segmentation head, ``None`` for direction-only models.
        normalise_vectors: unit-normalise each class's vector (``pre/post_norm_vectors``).
    """

    enc_dilations: tuple[int, ...]
    dec_dilations: tuple[int, ...]
    bn_eps: float | None = 1e-5
    dir_prefix: str = "decode_head.dir_head.conv_dir"
    seg_prefix: str | None = "decode_head.seg_head.conv_seg"
    normalise_vectors: bool = False

    @property
    def num_stages(self) -> int:
        return len(self.enc_dilations)


def _folded(state: Mapping[str, Tensor], prefix: str, eps: float | None) -> nn.Conv2d:
    """The convolution ``<prefix>.conv`` with the batch norm ``<prefix>.bn`` after it folded
    in: ``y = g (conv(x) - mu) / sqrt(var + eps) + b`` is a convolution with weights scaled by
    ``s = g / sqrt(var + eps)`` per output channel and bias ``b - s mu (+ s bias)``."""
    weight = state[f"{prefix}.conv.weight"].float()
    has_bias = f"{prefix}.conv.bias" in state  # mmcv leaves it out before a norm
    bias = state[f"{prefix}.conv.bias"].float() if has_bias else torch.zeros(weight.shape[0])
    if eps is not None and f"{prefix}.bn.weight" in state:
        scale = state[f"{prefix}.bn.weight"].float() / torch.sqrt(
            state[f"{prefix}.bn.running_var"].float() + eps
        )
        bias = state[f"{prefix}.bn.bias"].float() + scale * (
            bias - state[f"{prefix}.bn.running_mean"].float()
        )
        weight = weight * scale[:, None, None, None]
    out, inp, kh, kw = weight.shape
    conv = nn.Conv2d(inp, out, (kh, kw))
    conv.weight.data.copy_(weight)
    conv.bias.data.copy_(bias)
    return conv


def _block(state: Mapping[str, Tensor], prefix: str, dilation: int, eps: float | None) -> nn.Module:
    """mmseg's ``BasicConvBlock`` at ``prefix``: 3x3 convolutions with ReLU, the first with
    dilation 1, the others with ``dilation`` (padding keeps the size); each convolution and
    its ReLU in one pass where oneDNN can (:mod:`dense_direction.networks.fused`)."""
    layers: list[nn.Module] = []
    j = 0
    while f"{prefix}.convs.{j}.conv.weight" in state:
        conv = _folded(state, f"{prefix}.convs.{j}", eps)
        d = 1 if j == 0 else dilation
        conv.dilation, conv.padding = (d, d), (d, d)
        layers.append(ConvReLU(conv))
        j += 1
    if not layers:
        raise KeyError(f"no convolutions under {prefix}.convs in the weights")
    return nn.Sequential(*layers)


class _Up(nn.Module):
    """One decoder stage: 1x1 convolution, 2x bilinear upsampling, ReLU, concatenation after
    the skip connection, then the stage's 3x3 block."""

    def __init__(self, pointwise: nn.Conv2d, block: nn.Module) -> None:
        super().__init__()
        self.pointwise, self.block = pointwise, block

    def forward(self, skip: Tensor, x: Tensor) -> Tensor:
        x = F.interpolate(self.pointwise(x), scale_factor=2, mode="bilinear", align_corners=False)
        return self.block(torch.cat([skip, F.relu(x)], dim=1))


class UNetDirectionNetwork(nn.Module):
    """Folded UNet + linear heads; see the module docstring. Build it with
    :meth:`from_state_dict`."""

    def __init__(
        self,
        encoder: Sequence[nn.Module],
        decoder: Sequence[_Up],
        head: nn.Conv2d,
        seg_channels: int,
        normalise_vectors: bool,
    ) -> None:
        super().__init__()
        self.encoder, self.decoder = nn.ModuleList(encoder), nn.ModuleList(decoder)
        self.head = head
        self.seg_channels = seg_channels
        self.normalise_vectors = normalise_vectors

    @classmethod
    def from_state_dict(cls, spec: UNetSpec, state: Mapping[str, Tensor]) -> UNetDirectionNetwork:
        """The network ``spec`` describes with the weights of an mmseg model's ``state``; a
        ``ValueError`` names the weights missing from ``state`` or left over in it (weights
        of another network)."""
        reads = _Reads(state)
        try:
            network = cls._build(spec, reads)
        except KeyError as err:
            raise ValueError(f"the weights do not fit this network: no {err}") from None
        unused = sorted(k for k in set(state) - reads.seen if not k.endswith("num_batches_tracked"))
        if unused:
            more = "..." if len(unused) > 5 else ""
            raise ValueError(f"the weights do not fit this network: unexpected {unused[:5]}{more}")
        return network

    @classmethod
    def _build(cls, spec: UNetSpec, state: Mapping[str, Tensor]) -> UNetDirectionNetwork:
        eps = spec.bn_eps
        encoder = []
        for i in range(spec.num_stages):
            # Stage 0 is Sequential(block), the others Sequential(MaxPool2d, block).
            index = 1 if i > 0 else 0
            encoder.append(
                _block(state, f"backbone.encoder.{i}.{index}", spec.enc_dilations[i], eps)
            )
        decoder = []
        for i in range(spec.num_stages - 1):
            prefix = f"backbone.decoder.{i}"
            pointwise = _folded(state, f"{prefix}.upsample.interp_upsample.1", eps)
            block = _block(state, f"{prefix}.conv_block", spec.dec_dilations[i], eps)
            decoder.append(_Up(pointwise, block))
        heads = [spec.seg_prefix] if spec.seg_prefix else []
        convs = [_plain_conv(state, p) for p in [*heads, spec.dir_prefix]]
        seg_channels = convs[0].out_channels if spec.seg_prefix else 0
        head = nn.Conv2d(convs[0].in_channels, sum(c.out_channels for c in convs), 1)
        head.weight.data.copy_(torch.cat([c.weight.data for c in convs]))
        head.bias.data.copy_(torch.cat([c.bias.data for c in convs]))
        return cls(encoder, decoder, head, seg_channels, spec.normalise_vectors)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, 3, H, W)`` normalised -> ``(N, C + 2K, H, W)`` (module docstring)."""
        skips = []
        for i, stage in enumerate(self.encoder):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = stage(x)
            skips.append(x)
        for i in reversed(range(len(self.decoder))):
            x = self.decoder[i](skips[i], x)
        out = self.head(x)
        if not self.normalise_vectors:
            return out
        c = self.seg_channels
        n, _, h, w = out.shape
        vectors = F.normalize(out[:, c:].reshape(n, -1, 2, h, w), dim=2, eps=1e-6)
        return torch.cat([out[:, :c], vectors.flatten(1, 2)], dim=1)


class _Reads(dict):
    """A state dict that records which keys were read."""

    def __init__(self, state: Mapping[str, Tensor]) -> None:
        super().__init__(state)
        self.seen: set[str] = set()

    def __getitem__(self, key: str) -> Tensor:
        value = super().__getitem__(key)
        self.seen.add(key)
        return value


def _plain_conv(state: Mapping[str, Tensor], prefix: str) -> nn.Conv2d:
    """The 1x1 convolution ``<prefix>.weight`` / ``.bias`` of a head."""
    weight, bias = state[f"{prefix}.weight"].float(), state[f"{prefix}.bias"].float()
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], 1)
    conv.weight.data.copy_(weight)
    conv.bias.data.copy_(bias)
    return conv
