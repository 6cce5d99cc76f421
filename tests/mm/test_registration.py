"""Reference-style configs build through the OpenMMLab registries."""

import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from mmengine.registry import FUNCTIONS
from mmseg.registry import MODELS

from dense_direction import kernels
from dense_direction.mm import REGISTERED_KERNELS, REGISTERED_LOSSES
from helpers import random_masks

LOSS_CONFIGS = {
    "DirectionalLoss": {"pad": 3, "div": 12},
    "EfficientDirectionalLoss": {
        # As in the reference project's training configs.
        "pad": 10,
        "div": 180,
        "squish_values": True,
        "norm_values": True,
        "norm_order": 1,
        "mask_patches": True,
        "patch_thr": 0.98,
        "kernel_cfg": {"type": "radial_line_kernel"},
        "loss_weight": 1.0,
        "loss_name": "loss_dir",
    },
    "SmoothnessLoss": {"pad": 1, "alpha": 2.0, "loss_weight": 0.1},
    "CircularDirectionalLoss": {"kind": "von_mises", "pad": 5, "div": 36},
    "SupervisedDirectionLoss": {"kind": "cosine"},
    "MedialDirectionLoss": {"sigma": 1.0, "rho": 2.0, "min_coherence": 0.1},
}


def test_every_registered_loss_has_a_contract_config():
    assert {cls.__name__ for cls in REGISTERED_LOSSES} == set(LOSS_CONFIGS)


@pytest.mark.parametrize("name", sorted(LOSS_CONFIGS))
def test_loss_contract(name):
    """Built from a config: forward, backward, a finite gradient, the mmseg loss_name."""
    loss = MODELS.build({"type": name, **LOSS_CONFIGS[name]})
    assert type(loss).__name__ == name
    assert loss.loss_name.startswith("loss_")
    pred = torch.randn(2, 1, 2, 32, 32, requires_grad=True)
    value = loss(pred, random_masks(2, 1, 32, density=0.2))
    assert value.ndim == 0 and torch.isfinite(value)
    value.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


@pytest.mark.parametrize("name", REGISTERED_KERNELS)
def test_kernels_are_registered_functions(name):
    assert FUNCTIONS.get(name) is getattr(kernels, name)


def test_unknown_type_names_the_registry():
    with pytest.raises(KeyError, match="not in the"):
        MODELS.build({"type": "EfficientDirectionalLos"})
