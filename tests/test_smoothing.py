"""Width-adaptive smoothing (dense_direction.smoothing): expectations derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from dense_direction.smoothing import (
    check_smooth,
    smooth_field,
    structure_width,
)


def _band(width: int, length: int = 400, margin: int = 20) -> np.ndarray:
    """A horizontal band ``width`` px thick with ``margin`` px of background above and below."""
    mask = np.zeros((width + 2 * margin, length), bool)
    mask[margin : margin + width] = True
    return mask


def test_a_uniform_field_inside_the_mask_is_unchanged_whatever_lies_outside():
    # Normalised convolution of a constant is that constant: sum G m v / sum G m = v. The
    # background holds other vectors; if they leaked in (or the mask weighed nothing) the
    # band's edge pixels would turn towards them.
    mask = _band(30)
    field = np.empty((2, *mask.shape), np.float32)
    field[:, mask] = np.array([0.6, 0.8], np.float32)[:, None]
    field[:, ~mask] = np.array([-1.0, 0.0], np.float32)[:, None]
    out = smooth_field(field, mask, np.where(mask, 30.0, 0.0), strength=0.5)
    np.testing.assert_allclose(out[:, mask], field[:, mask], atol=1e-5)
    np.testing.assert_array_equal(out[:, ~mask], field[:, ~mask])


def test_structures_narrower_than_min_width_and_strength_zero_keep_their_vectors():
    rng = np.random.default_rng(0)
    mask = _band(4)
    field = rng.normal(size=(2, *mask.shape)).astype(np.float32)
    width = np.where(mask, 4.0, 0.0)
    np.testing.assert_array_equal(smooth_field(field, mask, width, 0.5, min_width=6), field)
    wide = _band(30, margin=7)  # the same 44 rows
    np.testing.assert_array_equal(smooth_field(field, wide, np.where(wide, 30.0, 0), 0), field)


def _odd_pixel(degrees_off: float) -> float:
    """Direction (deg from the band's) of the centre pixel of a 30-px band at doubled-angle
    vector (1, 0), that pixel set ``degrees_off`` away, after smoothing at strength 0.5."""
    mask = _band(30)
    field = np.zeros((2, *mask.shape), np.float32)
    field[0, mask] = 1.0
    centre = (20 + 15, 200)
    doubled = math.radians(2 * degrees_off)
    field[:, centre[0], centre[1]] = (math.cos(doubled), math.sin(doubled))
    x, y = smooth_field(field, mask, np.where(mask, 30.0, 0.0), 0.5)[:, centre[0], centre[1]]
    return math.degrees(math.atan2(y, x)) / 2


def test_an_odd_pixel_inside_a_wide_band_takes_the_band_direction():
    # sigma = 0.5 * 30 = 15: the pixel's own Gaussian weight is 1 / (2 pi 15^2) = 7.1e-4 of the
    # unit mass, the band holds about 68 % of it (+-1 sigma across), so the average is
    # within 0.01 deg of the band. 4 deg off is within the agreement (5 deg): it takes it.
    assert abs(_odd_pixel(4.0)) < 0.1


def test_a_pixel_far_from_its_neighbourhood_keeps_its_own_direction():
    # 30 deg off is beyond the agreement's 15 deg: a pixel of another structure (a thin
    # crack meeting a road) keeps its direction. 10 deg off is halfway through 5..15: the
    # pixel moves halfway along the chord to the average (1, 0), to the doubled vector
    # (1 + cos 20, sin 20) / 2, whose angle is 10 deg (the half-angle identity): 5 deg.
    assert _odd_pixel(30.0) == pytest.approx(30.0, abs=1e-4)
    assert _odd_pixel(10.0) == pytest.approx(5.0, abs=0.05)


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        # sigma = 0.5 * width; a step of direction 10 px away along the band (first changed
        # pixel at 10, so its half-pixel edge at 9.5) brings the other side's share
        # f = Phi(-9.5 / sigma): width 12 -> Phi(-1.583) = 0.057, width 48 -> Phi(-0.396) =
        # 0.346. With doubled-angle vectors (1, 0) and (-1, 0) the result is 1 - 2 f.
        (12, 1 - 2 * 0.0567),
        (48, 1 - 2 * 0.346),
    ],
)
def test_the_reach_of_the_smoothing_grows_with_the_width(width, expected):
    mask = _band(width, margin=100)
    field = np.zeros((2, *mask.shape), np.float32)
    field[0, mask] = 1.0
    field[0, :, 210:] = np.where(mask[:, 210:], -1.0, 0.0)
    out = smooth_field(field, mask, np.where(mask, float(width), 0.0), strength=0.5)
    row = 100 + width // 2
    assert out[0, row, 200] == pytest.approx(expected, abs=0.02)
    assert out[1, row, 200] == pytest.approx(0.0, abs=1e-6)


def test_widths_between_rungs_blend_the_two_neighbouring_gaussians():
    # Width 12 * 2**0.25 lies halfway (in log) between the rungs 12 and 17: its value is the
    # mean of what those two rungs give alone.
    mask = _band(40, margin=100)
    field = np.zeros((2, *mask.shape), np.float32)
    field[0, mask] = 1.0
    field[0, :, 210:] = np.where(mask[:, 210:], -1.0, 0.0)

    def at(width: float) -> float:
        return smooth_field(field, mask, np.where(mask, width, 0.0), 0.5)[0, 120, 200]

    assert at(12 * 2**0.25) == pytest.approx((at(12) + at(12 * 2**0.5)) / 2, abs=1e-5)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.5"])
def test_bad_strength_is_named(bad):
    with pytest.raises(ValueError, match="smooth must be a number >= 0"):
        check_smooth(bad)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"vectors must be \(2, H, W\)"):
        smooth_field(np.zeros((3, 4, 4)), np.ones((4, 4), bool), np.ones((4, 4)), 0.5)
    with pytest.raises(ValueError, match="must match the field"):
        smooth_field(np.zeros((2, 4, 4)), np.ones((4, 5), bool), np.ones((4, 5)), 0.5)


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        # Rungs 6, 8.49, 12, 16.97, 24, 33.94, ...; a band takes the rung nearest its width
        # in log: 4 -> 6 (the first rung, no smoothing), 8 -> 8.49 (above the midpoint 7.14),
        # 14 -> 12 (below 14.27), 30 -> 33.94 (above 28.54).
        (4, 6.0),
        (8, 6 * 2**0.5),
        (14, 12.0),
        (30, 24 * 2**0.5),
    ],
)
def test_structure_width_is_the_nearest_rung_inside_a_band(band, expected):
    # The reach is measured between blocks of radius // 3 px (4 px for the 30-px band), so
    # within one block of the band's edges a pixel may take the rung below.
    mask = _band(band, length=300, margin=30)
    width = structure_width(mask)
    block = max(1, int(expected / 2 / 2**0.25 // 3))
    inner = np.zeros_like(mask)
    inner[30 + block : 30 + band - block] = True
    assert width[inner] == pytest.approx(expected, rel=1e-6)
    assert (width[mask] >= expected / 2**0.5 - 1e-4).all()
    assert (width[~mask] == 0).all()


def test_a_thin_bar_keeps_the_first_rung_away_from_the_wide_band_it_meets():
    # A 4-px bar leaves a 30-px band (rows 60-89) sideways. The band's 34-px rung has disks
    # of radius 14.3 px about its two middle rows (74, 75), which reach row 60 but not the
    # bar's rows above 59; on blocks of 4 px, row 57 is 16 px (block centres 57.5, 73.5)
    # from the nearest seed block: still out. So the bar stays at the first rung there.
    mask = _band(30, length=200, margin=60)
    mask[:60, 98:102] = True
    width = structure_width(mask)
    assert (width[:58, 98:102] == 6.0).all()
    assert width[80, 100] == pytest.approx(24 * 2**0.5)


@pytest.mark.parametrize("width", [6 * 2**0.5, 12, 17, 24, 48])
def test_the_coarse_grid_gives_what_the_full_resolution_gaussian_gives(width):
    # Reference: the normalised Gaussian at full resolution, straight from scipy. The coarse
    # pyramid levels (every rung from 8.5 px at strength 0.25: sigma >= 2.12) must stay
    # within 5 % of the change smoothing makes. The 8.5-px rung smooths an 8-px band.
    rng = np.random.default_rng(1)
    mask = _band(round(width), length=300, margin=100)
    field = ndimage.gaussian_filter(rng.normal(size=(2, *mask.shape)), (0, 3, 3))
    field = (field / np.abs(field).max()).astype(np.float32)
    out = smooth_field(field, mask, np.where(mask, float(width), 0.0), 0.25, agreement=None)
    sigma, weight = 0.25 * width, mask.astype(np.float64)
    norm = ndimage.gaussian_filter(weight, sigma, mode="constant")
    ref = np.stack([ndimage.gaussian_filter(c * weight, sigma, mode="constant") for c in field])
    ref = ref[:, mask] / norm[mask]
    change = np.abs(field[:, mask] - ref).mean()
    assert np.abs(out[:, mask] - ref).mean() < 0.05 * change


def test_in_place_smoothing_writes_the_callers_array_and_gives_the_same_field():
    mask = np.zeros((60, 60), bool)
    mask[10:50, 5:55] = True  # a band 40 px wide: smoothed
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2, 60, 60)).astype(np.float32)
    width = structure_width(mask)
    expected = smooth_field(vectors, mask, width, 0.25)
    field = vectors.copy()
    result = smooth_field(field, mask, width, 0.25, in_place=True)
    assert result is field and np.array_equal(field, expected)
    assert not np.array_equal(expected, vectors)  # it changed something
    strided = np.ascontiguousarray(vectors.transpose(0, 2, 1)).transpose(0, 2, 1)
    assert not strided.flags.c_contiguous  # (2, W, H) memory seen as (2, H, W)
    smooth_field(strided, mask, width, 0.25, in_place=True)
    assert np.array_equal(strided, expected)
    with pytest.raises(ValueError, match="in_place needs a float32 array, got float64"):
        smooth_field(vectors.astype(np.float64), mask, width, 0.25, in_place=True)
