"""Directioner / SegmentoDirectioner: result fields, undoing padding and flips, whole vs
sliding-window inference, and a reference-style config training with a tiny backbone."""

import math

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from dense_direction.directions import angles_to_vectors, vectors_to_angles
from dense_direction.mm.segmentors import _restore
from helpers import REPO_ROOT, line_mask

UNET = dict(
    type="UNet",
    in_channels=3,
    base_channels=8,
    num_stages=3,
    strides=(1, 1, 1),
    enc_num_convs=(1, 1, 1),
    dec_num_convs=(1, 1),
    downsamples=(True, True),
    enc_dilations=(1, 1, 1),
    dec_dilations=(1, 1),
    norm_cfg=dict(type="BN"),
    upsample_cfg=dict(type="InterpConv"),
)
PRE = dict(
    type="SegDataPreProcessor",
    mean=[0, 0, 0],
    std=[255, 255, 255],
    size_divisor=8,
    test_cfg=dict(size_divisor=8),
)
DIR_HEAD = dict(
    type="LinearDirectionHead",
    in_channels=8,
    channels=8,
    dropout_ratio=0,
    loss_decode=dict(type="EfficientDirectionalLoss", pad=3, div=12),
)


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
    model = MODELS.build(
        dict(
            type="Directioner",
            data_preprocessor=PRE,
            backbone=UNET,
            decode_head=DIR_HEAD,
            test_cfg=dict(mode="whole"),
        )
    )
    model.init_weights()
    model.eval()
    image = [torch.randint(0, 255, (3, 40, 40), dtype=torch.uint8)]
    whole = model.test_step(dict(inputs=image, data_samples=[_sample()]))[0]
    assert whole.estimated_vs.data.shape == (2, 40, 40)
    assert whole.estimated_dirs.data.shape == (1, 40, 40) and whole.dir_classes == [1]
    angles = whole.estimated_dirs.data
    assert torch.all((angles >= 0) & (angles < math.pi))
    model.test_cfg = type(model.test_cfg)(mode="slide", crop_size=(40, 40), stride=(40, 40))
    slide = model.test_step(dict(inputs=image, data_samples=[_sample()]))[0]
    assert torch.allclose(slide.estimated_vs.data, whole.estimated_vs.data, atol=1e-5)


def test_segmento_directioner_writes_segmentation_and_directions():
    model = MODELS.build(
        dict(
            type="SegmentoDirectioner",
            data_preprocessor=PRE,
            backbone=UNET,
            decode_head=dict(
                type="DualDecodeHead",
                seg_head_config=dict(
                    type="LinearSegmentationHead",
                    in_channels=8,
                    channels=8,
                    num_classes=1,
                    threshold=0.5,
                    loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=True),
                ),
                dir_head_config=DIR_HEAD,
            ),
            test_cfg=dict(mode="slide", crop_size=(24, 24), stride=(16, 16)),
        )
    )
    model.init_weights()
    model.eval()
    out = model.test_step(
        dict(
            inputs=[torch.randint(0, 255, (3, 40, 40), dtype=torch.uint8)],
            data_samples=[_sample(flip="vertical")],
        )
    )[0]
    assert out.seg_logits.data.shape == (1, 40, 40) and out.pred_sem_seg.data.shape == (1, 40, 40)
    assert set(out.pred_sem_seg.data.unique().tolist()) <= {0.0, 1.0}
    assert out.estimated_dirs.data.shape == (1, 40, 40)


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
