"""One contract for every direction head x loss: forward, backward, every trainable parameter
gets a gradient, nothing is NaN. Plus the heads' own behaviour."""

import math
import warnings

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from PIL import Image

from dense_direction.mm.heads import direction_targets
from helpers import line_mask

LOSSES = {
    "directional": dict(type="DirectionalLoss", pad=3, div=12),
    "efficient": dict(
        type="EfficientDirectionalLoss",
        pad=5,
        div=36,
        squish_values=True,
        norm_values=True,
        kernel_cfg=dict(type="radial_line_kernel"),
    ),
    "smoothness": dict(type="SmoothnessLoss"),
    "efficient+medial": [
        dict(type="EfficientDirectionalLoss", pad=3, div=12),
        dict(type="MedialDirectionLoss"),
    ],
    "circular_vm": dict(type="CircularDirectionalLoss", kind="von_mises", pad=3, div=12),
    "efficient+smoothness": [
        dict(type="EfficientDirectionalLoss", pad=3, div=12),
        dict(type="SmoothnessLoss", loss_weight=0.1),
    ],
    "directional+supervised": [
        dict(type="DirectionalLoss", pad=3, div=12),
        dict(type="SupervisedDirectionLoss", kind="von_mises"),
    ],
}
C = 8  # feature channels


def _vit_levels(n=2, size=4):
    return [(torch.randn(n, C, size, size), torch.randn(n, C)) for _ in range(4)]


HEADS = {
    "linear": (
        dict(type="LinearDirectionHead", in_channels=C, channels=C, dropout_ratio=0.1),
        lambda: [torch.randn(2, C, 16, 16)],
    ),
    "linear_norm": (
        dict(
            type="LinearDirectionHead",
            in_channels=C,
            channels=C,
            norm_cfg=dict(type="BN"),
            pre_norm_vectors=True,
        ),
        lambda: [torch.randn(2, C, 16, 16)],
    ),
    "linear_concat": (
        dict(
            type="LinearDirectionHead",
            in_channels=[C, C],
            channels=2 * C,
            in_index=[0, 1],
            input_transform="resize_concat",
        ),
        lambda: [torch.randn(2, C, 16, 16), torch.randn(2, C, 8, 8)],
    ),
    "dpt": (
        dict(
            type="DPTDirectionHead",
            in_channels=[C] * 4,
            channels=C,
            in_index=[0, 1, 2, 3],
            input_transform="multiple_select",
            embed_dims=C,
            post_process_channels=[C, C, C, C],
            readout_type="project",
            patch_size=4,
        ),
        _vit_levels,
    ),
    "multiscale": (
        dict(
            type="MultiscaleLossDirectionHead",
            real_head=dict(type="LinearDirectionHead", in_channels=C, channels=C),
            dummy_heads=[dict(gt_scale_factor=0.75), dict(gt_scale_factor=0.5)],
        ),
        lambda: [torch.randn(2, C, 16, 16)],
    ),
    "dual": (
        dict(
            type="DualDecodeHead",
            seg_head_config=dict(
                type="LinearSegmentationHead", in_channels=C, channels=C, num_classes=2
            ),
            dir_head_config=dict(type="LinearDirectionHead", in_channels=C, channels=C),
        ),
        lambda: [torch.randn(2, C, 16, 16)],
    ),
}


def _samples(n=2, size=32, classes=(1,)):
    samples = []
    for i in range(n):
        labels = torch.zeros(1, size, size, dtype=torch.long)
        for j, c in enumerate(classes):
            labels[0][line_mask(size, 0.4 + i + j, 3).bool()] = c
        sample = SegDataSample(gt_sem_seg=PixelData(data=labels))
        angles = torch.full((1, size, size), (0.4 + i) % math.pi)  # the lines' direction
        sample.set_field(PixelData(data=angles), "gt_directions")
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size)))
        samples.append(sample)
    return samples


def _with_loss(cfg, loss):
    cfg = dict(cfg)
    for key in ("real_head", "dir_head_config"):
        if key in cfg:
            cfg[key] = dict(cfg[key], loss_decode=loss)
            return cfg
    return dict(cfg, loss_decode=loss)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("head", sorted(HEADS))
def test_head_loss_contract(head, loss):
    torch.manual_seed(0)
    cfg, make_inputs = HEADS[head]
    model = MODELS.build(_with_loss(cfg, LOSSES[loss]))
    model.init_weights() if hasattr(model, "init_weights") else None
    model.train()
    losses = model.loss(make_inputs(), _samples())
    assert losses and all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert param.grad is not None, f"{name} got no gradient"
            assert torch.isfinite(param.grad).all(), f"{name} has a non-finite gradient"


def test_targets_are_per_class_masks():
    samples = _samples(classes=(1, 2))
    targets = direction_targets(samples, (2, 1))
    assert targets.shape == (2, 2, 1, 32, 32)
    labels = samples[0].gt_sem_seg.data[0]
    assert torch.equal(targets[0, 0, 0].bool(), labels == 2)
    assert direction_targets(samples, (1,), scale=0.5).shape == (2, 1, 1, 16, 16)


def test_predict_shapes_and_normalisation():
    head = MODELS.build(
        dict(
            type="LinearDirectionHead",
            in_channels=C,
            channels=C,
            dir_classes=[1, 2],
            post_norm_vectors=True,
        )
    )
    out = head.predict([torch.randn(1, C, 8, 8)], [dict(img_shape=(32, 32))])
    assert out.shape == (1, 4, 32, 32)
    norms = out.view(1, 2, 2, 32, 32).norm(dim=2)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-4)
    # One tensor instead of the backbone's list: "not enough values to unpack" before.
    with pytest.raises(TypeError, match=r"list \(or tuple\) of feature maps, got one tensor"):
        head.predict(torch.randn(1, C, 8, 8), [dict(img_shape=(32, 32))])


def test_multiscale_keys_and_dual_keys():
    multi = MODELS.build(HEADS["multiscale"][0])
    keys = multi.loss([torch.randn(2, C, 16, 16)], _samples()).keys()
    assert set(keys) == {"dir1.loss_dir", "dir2.loss_dir", "dir3.loss_dir"}
    dual = MODELS.build(HEADS["dual"][0])
    keys = dual.loss([torch.randn(2, C, 16, 16)], _samples()).keys()
    assert {k.split(".")[0] for k in keys} == {"seg", "dir"}


def test_reference_alias_names_build():
    assert (
        type(
            MODELS.build(dict(type="LinearHead", in_channels=C, channels=C, num_classes=2))
        ).__name__
        == "LinearSegmentationHead"
    )
    dual = MODELS.build(
        dict(
            type="DualDecodeHead",
            seg_head=HEADS["dual"][0]["seg_head_config"],
            dir_head=HEADS["dual"][0]["dir_head_config"],
        )
    )
    assert dual.dir_classes == (1,)


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (
            dict(type="LinearDirectionHead", in_channels=C, channels=4),
            "channels \\(4\\) must equal in_channels \\(8\\); set channels=8",
        ),
        (
            dict(
                type="LinearDirectionHead",
                in_channels=[C, C],
                channels=C,
                in_index=0,
                input_transform="multiple_select",
            ),
            "in_index must be a list",
        ),
        (
            dict(type="LinearDirectionHead", in_channels=C, channels=C, input_transform="concat"),
            "input_transform must be one of",
        ),
        (
            dict(type="LinearDirectionHead", in_channels=C, channels=C, dir_classes=[]),
            "at least one label id",
        ),
        (dict(type="LinearDirectionHed", in_channels=C, channels=C), "not in the"),
    ],
)
def test_bad_head_configs_are_explained(cfg, message):
    with pytest.raises((ValueError, KeyError), match=message):
        MODELS.build(cfg)


def test_dpt_needs_four_levels():
    head = MODELS.build(HEADS["dpt"][0])
    with pytest.raises(ValueError, match="expects 4 feature levels"):
        head.dpt_block(_vit_levels()[:3])


def test_linear_head_learns_a_direction():
    # A tiny end-to-end check that the loss trains the head: constant features, one line.
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type="LinearDirectionHead",
            in_channels=C,
            channels=C,
            dropout_ratio=0,
            loss_decode=LOSSES["efficient"],
        )
    )
    features = [torch.ones(2, C, 32, 32)]
    samples = _samples()
    samples[1] = samples[0]  # both images hold the same line at 0.4 rad
    optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        head.loss(features, samples)["loss_dir"].backward()
        optimizer.step()
    vectors = head(features)[0, 0, :, 16, 16].detach()
    angle = (math.atan2(vectors[1], vectors[0]) + math.pi) / 2 % math.pi
    assert abs(angle - 0.4) < math.radians(3)


def test_visualizer_draws_direction_panels(tmp_path):
    from mmseg.registry import VISUALIZERS

    vis = VISUALIZERS.build(
        dict(type="SegDirLocalVisualizer", name="dd_vis_test", save_dir=str(tmp_path))
    )
    vis.set_dataset_meta(classes=("background", "structure"), palette=[[0, 0, 0], [255, 255, 255]])
    sample = _samples(n=1)[0]
    sample.estimated_dirs = PixelData(data=torch.full((1, 32, 32), 0.4))
    sample.set_metainfo(dict(dir_classes=[1]))
    out = tmp_path / "vis.png"
    vis.add_datasample("x", np.zeros((32, 32, 3), np.uint8), sample, out_file=str(out))
    drawn = np.asarray(Image.open(out))
    assert drawn.shape == (32, 64, 3)  # ground-truth panel + one direction panel


def test_supervised_loss_in_a_head_learns_from_direction_labels():
    """The head passes gt_directions (NaN off the structure) to a loss that needs labels, not
    the masks; without labels in the samples the error says how to load them."""
    from dense_direction.mm.heads import direction_labels

    samples = _samples()
    masks = direction_targets(samples, (1,))
    labels = direction_labels(samples, masks)
    assert labels.shape == (2, 1, 32, 32)
    assert torch.isnan(labels[masks.squeeze(2) == 0]).all()
    assert torch.allclose(labels[0][masks[0, :, 0] == 1], torch.tensor(0.4))
    head = MODELS.build(
        dict(
            type="DummyDirectionHead",
            loss_decode=dict(type="SupervisedDirectionLoss", loss_name="loss_sup"),
        )
    )
    truth = torch.tensor([-math.cos(0.8), -math.sin(0.8)]).view(1, 1, 2, 1, 1)
    aligned = truth.expand(2, 1, 2, 32, 32).clone()
    aligned[1] = torch.tensor([-math.cos(2.8), -math.sin(2.8)]).view(1, 2, 1, 1)
    assert head.loss_by_feat(aligned, samples)["loss_sup"] < 1e-6
    assert head.loss_by_feat(-aligned, samples)["loss_sup"] > 0.99
    for sample in samples:
        del sample.gt_directions
    with pytest.raises(ValueError, match=r"learns from direction labels.*LoadDirectionAnnotations"):
        head.loss_by_feat(aligned, samples)


def test_segmentation_head_builds_without_mmseg_default_note():
    """mmseg's CrossEntropyLoss warns about `avg_non_ignore` at every construction; the head
    silences that one note (it printed on every `predict`) and nothing else."""
    cfg = dict(type="LinearSegmentationHead", in_channels=C, channels=C, num_classes=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MODELS.build(cfg)
        warnings.warn("a later warning still shows", UserWarning, stacklevel=1)
    messages = [str(w.message) for w in caught]
    assert not any("avg_non_ignore" in m for m in messages), messages
    assert "a later warning still shows" in messages
