"""Tiles predicted several at a time (one per core) blend into the fields one tile at a time
gives, with a stand-in network whose output at a pixel is a function of that pixel alone."""

import numpy as np
import pytest
import torch

import dense_direction.inference.tiled as tiled
from dense_direction.inference import DirectionEstimator
from helpers import pixelwise_estimator


def _estimator() -> DirectionEstimator:
    # Each output pixel depends on its input pixel only, so any tiling must reproduce the
    # whole image's outputs exactly where tiles are put back in place.
    return pixelwise_estimator()


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 256, (150, 170, 3), dtype=np.uint8)


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_tiles_in_parallel_blend_into_the_whole_images_fields(image, cores, monkeypatch):
    estimator = _estimator()
    whole_pairs, whole_seg = estimator._fields(image, tile=256, overlap=8)
    threads = torch.get_num_threads()
    monkeypatch.setattr(tiled, "usable_cores", lambda: cores)
    pairs, seg = estimator._fields(image, tile=40, overlap=12)  # 30 tiles of 40²
    np.testing.assert_allclose(pairs, whole_pairs, atol=1e-5)
    np.testing.assert_allclose(seg, whole_seg, atol=1e-6)
    assert torch.get_num_threads() == threads  # one thread per tile only while tiling


def test_parallel_tiles_give_the_numbers_of_one_at_a_time(image, monkeypatch):
    estimator = _estimator()
    monkeypatch.setattr(tiled, "usable_cores", lambda: 1)
    serial = estimator._fields(image, tile=48, overlap=16)
    monkeypatch.setattr(tiled, "usable_cores", lambda: 2)
    parallel = estimator._fields(image, tile=48, overlap=16)
    assert np.array_equal(serial[0], parallel[0]) and np.array_equal(serial[1], parallel[1])
