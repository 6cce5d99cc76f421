"""`dense-direction train --wide`: how the inside of wide structures is supervised."""

import argparse
import math

import numpy as np
import pytest

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.cli import train
from dense_direction.cli._presets import preset_config


def _config(tmp_path, *extra):
    parser = argparse.ArgumentParser()
    train.add_parser(parser)
    args = parser.parse_args(
        ["--images", str(tmp_path), "--masks", str(tmp_path), "--work-dir", str(tmp_path), *extra]
    )
    from dense_direction.mm.runner import load_config

    cfg = load_config(preset_config(args.model), work_dir=tmp_path)
    train.configure_wide(cfg, args.wide)
    return cfg


def _dir_head(cfg):
    head = cfg.model.decode_head
    return head.get("dir_head_config", head)


def _loss_types(head):
    return [loss["type"] for loss in head["loss_decode"]]


def _steps(cfg):
    return [step["type"] for step in cfg.train_pipeline]


@pytest.mark.parametrize("model", ["unet", "unet-dir", "dinov2-dpt"])
def test_default_adds_medial_targets_and_their_loss_once_to_every_preset(tmp_path, model):
    cfg = _config(tmp_path, "--model", model)
    head = _dir_head(cfg)
    assert [x.get("loss_name") for x in head["loss_decode"]].count("loss_medial") == 1
    assert _loss_types(head)[0] == "EfficientDirectionalLoss"  # the published loss, unchanged
    steps = _steps(cfg)
    # Targets from the whole mask: after the flip (which does not mirror angles), before the
    # crop; packed for the head.
    assert steps.count("MaskToMedialDirections") == 1
    assert steps.index("RandomFlip") < steps.index("MaskToMedialDirections")
    # right after the crop, which records the mask around it for the targets
    assert steps.index("MaskToMedialDirections") == steps.index("MaskGuidedRandomCrop") + 1
    pack = cfg.train_pipeline[-1]
    assert pack["type"] == "PackCustomInputs" and "gt_directions" in pack["additional_data_keys"]


def test_off_keeps_the_published_loss_and_pipeline_only(tmp_path):
    cfg = _config(tmp_path, "--wide", "off")
    assert _loss_types(_dir_head(cfg)) == ["EfficientDirectionalLoss"]
    assert "MaskToMedialDirections" not in _steps(cfg)
    assert cfg.train_pipeline[-1]["type"] == "PackSegInputs"


def test_multiscale_wraps_the_head_with_coarser_ground_truth(tmp_path):
    cfg = _config(tmp_path, "--wide", "multiscale")
    head = _dir_head(cfg)
    assert head["type"] == "MultiscaleLossDirectionHead"
    assert [d["gt_scale_factor"] for d in head["dummy_heads"]] == [0.5, 0.25]
    assert _loss_types(head["real_head"]) == ["EfficientDirectionalLoss"]
    assert "MaskToMedialDirections" not in _steps(cfg)


@pytest.mark.parametrize("mode", ["medial", "off", "multiscale"])
def test_every_mode_builds_and_computes_its_losses(tmp_path, mode):
    import torch
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    init_default_scope("mmseg")
    cfg = _config(tmp_path, "--wide", mode)
    model = MODELS.build(cfg.model)
    label = np.zeros((96, 96), np.uint8)
    label[30:66, :] = 1  # a horizontal band 36 px wide
    steps = [s for s in cfg.train_pipeline if not s["type"].startswith("Load")]
    steps = [dict(s, crop_size=(64, 64)) if "crop_size" in s else s for s in steps]
    steps = [s for s in steps if s["type"] != "PhotoMetricDistortion"]
    image = np.full((96, 96, 3), 128, np.uint8)
    packed = Compose(steps)(
        dict(img=image, gt_seg_map=label, seg_fields=["gt_seg_map"], img_path="band.png",
             seg_map_path="band.png", img_shape=(96, 96), ori_shape=(96, 96))
    )  # fmt: skip
    sample = packed["data_samples"]
    if mode == "medial":
        targets = sample.gt_directions.data
        inside = sample.gt_sem_seg.data == 1
        # The crop's border keeps the whole image's targets; a horizontal band is 0 (or pi
        # after nothing: the flip mirrors 0 to 0).
        finite = torch.isfinite(targets)
        assert finite.any() and torch.all(finite <= inside)
        assert torch.all(torch.minimum(targets[finite], math.pi - targets[finite]) < 0.02)
    losses = model.loss(packed["inputs"][None].float(), [sample])
    names = " ".join(losses)
    assert ("loss_medial" in names) == (mode == "medial")
    assert ("dir3." in names) == (mode == "multiscale")
    assert all(torch.isfinite(v).all() for v in losses.values() if torch.is_tensor(v))
