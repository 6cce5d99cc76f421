import math

import numpy as np
import pytest
import torch

from dense_direction.evaluation import (
    angular_error,
    grouped_summaries,
    local_width,
    scored_pixels,
    summarize_errors,
    width_band,
    width_band_labels,
)


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


def test_nan_errors_and_angles_in_degrees_are_refused():
    # [1, nan, 2] gave count 3, a NaN mean and acc@5 0.67; degrees scored as nonsense.
    with pytest.raises(ValueError, match="errors hold 1 NaN or infinite values"):
        summarize_errors(np.array([1.0, np.nan, 2.0]))
    radians = np.array([0.1, 3.0])
    with pytest.raises(ValueError, match=r"pred must be angles in radians, found values up to 90"):
        angular_error(np.array([90.0, 45.0]), radians)
    # Other radian conventions, such as (-pi/2, pi/2], and NaN (no direction) are fine.
    assert angular_error(radians - math.pi / 2, radians + math.pi / 2).tolist() == [0.0, 0.0]
    assert np.isnan(angular_error(np.array([np.nan, 3.0]), radians)[0])


def test_signed_errors_and_a_nan_mask_are_refused():
    # summarize_errors([-5, 120]) counted -5 as "within 1 degree"; a NaN in a float mask
    # selected its pixel (bool(NaN) is True).
    with pytest.raises(ValueError, match=r"unsigned angles in \[0, 90\].*from -5 to 120"):
        summarize_errors(np.array([-5.0, 120.0]))
    with pytest.raises(ValueError, match="mask must be finite"):
        angular_error(np.zeros(2), np.zeros(2), np.array([1.0, np.nan]))
    assert summarize_errors(np.array([0.0, 90.0])).count == 2


def test_scored_pixels_keep_the_region_minus_crossings_and_missing_truth():
    region = np.array([[1, 1, 1, 0]])
    crossing = np.array([[0, 1, 0, 0]])
    truth = np.array([[0.1, 0.2, np.nan, 0.4]])
    assert scored_pixels(region).tolist() == [[True, True, True, False]]
    assert scored_pixels(region, crossing).tolist() == [[True, False, True, False]]
    assert scored_pixels(region, crossing, truth).tolist() == [[True, False, False, False]]
    no_data = np.array([[1, 0, 0, 0]])  # the image has no value there: nothing to score
    assert scored_pixels(region, no_data=no_data).tolist() == [[False, True, True, False]]


def test_local_width_is_twice_the_depth():
    # A band of rows 2-7 (6 px) in a 10-row image: the depth at its two middle rows is 3
    # (3 rows to the first background row), so the width there is 6; the image border (the
    # band runs off both sides) is not background.
    mask = np.zeros((10, 20), bool)
    mask[2:8] = True
    width = local_width(mask)
    assert width[4, 0] == 6 and width[5, 19] == 6 and width[2, 10] == 2 and width[0, 0] == 0


def test_width_bands_have_closed_lower_and_open_upper_edges():
    assert width_band_labels((0, 4, 8)) == ["0-4", "4-8", "8+"]
    bands = width_band(np.array([0.0, 3.9, 4.0, 7.99, 8.0, 100.0]), (0, 4, 8))
    assert bands.tolist() == ["0-4", "0-4", "4-8", "4-8", "8+", "8+"]


def test_grouped_summaries_follow_the_given_order_and_skip_empty_groups():
    errors = np.array([1.0, 3.0, 10.0])
    groups = np.array(["b", "b", "a"])
    out = grouped_summaries(errors, groups, order=["c", "b", "a"])
    assert list(out) == ["b", "a"]  # "c" has no errors
    assert out["b"]["mean"] == 2.0 and out["b"]["count"] == 2 and out["a"]["median"] == 10.0
    with pytest.raises(ValueError, match="3 errors but 2 group labels"):
        grouped_summaries(errors, groups[:2])
