"""dense_direction.models: bundled models listed, checked against their checksums and read
weights-only; the models folder can be moved (tests never write into the package)."""

import argparse
import json
from pathlib import Path

import pytest
import torch

import dense_direction.models
from dense_direction.io import sha256
from dense_direction.models import (
    MANIFEST,
    MODELS_ENV,
    BundledModelError,
    NoBundledModelError,
    bundled_model,
    bundled_models,
    models_root,
    write_bundle,
)

STATE = {"conv.weight": torch.linspace(-1, 1, 12).reshape(2, 6), "bn.count": torch.tensor(7)}


@pytest.fixture
def root(tmp_path):
    write_bundle(tmp_path, "general", STATE, "model = dict(type='X')\n", {"created": "today"})
    return tmp_path


def test_a_bundle_lists_verifies_and_loads_its_weights(root):
    assert bundled_models(root) == ["general"]
    bundle = bundled_model("general", root)
    bundle.verify()
    manifest = bundle.manifest
    assert manifest["sha256"] == sha256(bundle.weights) and manifest["created"] == "today"
    assert manifest["parameters"] == 12 and manifest["dtype"] == "float32"
    state = bundle.load_state_dict()
    assert torch.equal(state["conv.weight"], STATE["conv.weight"])
    assert state["bn.count"].dtype == torch.int64


def test_float16_weights_load_as_float32(tmp_path):
    bundle = write_bundle(tmp_path, "half", STATE, "", {}, dtype=torch.float16)
    assert torch.load(bundle.weights, weights_only=True)["conv.weight"].dtype == torch.float16
    state = bundle.load_state_dict()
    assert state["conv.weight"].dtype == torch.float32
    assert torch.allclose(state["conv.weight"], STATE["conv.weight"], atol=1e-3)


def test_the_root_follows_the_argument_then_the_environment(root, monkeypatch, tmp_path):
    monkeypatch.setenv(MODELS_ENV, str(root))
    assert models_root() == root and bundled_models() == ["general"]
    assert models_root(tmp_path / "other") == tmp_path / "other"
    monkeypatch.delenv(MODELS_ENV)
    assert models_root().name == "models" and (models_root() / "__init__.py").is_file()


def test_a_changed_or_missing_file_is_refused_naming_it(root):
    bundle = bundled_model("general", root)
    original = bundle.weights.read_bytes()
    data = bytearray(original)
    data[-10] ^= 0xFF
    bundle.weights.write_bytes(bytes(data))
    with pytest.raises(BundledModelError, match=r"weights\.pth does not match its checksum"):
        bundle.load_state_dict()
    bundle.weights.write_bytes(original)
    bundle.verify()
    bundle.config.unlink()
    with pytest.raises(BundledModelError, match=r"config\.py is missing"):
        bundle.verify()


def test_a_pickled_object_is_refused_even_with_a_matching_checksum(root):
    """Weights-only loading: a file that needs unpickling of code never loads, whatever its
    manifest says."""
    bundle = bundled_model("general", root)
    torch.save({"conv.weight": torch.zeros(1), "x": argparse.Namespace(a=1)}, bundle.weights)
    manifest = dict(bundle.manifest, sha256=sha256(bundle.weights))
    (bundle.folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundledModelError, match="does not load weights-only"):
        bundled_model("general", root).load_state_dict()


def test_no_model_says_how_to_make_one(tmp_path, root):
    with pytest.raises(NoBundledModelError, match=r"no bundled model is installed.*bundle_model"):
        bundled_model("general", tmp_path / "empty")
    with pytest.raises(NoBundledModelError, match="installed: general"):
        bundled_model("other", root)
    with pytest.raises(ValueError, match="model name"):
        write_bundle(root, "Bad Name", STATE, "", {})


def test_every_shipped_model_matches_its_checksums():
    """The models in the package itself: a bundle committed with a stale manifest, or a weights
    file that needs unpickling, fails here."""
    package = Path(dense_direction.models.__file__).parent
    names = bundled_models(package)
    if not names:
        pytest.skip("no model is bundled with the package yet (docs/models.md)")
    for name in names:
        bundle = bundled_model(name, package)
        assert bundle.load_state_dict() and bundle.manifest["size_bytes"] <= 10e6
