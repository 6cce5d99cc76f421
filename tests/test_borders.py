"""dense_direction.borders: the image continued past its frame (smooth part replicated from
the edge, the detail mirrored)."""

import numpy as np

from dense_direction.borders import continued


def test_the_image_itself_is_unchanged_and_a_flat_one_stays_flat():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (20, 30, 3)).astype(np.uint8)
    out = continued(image, 8)
    assert out.shape == (36, 46, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[8:-8, 8:-8], image)
    # Constant: its smooth part is itself and its detail 0.
    assert (continued(np.full((10, 12, 3), 77, np.uint8), 5) == 77).all()
    np.testing.assert_array_equal(continued(image, 0), image)


def test_structures_crossing_the_frame_go_on_as_edge_replication_continues_them():
    # An image that varies along the columns only (vertical bands, a road leaving through
    # the top and bottom): its smooth part g_s(c) and its detail g(c) - g_s(c) are the same
    # on every row, so each added row is g_s(c) + (g(c) - g_s(c)) = g(c): the bands go on
    # unchanged, as with edge replication.
    columns = np.where((np.arange(40) // 6) % 2 == 0, 40, 200).astype(np.uint8)
    image = np.broadcast_to(columns[None, :, None], (24, 40, 3)).copy()
    out = continued(image, 10)
    for rows in (out[:10], out[-10:]):
        np.testing.assert_array_equal(
            rows[:, 10:-10], np.broadcast_to(image[:1], rows[:, 10:-10].shape)
        )


def test_noise_is_mirrored_not_drawn_out_into_stripes():
    # Edge replication copied each frame pixel's noise into a stripe perpendicular to the
    # frame (every added row the same), which the network read as fibres along the frame.
    # Here the rows added above are the first rows mirrored, less their smooth part: they
    # differ from one another about as much as the noise does (SD 30; the smooth part of
    # iid noise at sigma 1 px keeps about a sixth of it).
    rng = np.random.default_rng(1)
    image = np.clip(128 + rng.normal(0, 30, (64, 64, 1)), 0, 255).astype(np.uint8)
    image = np.repeat(image, 3, axis=2)
    out = continued(image, 16).astype(float)
    spread = out[:16, 16:-16, 0].std(axis=0)  # down each column of the added rows
    assert spread.mean() > 20
    edge = np.pad(image, ((16, 16), (16, 16), (0, 0)), mode="edge").astype(float)
    assert edge[:16, 16:-16, 0].std(axis=0).max() == 0  # (the stripes it replaces)


def test_the_smooth_part_is_replicated_not_mirrored():
    # A wide structure's body, or an illumination ramp, rising from the frame inwards: its
    # smooth part is itself and its detail about 0, so the added rows hold the frame's value
    # (as edge replication does), where mirroring would bring the ramp back up: 10, 20, 30...
    ramp = np.repeat((10 * np.arange(1, 21))[:, None, None], 30, axis=1)
    image = np.repeat(ramp, 3, axis=2).astype(np.uint8)
    # The smooth part at the frame is the Gaussian (sigma 1) of the ramp mirrored there:
    # 0.40 * 10 + 0.24 * (10 + 20) + 0.054 * (20 + 30) + 0.004 * (30 + 40) = 14.2; the row
    # next to the frame adds its mirrored detail, 10 - 14.2, and is 10; the others add ~0.
    above = continued(image, 8)[:8, 8:-8, 0].astype(int)[::-1]  # from the frame outwards
    assert (above[0] == 10).all() and (above[1:] == 14).all()
    mirrored = np.pad(image, ((8, 8), (0, 0), (0, 0)), mode="symmetric")[:8].astype(int)
    assert mirrored[0, 0, 0] == 80


def test_the_border_turns_and_mirrors_with_the_image():
    # Test-time augmentation pads once and turns the padded image: the border of a turned
    # or mirrored image must be the turned or mirrored border (rows then columns made the
    # corners differ, and the eight passes no longer averaged to an equivariant field).
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (21, 34, 3)).astype(np.uint8)
    out = continued(image, 9)
    for turns in range(4):
        np.testing.assert_array_equal(continued(np.rot90(image, turns), 9), np.rot90(out, turns))
    np.testing.assert_array_equal(continued(image[:, ::-1], 9), out[:, ::-1])
