"""Both directional losses and the smoothness loss against numbers from the published
reference implementation (../shared/reference). Skips cleanly when that folder is absent."""

import json

import numpy as np
import pytest
import torch

from dense_direction.losses import DirectionalLoss, EfficientDirectionalLoss, SmoothnessLoss
from helpers import reference_dir


def _cases():
    path = reference_dir() / "directional_reference.json"
    if not path.exists():
        return [
            pytest.param(
                None,
                None,
                marks=pytest.mark.skip(reason=f"reference vectors not found at {reference_dir()}"),
            )
        ]
    params = []
    for case in json.loads(path.read_text())["losses"]:
        classes = (
            [SmoothnessLoss]
            if case["loss"] == "smoothness"
            else [DirectionalLoss, EfficientDirectionalLoss]
        )
        params += [pytest.param(case, cls, id=f"{case['name']}-{cls.__name__}") for cls in classes]
    return params


@pytest.mark.parametrize(("case", "loss_cls"), _cases())
def test_value_and_gradient_match_reference(case, loss_cls):
    data = np.load(reference_dir() / "directional_reference.npz")
    key = f"loss/{case['name']}"
    pred = torch.tensor(data[f"{key}/pred"], requires_grad=True)
    gt = torch.tensor(data[f"{key}/gt"])
    expected_value, expected_grad = data[f"{key}/value"], data[f"{key}/grad"]

    value = loss_cls(**case["config"])(pred, gt)
    value.sum().backward()  # the reference's grad is of the sum for reduction "none"

    assert value.shape == expected_value.shape
    np.testing.assert_allclose(
        value.detach().numpy(), expected_value, rtol=1e-5, atol=1e-5 * np.abs(expected_value).max()
    )
    tolerance = 1e-6 + 1e-5 * np.abs(expected_grad).max()
    np.testing.assert_allclose(pred.grad.numpy(), expected_grad, rtol=0, atol=tolerance)
