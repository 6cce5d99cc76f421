"""Training on float images with no-data pixels (NaN, inf): the mask cannot say what such a
pixel shows, so its label becomes unknown (mmseg's ignore index) and no loss learns from it."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample
from PIL import Image

from dense_direction.cli._presets import preset_config
from dense_direction.evaluation import angular_error
from dense_direction.mm.runner import load_config
from dense_direction.mm.transforms import IGNORE_INDEX

LOAD = [dict(type="LoadImage"), dict(type="LoadAnnotations"), dict(type="BinarizeAnnotations")]


def _float_image_with_a_hole(tmp_path, hole=np.nan):
    """A 24x32 float TIFF whose rows 4-9, columns 10-19 have no value, and a mask with a
    horizontal line through the hole (row 6) and one outside it (row 18)."""
    values = np.tile(np.linspace(0.0, 1.0, 32, dtype=np.float32), (24, 1))
    values[4:10, 10:20] = hole
    Image.fromarray(values, mode="F").save(tmp_path / "a.tif")
    mask = np.zeros((24, 32), np.uint8)
    mask[6] = mask[18] = 1
    Image.fromarray(mask).save(tmp_path / "a.png")
    return dict(img_path=str(tmp_path / "a.tif"), seg_map_path=str(tmp_path / "a.png"),
                reduce_zero_label=False, seg_fields=[])  # fmt: skip


@pytest.mark.parametrize("hole", [np.nan, np.inf])
def test_no_data_pixels_become_unknown_labels(tmp_path, hole):
    results = _float_image_with_a_hole(tmp_path, hole)
    with pytest.warns(UserWarning, match="60 of 768 pixels.*training does not learn"):
        for step in LOAD:
            results = TRANSFORMS.build(step)(results)
    labels = results["gt_seg_map"]
    expected = np.zeros((24, 32), np.uint8)
    expected[6] = expected[18] = 1  # the mask as drawn ...
    expected[4:10, 10:20] = IGNORE_INDEX  # ... except where the image has no value
    np.testing.assert_array_equal(labels, expected)
    assert "img_no_data" not in results  # consumed: nothing later has to move it


def test_transparent_pixels_become_unknown_labels(tmp_path):
    # The same hole as alpha 0 in an RGBA PNG (over stored black): no loss learns there.
    rgba = np.full((24, 32, 4), 255, np.uint8)
    rgba[4:10, 10:20] = 0
    Image.fromarray(rgba).save(tmp_path / "a_rgba.png")
    results = dict(_float_image_with_a_hole(tmp_path), img_path=str(tmp_path / "a_rgba.png"))
    with pytest.warns(UserWarning, match="60 of 768 pixels.*transparent.*training does not"):
        for step in LOAD:
            results = TRANSFORMS.build(step)(results)
    expected = np.zeros((24, 32), np.uint8)
    expected[6] = expected[18] = 1
    expected[4:10, 10:20] = IGNORE_INDEX
    np.testing.assert_array_equal(results["gt_seg_map"], expected)


def test_integer_images_keep_their_labels(tmp_path):
    Image.fromarray(np.full((8, 8), 7, np.uint8)).save(tmp_path / "a.png")
    mask = np.eye(8, dtype=np.uint8)
    Image.fromarray(mask).save(tmp_path / "m.png")
    results = dict(img_path=str(tmp_path / "a.png"), seg_map_path=str(tmp_path / "m.png"),
                   reduce_zero_label=False, seg_fields=[])  # fmt: skip
    for step in LOAD:
        results = TRANSFORMS.build(step)(results)
    np.testing.assert_array_equal(results["gt_seg_map"], mask)


def test_binarize_after_a_crop_says_where_it_belongs(tmp_path):
    results = _float_image_with_a_hole(tmp_path)
    for step in LOAD[:2]:  # (warns of the hole, as above)
        results = TRANSFORMS.build(step)(results)
    results["gt_seg_map"] = results["gt_seg_map"][:16, :16]
    results["img"] = results["img"][:16, :16]
    with pytest.raises(ValueError, match=r"a\.tif.*no-data map is \(24, 32\).*before any"):
        TRANSFORMS.build(LOAD[2])(results)


def test_the_guided_crop_does_not_aim_at_unknown_labels():
    # One structure pixel at (40, 40); 900 unknown ones in the far corner. Every box must be
    # centred near the structure pixel: aiming at a random non-zero label would pick an
    # unknown one 900 times in 901, and such a 16x16 box cannot reach (40, 40).
    labels = np.zeros((64, 64), np.uint8)
    labels[:30, :30] = IGNORE_INDEX
    labels[40, 40] = 1
    crop = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=16))
    for seed in range(20):
        np.random.seed(seed)
        out = crop(dict(img=np.zeros((64, 64, 3), np.uint8), gt_seg_map=labels.copy(),
                        seg_fields=["gt_seg_map"]))  # fmt: skip
        assert (out["gt_seg_map"] == 1).sum() == 1


def test_no_loss_of_the_default_preset_learns_from_unknown_labels():
    """Every loss of the default preset's heads (segmentation, directional, medial) gives no
    gradient to the features of unknown pixels, and does to the others. The heads are 1x1
    convolutions, so a pixel's features reach only that pixel's terms."""
    cfg = load_config(preset_config("unet"))
    head = MODELS.build(cfg.model.decode_head)
    labels = np.zeros((32, 32), np.uint8)
    labels[8:24, 14:18] = 1  # a vertical band 4 px wide
    labels[12:20, 10:22] = IGNORE_INDEX  # a hole across its middle
    medial = TRANSFORMS.build(dict(type="MaskToMedialDirections", dir_classes=[1]))
    angles = medial(dict(gt_seg_map=labels))["gt_directions"]
    sample = SegDataSample(gt_sem_seg=PixelData(data=torch.from_numpy(labels)[None].long()))
    sample.gt_directions = PixelData(data=torch.from_numpy(angles))
    sample.set_metainfo(dict(img_shape=(32, 32), pad_shape=(32, 32)))
    torch.manual_seed(0)
    features = torch.randn(1, head.seg_head.in_channels, 32, 32, requires_grad=True)
    losses = head.loss([features], [sample], None)
    names = {k.split(".")[-1] for k in losses}
    assert {"loss_ce", "loss_dir", "loss_medial"} <= names, names
    total = sum(v for k, v in losses.items() if k.split(".")[-1].startswith("loss"))
    total.backward()
    grad = features.grad[0].abs().sum(0)
    unknown = torch.from_numpy(labels == IGNORE_INDEX)
    assert grad[unknown].max() == 0
    assert (grad[~unknown] > 0).float().mean() > 0.9  # background and structure both learn


def test_medial_targets_do_not_take_a_hole_for_the_structure_end(tmp_path):
    # A road 9 px wide (rows 20-28) across a 64x64 float image whose columns 40+ have no
    # value. After Binarize the hole is unknown; the medial targets treat it as the image
    # border is treated (no edge), so every target is horizontal and the hole has none.
    # Were it background, the road would end at column 39 and the targets there would turn
    # toward vertical (tests/losses/test_medial.py measures more than 20 deg).
    values = np.full((64, 64), 0.5, np.float32)
    values[:, 40:] = np.nan
    Image.fromarray(values, mode="F").save(tmp_path / "r.tif")
    mask = np.zeros((64, 64), np.uint8)
    mask[20:29] = 1
    Image.fromarray(mask).save(tmp_path / "r.png")
    results = dict(img_path=str(tmp_path / "r.tif"), seg_map_path=str(tmp_path / "r.png"),
                   reduce_zero_label=False, seg_fields=[])  # fmt: skip
    with pytest.warns(UserWarning, match="no value"):
        for step in [*LOAD, dict(type="MaskToMedialDirections")]:
            results = TRANSFORMS.build(step)(results)
    angles = results["gt_directions"][0]
    scored = np.isfinite(angles)
    assert scored.sum() > 100 and not scored[:, 40:].any()
    assert angular_error(angles, np.zeros_like(angles), scored).max() < 1.0  # 0 = 180 deg
