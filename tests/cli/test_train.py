"""`dense-direction train` argument handling that needs no training run."""

import argparse

import pytest

pytest.importorskip("mmengine", reason="OpenMMLab stack not installed")

from dense_direction.cli.train import (
    add_parser,
    check_arguments,
    own_image_loader,
    prepare_work_dir,
)


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
    ],
)
def test_contradicting_or_impossible_arguments_are_errors(extra, message):
    """--data with --images, or --time-budget 0, were silently ignored before."""
    with pytest.raises(ValueError, match=message):
        check_arguments(_train_args(*extra))


def test_good_arguments_pass():
    check_arguments(_train_args("--data", "d", "--time-budget", "0.5"))
    check_arguments(_train_args("--images", "i", "--masks", "m", "--val-images", "v"))
