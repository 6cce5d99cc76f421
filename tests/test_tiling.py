import numpy as np
import pytest

from dense_direction.tiling import Tile, blend_weights, tiles


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
    # 100 px, tiles of 48 overlapping by 16: steps of 32 -> starts 0, 32, then the last tile is
    # flush with the end at 100 - 48 = 52.
    assert [t.top for t in tiles(100, 10, 48, 16) if t.left == 0] == [0, 32, 52]


def test_weights_ramp_only_towards_neighbours():
    # A tile at the top-left corner of a larger image ramps down on its right and bottom only.
    weights = blend_weights(Tile(0, 0, 10, 10), 20, 20, overlap=4)
    assert weights[0, 0] == 1 and weights[0, 5] == 1
    assert np.allclose(weights[0, 6:], [0.8, 0.6, 0.4, 0.2])


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
