"""The plain-PyTorch UNet: batch-norm folding by hand, the weights it refuses, and reading
configs without running them (no OpenMMLab here; tests/mm/test_plain_network.py compares
it with the mmseg model on every preset)."""

import pytest
import torch

from dense_direction.models import bundled_model
from dense_direction.networks import UNetDirectionNetwork, network_recipe, read_config
from dense_direction.networks.unet import _folded


def test_a_batch_norm_folds_into_the_convolution_before_it():
    # conv: y = 2x (1x1, no bias); BN: g = 3, b = 1, mean 0.5, var + eps = 4 (sqrt 2):
    # 3 (2x - 0.5) / 2 + 1 = 3x + 0.25, so the folded convolution has weight 3, bias 0.25.
    eps = 1e-5
    state = {
        "m.conv.weight": torch.full((1, 1, 1, 1), 2.0),
        "m.bn.weight": torch.tensor([3.0]),
        "m.bn.bias": torch.tensor([1.0]),
        "m.bn.running_mean": torch.tensor([0.5]),
        "m.bn.running_var": torch.tensor([4.0 - eps]),
    }
    conv = _folded(state, "m", eps)
    assert conv.weight.item() == pytest.approx(3.0)
    assert conv.bias.item() == pytest.approx(0.25)


def test_a_convolution_with_its_own_bias_and_no_norm_keeps_both():
    state = {"m.conv.weight": torch.full((1, 1, 1, 1), 2.0), "m.conv.bias": torch.tensor([0.5])}
    conv = _folded(state, "m", None)
    assert conv(torch.ones(1, 1, 1, 1)).item() == pytest.approx(2.5)


@pytest.fixture(scope="module")
def general():
    bundle = bundled_model("general")
    return network_recipe(read_config(bundle.config)), bundle.load_state_dict()


def test_the_bundled_model_is_one_the_plain_network_computes(general):
    recipe, state = general
    assert recipe is not None and recipe.dir_classes == (1,) and recipe.bgr_to_rgb
    network = UNetDirectionNetwork.from_state_dict(recipe.spec, state).eval()
    with torch.inference_mode():
        out = network(torch.zeros(1, 3, 32, 48))
    assert out.shape == (1, 3, 32, 48)  # one structure logit, one (x, y) vector


def test_weights_of_another_network_are_named(general):
    recipe, state = general
    missing = {k: v for k, v in state.items() if not k.startswith("decode_head.dir_head")}
    with pytest.raises(ValueError, match=r"do not fit this network: no 'decode_head\.dir_head"):
        UNetDirectionNetwork.from_state_dict(recipe.spec, missing)
    extra = {**state, "backbone.extra.weight": torch.zeros(1)}
    with pytest.raises(ValueError, match=r"unexpected \['backbone\.extra\.weight'\]"):
        UNetDirectionNetwork.from_state_dict(recipe.spec, extra)


def test_a_config_is_read_without_running_it(tmp_path):
    path = tmp_path / "config.py"
    path.write_text("a = dict(b=[1, -2.5], c=(True, None), d={'e': 'f'})\nmodel = dict()\n")
    expected = {"a": {"b": [1, -2.5], "c": (True, None), "d": {"e": "f"}}, "model": {}}
    assert read_config(path) == expected
    path.write_text("model = dict()\nimport os\n")
    with pytest.raises(ValueError, match=r"config\.py:2: not a plain assignment"):
        read_config(path)
    path.write_text("model = dict(x=open('secret'))\n")
    with pytest.raises(ValueError, match=r"config\.py:1: not a literal value"):
        read_config(path)


def _model(**changes):
    backbone = dict(type="UNet", base_channels=16, num_stages=4, strides=(1, 1, 1, 1))
    backbone.update(changes.pop("backbone", {}))
    head = dict(type="LinearDirectionHead", in_channels=16, channels=16)
    model = dict(
        type="Directioner",
        backbone=backbone,
        decode_head=head,
        data_preprocessor=dict(mean=[0, 0, 0], std=[1, 1, 1], bgr_to_rgb=True),
    )
    model.update(changes)
    return {"model": model}


@pytest.mark.parametrize(
    "changes",
    [
        dict(backbone=dict(type="ResNet")),
        dict(backbone=dict(strides=(1, 2, 1, 1))),
        dict(backbone=dict(downsamples=(True, False, True))),
        dict(backbone=dict(upsample_cfg=dict(type="DeconvModule"))),
        dict(backbone=dict(act_cfg=dict(type="GELU"))),
        dict(backbone=dict(norm_cfg=dict(type="GN", num_groups=4))),
        dict(neck=dict(type="FPN")),
        dict(decode_head=dict(type="DPTDirectionHead")),
        dict(decode_head=dict(type="LinearDirectionHead", in_index=2)),
        dict(decode_head=dict(type="LinearDirectionHead", norm_cfg=dict(type="BN"))),
        dict(data_preprocessor=dict()),
    ],
)
def test_networks_it_does_not_compute_are_left_to_openmmlab(changes):
    assert network_recipe(_model()) is not None  # the unchanged model is one it computes
    assert network_recipe(_model(**changes)) is None
