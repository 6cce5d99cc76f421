"""A small random RGB image shared by the io tests."""

import numpy as np
import pytest


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
