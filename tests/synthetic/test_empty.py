"""Samples with a part that holds no structure (``synth --empty``)."""

import numpy as np
import pytest

from dense_direction.synthetic import generate_sample, rasterize
from dense_direction.synthetic.sample import clear_part


class _Draws:
    """A stand-in generator returning the given draws in order: the test fixes the line."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)

    def uniform(self, low: float, high: float) -> float:
        return self.values.pop(0)


def _full_layers(h: int = 10, w: int = 10):
    layers = rasterize([], (h, w), [])
    ones = np.ones((h, w), bool)
    return type(layers)(
        mask=ones,
        centerline=ones,
        direction=np.full((h, w), 0.5, np.float32),
        crossing=ones,
        coverage=np.ones((h, w), np.float32),
        label=np.full((h, w), 2, np.uint8),
    )


def test_a_half_plane_is_cleared_and_the_rest_kept():
    # Not the whole image (0.9 >= 0.25); the line through (y, x) = (5, 5) at angle 0 has
    # normal (cos 0, sin 0) = +x: pixels with column - 5 > 0, columns 6..9, are cleared.
    cleared = clear_part(_full_layers(), _Draws(0.9, 5.0, 5.0, 0.0))
    assert cleared.mask[:, :6].all() and not cleared.mask[:, 6:].any()
    assert not cleared.centerline[:, 6:].any() and not cleared.crossing[:, 6:].any()
    assert np.isnan(cleared.direction[:, 6:]).all() and (cleared.direction[:, :6] == 0.5).all()
    assert (cleared.coverage[:, 6:] == 0).all() and (cleared.label[:, 6:] == 0).all()
    assert (cleared.label[:, :6] == 2).all()


def test_the_whole_image_is_cleared_in_a_quarter_of_the_draws():
    cleared = clear_part(_full_layers(), _Draws(0.1))  # 0.1 < 0.25: everything
    assert not cleared.mask.any() and np.isnan(cleared.direction).all()


def test_empty_zero_leaves_every_sample_as_it_was_and_one_clears_a_part():
    for seed in range(6):
        before = generate_sample(["cracks", "roads"], 64, seed, style="all")
        same = generate_sample(["cracks", "roads"], 64, seed, style="all", empty=0.0)
        assert np.array_equal(before.image, same.image) and before.style == same.style
        part = generate_sample(["cracks", "roads"], 64, seed, style="all", empty=1.0)
        # Same geometry where kept (a subset of the mask), the same style drawn, less structure.
        assert part.style == before.style
        assert not (part.mask & ~before.mask).any() and part.mask.sum() < before.mask.sum()


def test_empty_must_be_a_probability():
    with pytest.raises(ValueError, match=r"empty must be a probability in \[0, 1\], got 1.5"):
        generate_sample("cracks", 64, 0, empty=1.5)
