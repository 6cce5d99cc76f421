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


def test_on_tile_counts_every_tile_of_every_pass_and_scale(image):
    # 150x170 padded by a border of 8 is 166x186: tiles of 64 overlapping by 8 take
    # ceil(158 / 56) = 3 rows and ceil(178 / 56) = 4 columns, 12 tiles; at scale 0.5 the
    # image is 75x85, padded 91x101: ceil(83 / 56) = 2 by ceil(93 / 56) = 2, 4 tiles. Two
    # test-time passes at each scale: (12 + 4) * 2 = 32 tiles, reported one by one.
    calls = []
    pixelwise_estimator().predict(
        image,
        tile=64,
        overlap=8,
        border=8,
        tta=2,
        scales=(1, 0.5),
        on_tile=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 32) for i in range(1, 33)]
    assert tiled.TILE_DONE.get() is None  # the call's reporter is gone after it
