"""The per-image pictures on labels that skip numbers."""

import warnings

import numpy as np
import pytest

from dense_direction.analysis.report.plots import object_overlay


@pytest.mark.parametrize("numbers", [(7, 9), (3,)])
def test_object_overlay_with_labels_that_skip_numbers_warns_nothing(numbers):
    # Labels 7 and 9 only: labels 1-6 and 8 are empty, and their centres of mass were 0/0
    # (a RuntimeWarning on every `analyze --labels` run).
    objects = np.zeros((40, 60), np.int64)
    for k, number in enumerate(numbers):
        objects[10:30, 5 + 25 * k : 25 + 25 * k] = number
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        picture = object_overlay(
            np.zeros((40, 60), np.uint8), np.zeros((40, 60)), objects > 0, objects
        )
    assert picture.shape[2] == 3 and picture.dtype == np.uint8
