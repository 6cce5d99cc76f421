"""The convolution + ReLU in one oneDNN pass: the same numbers as the two PyTorch ops, taken
only where it is probed to work, and the plain path everywhere else."""

import platform

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dense_direction.networks import fused
from dense_direction.networks.fused import ConvReLU, fused_conv_relu, fusion_works

needs_fusion = pytest.mark.skipif(
    not fusion_works(torch.float32), reason="this PyTorch has no oneDNN pointwise convolution"
)


def _conv(dilation: int = 1) -> nn.Conv2d:
    torch.manual_seed(0)
    conv = nn.Conv2d(6, 5, 3, padding=dilation, dilation=dilation)
    conv.bias.data.uniform_(-1, 1)  # some outputs negative, some positive: the ReLU matters
    return conv


@pytest.fixture
def counted(monkeypatch):
    """Counts the calls of the fused operator (still computing with it) after the probes."""
    fusion_works(torch.float32), fusion_works(torch.bfloat16)
    operator = fused._pointwise_operator()
    calls = []

    def counting():
        def call(*args):
            calls.append(args[7])  # the post-op's name
            return operator(*args)

        return None if operator is None else call

    monkeypatch.setattr(fused, "_pointwise_operator", counting)
    return calls


@needs_fusion
@pytest.mark.parametrize("dilation", [1, 2])
def test_the_fused_pass_computes_relu_of_the_convolution(dilation, counted):
    conv = _conv(dilation)
    x = torch.randn(2, 6, 17, 23).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        expected = F.relu(F.conv2d(x, conv.weight, conv.bias, padding=dilation, dilation=dilation))
        got = ConvReLU(conv)(x)
    assert counted == ["relu"]  # it took the fused operator
    assert (expected < 0).sum() == 0 and (got == 0).float().mean() > 0.2  # ReLU clipped some
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


@needs_fusion
def test_under_cpu_autocast_it_computes_in_bfloat16_as_conv2d_does(counted):
    conv = _conv()
    x = torch.randn(1, 6, 16, 16)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        expected = F.relu(conv(x))
        got = ConvReLU(conv)(x)
    if not fusion_works(torch.bfloat16):
        pytest.skip("no bfloat16 fusion in this PyTorch")
    assert counted == ["relu"] and got.dtype == expected.dtype == torch.bfloat16
    torch.testing.assert_close(got.float(), expected.float(), rtol=0.02, atol=0.02)


def test_with_gradients_it_is_the_plain_path(counted):
    conv = _conv()
    x = torch.randn(1, 6, 8, 8, requires_grad=True)
    out = ConvReLU(conv)(x)
    out.sum().backward()  # differentiable: the fused operator is inference-only
    assert counted == [] and x.grad is not None


def test_a_pytorch_whose_operator_fails_or_differs_gets_the_plain_path(monkeypatch):
    def failing():
        def call(*args):
            raise RuntimeError("unknown operator signature")

        return call

    def wrong():
        return lambda x, weight, bias, *rest: F.conv2d(x, weight, bias, padding=rest[0][0])

    conv, x = _conv(), torch.randn(1, 6, 8, 8)
    for operator in (failing, wrong, lambda: None):
        fusion_works.cache_clear()
        monkeypatch.setattr(fused, "_pointwise_operator", operator)
        assert not fusion_works(torch.float32)
        with torch.inference_mode():
            torch.testing.assert_close(fused_conv_relu(x, conv), F.relu(conv(x)))
    fusion_works.cache_clear()


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64") or not torch.backends.mkldnn.is_available(),
    reason="oneDNN fusion is expected on x86-64 builds with oneDNN",
)
def test_on_x86_with_onednn_the_fusion_is_on():
    # Otherwise every test above skips and predict silently loses the fused pass: a PyTorch
    # that renamed or changed the internal operator shows here.
    assert fusion_works(torch.float32) and fusion_works(torch.bfloat16)


def test_only_float32_and_bfloat16_are_fused():
    assert not fusion_works(torch.float16) and not fusion_works(torch.float64)


@needs_fusion
def test_converted_weights_follow_a_change_of_the_convolution(counted):
    conv = _conv()
    module = ConvReLU(conv)
    x = torch.randn(1, 6, 8, 8)
    with torch.inference_mode():
        before = module(x)
        conv.weight.mul_(-1)  # in place: a new version of the same tensor
        after = module(x)
        torch.testing.assert_close(after, F.relu(conv(x)))
    assert not torch.equal(before, after) and counted == ["relu", "relu"]


@needs_fusion
def test_the_bundled_network_gives_the_same_field_fused_or_not(monkeypatch):
    from dense_direction.models import bundled_model
    from dense_direction.networks import UNetDirectionNetwork, network_recipe, read_config

    bundle = bundled_model("general")
    recipe = network_recipe(read_config(bundle.config))
    network = UNetDirectionNetwork.from_state_dict(recipe.spec, bundle.load_state_dict()).eval()
    network = network.to(memory_format=torch.channels_last)  # as the estimator runs it
    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    x = x.contiguous(memory_format=torch.channels_last)
    outputs = {}
    for fusing in (True, False):
        monkeypatch.setattr(fused, "fusion_works", lambda dtype, on=fusing: on)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            outputs[fusing] = network(x).float()
    # Both run the same bfloat16 convolutions, the ReLU applied as they write or after: equal
    # bit for bit on the AMD EPYC this was written on; a CPU where oneDNN picks another
    # algorithm for one of them may round differently (a bfloat16 step is 1/128 relative).
    torch.testing.assert_close(outputs[True], outputs[False], rtol=1 / 64, atol=1 / 32)
