import itertools

import numpy as np
import pytest

from dense_direction.tiling import Tile, blend_weights, tile_span, tiles


@pytest.mark.parametrize(
    ("h", "w", "tile", "overlap"), [(100, 130, 48, 16), (30, 30, 64, 8), (97, 50, 50, 0)]
)
def test_tiles_cover_the_image_and_weights_stay_positive(h, w, tile, overlap):
    total = np.zeros((h, w))
    for t in tiles(h, w, tile, overlap):
        assert t.height <= tile and t.width <= tile
        weights = blend_weights(t, h, w, overlap)
        assert weights.shape == (t.height, t.width) and weights.min() > 0
        total[t.slices] += weights
    assert total.min() > 0  # every pixel is covered


def test_tile_starts_hand_computed():
    # 100 px, tiles of at most 48 overlapping by at least 16: n = ceil((100 - 16) / 32) = 3
    # tiles of ceil((100 + 2 * 16) / 3) = 44 px, starts floor(i * (100 - 44) / 2) = 0, 28, 56
    # (overlaps 16; the last flush with the end).
    assert [(t.top, t.height) for t in tiles(100, 10, 48, 16) if t.left == 0] == [
        (0, 44),
        (28, 44),
        (56, 44),
    ]


def test_tile_span_worked_case_rounds_to_the_divisor():
    # 3032 px, at most 768, overlap 64, multiple 16: n = ceil(2968 / 704) = 5,
    # (3032 + 4 * 64) / 5 = 657.6 -> 672 (a multiple of 16), starts floor(i * 2360 / 4).
    assert tile_span(3032, 768, 64, 16) == (672, [0, 590, 1180, 1770, 2360])
    assert tile_span(500, 768, 64, 16) == (500, [0])  # fits: one tile, the image's size


@pytest.mark.parametrize("length", [513, 700, 1000, 3032, 4032, 4097])
@pytest.mark.parametrize(
    ("tile", "overlap", "multiple"), [(512, 32, 16), (512, 64, 16), (97, 5, 1)]
)
def test_tile_span_is_the_fewest_tiles_overlapping_enough(length, tile, overlap, multiple):
    side, starts = tile_span(length, tile, overlap, multiple)
    assert side <= tile and (side % multiple == 0 or side == tile)
    assert starts[0] == 0 and starts[-1] + side == length  # covers both ends
    assert all(b - a <= side - overlap for a, b in itertools.pairwise(starts))
    # one tile fewer, even of the largest side, could not cover the image
    assert (len(starts) - 1) * tile - (len(starts) - 2) * overlap < length


def test_weights_ramp_only_towards_neighbours():
    # A tile at the top-left corner of a larger image ramps down on its right and bottom only,
    # as the cube of t = 4/5 .. 1/5 (BLEND_POWER), linearly with power=1.
    weights = blend_weights(Tile(0, 0, 10, 10), 20, 20, overlap=4)
    assert weights[0, 0] == 1 and weights[0, 5] == 1
    assert np.allclose(weights[0, 6:], [0.512, 0.216, 0.064, 0.008])
    linear = blend_weights(Tile(0, 0, 10, 10), 20, 20, overlap=4, power=1)
    assert np.allclose(linear[0, 6:], [0.8, 0.6, 0.4, 0.2])


@pytest.mark.parametrize(
    ("tile", "overlap", "error", "message"),
    [
        (8, 8, ValueError, "below the tile size, got overlap=8 with tile=8"),
        (32, 64, ValueError, "overlap=64 with tile=32: lower the overlap"),  # not the tile's fault
        (0, 0, ValueError, "tile must be >= 1 pixel, got tile=0"),
        (64.5, 8, TypeError, "tile must be a whole number of pixels, got 64.5"),
        (64, True, TypeError, "overlap must be a whole number of pixels, got True"),
    ],
)
def test_bad_tiling_arguments_name_the_one_at_fault(tile, overlap, error, message):
    with pytest.raises(error, match=message):
        list(tiles(10, 10, tile, overlap))
