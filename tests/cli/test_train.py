"""`dense-direction train` argument handling that needs no training run."""

import argparse

import numpy as np
import pytest
import torch

pytest.importorskip("mmengine", reason="OpenMMLab stack not installed")

from dense_direction.cli._train_data import own_image_loader
from dense_direction.cli.train import add_parser, build_config, check_arguments
from dense_direction.mm.checkpoints import prepare_work_dir


def _used_work_dir(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for name in ("iter_8.pth", "best_dir_eval_mean_error_iter_8.pth", "last_checkpoint"):
        (work / name).write_text("old run")
    (work / "config.py").write_text("kept")
    return work


def test_a_used_work_dir_is_refused_without_resume_or_overwrite(tmp_path):
    work = _used_work_dir(tmp_path)
    with pytest.raises(FileExistsError, match=r"earlier run .*--resume.*--overwrite"):
        prepare_work_dir(work, resume=False, overwrite=False)
    prepare_work_dir(work, resume=True, overwrite=False)  # resuming uses them
    assert len(list(work.iterdir())) == 4
    with pytest.raises(ValueError, match="contradict"):
        prepare_work_dir(work, resume=True, overwrite=True)


def test_overwrite_deletes_the_earlier_runs_checkpoints(tmp_path):
    work = _used_work_dir(tmp_path)
    prepare_work_dir(work, resume=False, overwrite=True)
    assert [p.name for p in work.iterdir()] == ["config.py"]
    prepare_work_dir(tmp_path / "new", resume=False, overwrite=False)  # a fresh dir is fine


def test_overwrite_flag_parses():
    parser = argparse.ArgumentParser()
    add_parser(parser)
    args = parser.parse_args(["--data", "d", "--work-dir", "w", "--overwrite"])
    assert args.overwrite and not args.resume


def test_training_loads_images_like_prediction():
    pipeline = [dict(type="LoadImageFromFile", to_float32=True), dict(type="LoadAnnotations")]
    assert own_image_loader(pipeline) == [
        dict(type="LoadImage", to_float32=True),
        dict(type="LoadAnnotations"),
    ]


def _train_args(*extra):
    parser = argparse.ArgumentParser()
    add_parser(parser)
    return parser.parse_args(["--work-dir", "w", *extra])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--data", "d", "--images", "i", "--masks", "m"], "drop --images, --masks"),
        (["--data", "d", "--val-directions", "v"], "drop --val-directions"),
        (["--data", "d", "--time-budget", "0"], "--time-budget must be a positive"),
        (["--data", "d", "--time-budget", "-2"], "--time-budget must be a positive"),
        (["--data", "d", "--iters", "0"], "--iters must be >= 1"),
        (["--data", "d", "--batch-size", "0"], "--batch-size must be >= 1"),
        (["--data", "d", "--positive-labels", "2"], "drop --positive-labels"),
        (["--data", "d", "--lr", "0"], "--lr must be a positive number, got 0.0"),
        (["--data", "d", "--lr", "nan"], "--lr must be a positive number, got nan"),
        (["--data", "d", "--seed", "-1"], "--seed must be in 0..4294967295, got -1"),
        (["--data", "d", "--seed", str(2**32)], "--seed must be in 0..4294967295, got 4294967296"),
        (
            ["--images", "i", "--masks", "m", "--positive-labels", "2", "-1"],
            "--positive-labels are mask values, >= 0; got -1",
        ),
    ],
)
def test_contradicting_or_impossible_arguments_are_errors(extra, message):
    """--data with --images, or --time-budget 0, were silently ignored before."""
    with pytest.raises(ValueError, match=message):
        check_arguments(_train_args(*extra))


def test_good_arguments_pass():
    check_arguments(_train_args("--data", "d", "--time-budget", "0.5"))
    check_arguments(_train_args("--data", "d", "--seed", "0"))
    check_arguments(_train_args("--data", "d", "--seed", str(2**32 - 1)))
    check_arguments(_train_args("--images", "i", "--masks", "m", "--val-images", "v"))


def _label_folders(tmp_path, count=4):
    """Images with label masks: label 2 draws a line (18 px), label 1 a blob (16 px)."""
    from PIL import Image

    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(count):
        Image.fromarray(np.full((24, 24, 3), 90, np.uint8)).save(tmp_path / "images" / f"{i}.png")
        mask = np.zeros((24, 24), np.uint8)
        mask[4, 2:20] = 2
        mask[10:14, 10:14] = 1
        Image.fromarray(mask).save(tmp_path / "masks" / f"{i}.png")
    # (a crop that fits these 24-px images: training images smaller than it are an error)
    folders = ["--images", str(tmp_path / "images"), "--masks", str(tmp_path / "masks")]
    return [*folders, "--crop", "16"]


def _first_mask(dataset_cfg):
    """The binary mask the pipeline of ``dataset_cfg`` gives its first sample (no crop)."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    init_default_scope("mmseg")
    steps = [s for s in dataset_cfg.pipeline if s["type"] != "MaskGuidedRandomCrop"]
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=steps))
    return dataset[0]["data_samples"].gt_sem_seg.data[0].numpy()


def test_positive_labels_choose_the_structure_in_training_and_validation(tmp_path):
    """--positive-labels 2: only label 2 is structure (the line), label 1 (the blob) is
    background, in the training and the validation pipelines alike; by default both are."""
    folders = _label_folders(tmp_path)
    cfg = build_config(_train_args(*folders, "--positive-labels", "2", "--wide", "off"))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        mask = _first_mask(loader.dataset)
        assert mask.sum() == 18 and mask.sum(axis=1).max() == 18  # one row: the line
    default = build_config(_train_args(*folders, "--wide", "off"))
    for loader in (default.train_dataloader, default.val_dataloader):
        assert _first_mask(loader.dataset).sum() == 18 + 16


def test_mmseg_label_masks_say_what_their_255_band_is(tmp_path):
    """mmseg label masks: 1 the line (18 px), 255 a band beside it not to learn from (2 rows
    of 18 = 36 px). The any-non-zero rule trained the band as structure (54 px) without a
    word; now such masks are refused until a flag says what 255 is."""
    from PIL import Image

    folders = _label_folders(tmp_path)
    for path in (tmp_path / "masks").iterdir():
        mask = np.zeros((24, 24), np.uint8)
        mask[4, 2:20] = 1
        mask[[3, 5], 2:20] = 255
        Image.fromarray(mask).save(path)
    with pytest.raises(ValueError, match=r"4 of 4 masks hold exactly the values 0, 1 and 255"):
        build_config(_train_args(*folders))
    cfg = build_config(_train_args(*folders, "--ignore-label", "255", "--wide", "off"))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        labels = _first_mask(loader.dataset)
        assert (labels == 1).sum() == 18 and (labels == 255).sum() == 36  # 255: mmseg's ignore
    cfg = build_config(_train_args(*folders, "--positive-labels", "1", "255", "--wide", "off"))
    assert _first_mask(cfg.train_dataloader.dataset).sum() == 18 + 36
    with pytest.raises(ValueError, match=r"--ignore-label: label 1 cannot be both ignored"):
        build_config(_train_args(*folders, "--ignore-label", "1", "--positive-labels", "1"))
    with pytest.raises(ValueError, match=r"--ignore-label: the ignored label must be .* >= 0"):
        build_config(_train_args(*folders, "--ignore-label", "-1"))


def test_masks_drawn_dark_on_white_train_with_invert_masks(tmp_path):
    """Masks drawn dark on white (a line of 0, 18 px, on 255) were refused as all more than
    90 % structure, with only "save structure as non-zero on 0" for advice; --invert-masks
    trains them: the line is the structure, in training and validation alike."""
    from PIL import Image

    folders = _label_folders(tmp_path)
    for path in (tmp_path / "masks").iterdir():
        mask = np.full((24, 24), 255, np.uint8)
        mask[4, 2:20] = 0
        Image.fromarray(mask).save(path)
    with pytest.raises(ValueError, match=r"almost all structure .* or give --invert-masks"):
        build_config(_train_args(*folders))
    cfg = build_config(_train_args(*folders, "--invert-masks", "--wide", "off"))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        mask = _first_mask(loader.dataset)  # (training flips it at random: one row of 18)
        assert mask.sum() == 18 and mask.sum(axis=1).max() == 18
    with pytest.raises(ValueError, match=r"drop .*--invert-masks"):
        build_config(_train_args("--data", str(tmp_path), "--invert-masks"))


def test_a_synth_split_without_structure_is_an_error(tmp_path):
    # A val split whose masks are all empty (synth --empty 1 can draw that) validated NaN at
    # every validation and saved no best checkpoint, exit code 0.
    from PIL import Image

    from dense_direction.synthetic.dataset import write_dataset

    write_dataset(tmp_path, 4, "cracks", 64, fractions=(0.5, 0.5, 0.0))
    for path in (tmp_path / "masks" / "val").iterdir():
        Image.fromarray(np.zeros((64, 64), np.uint8)).save(path)
    args = _train_args("--data", str(tmp_path), "--crop", "32")
    with pytest.raises(ValueError, match=r"the val split of .* has no structure: all 2 masks"):
        build_config(args)


def test_positive_labels_no_mask_holds_or_colour_masks_are_errors(tmp_path):
    from PIL import Image

    folders = _label_folders(tmp_path)
    # Checked before the hold-out splits them: all 4 pairs, not the 3 left for training.
    with pytest.raises(ValueError, match=r"all 4 masks are empty .*label in \[7\]"):
        build_config(_train_args(*folders, "--positive-labels", "7"))
    Image.fromarray(np.zeros((24, 24, 3), np.uint8)).save(tmp_path / "masks" / "1.png")
    with pytest.raises(ValueError, match=r"1\.png: label values .*single-channel"):
        build_config(_train_args(*folders, "--positive-labels", "2"))


def test_a_time_budget_without_iters_decides_the_length(tmp_path):
    folders = _label_folders(tmp_path)
    hooks = {}
    for extra in ([], ["--iters", "300"]):
        cfg = build_config(_train_args(*folders, "--time-budget", "2", *extra))
        budget = next(h for h in cfg.custom_hooks if h["type"] == "TimeBudgetHook")
        hooks[bool(extra)] = (budget["extend"], cfg.train_cfg.max_iters)
    assert hooks == {False: (True, 4000), True: (False, 300)}
    # The cached loading wraps the training pipeline's loading steps, not validation's.
    train_steps = [s["type"] for s in cfg.train_dataloader.dataset.pipeline]
    assert train_steps[0] == "CachedLoading" and "LoadImage" not in train_steps


def test_lr_sets_the_peak_of_the_one_cycle_schedule(tmp_path):
    folders = _label_folders(tmp_path)
    preset = build_config(_train_args(*folders))
    chosen = build_config(_train_args(*folders, "--lr", "0.0007"))
    # The UNet preset peaks at 0.003 (configs/_base_/schedules/cpu_600.py); --lr replaces
    # both the optimizer's rate and the one-cycle's peak, nothing else.
    assert preset.optim_wrapper.optimizer.lr == preset.param_scheduler[0]["eta_max"] == 0.003
    assert chosen.optim_wrapper.optimizer.lr == chosen.param_scheduler[0]["eta_max"] == 0.0007
    assert chosen.param_scheduler[0]["total_steps"] == preset.param_scheduler[0]["total_steps"]


@pytest.mark.parametrize(
    ("resume", "checkpoint", "complete"),
    [
        (True, "w/iter_10.pth", True),  # 10 of 10: nothing left
        (True, "w/iter_8.pth", False),
        (False, None, False),  # a new run loads nothing
        (True, "w/best_dir_eval_mean_error_iter_12.pth", True),  # --iters lowered to 10
    ],
)
def test_resuming_a_finished_run_says_so_instead_of_training(capsys, resume, checkpoint, complete):
    from mmengine.config import Config

    from dense_direction.cli.train import _already_complete

    cfg = Config(dict(load_from=checkpoint, train_cfg=dict(max_iters=10)))
    assert _already_complete(cfg, resume) is complete
    if checkpoint is None:  # a new run's config may have no load_from at all
        assert _already_complete(Config(dict(train_cfg=dict(max_iters=10))), resume) is False
    said = capsys.readouterr().out
    assert ("already complete" in said and "start a new run from its weights" in said) is complete


def _stopped_run(work, total_steps):
    """A work dir whose run stopped at iteration 6 with a one-cycle schedule of
    ``total_steps`` (as training saves it; the loop's own length is not saved)."""
    work.mkdir()
    state = dict(meta=dict(iter=6), param_schedulers=[dict(total_steps=total_steps, end=20)])
    torch.save(state, work / "iter_6.pth")
    (work / "last_checkpoint").write_text(str(work / "iter_6.pth"))
    return work


def test_resume_without_iters_continues_to_the_runs_own_length(tmp_path):
    # The run planned 20 iterations (or a time budget fitted it to 20): resuming without
    # --iters went on to the default 4,000 at the annealed, near-zero learning rate.
    from dense_direction.cli.train import _resume_length

    work = _stopped_run(tmp_path / "w", total_steps=20)
    assert _resume_length(work, None) == 20
    assert _resume_length(work, 12) == 12  # shorter: allowed, the run ends sooner
    with pytest.raises(ValueError, match=r"own length, 20 iterations .* --init .* --iters 40"):
        _resume_length(work, 40)


def test_backbone_weights_errors_name_the_flag_not_config_keys(tmp_path):
    folders = _label_folders(tmp_path)
    # The UNet presets have no pretrained backbone: the flag would be silently meaningless.
    with pytest.raises(ValueError, match=r"--backbone-weights is for a preset .*dinov2-dpt"):
        build_config(_train_args(*folders, "--backbone-weights", str(tmp_path)))
    # A folder that is not there: named with the flag before any model is built (it was a
    # message about `pretrained='/path/to/folder'`, a config key the user never wrote).
    missing = tmp_path / "dinov2-small"
    argv = [*folders, "--model", "dinov2-dpt", "--backbone-weights", str(missing)]
    with pytest.raises(FileNotFoundError, match=r"--backbone-weights .*dinov2-small: no such"):
        build_config(_train_args(*argv))
    (missing).mkdir()
    cfg = build_config(_train_args(*argv))
    assert cfg.model.backbone.pretrained == str(missing)


def test_resuming_with_another_network_is_an_error_before_the_config_is_written(tmp_path):
    # --resume --model unet-dir on a unet run failed inside mmengine ("parameter group that
    # doesn't match") after writing the wrong config.py over the run's.
    from dense_direction.cli._train_checks import check_same_network

    folders = _label_folders(tmp_path)
    written = tmp_path / "config.py"
    build_config(_train_args(*folders)).dump(str(written))
    check_same_network(build_config(_train_args(*folders, "--lr", "0.001")), written)
    for other in (["--model", "unet-dir"], ["--wide", "off"]):
        with pytest.raises(ValueError, match="give the run's --model and --wide again"):
            check_same_network(build_config(_train_args(*folders, *other)), written)


def test_resuming_with_other_data_crop_or_learning_rate_is_an_error(tmp_path):
    # --resume with other images, crop and --lr trained on to the end with exit code 0: the
    # data changed half-way, the lr stayed the checkpoint's while config.py named the new one.
    from dense_direction.cli._train_checks import check_same_training

    folders = _label_folders(tmp_path)
    written = tmp_path / "config.py"
    build_config(_train_args(*folders)).dump(str(written))
    check_same_training(build_config(_train_args(*folders)), written)  # the same run
    # On another machine (its cores: the loader's workers) it is still the same run.
    check_same_training(build_config(_train_args(*folders, "--workers", "3")), written)
    for other, named in (
        (["--lr", "0.01"], "lr"),
        (["--crop", "8"], "crop_size"),
        (["--positive-labels", "2"], "positive"),
    ):
        with pytest.raises(ValueError, match=rf"--resume continues the run .*{named}.*-> "):
            check_same_training(build_config(_train_args(*folders, *other)), written)


def test_init_from_a_bundled_model_of_another_network_names_its_preset(tmp_path):
    # --init general --model unet-dir failed once the runner was built, naming a file.
    folders = _label_folders(tmp_path)
    assert build_config(_train_args(*folders, "--init", "general")).load_from.endswith("general")
    with pytest.raises(
        ValueError, match=r"--init general: .* --model unet-dir builds: give --model unet "
    ):
        build_config(_train_args(*folders, "--init", "general", "--model", "unet-dir"))


def test_the_saved_config_names_what_the_run_uses(tmp_path):
    # The config.py a run saves kept the preset's top-level names: crop_size (128, 128),
    # train_iters 600, data_root 'data/synthetic_lines' and a 128-px train_pipeline, for a
    # run with --crop 16 on other folders; a config inheriting it got the preset's crop.
    from mmengine.config import Config

    cfg = build_config(_train_args(*_label_folders(tmp_path), "--iters", "30"))
    cfg.dump(str(tmp_path / "config.py"))
    saved = Config.fromfile(str(tmp_path / "config.py"))
    assert saved.crop_size == (16, 16) and saved.train_iters == 30
    crops = [s["crop_size"] for s in saved.train_pipeline if "crop_size" in s]
    assert crops == [(16, 16)] and saved.train_pipeline == saved.train_dataloader.dataset.pipeline
    assert saved.dataset_type == "ImageMaskFolderDataset" and "data_root" not in saved
