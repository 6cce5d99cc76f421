"""`dense-direction train / predict / evaluate / demo` and the Python API, end to end on a
tiny generated dataset (one short training shared by the tests)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.synthetic.dataset import write_dataset

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "dense_direction.cli.main"]


def _cli(*args, check=True):
    out = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and out.returncode != 0:
        raise AssertionError(f"exit {out.returncode}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = root / "data"
    write_dataset(data, 10, ["cracks", "vessels"], 96, seed=2, fractions=(0.6, 0.2, 0.2))
    work = root / "work"
    out = _cli(
        "train",
        "--data",
        data,
        "--work-dir",
        work,
        "--iters",
        "6",
        "--batch-size",
        "2",
        "--crop",
        "64",
        "--workers",
        "0",
    )
    return data, work, out.stdout + out.stderr


def test_train_writes_config_and_best_checkpoint(trained):
    _, work, log = trained
    # One config, the one that ran: mmengine also wrote a copy named after the preset file
    # (unet_synthetic_lines_cpu.py, whatever the data).
    assert [p.name for p in work.glob("*.py")] == ["config.py"]
    assert list(work.glob("best_dir_eval_mean_error_*.pth"))
    assert "best checkpoint:" in log and "train: 100%" in log
    # A redirected log: whole progress lines, no import noise, the set-up preamble (config,
    # environment) only in the work dir's log file.
    assert "\r" not in log and "OneDL" not in log and "System environment" not in log
    assert "System environment" in next(work.glob("*/*.log")).read_text()


def test_only_the_runs_own_checkpoints_are_trusted(trained, tmp_path):
    """Training lists its checkpoints in the run record; a file dropped into the work dir that
    needs full unpickling is refused (naming --trust-checkpoint) until the user trusts it."""
    import argparse

    import torch

    from dense_direction.mm.run_record import RECORD_NAME, recorded

    _, work, _ = trained
    listed = json.loads((work / RECORD_NAME).read_text())["checkpoints"]
    best = next(work.glob("best_*.pth"))
    assert best.name in listed and recorded(best)
    foreign = work / "iter_999.pth"
    checkpoint = torch.load(best, weights_only=False)
    torch.save(dict(checkpoint, extra=argparse.Namespace(code="runs")), foreign)
    try:
        image = work.parent / "data" / "images" / "test" / "00008.png"
        common = ["predict", "--checkpoint", foreign, "--input", image, "--no-tta"]
        refused = _cli(*common, "--out", tmp_path / "a", check=False)
        assert refused.returncode != 0 and "--trust-checkpoint" in refused.stderr
        assert "not listed" in refused.stderr and not (tmp_path / "a").exists()
        _cli(*common, "--out", tmp_path / "b", "--trust-checkpoint")
        assert (tmp_path / "b" / "00008_angles.npy").exists()
    finally:
        foreign.unlink()


def test_python_api(trained):
    from dense_direction.mm.inference import DirectionEstimator

    data, work, _ = trained
    with pytest.raises(FileNotFoundError, match=r"config file not found: .*nope\.py \(the config="):
        DirectionEstimator.from_checkpoint(work, config=work / "nope.py")
    estimator = DirectionEstimator.from_checkpoint(work)
    image = np.asarray(Image.open(data / "images" / "test" / "00008.png"))
    whole = estimator.predict(image)
    assert whole.angles.shape == (1, 96, 96) and whole.structure.shape == (1, 96, 96)
    assert np.all((whole.angles >= 0) & (whole.angles < np.pi))
    assert np.all((whole.confidence >= 0) & (whole.confidence <= 1))
    # Blending: with a pointwise stand-in network, tiles must reproduce the whole image (no
    # TTA: the stand-in is not equivariant, its symmetric versions would cancel out).
    estimator.model.encode_decode = lambda x, metas: x[:, :3] * 0.5
    whole = estimator.predict(image, tta=False)
    tiled = estimator.predict(image, tile=40, overlap=12, tta=False)
    assert np.allclose(np.cos(2 * tiled.angles), np.cos(2 * whole.angles), atol=1e-4)
    assert np.allclose(np.sin(2 * tiled.angles), np.sin(2 * whole.angles), atol=1e-4)
    assert np.allclose(tiled.structure, whole.structure, atol=1e-5)


def _max_angle_gap(a, b):
    diff = np.remainder(a - b, np.pi)
    return float(np.minimum(diff, np.pi - diff).max())


def test_predict_cli_equals_api_on_a_coloured_image(trained, tmp_path):
    """One channel order: the CLI (file), the API with a path and the API with an RGB array
    give the same angles on a strongly tinted image, and the channel order does matter."""
    from dense_direction.mm.inference import DirectionEstimator

    data, work, _ = trained
    rgb = np.asarray(Image.open(data / "images" / "test" / "00008.png")).astype(np.float64)
    tinted = np.round(rgb * [1.0, 0.4, 0.1] + [0, 0, 60]).clip(0, 255).astype(np.uint8)
    path = tmp_path / "tinted.png"
    Image.fromarray(tinted).save(path)
    _cli("predict", "--checkpoint", work, "--input", path, "--out", tmp_path / "out")
    from_cli = np.load(tmp_path / "out" / "tinted_angles.npy")
    estimator = DirectionEstimator.from_checkpoint(work)
    from_array = estimator.predict(tinted).angles[0]
    from_path = estimator.predict(path).angles[0]
    swapped = estimator.predict(np.ascontiguousarray(tinted[..., ::-1])).angles[0]
    assert _max_angle_gap(from_array, swapped) > 1e-2  # the model sees the channel order
    assert _max_angle_gap(from_cli, from_array) < 1e-4
    assert _max_angle_gap(from_path, from_array) < 1e-4


def test_checkpoint_that_does_not_match_its_config(trained, tmp_path):
    from dense_direction.cli._presets import preset_config
    from dense_direction.mm.inference import DirectionEstimator

    _, work, _ = trained
    other = preset_config("unet-dir")
    with pytest.raises(ValueError, match=r"does not match its config: missing .*unexpected"):
        DirectionEstimator.from_checkpoint(work, config=other)


def test_predict_handles_formats_and_lists_failures(trained, tmp_path):
    data, work, _ = trained
    rgb = np.asarray(Image.open(data / "images" / "test" / "00008.png"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    Image.fromarray(rgb).save(inputs / "rgb.png")
    Image.fromarray(rgb[..., 0]).save(inputs / "gray.png")
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])).save(
        inputs / "rgba.png"
    )
    Image.fromarray(rgb[..., 1].astype(np.uint16) * 257).save(inputs / "sixteen.png")
    (inputs / "broken.png").write_bytes(b"not an image")
    out = _cli(
        "predict",
        "--checkpoint",
        work,
        "--input",
        inputs,
        "--out",
        tmp_path / "out",
        "--quiver",
        check=False,
    )
    assert out.returncode == 1  # one input failed, and it is listed
    assert "predicted 4 of 5 images" in out.stdout and "skipped" in out.stderr
    assert "broken.png" in out.stderr
    for stem in ("rgb", "gray", "rgba", "sixteen"):
        angles = np.load(tmp_path / "out" / f"{stem}_angles.npy")
        assert angles.shape == (96, 96) and angles.dtype == np.float32
        png = np.asarray(Image.open(tmp_path / "out" / f"{stem}_angles.png"))
        assert png.dtype == np.uint16
        assert (tmp_path / "out" / f"{stem}_overlay.png").exists()
        assert (tmp_path / "out" / f"{stem}_quiver.png").exists()


def test_predict_and_train_input_errors(tmp_path, trained):
    _, work, _ = trained
    out = _cli(
        "predict",
        "--checkpoint",
        work,
        "--input",
        tmp_path / "missing*.png",
        "--out",
        tmp_path / "o",
        check=False,
    )
    assert out.returncode == 2 and "no file matches" in out.stderr
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(images / "a.png")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(masks / "b.png")
    out = _cli(
        "train", "--images", images, "--masks", masks, "--work-dir", tmp_path / "w", check=False
    )
    assert out.returncode == 2 and "1 images in" in out.stderr and "have no mask" in out.stderr
    out = _cli(
        "predict",
        "--checkpoint",
        tmp_path / "nowhere",
        "--input",
        images,
        "--out",
        tmp_path / "o",
        check=False,
    )
    assert out.returncode == 2 and "checkpoint or work dir not found" in out.stderr
    # A user's image named like cell.png's overlay, predicted into its own folder: an error
    # before anything is written (it used to be left out and then written over).
    Image.fromarray(np.full((8, 8), 200, np.uint8)).save(images / "a_overlay.png")
    kept = (images / "a_overlay.png").read_bytes()
    out = _cli("predict", "--checkpoint", work, "--input", images, "--out", images, check=False)
    assert out.returncode == 2 and "would write over input images" in out.stderr, out.stderr
    assert (images / "a_overlay.png").read_bytes() == kept
    assert not (images / "a_angles.npy").exists()


def test_evaluate_reports_model_and_baselines(trained, tmp_path):
    data, work, _ = trained
    _cli("evaluate", "--checkpoint", work, "--data", data, "--out", tmp_path / "report")
    report = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert "model" in report["methods"] and report["best_baseline"].startswith(
        ("structure tensor", "hessian")
    )
    assert report["methods"]["model"]["count"] > 0
    assert (tmp_path / "report" / "error_histogram.png").exists()
    assert list((tmp_path / "report").glob("panel_*.png"))
    # What was scored, recorded: a report without it cannot be told from another model's
    # (or the same model's without test-time augmentation).
    from dense_direction.io import sha256
    from dense_direction.mm.checkpoints import find_checkpoint

    weights = find_checkpoint(work)
    assert report["run"]["sha256"] == sha256(weights) and report["run"]["model"] == str(work)
    assert report["run"]["options"]["tta"] == 8 and report["run"]["data"] == {
        "data": str(data), "split": "test"
    }  # fmt: skip
    text = (tmp_path / "report" / "metrics.md").read_text()
    assert f"Model: {work} (weights SHA-256 {sha256(weights)[:12]}...)" in text
    assert "tta 8" in text and f"data: --data {data} --split test" in text


def test_demo_runs_end_to_end(tmp_path):
    out = _cli(
        "demo", "--out", tmp_path / "demo", "--num", "10", "--size", "96", "--minutes", "1.7"
    )
    assert "Best classical baseline" in out.stdout
    assert "| kind | pixels |" in out.stdout and "| width (px) | pixels |" in out.stdout
    for name in (
        "metrics.md",
        "metrics.json",
        "breakdown.md",
        "error_histogram.png",
        "retina_overlay.png",
        "retina_quiver.png",
        "timings.json",
    ):
        assert (tmp_path / "demo" / name).exists(), name
    assert (tmp_path / "demo" / "metrics.md").read_text().count("Model: ") == 1
    # Again into the same --out with fewer images: the first run's samples 7-9 stayed in
    # data/, so its test images 8 and 9 were also training images of the second run, and
    # the report counted 5 held-out images where the second run has 2.
    _cli("demo", "--out", tmp_path / "demo", "--num", "7", "--size", "96", "--iters", "3")
    data = tmp_path / "demo" / "data" / "images"
    splits = {split: {p.name for p in (data / split).iterdir()} for split in ("train", "test")}
    assert len(splits["train"]) == 5 and len(splits["test"]) == 1
    assert not splits["train"] & splits["test"]


def test_dinov2_preset_trains_from_a_local_backbone_folder(trained, tmp_path):
    """The DINOv2 + DPT preset, with a tiny randomly initialised model folder standing in for
    downloaded weights (same width as ViT-S, so the preset's head fits)."""
    transformers = pytest.importorskip("transformers")
    folder = tmp_path / "dinov2-tiny"
    config = transformers.Dinov2WithRegistersConfig(
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=6,
        intermediate_size=96,
        patch_size=14,
        image_size=56,
        num_register_tokens=4,
    )
    transformers.Dinov2WithRegistersModel(config).save_pretrained(folder)
    data, _, _ = trained
    work = tmp_path / "dino"
    _cli(
        "train",
        "--data",
        data,
        "--work-dir",
        work,
        "--model",
        "dinov2-dpt",
        "--backbone-weights",
        folder,
        "--iters",
        "2",
        "--batch-size",
        "1",
        "--crop",
        "56",
        "--workers",
        "0",
    )
    assert list(work.glob("best_*.pth"))


def test_train_refuses_a_used_work_dir(trained):
    data, work, _ = trained
    before = sorted(p.name for p in work.glob("*.pth"))
    out = _cli(
        "train", "--data", data, "--work-dir", work, "--iters", "2", "--crop", "64", check=False
    )
    assert out.returncode == 2, out.stderr[-2000:]
    assert "already holds checkpoints" in out.stderr and "--overwrite" in out.stderr
    assert sorted(p.name for p in work.glob("*.pth")) == before


def test_evaluate_exits_1_when_no_pixel_is_scored(trained, tmp_path):
    data, work, _ = trained
    images, masks = data / "images" / "test", tmp_path / "masks"
    masks.mkdir()
    for image in images.glob("*.png"):
        Image.fromarray(np.zeros((96, 96), np.uint8)).save(masks / image.name)
    out = _cli(
        "evaluate",
        "--checkpoint",
        work,
        "--images",
        images,
        "--directions",
        data / "directions" / "test",
        "--masks",
        masks,
        "--out",
        tmp_path / "report",
        "--no-baselines",
        "--panels",
        "0",
        check=False,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    assert "no pixel was scored" in out.stdout


def test_a_checkpoint_is_named_and_recorded_by_its_file(trained, tmp_path, capsys, monkeypatch):
    # The work dir typed two ways is one model (its best checkpoint's SHA-256 is what the
    # record compares); the first line names the file used, as for a bundled model, with no
    # mmengine log lines around it. The file is hashed once, though named twice.
    import dense_direction.cli._model as model_arguments
    from dense_direction.cli.main import main

    hashed = []
    real = model_arguments.sha256
    monkeypatch.setattr(model_arguments, "sha256", lambda p: hashed.append(p) or real(p))
    model_arguments._digest.cache_clear()

    data, work, _ = trained
    out = tmp_path / "out"
    images = sorted((data / "images" / "test").glob("*.png"))
    for image, given in zip(images[:2], (str(work), f"{work}/"), strict=True):
        argv = ["predict", "--input", str(image), "--out", str(out), "--checkpoint", given]
        assert main([*argv, "--no-tta"]) == 0
        printed = capsys.readouterr()
        assert printed.out.startswith(f"model: checkpoint {work.resolve()}/best_")
        assert "(SHA-256 " in printed.out.splitlines()[0]
        assert "mmengine" not in printed.out + printed.err
    assert len(hashed) == 1
    record = json.loads((out / "predict.json").read_text())
    assert record["images"] == [images[0].stem, images[1].stem]
    assert record["weights"].startswith(str(work.resolve())) and len(record["sha256"]) == 64
