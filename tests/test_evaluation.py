import math

import numpy as np
import pytest
import torch

from dense_direction.evaluation import angular_error, summarize_errors


def test_errors_are_modulo_180_degrees():
    # 1 deg vs 179 deg are 2 deg apart; 0 vs 90 is the largest error possible.
    pred = np.radians([1.0, 0.0, 30.0, 100.0])
    gt = np.radians([179.0, 90.0, 30.0, 10.0])
    np.testing.assert_allclose(angular_error(pred, gt), [2.0, 90.0, 0.0, 90.0], atol=1e-9)


def test_mask_selects_pixels_in_row_major_order():
    pred = torch.zeros(2, 3)
    gt = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    mask = torch.tensor([[True, False, True], [False, False, True]])
    np.testing.assert_allclose(angular_error(pred, gt, mask), np.degrees([0.1, 0.3, 0.6]))


def test_summary_of_hand_computed_errors():
    # errors 0, 3, 4, 12 deg: mean 4.75, median 3.5, RMSE sqrt((0+9+16+144)/4) = 6.5;
    # within 1 deg: 1/4, within 5: 3/4, within 10: 3/4, within 20: 1.
    summary = summarize_errors(np.array([0.0, 3.0, 4.0, 12.0]))
    assert summary.count == 4
    assert summary.mean == pytest.approx(4.75)
    assert summary.median == pytest.approx(3.5)
    assert summary.rmse == pytest.approx(6.5)
    assert summary.std == pytest.approx(np.std([0, 3, 4, 12]))
    assert summary.accuracy == {1.0: 0.25, 5.0: 0.75, 10.0: 0.75, 20.0: 1.0}
    assert summary.as_dict()["acc@5"] == 0.75


def test_empty_selection_gives_nan_not_an_error():
    summary = summarize_errors(
        angular_error(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2), bool))
    )
    assert summary.count == 0 and math.isnan(summary.mean)


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) vs \(3, 2\)"):
        angular_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"mask shape \(2, 2\) differs .* \(2, 3\)"):
        angular_error(np.zeros((2, 3)), np.zeros((2, 3)), np.ones((2, 2), bool))
