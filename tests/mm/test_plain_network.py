"""The plain-PyTorch network (dense_direction.networks) computes what the mmseg model computes,
for every preset config it accepts and for the bundled model; the core estimator built on it
predicts the adapter's fields."""

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from dense_direction.mm.runner import load_config
from dense_direction.mm.segmentors import whole_outputs
from dense_direction.models import bundled_model
from dense_direction.networks import UNetDirectionNetwork, network_recipe, read_config
from helpers import REPO_ROOT

PRESETS = sorted(p.relative_to(REPO_ROOT / "configs") for p in REPO_ROOT.glob("configs/*/*.py"))
# The presets the plain network must cover (the CPU UNets the bundled models come from);
# every other preset is checked to be refused, not computed wrongly.
PLAIN = {"dir/unet_synthetic_lines_cpu.py", "seg_dir/unet_synthetic_lines_cpu.py"}


def _randomised(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` in evaluation mode with batch-norm statistics and affine parameters moved
    off their initial values (else folding them would be the identity)."""
    generator = torch.Generator().manual_seed(0)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.3)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.2)
    return model.eval()


def _agree(model: torch.nn.Module, size: tuple[int, int]) -> float:
    """Largest difference of the plain network's outputs from ``model``'s, relative to the
    largest output."""
    recipe = network_recipe(model.cfg_for_test)
    plain = UNetDirectionNetwork.from_state_dict(recipe.spec, model.state_dict()).eval()
    x = torch.randn(2, 3, *size, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        expected, got = whole_outputs(model, x), plain(x)
    assert got.shape == expected.shape
    return float((got - expected).abs().max() / expected.abs().max())


@pytest.mark.parametrize("preset", PRESETS, ids=str)
def test_every_preset_is_computed_exactly_or_left_to_openmmlab(preset):
    cfg = load_config(REPO_ROOT / "configs" / preset)
    recipe = network_recipe(cfg.to_dict())
    assert (recipe is not None) == (str(preset) in PLAIN)
    if recipe is None:
        return
    torch.manual_seed(0)
    model = _randomised(MODELS.build(cfg.model))
    model.cfg_for_test = cfg.to_dict()
    # Float32 rounding only: the rewrite is exact in real arithmetic.
    assert _agree(model, (64, 96)) < 1e-5
    assert _agree(model, (48, 32)) < 1e-5


def test_vectors_normalised_by_the_head_are_normalised_by_the_plain_network():
    cfg = load_config(REPO_ROOT / "configs/seg_dir/unet_synthetic_lines_cpu.py")
    cfg.model.decode_head.dir_head_config.post_norm_vectors = True
    model = _randomised(MODELS.build(cfg.model))
    model.cfg_for_test = cfg.to_dict()
    assert network_recipe(model.cfg_for_test).spec.normalise_vectors
    assert _agree(model, (32, 32)) < 1e-5


def test_the_bundled_model_predicts_the_same_fields_without_openmmlab():
    from dense_direction.inference import DirectionEstimator
    from dense_direction.mm.inference import DirectionEstimator as Adapter
    from dense_direction.synthetic import generate_sample

    bundle = bundled_model("general")
    reference = MODELS.build(Config.fromfile(str(bundle.config)).model)
    reference.load_state_dict(bundle.load_state_dict())
    reference.cfg_for_test = read_config(bundle.config)
    assert _agree(reference.eval(), (64, 64)) < 1e-5

    plain, adapter = DirectionEstimator.pretrained(), Adapter.pretrained()
    assert type(plain.model) is UNetDirectionNetwork
    image = generate_sample(["roads", "cracks"], (300, 420), seed=2).image
    a = plain.predict(image, tta=2, tile=256, overlap=32)
    b = adapter.predict(image, tta=2, tile=256, overlap=32)
    gap = np.remainder(a.angles - b.angles, np.pi)
    assert np.degrees(np.minimum(gap, np.pi - gap)).max() < 0.01
    assert np.abs(a.structure - b.structure).max() < 1e-4
