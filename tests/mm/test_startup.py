"""Importing the OpenMMLab adapter leaves out transformers, which mmengine imports only for an
optimizer, and a runner that builds its optimizer gets that optimizer back."""

import importlib.util

import pytest
import torch

from helpers import modules_after

HAS_TRANSFORMERS = importlib.util.find_spec("transformers") is not None


def test_prediction_loads_openmmlab_without_transformers():
    loaded = modules_after("import dense_direction.mm.inference")
    assert {"mmengine", "mmseg", "dense_direction"} <= loaded
    assert "transformers" not in loaded


@pytest.mark.skipif(not HAS_TRANSFORMERS, reason="transformers not installed")
def test_transformers_still_imports_and_a_runner_can_build_adafactor():
    # In a fresh Python: the registry lacks Adafactor after the lean import, the runner's
    # optimizer builder registers it, and transformers imports as usual.
    loaded = modules_after(
        """
        import torch
        import dense_direction.mm
        from mmengine.registry import OPTIMIZERS
        from dense_direction.mm.runner import DenseDirectionRunner

        assert "Adafactor" not in OPTIMIZERS.module_dict
        runner = DenseDirectionRunner.__new__(DenseDirectionRunner)  # only its model is used
        runner.model = torch.nn.Linear(2, 2)
        config = dict(optimizer=dict(type="Adafactor", lr=1e-3, relative_step=False))
        wrapper = runner.build_optim_wrapper(config)
        assert type(wrapper.optimizer).__name__ == "Adafactor"
        import transformers
        """
    )
    assert "transformers" in loaded


def test_completing_the_registry_twice_is_harmless():
    from mmengine.registry import OPTIMIZERS

    from dense_direction.mm._startup import complete_optimizer_registry
    from dense_direction.mm.runner import DenseDirectionRunner

    complete_optimizer_registry()
    complete_optimizer_registry()
    runner = DenseDirectionRunner.__new__(DenseDirectionRunner)  # only its model is used
    runner.model = torch.nn.Linear(2, 2)
    wrapper = runner.build_optim_wrapper(dict(optimizer=dict(type="AdamW")))
    assert isinstance(wrapper.optimizer, torch.optim.AdamW)
    assert ("Adafactor" in OPTIMIZERS.module_dict) == HAS_TRANSFORMERS
