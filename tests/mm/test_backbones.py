"""DINOv2 / DINOv3 wrappers with tiny randomly initialised models: nothing is downloaded."""

import subprocess
import sys
import textwrap

import pytest
import torch
from mmseg.registry import MODELS

pytest.importorskip("transformers", reason="the dino extra is not installed")

from tiny_backbones import TINY_V2, TINY_V3, write_hub


def test_dinov2_layers_shapes_and_class_token():
    backbone = MODELS.build(
        dict(type="DinoV2", config=TINY_V2, layers_to_extract=[0, 3], return_class_token=True)
    )
    out = backbone(torch.randn(2, 3, 56, 70))
    assert len(out) == 2
    maps, cls = out[1]
    assert maps.shape == (2, 16, 4, 5) and cls.shape == (2, 16)


def test_dinov2_registers_are_not_patches():
    backbone = MODELS.build(
        dict(
            type="DinoV2",
            with_registers=True,
            config=dict(TINY_V2, num_register_tokens=4),
            reshape_output=False,
            layers_to_extract=2,
        )
    )
    out = backbone(torch.randn(1, 3, 28, 42))
    assert len(out) == 2 and out[0].shape == (1, 2 * 3, 16)  # tokens: 6 patches, no registers


def test_dinov3_shapes():
    backbone = MODELS.build(dict(type="DinoV3", config=TINY_V3, layers_to_extract=4))
    out = backbone(torch.randn(1, 3, 32, 48))
    assert len(out) == 4 and out[-1].shape == (1, 16, 2, 3)


def test_frozen_backbone_has_no_trainable_parameters_and_stays_in_eval():
    backbone = MODELS.build(dict(type="DinoV2", config=TINY_V2, frozen=True))
    assert not any(p.requires_grad for p in backbone.parameters())
    backbone.train()
    assert not backbone.model.training


def test_input_not_a_multiple_of_the_patch_says_what_to_pad_to():
    backbone = MODELS.build(dict(type="DinoV2", config=TINY_V2))
    with pytest.raises(
        ValueError,
        match=r"divisible by the patch size 14, got 391x500; pad or "
        r"crop to 392x504",
    ):
        backbone(torch.randn(1, 3, 391, 500))


def test_local_model_folder_round_trip(tmp_path):
    first = MODELS.build(dict(type="DinoV2", config=TINY_V2))
    first.model.save_pretrained(tmp_path / "dinov2-tiny")
    second = MODELS.build(dict(type="DinoV2", pretrained=str(tmp_path / "dinov2-tiny")))
    x = torch.randn(1, 3, 28, 28)
    assert torch.allclose(first(x)[0], second(x)[0])


def test_missing_weights_without_network_explain_what_to_do(tmp_path):
    code = textwrap.dedent("""
        import dense_direction.mm
        from mmseg.registry import MODELS
        try:
            MODELS.build(dict(type="DinoV2", model_size="small"))
        except FileNotFoundError as err:
            print("MESSAGE:", err)
    """)
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "MESSAGE: cannot load Dinov2Model weights from 'facebook/dinov2-small'" in out.stdout
    assert "pretrained='/path/to/folder'" in out.stdout


@pytest.fixture
def local_hub(tmp_path):
    return write_hub(tmp_path)


def test_torch_hub_wrappers_work_from_a_local_repository(local_hub, tmp_path):
    v2 = MODELS.build(
        dict(
            type="Dino2TorchHub",
            repo_or_dir=str(local_hub),
            source="local",
            layers_to_extract=[2, 5, 8, 11],
            return_class_token=True,
        )
    )
    out = v2(torch.randn(1, 3, 28, 42))
    assert len(out) == 4 and out[0][0].shape == (1, 8, 2, 3)
    weights = tmp_path / "v3.pth"
    torch.save({"embed.weight": torch.zeros(8, 3, 16, 16), "embed.bias": torch.ones(8)}, weights)
    v3 = MODELS.build(
        dict(
            type="Dino3TorchHub",
            weights_path=str(weights),
            repo_url=str(local_hub),
            layers_to_extract=2,
        )
    )
    out = v3(torch.randn(1, 3, 32, 32))[0]
    assert out.shape == (1, 8, 2, 2) and torch.all(out == 1)  # the loaded weights are used


def test_torch_hub_errors(local_hub):
    with pytest.raises(FileNotFoundError, match="DINOv3 weights not found"):
        MODELS.build(dict(type="Dino3TorchHub", weights_path="/nope.pth", repo_url=str(local_hub)))
    with pytest.raises(FileNotFoundError, match="repository folder not found"):
        MODELS.build(dict(type="Dino2TorchHub", repo_or_dir="/no/such/dir", source="local"))
