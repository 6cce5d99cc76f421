"""dense_direction.wide: a coarser scale completes structures wider than the network finds."""

import numpy as np

from dense_direction.wide import has_wide_structure, wider_structure


def test_a_structure_wide_at_a_coarse_scale_completes_the_full_scale_one():
    # The full scale found only a thin line (row 60) and nothing of a road; at 1/4 the road
    # is 8 rows (4-11) of 0.9, wider than the target 4. Full row y sits at coarse
    # (y + 0.5) / 4 - 0.5: row 16 at 3.625, 0.625 of the way from 0 to 0.9 = 0.56 > 0.5,
    # row 15 at 3.375 gives 0.34; likewise rows 47 (0.56) and 48 (0.34). So rows 16-47:
    # the 8 coarse rows times 4, and the line stays.
    fine = np.zeros((64, 64), np.float32)
    fine[60] = 0.8
    small = np.zeros((16, 16), np.float32)
    small[4:12] = 0.9
    fused = wider_structure(fine, small, target_width=4)
    assert np.flatnonzero((fused > 0.5).all(axis=1)).tolist() == [*range(16, 48), 60]
    np.testing.assert_allclose(fused[16], 0.5625, atol=1e-6)
    # Narrower than the target at the coarse scale: the full scale's outline is kept (the
    # interpolated blur of a thin structure would only widen it).
    thin = np.zeros((16, 16), np.float32)
    thin[4:6] = 0.9
    np.testing.assert_array_equal(wider_structure(fine, thin, target_width=4), fine)
    # Around the road the coarse scale says 0.4: its own outline, where the interpolation
    # meets that 0.4 (not 0), is a pixel further out: row 15 at 3.375 gives
    # 0.4 + 0.375 * 0.5 = 0.59, and row 48 likewise.
    small[[3, 12]] = 0.4
    fused = wider_structure(fine, small, target_width=4)
    assert np.flatnonzero((fused > 0.5).all(axis=1)).tolist() == [*range(15, 49), 60]


def test_only_a_structure_as_wide_as_the_target_makes_auto_use_the_coarser_scales():
    # Local widths come in steps of 2 px (scales.local_width): a band of 2 rows is 2 wide; of
    # 3 rows 4, its middle row 2 px from the background. The second class decides.
    small = np.zeros((2, 16, 16), np.float32)  # (classes, h, w)
    small[1, 4:6] = 0.9
    assert not has_wide_structure(small, target_width=4)
    small[1, 4:7] = 0.9
    assert has_wide_structure(small, target_width=4)
    assert not has_wide_structure(np.zeros((16, 16)), target_width=4)
