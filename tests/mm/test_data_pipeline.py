"""Datasets and transforms through mmseg's registries, on generated data."""

import zipfile

import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS, TRANSFORMS
from PIL import Image
from tools_ottawa import convert

from dense_direction.synthetic.dataset import write_dataset

EVAL_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadAnnotations"),
    dict(type="BinarizeAnnotations"),
    dict(type="LoadDirectionAnnotations", required=["centerline", "direction"]),
    dict(
        type="PackCustomInputs",
        additional_data_keys=("gt_directions", "gt_centerline", "gt_crossings"),
    ),
]
TRAIN_PIPELINE = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadAnnotations"),
    dict(type="BinarizeAnnotations"),
    dict(type="MaskGuidedRandomCrop", crop_size=32, min_ratio=0.02, max_ratio=0.5),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PackSegInputs"),
]


def test_synthetic_dataset_splits_and_extra_paths(synth_root):
    sizes = {
        p: len(
            DATASETS.build(dict(type="SyntheticLinesDataset", data_root=str(synth_root), phase=p))
        )
        for p in ("train", "val", "test")
    }
    assert sizes == {"train": 6, "val": 2, "test": 2}
    info = DATASETS.build(
        dict(type="SyntheticLinesDataset", data_root=str(synth_root), phase="val")
    ).get_data_info(0)
    assert info["direction_path"].endswith("directions/val/00006.npy")
    assert info["centerline_path"].endswith("centerlines/val/00006.png")


def test_evaluation_pipeline_packs_direction_ground_truth(synth_root):
    dataset = DATASETS.build(
        dict(
            type="SyntheticLinesDataset",
            data_root=str(synth_root),
            phase="test",
            pipeline=EVAL_PIPELINE,
        )
    )
    packed = dataset[0]
    sample = packed["data_samples"]
    assert packed["inputs"].shape == (3, 64, 64)
    assert sample.gt_sem_seg.data.shape == (1, 64, 64)
    assert set(sample.gt_sem_seg.data.unique().tolist()) <= {0, 1}
    dirs = sample.gt_directions.data
    assert dirs.shape == (1, 64, 64) and dirs.dtype == torch.float32
    mask = sample.gt_sem_seg.data.bool()
    assert torch.isfinite(dirs[mask]).all() and torch.isnan(dirs[~mask]).all()
    assert (sample.gt_centerline.data.bool() <= mask).all()


def test_training_pipeline_crops_around_structure(synth_root):
    dataset = DATASETS.build(
        dict(
            type="SyntheticLinesDataset",
            data_root=str(synth_root),
            phase="train",
            pipeline=TRAIN_PIPELINE,
        )
    )
    for index in range(len(dataset)):
        sample = dataset[index]["data_samples"]
        assert sample.gt_sem_seg.data.shape == (1, 32, 32)
        assert sample.gt_sem_seg.data.sum() > 0


def test_crop_moves_every_dense_key_together():
    rng = np.random.default_rng(0)
    results = dict(
        img=rng.random((40, 40, 3)),
        gt_seg_map=np.zeros((40, 40), np.uint8),
        gt_centerline=np.zeros((40, 40), np.uint8),
        seg_fields=["gt_seg_map", "gt_centerline"],
        gt_directions=np.arange(2 * 40 * 40, dtype=np.float32).reshape(2, 40, 40),
    )
    results["gt_seg_map"][30, 10] = results["gt_centerline"][30, 10] = 1
    out = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=(10, 12)))(results)
    # Centred on (30, 10): box top 25, left 4.
    assert out["img_shape"] == (10, 12)
    assert out["gt_seg_map"][5, 6] == 1 and out["gt_centerline"][5, 6] == 1
    assert out["gt_directions"].shape == (2, 10, 12)
    assert out["gt_directions"][1, 0, 0] == 40 * 40 + 25 * 40 + 4


def test_crop_error_names_the_file():
    results = dict(
        img=np.zeros((20, 20, 3)), gt_seg_map=np.ones((20, 20), np.uint8), img_path="data/tiny.png"
    )
    with pytest.raises(
        ValueError, match=r"data/tiny.png: image 20x20 \(WxH\) is smaller than the crop"
    ):
        TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=32))(results)


def test_binarize_transform_and_centerline_to_directions():
    labels = np.zeros((21, 21), np.uint8)
    labels[10, :] = 255
    results = TRANSFORMS.build(dict(type="BinarizeAnnotations"))(dict(gt_seg_map=labels))
    assert results["gt_seg_map"].max() == 1
    results = TRANSFORMS.build(dict(type="CenterlineToDirections"))(results)
    assert results["gt_directions"].shape == (1, 21, 21)
    assert abs(results["gt_directions"][0, 10, 10]) < 0.02  # horizontal: 0 rad


def test_packer_reports_missing_keys():
    results = dict(
        img=np.zeros((4, 4, 3), np.uint8), gt_seg_map=np.zeros((4, 4), np.uint8), img_path="x.png"
    )
    with pytest.raises(KeyError, match=r"x\.png: PackCustomInputs found no 'gt_directions'"):
        TRANSFORMS.build(dict(type="PackCustomInputs"))(results)


def test_dataset_errors_say_what_to_do(tmp_path, synth_root):
    with pytest.raises(FileNotFoundError, match="dense-direction synth"):
        DATASETS.build(dict(type="SyntheticLinesDataset", data_root=str(tmp_path / "nope")))
    with pytest.raises(ValueError, match=r"phase must be one of \('train', 'val', 'test'\)"):
        DATASETS.build(dict(type="SyntheticLinesDataset", data_root=str(synth_root), phase="valid"))


def _fake_ottawa_zip(path):
    tiny = Image.fromarray(np.zeros((8, 8), np.uint8))
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(1, 21):
            for name in (f"Ottawa-{i}.tif", "segmentation.png", "centerline.png"):
                buffer = __import__("io").BytesIO()
                tiny.save(buffer, format="TIFF" if name.endswith("tif") else "PNG")
                archive.writestr(f"Ottawa-Dataset/{i}/{name}", buffer.getvalue())


def test_ottawa_converter_and_dataset(tmp_path):
    _fake_ottawa_zip(tmp_path / "Ottawa-Dataset.zip")
    root = convert(tmp_path / "Ottawa-Dataset.zip", tmp_path / "data")
    sizes = {
        p: len(DATASETS.build(dict(type="OttawaRoadsDataset", data_root=str(root), phase=p)))
        for p in ("train", "val", "test")
    }
    assert sizes == {"train": 12, "val": 4, "test": 4}
    info = DATASETS.build(
        dict(type="OttawaRoadsDataset", data_root=str(root), phase="test")
    ).get_data_info(0)
    assert info["centerline_path"].endswith(".png")


def test_ottawa_converter_names_missing_members(tmp_path):
    with zipfile.ZipFile(tmp_path / "broken.zip", "w") as archive:
        archive.writestr("Ottawa-Dataset/1/Ottawa-1.tif", b"")
    with pytest.raises(FileNotFoundError, match="lacks 59 expected files"):
        convert(tmp_path / "broken.zip", tmp_path)


def test_concrete_cracks_splits(tmp_path):
    for folder in ("rgb", "BW"):
        (tmp_path / folder).mkdir()
        for i in range(458):
            (tmp_path / folder / f"{i:03d}.jpg").write_bytes(b"")
    sizes = {
        p: len(DATASETS.build(dict(type="ConcreteCracksDataset", data_root=str(tmp_path), phase=p)))
        for p in ("train", "val", "test")
    }
    assert sizes == {"train": 278, "val": 90, "test": 90}
    # A folder of another size: the split by index was a bare IndexError (too few) or
    # silently the wrong images (too many). All images (phase None) stay fine.
    (tmp_path / "rgb" / "458.jpg").write_bytes(b"")
    (tmp_path / "BW" / "458.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match=r"found 459 images in .*rgb, but its 278/368/458"):
        DATASETS.build(dict(type="ConcreteCracksDataset", data_root=str(tmp_path), phase="val"))
    assert len(DATASETS.build(dict(type="ConcreteCracksDataset", data_root=str(tmp_path)))) == 459


def test_dataset_arguments_that_would_be_ignored_or_crash_are_named(tmp_path, synth_root):
    # phase=None crashed SyntheticLinesDataset with "unsupported operand ... PosixPath and
    # NoneType"; ImageMaskFolderDataset took seg_map_suffix and ignored it, and data_root
    # failed with "got multiple values for keyword argument".
    with pytest.raises(ValueError, match="keeps each split in its own folders, got None"):
        DATASETS.build(dict(type="SyntheticLinesDataset", data_root=str(synth_root), phase=None))
    folder = dict(type="ImageMaskFolderDataset", images="images/train", masks="masks/train")
    built = DATASETS.build(dict(folder, data_root=str(synth_root), pipeline=[]))
    assert len(built) == len(list((synth_root / "images" / "train").iterdir())) > 0
    assert built[0]["img_path"].startswith(str(synth_root / "images" / "train"))
    with pytest.raises(ValueError, match=r"pairs images and masks by file name.*seg_map_suffix"):
        DATASETS.build(dict(folder, data_root=str(synth_root), seg_map_suffix="_mask.png"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(threshold=2.0), r"threshold must be a fraction .* in \[0, 1\).*got 2.0"),
        (dict(threshold=-1.0), r"threshold must be .*got -1.0"),
        (dict(positive_labels=[]), "positive labels must name at least one label value"),
    ],
)
def test_binarize_options_that_empty_or_fill_every_mask_are_refused(options, message):
    # threshold 2.0 and positive_labels [] made every mask empty, -1.0 every pixel
    # structure: training ran on that with loss 0, without a word.
    with pytest.raises(ValueError, match=message):
        TRANSFORMS.build(dict(type="BinarizeAnnotations", **options))


def test_mask_and_image_of_different_sizes_are_named():
    results = dict(
        img=np.zeros((30, 40, 3)),
        gt_seg_map=np.zeros((30, 41), np.uint8),
        img_path="a/b.png",
        seg_fields=["gt_seg_map"],
    )
    # Width x height, as every other size message says (it said 30x41, height first).
    with pytest.raises(
        ValueError, match=r"b\.png: gt_seg_map is 41x30 \(WxH\) but the image is 40x30"
    ):
        TRANSFORMS.build(dict(type="BinarizeAnnotations"))(results)


def test_mask_to_centerline_thins_a_bar():
    mask = np.zeros((20, 30), np.uint8)
    mask[8:13, 3:27] = 1  # a 5-px bar: away from its ends the skeleton runs along row 10
    out = TRANSFORMS.build(dict(type="MaskToCenterline"))(dict(gt_seg_map=mask))
    middle = out["gt_centerline"][:, 8:22]
    assert middle[10].all() and middle.sum() == middle.shape[1]
    assert "gt_centerline" in out["seg_fields"]


def test_corrupt_files_are_named(tmp_path):
    write_dataset(tmp_path, 2, "fibres", 48, fractions=(0.5, 0.5, 0.0))
    (tmp_path / "images" / "val" / "00001.png").write_bytes(b"not a png")
    dataset = DATASETS.build(
        dict(
            type="SyntheticLinesDataset",
            data_root=str(tmp_path),
            phase="val",
            pipeline=EVAL_PIPELINE,
        )
    )
    with pytest.raises(Exception, match=r"images/val/00001\.png"):
        dataset[0]
    (tmp_path / "directions" / "train" / "00000.npy").write_bytes(b"garbage")
    dataset = DATASETS.build(
        dict(
            type="SyntheticLinesDataset",
            data_root=str(tmp_path),
            phase="train",
            pipeline=EVAL_PIPELINE,
        )
    )
    with pytest.raises(
        ValueError, match=r"cannot read direction map .*directions/train/00000\.npy"
    ):
        dataset[0]


def test_load_image_reads_twelve_bit_and_float_tiffs_like_prediction(tmp_path):
    """Training reads images through dense_direction.io (BGR for mmseg), so a 12-bit image is
    not divided by 256 and a float TIFF loads."""
    from dense_direction.io import read_image

    ramp = np.tile(np.linspace(0, 4095, 48).astype(np.uint16), (40, 1))
    Image.fromarray(ramp).save(tmp_path / "twelve.tif")
    Image.fromarray(ramp.astype(np.float32) / 7.5, mode="F").save(tmp_path / "float.tif")
    load = TRANSFORMS.build(dict(type="LoadImage"))
    for name in ("twelve.tif", "float.tif"):
        results = load(dict(img_path=str(tmp_path / name)))
        assert results["img"].dtype == np.uint8 and results["img"].shape == (40, 48, 3)
        assert results["img"].max() == 255 and results["img_shape"] == (40, 48)
        np.testing.assert_array_equal(results["img"][..., ::-1], read_image(tmp_path / name))


def test_load_image_gives_bgr_like_load_image_from_file(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    ours = TRANSFORMS.build(dict(type="LoadImage"))(dict(img_path=str(tmp_path / "a.png")))
    theirs = TRANSFORMS.build(dict(type="LoadImageFromFile"))(
        dict(img_path=str(tmp_path / "a.png"))
    )
    np.testing.assert_array_equal(ours["img"], theirs["img"])


def _folder_pair(tmp_path, masks):
    images, mask_dir = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    mask_dir.mkdir()
    for name, mask in masks.items():
        Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(images / f"{name}.png")
        Image.fromarray(mask).save(mask_dir / f"{name}.png")
    return dict(type="ImageMaskFolderDataset", images=str(images), masks=str(mask_dir))


def test_labels_zero_two_and_red_masks_are_structure_through_the_pipeline(tmp_path):
    labels = np.zeros((16, 16), np.uint8)
    labels[4, :] = 2
    red = np.zeros((16, 16, 3), np.uint8)
    red[:, 5, 0] = 255
    cfg = _folder_pair(tmp_path, {"labels": labels, "red": red})
    pipeline = [
        dict(type="LoadImage"),
        dict(type="LoadAnnotations"),
        dict(type="BinarizeAnnotations"),
    ]
    dataset = DATASETS.build(dict(cfg, pipeline=pipeline))
    sums = sorted(int(dataset[i]["gt_seg_map"].sum()) for i in range(len(dataset)))
    assert sums == [16, 16]


@pytest.mark.parametrize(
    "loader",
    ["LoadMask", "LoadAnnotations"],  # the presets', and a reference config's
)
def test_deep_and_float_masks_keep_their_structure_through_trains_pipeline(tmp_path, loader):
    # mmseg's LoadAnnotations casts masks to uint8: a 16-bit 0/256 line became 0 (no
    # structure: loss 0 for the whole run), label 300 became 44 and a float 0/0.8 mask 0,
    # while the check before training read them right. Each mask: one row of 16 pixels.
    from dense_direction.cli._train_data import adapt_pipeline

    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    deep = np.zeros((16, 16), np.uint16)
    deep[4] = 256
    labels = np.zeros((16, 16), np.uint16)
    labels[6] = 300
    labels[9] = 7  # another label: not structure with --positive-labels 300
    floating = np.zeros((16, 16), np.float32)
    floating[8] = 0.8
    for name, mask, suffix in (("deep", deep, ".png"), ("labels", labels, ".png"),
                               ("float", floating, ".tif")):  # fmt: skip
        Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(images / f"{name}.png")
        Image.fromarray(mask).save(masks / f"{name}{suffix}")
    steps = [dict(type="LoadImageFromFile"), dict(type=loader), dict(type="BinarizeAnnotations")]
    folders = dict(type="ImageMaskFolderDataset", images=str(images), masks=str(masks))
    for positive, rows in ((None, {"deep": [4], "float": [8], "labels": [6, 9]}),
                           ([300], {"deep": [], "float": [], "labels": [6]})):  # fmt: skip
        names = ["labels"] if positive else ["deep", "float", "labels"]
        dataset = DATASETS.build(
            dict(
                folders,
                names=names,
                pipeline=adapt_pipeline(steps, positive and {"positive_labels": positive}),
            )
        )
        for i, name in enumerate(names):
            seg = dataset[i]["gt_seg_map"]
            assert np.flatnonzero(seg.any(axis=1)).tolist() == rows[name], name
            assert seg.sum() == 16 * len(rows[name])


def test_empty_masks_warn_and_all_empty_is_an_error(tmp_path):
    line = np.zeros((16, 16), np.uint8)
    line[3] = 1
    empty = np.zeros((16, 16), np.uint8)
    cfg = _folder_pair(tmp_path, {"a": line, "b": empty})
    with pytest.warns(UserWarning, match=r"1 of 2 masks have no structure pixel.*b\.png"):
        assert len(DATASETS.build(cfg)) == 2
    with pytest.raises(ValueError, match=r"all 1 masks are empty.*b\.png"):
        DATASETS.build(dict(cfg, names=["b"]))
    assert len(DATASETS.build(dict(cfg, names=["b"], check_masks=False))) == 1


def _two_line_pairs(tmp_path):
    """Folders of two 16x16 images ``a`` and ``b`` with a one-row line mask each."""
    line = np.zeros((16, 16), np.uint8)
    line[3] = 1
    return _folder_pair(tmp_path, {"a": line, "b": line})


def test_image_mask_size_mismatch_is_an_error_before_training(tmp_path):
    """Found when the dataset is built (file headers), not mid-run in a DataLoader worker."""
    cfg = _two_line_pairs(tmp_path)
    Image.fromarray(np.zeros((16, 17), np.uint8)).save(tmp_path / "masks" / "b.png")
    with pytest.raises(
        ValueError,
        match=r"1 of 2 images and their masks differ in size: "
        r".*b\.png is 16x16 \(WxH\) but .*b\.png is 17x16",
    ):
        DATASETS.build(cfg)
    assert len(DATASETS.build(dict(cfg, names=["a"]))) == 1


def test_validation_direction_maps_of_another_size_are_an_error_before_training(tmp_path):
    """A direction map that does not fit its image failed at the first validation, minutes
    into a run, naming the image and not the map."""
    cfg = _two_line_pairs(tmp_path)
    (tmp_path / "dirs").mkdir()
    np.save(tmp_path / "dirs" / "a.npy", np.zeros((16, 16), np.float32))
    np.save(tmp_path / "dirs" / "b.npy", np.zeros((12, 16), np.float32))
    cfg = dict(cfg, directions=str(tmp_path / "dirs"))
    with pytest.raises(
        ValueError,
        match=r"1 of 2 images and their direction files differ in size: "
        r".*b\.png is 16x16 \(WxH\) but .*dirs/b\.npy is 16x12",
    ):
        DATASETS.build(cfg)
    assert len(DATASETS.build(dict(cfg, names=["a"]))) == 1


def test_validation_direction_maps_in_degrees_are_an_error_before_training(tmp_path):
    """Degrees (90 for vertical) were read as radians and validated about 40 deg off, the
    best checkpoint chosen by nonsense; the map is named when the dataset is built."""
    cfg = _two_line_pairs(tmp_path)
    (tmp_path / "dirs").mkdir()
    np.save(tmp_path / "dirs" / "a.npy", np.full((16, 16), 1.0, np.float32))
    np.save(tmp_path / "dirs" / "b.npy", np.full((16, 16), 90.0, np.float32))
    cfg = dict(cfg, directions=str(tmp_path / "dirs"))
    with pytest.raises(ValueError, match=r"dirs/b\.npy: angles must be radians in \[0, pi\)"):
        DATASETS.build(cfg)
    assert len(DATASETS.build(dict(cfg, names=["a"]))) == 1
