"""Bundled models end to end, in a temporary models folder: tools/bundle_model.py on a work
dir, DirectionEstimator.pretrained, predict without --checkpoint, train --init."""

import argparse
import importlib.util
import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from dense_direction.cli.main import main
from dense_direction.models import MODELS_ENV, BundledModelError, bundled_model
from dense_direction.synthetic.dataset import write_dataset
from helpers import REPO_ROOT

TINY = ["--batch-size", "2", "--crop", "32", "--workers", "0", "--model", "unet-dir"]


def _bundle_tool():
    spec = importlib.util.spec_from_file_location(
        "bundle_model", REPO_ROOT / "tools/bundle_model.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _train_args(data, work, *extra):
    from dense_direction.cli.train import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser)
    return parser.parse_args(["--data", str(data), "--work-dir", str(work), *TINY, *extra])


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """A work dir as training leaves it (weights, optimizer state, the config in the
    checkpoint's meta; weights moved off their initial values) bundled as 'general'."""
    from mmseg.registry import MODELS

    from dense_direction.cli.train import build_config

    tmp = tmp_path_factory.mktemp("bundled")
    write_dataset(tmp / "data", 6, "cracks", 48, seed=0, fractions=(0.5, 0.25, 0.25))
    cfg = build_config(_train_args(tmp / "data", tmp / "work"))
    model = MODELS.build(cfg.model)
    state = {k: v + 0.25 if v.is_floating_point() else v for k, v in model.state_dict().items()}
    optimizer = {"state": {0: {"exp_avg": torch.ones(3)}}, "param_groups": [{"lr": 0.1}]}
    (tmp / "work").mkdir()
    meta = dict(cfg=cfg.pretty_text, iter=3, seed=0)
    torch.save(dict(meta=meta, state_dict=state, optimizer=optimizer), tmp / "work/iter_3.pth")
    root = tmp / "models"
    argv = [str(tmp / "work"), "--out", str(root), "--command", "dense-direction train ..."]
    assert _bundle_tool().main(argv) == 0
    return tmp, root, state


@pytest.fixture
def models_env(bundled, monkeypatch):
    monkeypatch.setenv(MODELS_ENV, str(bundled[1]))
    return bundled


def test_bundle_holds_only_the_weights_with_config_and_manifest(bundled, capsys):
    tmp, root, state = bundled
    bundle = bundled_model("general", root)
    bundle.verify()
    weights = torch.load(bundle.weights, weights_only=True)
    assert set(weights) == set(state)  # no optimizer, schedule or meta
    assert all(torch.equal(weights[k], state[k]) for k in state)
    manifest = bundle.manifest
    assert manifest["source"] == {"checkpoint": "iter_3.pth", "iteration": 3}
    assert manifest["training"]["command"] == "dense-direction train ..."
    assert manifest["training"]["hardware"] and manifest["size_bytes"] < 10e6
    # float16 halves the file; an existing name is not replaced without --overwrite.
    tool = _bundle_tool()
    argv = [str(tmp / "work"), "--out", str(root), "--name", "half", "--dtype", "float16"]
    assert tool.main(argv) == 0
    assert bundled_model("half", root).manifest["size_bytes"] < 0.55 * manifest["size_bytes"]
    assert tool.main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert tool.main([*argv, "--overwrite", "--max-mb", "0.01"]) == 2
    assert "--max-mb" in capsys.readouterr().err


def test_pretrained_loads_the_bundled_weights_weights_only(bundled, monkeypatch):
    from dense_direction.mm.inference import DirectionEstimator

    _, root, state = bundled
    calls = []
    original = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return original(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    estimator = DirectionEstimator.pretrained(device="cpu", root=root)
    assert calls and all(c is True for c in calls)
    # The bundled UNet is built in plain PyTorch (dense_direction.networks), batch norms
    # folded: the function the mmseg model of the bundled config computes with those weights.
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from dense_direction.mm.segmentors import whole_outputs
    from dense_direction.networks import UNetDirectionNetwork

    assert type(estimator.model) is UNetDirectionNetwork
    reference = MODELS.build(Config.fromfile(str(bundled_model("general", root).config)).model)
    reference.load_state_dict(state)
    x = torch.randn(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        expected = whole_outputs(reference.eval(), x)
        got = estimator.model.float().to(memory_format=torch.contiguous_format)(x)
    assert (got - expected).abs().max() < 1e-5 * expected.abs().max()
    angles = estimator.predict(np.zeros((40, 40, 3), np.uint8), tta=False).angles
    assert angles.shape == (1, 40, 40)


def test_a_bundle_the_plain_network_does_not_compute_is_built_by_openmmlab(
    bundled, tmp_path, monkeypatch
):
    # The same network, with a default of mmseg's InterpConv spelled out in the config: the
    # plain network's recipe accepts only configs it knows to compute exactly, and leaves
    # the others to the adapter, which builds them from the config as training did.
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from dense_direction.inference import DirectionEstimator
    from dense_direction.mm.inference import DirectionEstimator as Adapter
    from dense_direction.models import write_bundle

    text = bundled_model("general", bundled[1]).config.read_text()
    # Freshly initialised weights (the fixture's, all moved by 0.25, overflow float32 here).
    torch.manual_seed(0)
    state = MODELS.build(Config.fromstring(text, ".py").model).state_dict()
    spelled = text.replace("type='InterpConv'", "conv_first=False, type='InterpConv'")
    assert spelled != text
    write_bundle(tmp_path, "plain", state, text, {"source": {}})
    write_bundle(tmp_path, "spelled", state, spelled, {"source": {}})
    plain = DirectionEstimator.pretrained("plain", device="cpu", root=tmp_path)
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    adapter = DirectionEstimator.pretrained("spelled", device="cpu", root=tmp_path)
    assert len(loads) == 1  # the weights are read once, also when the adapter builds it
    assert type(plain) is DirectionEstimator and type(adapter) is Adapter
    image = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    a = plain.predict(image, tta=False).angles
    b = adapter.predict(image, tta=False).angles
    assert np.isfinite(a).all() and np.isfinite(b).all()
    gap = np.remainder(a - b, np.pi)
    assert np.degrees(np.minimum(gap, np.pi - gap)).max() < 0.05


def test_pretrained_refuses_a_damaged_bundle(bundled, tmp_path):
    from dense_direction.mm.inference import DirectionEstimator

    shutil.copytree(bundled[1] / "general", tmp_path / "general")
    weights = tmp_path / "general" / "weights.pth"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(BundledModelError, match=r"general/weights\.pth does not match"):
        DirectionEstimator.pretrained(device="cpu", root=tmp_path)


def test_predict_without_checkpoint_uses_the_bundled_model(models_env, tmp_path, capsys):
    image = tmp_path / "a.png"
    Image.fromarray(np.full((40, 48, 3), 90, np.uint8)).save(image)
    out = tmp_path / "out"
    assert main(["predict", "--input", str(image), "--out", str(out), "--no-tta"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("model: bundled 'general' (SHA-256 ") and "iter_3.pth" in first
    assert np.load(out / "a_angles.npy").shape == (40, 48)
    assert {"a_angles.png", "a_confidence.png", "a_overlay.png"} <= {p.name for p in out.iterdir()}
    # The run's record: the model, the options, and what the confidence is: this test model
    # is direction-only (TINY's unet-dir), so its coherence, which analyze must not threshold.
    record = json.loads((out / "predict.json").read_text())
    assert record["model"] == "bundled:general" and record["confidence"] == "coherence"
    assert record["options"]["tta"] == 1 and record["options"]["scales"] == [1.0]
    argv = ["predict", "--input", str(image), "--out", str(out), "--no-tta", "--model", "half"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("model: bundled 'half'")
    assert json.loads((out / "predict.json").read_text())["model"] == "bundled:half"


def test_predict_says_how_to_get_a_model_when_none_is_bundled(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(MODELS_ENV, str(tmp_path / "none"))
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "a.png")
    assert main(["predict", "--input", str(tmp_path / "a.png"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no bundled model is installed" in err
    assert "tools/bundle_model.py" in err and "--checkpoint" in err
    argv = ["predict", "--input", str(tmp_path / "a.png"), "--out", str(tmp_path)]
    assert main([*argv, "--checkpoint", "c.pth", "--model", "general"]) == 2
    assert "give one" in capsys.readouterr().err


def test_train_init_starts_from_the_bundled_weights(models_env):
    """--init NAME: load_from names the bundle, and the runner's weights before the first step
    are the bundled ones (a fresh model's are not)."""
    from dense_direction.cli.train import build_config
    from dense_direction.mm.runner import build_runner

    tmp, _, state = models_env
    cfg = build_config(_train_args(tmp / "data", tmp / "init", "--init", "general"))
    assert cfg.load_from == "bundled://general"
    runner = build_runner(cfg)
    assert not torch.equal(
        runner.model.state_dict()["backbone.encoder.0.0.convs.0.conv.weight"],
        state["backbone.encoder.0.0.convs.0.conv.weight"],
    )
    runner.load_or_resume()
    loaded = runner.model.state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_train_init_takes_checkpoints_and_refuses_what_does_not_fit(models_env):
    from dense_direction.cli.train import build_config
    from dense_direction.mm.runner import build_runner

    tmp = models_env[0]
    work = tmp / "work"
    for given in (work, work / "iter_3.pth"):
        args = _train_args(tmp / "data", tmp / "w2", "--init", str(given))
        assert build_config(args).load_from == str(work / "iter_3.pth")
    with pytest.raises(FileNotFoundError, match=r"nor a bundled model \(bundled: general, half\)"):
        build_config(_train_args(tmp / "data", tmp / "w2", "--init", "nosuch"))
    with pytest.raises(ValueError, match="--resume continues one"):
        build_config(_train_args(tmp / "data", tmp / "w2", "--init", "general", "--resume"))
    # The bundle is a direction-only UNet; the joint preset is another network: train says
    # so before anything is built, naming the preset to give.
    args = _train_args(tmp / "data", tmp / "w3", "--init", "general", "--model", "unet")
    with pytest.raises(ValueError, match="--model unet builds: give --model unet-dir"):
        build_config(args)
    # A config that names the bundle itself (tools/run.py: load_from = "bundled://general")
    # meets the runner's strict load.
    cfg = build_config(_train_args(tmp / "data", tmp / "w3", "--model", "unet"))
    cfg.load_from = "bundled://general"
    with pytest.raises(ValueError, match="another network than this config's"):
        build_runner(cfg).load_or_resume()


def test_every_shipped_model_builds(monkeypatch):
    """Each model in the package builds from its config with its weights."""
    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.models import bundled_models

    monkeypatch.delenv(MODELS_ENV, raising=False)
    names = bundled_models()
    if not names:
        pytest.skip("no model is bundled with the package yet (docs/models.md)")
    for name in names:
        DirectionEstimator.pretrained(name, device="cpu")
