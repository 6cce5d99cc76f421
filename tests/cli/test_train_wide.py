"""`dense-direction train --wide`: how the inside of wide structures is supervised."""

import argparse

import pytest

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.cli import train


def _config(tmp_path, *extra):
    parser = argparse.ArgumentParser()
    train.add_parser(parser)
    args = parser.parse_args(
        ["--images", str(tmp_path), "--masks", str(tmp_path), "--work-dir", str(tmp_path), *extra]
    )
    from dense_direction.mm.runner import load_config

    cfg = load_config(train.config_root() / train.PRESETS[args.model][0], work_dir=tmp_path)
    train.configure_wide(cfg, args.wide)
    return cfg


def _dir_head(cfg):
    head = cfg.model.decode_head
    return head.get("dir_head_config", head)


def _loss_types(head):
    return [loss["type"] for loss in head["loss_decode"]]


@pytest.mark.parametrize("model", ["unet", "unet-dir", "dinov2-dpt"])
def test_default_adds_the_medial_loss_once_to_every_preset(tmp_path, model):
    head = _dir_head(_config(tmp_path, "--model", model))
    types = _loss_types(head)
    assert types.count("MedialDirectionLoss") == 1
    assert types[0] == "EfficientDirectionalLoss"  # the published loss stays first, unchanged


def test_off_keeps_the_published_loss_only(tmp_path):
    assert _loss_types(_dir_head(_config(tmp_path, "--wide", "off"))) == [
        "EfficientDirectionalLoss"
    ]


def test_multiscale_wraps_the_head_with_coarser_ground_truth(tmp_path):
    head = _dir_head(_config(tmp_path, "--wide", "multiscale"))
    assert head["type"] == "MultiscaleLossDirectionHead"
    assert [d["gt_scale_factor"] for d in head["dummy_heads"]] == [0.5, 0.25]
    assert _loss_types(head["real_head"]) == ["EfficientDirectionalLoss"]


@pytest.mark.parametrize("mode", ["medial", "off", "multiscale"])
def test_every_mode_builds_and_computes_its_losses(tmp_path, mode):
    import torch
    from mmengine.registry import init_default_scope
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    init_default_scope("mmseg")
    cfg = _config(tmp_path, "--wide", mode)
    model = MODELS.build(cfg.model)
    label = torch.zeros(1, 64, 64, dtype=torch.long)
    label[:, 20:44, :] = 1  # a band 24 px wide
    sample = SegDataSample(gt_sem_seg=PixelData(data=label))
    sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64), ori_shape=(64, 64)))
    losses = model.loss(torch.randn(1, 3, 64, 64), [sample])
    names = " ".join(losses)
    assert ("loss_medial" in names) == (mode == "medial")
    assert ("dir3." in names) == (mode == "multiscale")
    assert all(torch.isfinite(v).all() for v in losses.values() if torch.is_tensor(v))
