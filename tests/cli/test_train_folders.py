"""`dense-direction train --images/--masks` end to end on tiny folders: the every-10th
hold-out, validation by centre-lines or direction maps, the time budget and --resume."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.synthetic.dataset import split_folders, write_dataset

CLI = [sys.executable, "-m", "dense_direction.cli.main"]
TINY = ["--batch-size", "2", "--crop", "32", "--workers", "0", "--model", "unet-dir"]
PAIRS = 11  # stems 00000..00010: every 10th held out is 00000 and 00010


def _cli(*args: object, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and out.returncode != 0:
        raise AssertionError(f"exit {out.returncode}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """11 image/mask pairs of 48 px (with direction maps and centre-lines), in plain folders."""
    root = tmp_path_factory.mktemp("folders")
    write_dataset(root, PAIRS, "cracks", 48, seed=1, fractions=(1.0, 0.0, 0.0))
    return split_folders(root, "train")


def _args(folders: dict[str, Path], work: Path, *extra: str) -> argparse.Namespace:
    from dense_direction.cli.train import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser)
    given = ["--images", folders["images"], "--masks", folders["masks"], "--work-dir", work]
    return parser.parse_args([*map(str, given), *TINY, *extra])


@pytest.mark.parametrize(("flag", "missing"), [("--val-masks", "--val-images"),
                                               ("--val-images", "--val-masks")])  # fmt: skip
def test_validation_images_and_masks_come_together(folders, tmp_path, flag, missing):
    # --val-masks alone was ignored: every 10th training pair held out without a word.
    from dense_direction.cli.train import build_config

    args = _args(folders, tmp_path / "w", flag, str(folders["masks"]))
    with pytest.raises(ValueError, match=f"{flag} needs {missing}"):
        build_config(args)


def test_one_pair_says_how_to_validate(folders, tmp_path):
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    for key in ("images", "masks"):
        for path in sorted(pairs[key].iterdir())[1:]:
            path.unlink()
    with pytest.raises(ValueError, match=r"got 1: add pairs, or give .* --val-images/--val-masks"):
        build_config(_args(pairs, tmp_path / "w"))


def test_validation_images_that_are_training_images_are_named(folders, tmp_path, capsys):
    # A validation image copied from the training folder under another name: the best
    # checkpoint was chosen on an image the model learns from, without a word.
    from dense_direction.cli.train import build_config

    val = {key: tmp_path / f"val_{key}" for key in ("images", "masks")}
    for key, folder in val.items():
        folder.mkdir()
        for i, path in enumerate(sorted(folders[key].iterdir())[:2]):
            shutil.copy(path, folder / f"v{i}{path.suffix}")
    extra = ["--val-images", str(val["images"]), "--val-masks", str(val["masks"])]
    build_config(_args(folders, tmp_path / "w", *extra))
    said = capsys.readouterr().out
    assert "note: 2 of 2 validation images are training images too" in said
    assert f"{val['images'] / 'v0.png'} = {folders['images']}" in said


def test_every_tenth_pair_is_held_out(folders, tmp_path):
    from dense_direction.cli.train import build_config

    cfg = build_config(_args(folders, tmp_path / "w"))
    # Sorted stems 00000..00010; stems[::10] are the 1st and the 11th.
    assert cfg.val_dataloader.dataset.names == ["00000", "00010"]
    train_names = cfg.train_dataloader.dataset.names
    assert len(train_names) == 9 and not {"00000", "00010"} & set(train_names)


def test_what_the_folders_hold_besides_pairs_is_named(folders, tmp_path, capsys):
    # A user's folder of images with a spreadsheet and an older set in a subfolder: training
    # reads neither, and says so before it starts.
    from dense_direction.cli.train import build_config

    images = tmp_path / "images"
    shutil.copytree(folders["images"], images)
    (images / "labels.csv").write_text("x")
    (images / "old").mkdir()
    build_config(_args(dict(folders, images=images), tmp_path / "w"))
    out = capsys.readouterr().out
    assert f"ignored in {images}: 1 file that is not an image (labels.csv); " in out
    assert "1 subfolder, not searched (old/)" in out
    assert f"ignored in {folders['masks']}" not in out  # nothing else there


@pytest.mark.parametrize(
    ("flag", "folder", "pipeline_step", "centerline_key"),
    [
        # Direction maps given: scored on the mask (gt_sem_seg), no directions derived.
        ("--val-directions", "directions", "LoadDirectionAnnotations", "gt_sem_seg"),
        # Only centre-lines: directions derived from them, scored on them.
        ("--val-centerlines", "centerlines", "CenterlineToDirections", "gt_centerline"),
    ],
)
def test_validation_by_angle(folders, tmp_path, flag, folder, pipeline_step, centerline_key):
    from dense_direction.cli.train import build_config

    cfg = build_config(_args(folders, tmp_path / "w", flag, str(folders[folder])))
    val = cfg.val_dataloader.dataset
    assert val[folder] == str(folders[folder])
    assert pipeline_step in [step["type"] for step in val.pipeline]
    (metric,) = cfg.val_evaluator
    assert metric["type"] == "CenterlineDirectionMetric"
    assert metric["centerline_key"] == centerline_key
    assert cfg.default_hooks.checkpoint.save_best == "dir_eval/mean_error"


@pytest.mark.slow
def test_train_from_folders_with_a_time_budget_then_resume(folders, tmp_path):
    """One short run covers --images/--masks end to end, the hold-out, validation on
    centre-lines, the time budget and --resume (each CLI run costs seconds of start-up)."""
    work = tmp_path / "work"
    given = ["--images", folders["images"], "--masks", folders["masks"], "--work-dir", work]
    centerlines = ["--val-centerlines", folders["centerlines"]]
    # 1e-4 minutes (6 ms) is spent within the first iteration: it stops after it, validated
    # and saved, though --iters asks for 50.
    out = _cli("train", *given, *centerlines, "--iters", "50", "--time-budget", "0.0001", *TINY)
    log = out.stdout + out.stderr
    assert "validation: 2 of 11 pairs held out (every 10th)" in log
    assert "time budget of 0.0001 min reached after 1 iterations" in _run_logs(work)
    assert (work / "iter_1.pth").is_file() and not (work / "iter_2.pth").exists()
    # Named after the one iteration done (validating inside the hook named it iter_0), and
    # the progress reads 1 of 1 (it read 1/50: the run had ended early).
    assert (work / "best_dir_eval_mean_error_iter_1.pth").is_file(), sorted(work.iterdir())
    assert "train: 100% 1/1" in log, log[-1500:]
    saved = torch.load(work / "iter_1.pth", weights_only=False)
    assert saved["meta"]["iter"] == 1 and "best_score" in saved["message_hub"]["runtime_info"]
    # Without --resume the used work dir is refused; with it training goes on from iteration 1.
    refused = _cli("train", *given, *centerlines, "--iters", "3", *TINY, check=False)
    assert refused.returncode != 0 and "--resume" in refused.stderr
    _cli("train", *given, *centerlines, "--iters", "3", "--resume", *TINY)
    assert "resumed" in _run_logs(work).lower()
    assert (work / "iter_3.pth").is_file()
    # Resuming a finished run says so (mmengine would load it and stop without a word).
    written = (work / "config.py").read_text()
    again = _cli("train", *given, *centerlines, "--iters", "3", "--resume", *TINY)
    assert "already complete (3 of 3 iterations" in again.stdout
    assert (work / "config.py").read_text() == written  # nothing trained, nothing rewritten


@pytest.mark.slow
def test_the_same_seed_trains_the_same_weights_and_another_seed_other_ones(folders, tmp_path):
    """Training draws its initial weights, sample order and crops from the run's seed: the
    config's 0 by default (before, mmengine drew a new seed for every run, so the same command
    never trained the same weights twice)."""
    given = ["--images", folders["images"], "--masks", folders["masks"], "--iters", "2"]

    def weights(name: str, *extra: str) -> dict[str, torch.Tensor]:
        _cli("train", *given, "--work-dir", tmp_path / name, *TINY, *extra)
        return torch.load(tmp_path / name / "iter_2.pth", weights_only=False)["state_dict"]

    first, again, other = weights("a"), weights("b"), weights("c", "--seed", "1")
    assert first.keys() == again.keys() == other.keys()
    assert all(torch.equal(first[key], again[key]) for key in first)
    assert not all(torch.equal(first[key], other[key]) for key in first)
    assert "seed: 0" in _run_logs(tmp_path / "a") and "seed: 1" in _run_logs(tmp_path / "c")


def test_training_images_smaller_than_the_crop_are_listed_before_anything_is_built(
    folders, tmp_path
):
    """The 48-px pairs with a 64-px crop: every training image is named with its size (WxH),
    and the crop that would fit, before the work dir is made; the held-out pairs (every 10th)
    are not cropped and not counted. Before, the first image drawn stopped the run,
    mid-training, as "image 48x48 is smaller than the crop"."""
    from dense_direction.cli.train import build_config

    args = _args(folders, tmp_path / "w", "--crop", "64")
    named = r"^9 of 9 training images are smaller than the crop 64x64: .*00001.png is 48x48 "
    with pytest.raises(ValueError, match=named + r"\(WxH\).*; give --crop 48 or less"):
        build_config(args)
    assert not (tmp_path / "w").exists()
    build_config(_args(folders, tmp_path / "w", "--crop", "48"))
    synthetic = tmp_path / "synthetic"
    write_dataset(synthetic, 3, "cracks", 48, seed=1, fractions=(1.0, 0.0, 0.0))
    given = ["--data", str(synthetic), "--work-dir", str(tmp_path / "w2"), "--crop", "64"]
    with pytest.raises(ValueError, match=r"^3 of 3 training images are smaller than the crop"):
        build_config(_args_plain(given))


def _args_plain(given: list[str]) -> argparse.Namespace:
    from dense_direction.cli.train import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser)
    return parser.parse_args([*given, "--workers", "0"])


def _run_logs(work: Path) -> str:
    """mmengine's log files of every run in ``work`` (the console shows only progress)."""
    return "".join(path.read_text() for path in sorted(work.glob("*/*.log")))


@pytest.mark.parametrize("model", ["unet", "unet-dir"])
@pytest.mark.parametrize("precision", [None, "float32", "bfloat16"])
def test_precision_reaches_the_optimizer_wrapper_and_presets_store_channels_last(
    folders, tmp_path, model, precision
):
    from dense_direction.cli.train import build_config

    extra = ["--model", model] + (["--precision", precision] if precision else [])
    cfg = build_config(_args(folders, tmp_path / "w", *extra))
    assert cfg.optim_wrapper.type == "AutocastOptimWrapper"
    assert cfg.optim_wrapper.precision == (precision or "auto")
    assert cfg.optim_wrapper.optimizer.type == "AdamW"  # the preset's optimizer is kept
    assert "ChannelsLastHook" in [h["type"] for h in cfg.custom_hooks]


@pytest.mark.parametrize(("cores", "workers"), [(2, 0), (16, 4)])
def test_default_data_workers_follow_the_cores(folders, tmp_path, monkeypatch, cores, workers):
    from dense_direction import hardware
    from dense_direction.cli.train import build_config

    monkeypatch.setattr(hardware, "usable_cores", lambda: cores)
    args = _args(folders, tmp_path / "w")
    args.workers = None  # as when --workers is not given
    cfg = build_config(args)
    assert cfg.train_dataloader.num_workers == workers
    assert cfg.train_dataloader.persistent_workers == (workers > 0)


def _copy_pairs(folders: dict[str, Path], root: Path) -> dict[str, Path]:
    copied = {}
    for key in ("images", "masks"):
        copied[key] = root / key
        shutil.copytree(folders[key], copied[key])
    return copied


def _mask(folder: Path, stem: str) -> Path:
    (path,) = folder.glob(f"{stem}.*")
    return path


def test_pairs_are_checked_before_the_hold_out_and_counted_across_both(folders, tmp_path):
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    # One held-out pair (00000) and one training pair (00003) get a mask of another size:
    # checked per part, the training part alone would say "1 of 9".
    for stem in ("00000", "00003"):
        Image.fromarray(np.zeros((5, 7), np.uint8)).save(_mask(pairs["masks"], stem))
    with pytest.raises(ValueError, match=r"2 of 11 images and their masks differ in size"):
        build_config(_args(pairs, tmp_path / "w"))


def test_empty_masks_are_noted_and_an_all_empty_validation_part_is_an_error(
    folders, tmp_path, capsys
):
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    Image.fromarray(np.zeros((48, 48), np.uint8)).save(_mask(pairs["masks"], "00003"))
    cfg = build_config(_args(pairs, tmp_path / "w"))
    assert "note: 1 of 11 masks have no structure pixel" in capsys.readouterr().out
    assert not cfg.train_dataloader.dataset.check_masks  # checked once, not again per part
    # Both held-out masks (every 10th: 00000 and 00010) empty: validation would score nothing.
    for stem in ("00000", "00010"):
        Image.fromarray(np.zeros((48, 48), np.uint8)).save(_mask(pairs["masks"], stem))
    with pytest.raises(ValueError, match=r"every mask held out for validation is empty"):
        build_config(_args(pairs, tmp_path / "w2"))


def test_only_held_out_masks_with_structure_is_an_error(folders, tmp_path):
    # Every training mask empty, the held-out ones (00000, 00010) not: the check over all 11
    # passed, and the run trained with every loss 0.
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    for path in pairs["masks"].iterdir():
        if path.stem not in ("00000", "00010"):
            Image.fromarray(np.zeros((48, 48), np.uint8)).save(path)
    with pytest.raises(ValueError, match=r"every training mask is empty .*00001.*held out"):
        build_config(_args(pairs, tmp_path / "w"))


def test_masks_drawn_dark_on_white_are_refused(folders, tmp_path, capsys):
    # Inverted masks (a line 0 on 255: 98 % "structure") trained a model of the background
    # without a word.
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    paths = sorted(pairs["masks"].iterdir())
    inverted = np.full((48, 48), 255, np.uint8)
    inverted[20] = 0
    for path in paths:
        Image.fromarray(inverted).save(path)
    with pytest.raises(ValueError, match=r"all 11 masks are almost all structure"):
        build_config(_args(pairs, tmp_path / "w"))
    # One such mask among others is named, and the run goes on.
    for path in paths[1:]:
        Image.fromarray(np.where(inverted > 0, 0, 1).astype(np.uint8)).save(path)
    build_config(_args(pairs, tmp_path / "w2"))
    assert "note: 1 of 11 masks are more than 90% structure" in capsys.readouterr().out


def test_every_unreadable_image_and_mask_is_named_before_training(folders, tmp_path):
    # A PNG cut in half (an interrupted copy, its header intact) stopped the run when its
    # batch or its validation came, hundreds of iterations in, one file per attempt.
    from dense_direction.cli.train import build_config

    pairs = _copy_pairs(folders, tmp_path)
    for folder, stem in (("images", "00004"), ("masks", "00007")):
        path = sorted(p for p in pairs[folder].iterdir() if p.stem == stem)[0]
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"2 of the 22 images and masks cannot be read: ") as err:
        build_config(_args(pairs, tmp_path / "w"))
    assert "00004" in str(err.value) and "00007" in str(err.value)
