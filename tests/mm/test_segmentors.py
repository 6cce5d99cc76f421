"""Directioner / SegmentoDirectioner: result fields, undoing padding and flips, whole vs
sliding-window inference, and a reference-style config training with a tiny backbone."""

import math

import pytest
import torch
from contract_kit import PREPROCESSOR, TINY_UNET
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn

from dense_direction.directions import angles_to_vectors, angular_difference, vectors_to_angles
from dense_direction.mm.segmentors import _restore
from helpers import REPO_ROOT, line_mask

DIR_HEAD = dict(
    type="LinearDirectionHead",
    in_channels=8,
    channels=8,
    dropout_ratio=0,
    loss_decode=dict(type="EfficientDirectionalLoss", pad=3, div=12),
)
SEG_HEAD = dict(
    type="LinearSegmentationHead",
    in_channels=8,
    channels=8,
    num_classes=1,
    threshold=0.5,
    dropout_ratio=0,
    loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=True),
)


class Pointwise(nn.Module):
    """A backbone whose output at a pixel depends on that pixel's colour only (1x1
    convolutions): sliding windows and whole-image inference then agree exactly when the
    windows are stitched back correctly, and on a random image every pixel differs, so a
    window put at a wrong offset, or overlaps summed instead of averaged, shows."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 1), nn.Tanh(), nn.Conv2d(8, 8, 1))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.conv(x)]


def _pointwise_model(kind: str, decode_head: dict, test_cfg: dict) -> nn.Module:
    model = MODELS.build(
        dict(
            type=kind,
            data_preprocessor=PREPROCESSOR,
            backbone=TINY_UNET,
            decode_head=decode_head,
            test_cfg=test_cfg,
        )
    )
    model.init_weights()
    model.backbone = Pointwise()
    return model.eval()


@torch.no_grad()  # as the test loop runs it
def _infer(model: nn.Module, image: torch.Tensor, sample: SegDataSample) -> SegDataSample:
    return model.test_step(dict(inputs=[image], data_samples=[sample]))[0]


def _image(size: int = 40, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 255, (3, size, size), dtype=torch.uint8, generator=gen)


def _sample(size=40, flip=None):
    sample = SegDataSample(gt_sem_seg=PixelData(data=line_mask(size, 0.5, 3).long()[None]))
    meta = dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size))
    if flip:
        meta.update(flip=True, flip_direction=flip)
    sample.set_metainfo(meta)
    return sample


def test_restore_removes_padding_and_mirrors_vectors():
    # A field of 30 deg on a 6x6 image padded to 8x8 (right and bottom), flipped horizontally
    # at test time: restored, the map is 6x6 again, and the mirror maps 30 deg to 150 deg.
    vectors = angles_to_vectors(torch.full((8, 8), math.radians(30)))  # (2, 8, 8)
    meta = dict(padding_size=[0, 2, 0, 2], flip=True, flip_direction="horizontal", ori_shape=(6, 6))
    restored = _restore(vectors[None], meta, align_corners=False, vector_channels=slice(None))
    assert restored.shape == (2, 6, 6)
    assert torch.allclose(
        vectors_to_angles(restored), torch.full((6, 6), math.radians(150)), atol=1e-5
    )


def test_directioner_results_and_whole_vs_slide():
    torch.manual_seed(0)
    model = _pointwise_model("Directioner", DIR_HEAD, dict(mode="whole"))
    image = _image()
    whole = _infer(model, image, _sample())
    assert whole.estimated_vs.data.shape == (2, 40, 40)
    assert whole.estimated_dirs.data.shape == (1, 40, 40) and whole.dir_classes == [1]
    angles = whole.estimated_dirs.data
    assert torch.all((angles >= 0) & (angles < math.pi))
    # 16x16 windows every 12 px on 40 px: mmseg's grid gives (40 - 16 + 11) // 12 + 1 = 3
    # windows per axis at 0, 12, 24, i.e. 9 windows; rows/columns 12-15 and 24-27 are
    # covered twice (four times where both overlap), every pixel at least once.
    model.test_cfg = type(model.test_cfg)(mode="slide", crop_size=(16, 16), stride=(12, 12))
    slide = _infer(model, image, _sample())
    # The head's vectors are small (weights drawn with std 0.01): compare relatively.
    assert torch.allclose(slide.estimated_vs.data, whole.estimated_vs.data, rtol=1e-4, atol=1e-8)
    # The comparison is not between constants: nearly every pixel has its own vector.
    assert whole.estimated_vs.data.unique().numel() > 0.9 * whole.estimated_vs.data.numel()


def _mirror(angles: torch.Tensor) -> torch.Tensor:
    """A horizontal mirror maps x to -x, so the direction (cos t, sin t) becomes
    (-cos t, sin t) = (cos(pi - t), sin(pi - t)); a vertical one maps (cos t, sin t) to
    (cos t, -sin t) = direction -t, which is pi - t modulo pi as well."""
    return torch.remainder(math.pi - angles, math.pi)


@pytest.mark.parametrize("flip", ["horizontal", "vertical"])
def test_segmento_directioner_undoes_a_test_time_flip(flip):
    """The image is flipped as the test pipeline's RandomFlip would do it, and the meta says
    so: the outputs must come back in the original frame, with mirrored angles."""
    torch.manual_seed(0)
    head = dict(type="DualDecodeHead", seg_head_config=SEG_HEAD, dir_head_config=DIR_HEAD)
    model = _pointwise_model(
        "SegmentoDirectioner", head, dict(mode="slide", crop_size=(24, 24), stride=(16, 16))
    )
    image = _image()
    plain = _infer(model, image, _sample())
    flipped_image = image.flip(-1 if flip == "horizontal" else -2)
    flipped = _infer(model, flipped_image, _sample(flip=flip))
    assert flipped.seg_logits.data.shape == (1, 40, 40)
    assert torch.allclose(flipped.seg_logits.data, plain.seg_logits.data, atol=1e-5)
    assert torch.equal(flipped.pred_sem_seg.data, plain.pred_sem_seg.data)
    # The pointwise model gives the flipped image's pixel the very vector the original pixel
    # got; undoing the flip must move it back and mirror it: theta -> pi - theta.
    expected = _mirror(plain.estimated_dirs.data)
    error = angular_difference(flipped.estimated_dirs.data, expected)
    assert error.max() < 1e-4, f"max {error.max():.3g} rad from pi - theta"
    assert angular_difference(plain.estimated_dirs.data, expected).max() > 0.3  # not trivial


def test_reference_style_dpt_config_trains_with_a_tiny_backbone():
    """The DPT direction head with EfficientDirectionalLoss and radial_line_kernel, as the
    reference project configures it, with a tiny random DINOv2 swapped in for the real one."""
    pytest.importorskip("transformers")
    cfg = Config.fromfile(REPO_ROOT / "configs/dir/dinov2_dpt_concrete_cracks_10k.py")
    model_cfg = cfg.model
    loss = model_cfg.decode_head.loss_decode[0]
    assert (loss.type, loss.kernel_cfg.type, loss.pad, loss.div) == (
        "EfficientDirectionalLoss",
        "radial_line_kernel",
        10,
        180,
    )
    model_cfg.backbone.config = dict(
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=6,
        intermediate_size=96,
        patch_size=14,
        image_size=56,
        num_register_tokens=4,
    )
    model_cfg.decode_head.norm_cfg = dict(type="BN")  # SyncBN needs a process group
    model_cfg.data_preprocessor.size = (56, 56)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(
        dict(
            inputs=[torch.randint(0, 255, (3, 56, 56), dtype=torch.uint8)] * 2,
            data_samples=[_sample(56), _sample(56)],
        ),
        True,
    )
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = model(**data, mode="loss")
    total = sum(losses.values())
    total.backward()
    optimizer.step()
    assert torch.isfinite(total)
    assert not any(p.requires_grad for p in model.backbone.parameters())  # frozen, as configured
