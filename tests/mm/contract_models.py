"""Contracts of the model components: losses, kernels, heads, blocks, backbones, segmentors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from contract_kit import (
    ANGLE,
    SIZE,
    C,
    Context,
    Contract,
    assert_finite_gradients,
    assert_losses,
    samples,
)

from helpers import uniform_field


@dataclass
class LossContract(Contract):
    """Called the way heads call losses (``DummyDirectionHead.loss_by_feat``: masks, or
    direction labels for a loss with ``needs_direction_labels``, and ``ignore_index``): a
    finite scalar whose gradient is finite, non-zero on the structure and exactly zero off
    it (predictions off the structure are never scored), and lower for a field along the
    line than for a random one."""

    def check(self, loss: Any, context: Context) -> None:
        assert loss.loss_name.startswith("loss_"), loss.loss_name
        head = context.registry("model").build(
            dict(type="DummyDirectionHead", loss_decode=dict(self.cfg))
        )
        batch = samples()
        torch.manual_seed(0)
        noise = torch.randn(2, 1, 2, SIZE, SIZE, requires_grad=True)
        value = head.loss_by_feat(noise, batch)[loss.loss_name]
        assert value.ndim == 0 and torch.isfinite(value), value
        value.backward()
        on_line = torch.stack([s.gt_sem_seg.data for s in batch])[:, None].bool()  # (N,1,1,H,W)
        assert torch.isfinite(noise.grad).all()
        assert noise.grad.masked_select(on_line).abs().sum() > 0
        off_line = noise.grad.masked_select(~on_line).abs().max()
        assert off_line == 0, f"gradient {off_line:.3g} off the structure"
        along = uniform_field(ANGLE, (2, 1, SIZE, SIZE))
        aligned = head.loss_by_feat(along, batch)[loss.loss_name]
        assert aligned < value, f"field along the line {aligned:.4g} >= random {value:.4g}"


@dataclass
class KernelContract(Contract):
    """``(div, 2 pad + 1, 2 pad + 1)``, finite, non-negative, each bin summing to 1."""

    registry: str = "function"

    def check(self, kernel: Any, context: Context) -> None:
        pad, div = self.cfg["pad"], self.cfg["div"]
        assert kernel.shape == (div, 2 * pad + 1, 2 * pad + 1)
        assert torch.isfinite(kernel).all() and (kernel >= 0).all()
        sums = kernel.sum(dim=(1, 2)).double()
        assert torch.allclose(sums, torch.ones_like(sums), atol=1e-6), sums


@dataclass
class DirectionHeadContract(Contract):
    """``loss`` on packed samples: finite losses, a gradient for every trainable parameter;
    ``predict``: ``(N, 2K, H, W)`` at the image size."""

    inputs: Any = None  # () -> list of feature tensors

    def check(self, head: Any, context: Context) -> None:
        torch.manual_seed(0)
        if hasattr(head, "init_weights"):
            head.init_weights()
        head.train()
        assert_losses(head.loss(self.inputs(), samples(), None)).backward()
        assert_finite_gradients(head)
        head.eval()
        metas = [dict(img_shape=(SIZE, SIZE))] * 2
        with torch.no_grad():
            out = head.predict(self.inputs(), metas, None)
        outs = out if isinstance(out, tuple) else (out,)  # DualDecodeHead: (seg, dir)
        channels = self.extra.get("channels", (2,))
        assert tuple(o.shape[1] for o in outs) == channels, [o.shape for o in outs]
        for tensor in outs:
            assert tensor.shape[::2] == (2, SIZE) and tensor.shape[3] == SIZE, tensor.shape
            assert torch.isfinite(tensor).all()


@dataclass
class SegmentationHeadContract(DirectionHeadContract):
    """An mmseg decode head: ``loss`` and ``predict`` give ``num_classes`` logit maps."""

    def check(self, head: Any, context: Context) -> None:
        self.extra.setdefault("channels", (self.cfg["num_classes"],))
        super().check(head, context)


@dataclass
class ModuleContract(Contract):
    """A plain module: ``forward`` on ``inputs()`` gives finite features of ``shape``, and a
    gradient reaches every trainable parameter."""

    inputs: Any = None
    shape: tuple = ()

    def check(self, module: Any, context: Context) -> None:
        torch.manual_seed(0)
        module.train()
        out = module(self.inputs())
        first = _first_tensor(out)
        assert tuple(first.shape) == self.shape, first.shape
        assert torch.isfinite(first).all()
        sum(t.float().sum() for t in _tensors(out)).backward()
        assert_finite_gradients(module, skip=self.extra.get("unused", ()))


def _tensors(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for item in out for t in _tensors(item)]


def _first_tensor(out: Any) -> torch.Tensor:
    return _tensors(out)[0]


@dataclass
class SegmentorContract(Contract):
    """``loss`` on a batch trains (finite losses, gradients); ``test_step`` returns samples
    with the direction fields (angles in [0, pi)) and, for joint models, the segmentation."""

    def check(self, model: Any, context: Context) -> None:
        torch.manual_seed(0)
        model.init_weights()
        model.train()
        images = torch.randint(0, 255, (2, 3, SIZE, SIZE)).float()
        assert_losses(model.loss(images, samples())).backward()
        assert_finite_gradients(model)
        model.eval()
        inputs = [torch.randint(0, 255, (3, SIZE, SIZE), dtype=torch.uint8)] * 2
        out = model.test_step(dict(inputs=inputs, data_samples=samples()))
        for sample in out:
            angles = sample.estimated_dirs.data
            assert angles.shape == (1, SIZE, SIZE)
            assert ((angles >= 0) & (angles < math.pi)).all()
            assert sample.estimated_vs.data.shape == (2, SIZE, SIZE)
            for key in self.extra.get("fields", ()):
                assert sample.get(key).data.shape[-2:] == (SIZE, SIZE), key


def feature_maps(n: int = 2, size: int = SIZE // 2) -> list[torch.Tensor]:
    return [torch.randn(n, C, size, size)]


def vit_levels(n: int = 2, size: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Four (patch map, class token) pairs, as a ViT backbone with class tokens returns."""
    return [(torch.randn(n, C, size, size), torch.randn(n, C)) for _ in range(4)]
