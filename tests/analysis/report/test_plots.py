"""The per-image pictures: labels that skip numbers, the misorientation scale."""

import math
import warnings

import numpy as np
import pytest

from dense_direction.analysis.report.plots import label_positions, object_overlay


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


def test_an_arcs_number_is_written_on_the_arc_not_at_its_empty_centre():
    # The upper half of a ring of radius 20 around (30, 30): its centre of mass lies inside
    # the ring, about 2r/pi = 12.7 px above the centre, on no pixel of the arc. The label goes
    # to the arc's pixel nearest to it: the top of the arc, (10, 30).
    rows, cols = np.mgrid[:60, :60]
    radius = np.hypot(rows - 30, cols - 30)
    objects = ((np.abs(radius - 20) < 0.6) & (rows <= 30)).astype(np.int64)
    ((row, col),) = label_positions(objects).values()
    assert objects[row, col] == 1
    assert (row, col) == (10, 30)


def test_numbers_stay_off_the_legend_where_the_object_reaches_beyond_it():
    # The box to avoid: rows 4-23, columns 76-95. A bar along row 5, columns 70-99: its
    # centre (5, 84.5) lies under the box; its pixels outside it are columns 70-75 and 96-99,
    # and the nearest to 84.5 is column 75 (9.5 px; column 96 is 11.5 px away). Without a
    # box the label sits at the centre: column 84 (84 and 85 tie; the first is kept).
    box = (slice(4, 24), slice(76, 96))
    objects = np.zeros((100, 100), np.int64)
    objects[5, 70:100] = 3
    assert label_positions(objects, box) == {3: (5, 75)}
    assert label_positions(objects) == {3: (5, 84)}
    # Columns 90-99 (centre 94.5): the first column right of the box, 96, is outside it.
    objects[15, 90:100] = 5
    assert label_positions(objects, box)[5] == (15, 96)
    # An object wholly under the box keeps its own nearest pixel: it has no other.
    objects[10, 80:90] = 4
    assert label_positions(objects, box)[4] == (10, 84)


def test_the_overlay_writes_numbers_beside_its_legend_not_under_it():
    # A 200 x 200 picture: the legend covers rows 4-43, columns 156-195 (a fifth of the side,
    # 4 px from the edges). A bar on row 20, columns 150-199, centred at column 174.5 under
    # it, gets its number at column 155, the nearest of its pixels left of the legend. The
    # number's white strokes are the only pixels bright in every channel (the wheel's colours
    # are saturated, the bar is red on black).
    objects = np.zeros((200, 200), np.int64)
    objects[20, 150:200] = 1
    picture = object_overlay(
        np.zeros((200, 200), np.uint8), np.zeros((200, 200)), objects > 0, objects
    )
    rows, cols = np.nonzero((picture >= 200).all(axis=2))
    assert len(cols) and abs(cols.mean() - 155) < 4 and abs(rows.mean() - 20) < 4


def test_the_misorientation_picture_shows_its_scale():
    # The picture had no scale: nothing said that dark is 0° and bright 90°. A bar from the
    # colour of 0° to that of 90° now sits where the overlays have their wheel; elsewhere
    # the pixels are the map's own, and a picture too small for a legend gets none.
    from matplotlib import colormaps

    from dense_direction.analysis.report.plots import misorientation_picture
    from dense_direction.visualization import legend_box

    field = np.full((200, 300), math.pi / 4)
    picture = misorientation_picture(field)
    rows, cols = legend_box(picture.shape)
    bar = picture[rows.start, cols]
    ends = (np.array(colormaps["magma"]([0.0, 1.0])[:, :3]) * 255).round()
    assert np.abs(bar[[0, -1]].astype(int) - ends).max() <= 1
    assert (np.diff(bar.astype(int).sum(axis=1)) >= -1).all()  # dark to bright
    middle = (np.array(colormaps["magma"](0.5)[:3]) * 255 + 0.5).astype(np.uint8)
    assert (picture[rows.stop + 20 :] == middle).all()
    tiny = misorientation_picture(np.full((20, 20), math.pi / 4))
    assert (tiny == middle).all()


def test_the_rose_plot_says_what_its_rim_stands_for():
    # Each plot is scaled to its own largest bin: without the rim's share two images' plots
    # could not be compared. Bins of 90° holding 1 and 3: the rim is 3 of 4 = 75 %.
    from dense_direction.analysis.report.plots import rim_label

    edges = np.linspace(0, np.pi, 3)
    assert rim_label(np.array([1.0, 3.0]), edges) == "rim = 75.0 % per 90° bin"
    assert rim_label(np.zeros(2), edges) == "no weight"
