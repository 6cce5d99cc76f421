"""One image end to end: field + geometry tables, units, conventions and bad input."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis_shapes import capsule, segment
from dense_direction.analysis import AnalysisOptions, analyze_image, convert_table, to_degrees
from dense_direction.analysis.field.statistics import axial_histogram
from dense_direction.analysis.report.inputs import fill_small_holes


def _bar(angle=30):
    mask = capsule((301, 301), *segment(150, angle), 6)
    return mask, np.where(mask, math.radians(angle), np.nan)


def test_straight_bar_gives_order_one_and_its_angle():
    mask, angles = _bar(30)
    result = analyze_image(angles, mask)
    assert result.image["order_parameter"] == pytest.approx(1.0)
    assert math.degrees(result.image["mean_direction"]) == pytest.approx(30.0)
    (row,) = result.objects.to_dict("records")
    assert math.degrees(row["direction_mean"]) == pytest.approx(30.0)
    assert row["dispersion"] == pytest.approx(0.0, abs=1e-6)
    assert len(result.streamlines) >= 1 and len(result.centerlines) == 1


@pytest.mark.parametrize("side", ["top", "bottom", "left", "right"])
def test_a_band_along_the_frame_measures_as_the_same_band_inside(side):
    # A horizontal band 6 rows high: the distances to the background across it are 1, 2, 3,
    # 3, 2, 1, the centre-line lies on a 3 with a 3 beside it, so its width is 3 + 3 = 6 (the
    # formula of analysis.objects.measure). Along the frame the distance transform alone saw
    # the band go on beyond it (6, 5, 4, ... from the edge): width_max 9 there, though the
    # skeleton counts the outside as background.
    inside = np.zeros((40, 200), bool)
    inside[17:23, 20:180] = True
    along = np.zeros_like(inside)
    along[:6, 20:180] = True
    turn = {"top": 0, "left": 1, "bottom": 2, "right": 3}[side]
    rows = []
    for mask in (inside, along):
        mask = np.rot90(mask, turn)
        angles = np.where(mask, math.pi / 2 if turn % 2 else 0.0, np.nan)
        rows.append(analyze_image(angles, mask).objects.to_dict("records")[0])
    # (the centre-line's smoothing tilts its normals by a hair near the ends: 6.03 upright)
    assert rows[0]["width_max"] == pytest.approx(6.0, abs=0.05)
    assert rows[1]["width_max"] == pytest.approx(rows[0]["width_max"])
    for column in ("length", "width_mean", "ends", "junctions"):
        assert rows[1][column] == pytest.approx(rows[0][column])


def test_confidence_threshold_makes_the_mask_and_weights_the_statistics():
    mask, angles = _bar(0)
    angles = np.where(mask, 0.0, math.pi / 2)  # background says 90°
    confidence = np.where(mask, 0.9, 0.2)
    result = analyze_image(angles, confidence=confidence)
    assert result.image["pixels"] == mask.sum()
    assert result.image["mean_direction"] == pytest.approx(0.0, abs=1e-9)


def test_pixel_size_scales_lengths_widths_areas_and_curvature():
    mask, angles = _bar(30)
    result = analyze_image(angles, mask)
    plain = convert_table(result.objects, AnalysisOptions())
    half = convert_table(result.objects, AnalysisOptions(pixel_size=0.5, unit="um"))
    for column in ("length", "width_mean", "width_max"):
        assert half[column].item() == pytest.approx(plain[column].item() / 2)
    assert half["area"].item() == pytest.approx(plain["area"].item() / 4)
    assert half["curvature_mean"].item() == pytest.approx(plain["curvature_mean"].item() * 2)
    assert half["unit"].item() == "um" and plain["unit"].item() == "px"


def test_angle_conventions():
    # standard [0, 180); OrientationJ (-90, 90]: 135° is -45°, 90° stays 90°.
    values = np.radians([0.0, 45.0, 90.0, 135.0])
    assert to_degrees(values).tolist() == pytest.approx([0, 45, 90, 135])
    assert to_degrees(values, "orientationj").tolist() == pytest.approx([0, 45, 90, -45])
    with pytest.raises(ValueError, match="angle convention"):
        AnalysisOptions(angle_convention="imagej")
    # float32 pi/2 is 1.5707964 > pi/2 (90.0000025 deg): still 90, not -89.9999975.
    vertical = np.float32(np.pi / 2)
    assert to_degrees(vertical, "orientationj") == 90.0
    assert to_degrees(-1e-20) == 0.0  # np.mod(-1e-20, 180) alone gives 180.0, outside [0, 180)
    assert to_degrees(np.radians(90.001), "orientationj") == pytest.approx(-89.999)
    # Written as rounded in either convention: 148.9362 - 180 alone is -31.063799999999986.
    assert to_degrees(np.radians(148.9362), "orientationj") == -31.0638


def test_float32_rounding_moves_no_direction_across_a_bin_edge_or_zero():
    # float32(150 deg) is 149.9999973 deg: it counted in [145, 150) (and -30 in [-35, -30));
    # 500 px at 0 and 300 at 90 deg (float32 pi/2 is above pi/2) had mean direction
    # 179.9999986, shown as 180.0, outside [0, 180). Degrees are rounded to 1e-4.
    f150 = np.full((1, 1), np.float32(math.radians(150)))
    for convention, start in (("standard", 150), ("orientationj", -30)):
        counts, edges = axial_histogram(f150, bins=36, convention=convention)
        assert np.degrees(edges)[np.argmax(counts)] == pytest.approx(start)  # bin's start
    angles = np.zeros((8, 100), np.float32)
    angles[5:] = np.float32(math.pi / 2)
    mean = analyze_image(angles, np.ones((8, 100))).image["mean_direction"]
    table = convert_table(pd.DataFrame({"mean_direction": [mean]}), AnalysisOptions())
    assert table["mean_direction"].item() == 0.0


def test_histogram_bins_follow_the_angle_convention():
    # Directions 10, 50, 90, 100 and 170 deg in four 45-deg bins. Standard [0, 180): 10 |
    # 50 | 90, 100 | 170. OrientationJ (-90, 90] writes them 10, 50, 90, -80, -10: -80 |
    # -10 | 10 | 50, 90, the vertical one in the last bin. (Rotating the standard bins, as
    # before, counted it in the first, from -90 to -45, with -80: [2, 1, 1, 1].)
    angles = np.radians([[10.0, 50.0, 90.0, 100.0, 170.0]])
    counts, edges = axial_histogram(angles, bins=4)
    assert counts.tolist() == [1, 1, 2, 1]
    assert np.degrees(edges).tolist() == pytest.approx([0, 45, 90, 135, 180])
    counts, edges = axial_histogram(angles, bins=4, convention="orientationj")
    assert counts.tolist() == [1, 1, 1, 2]
    assert np.degrees(edges).tolist() == pytest.approx([-90, -45, 0, 45, 90])
    # float32 pi/2 is 90.0000025 deg: vertical too; -45 and 0 open their bins.
    vertical = np.full((1, 1), np.float32(np.pi / 2))
    assert axial_histogram(vertical, bins=4, convention="orientationj")[0].tolist() == [0, 0, 0, 1]
    counts, _ = axial_histogram(np.radians([[135.0, 0.0]]), bins=4, convention="orientationj")
    assert counts.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"pixel_size": "0.5"}, TypeError, r"pixel_size must be a number, got '0.5' \(str\)"),
        ({"bins": 2.5}, TypeError, "bins must be a whole number, got 2.5"),
        ({"min_size": True}, TypeError, "min_size must be a whole number, got True"),
        ({"max_hole": -1}, ValueError, "max_hole must be >= 0, got -1"),
        ({"seed_spacing": 0}, ValueError, "seed_spacing must be >= 1, got 0"),
        ({"max_length": -1.0}, ValueError, "max_length must be >= 0"),
        # One message for every bad pixel size (0 said "positive", -1 and NaN ">= 0").
        ({"pixel_size": 0}, ValueError, "pixel_size must be > 0, got 0"),
        ({"pixel_size": -1.0}, ValueError, "pixel_size must be > 0, got -1.0"),
        ({"pixel_size": float("nan")}, ValueError, "pixel_size must be > 0, got nan"),
        ({"max_length": float("inf")}, ValueError, "max_length must be >= 0, got inf"),
        ({"sizes": (8, 0)}, ValueError, "sizes must be whole numbers of pixels >= 1"),
        ({"unit": 5}, TypeError, "unit must be a str"),
    ],
)
def test_bad_options_name_the_field(options, error, message):
    # Before: a raw "'>' not supported between instances of 'str' and 'int'".
    with pytest.raises(error, match=message):
        AnalysisOptions(**options)


def test_labels_group_objects_and_roi_restricts():
    left = capsule((100, 200), (50, 10), (50, 90), 4)
    right = capsule((100, 200), (50, 110), (50, 190), 4)
    angles = np.zeros((100, 200))
    labels = np.where(left | right, 7, 0)
    result = analyze_image(angles, left | right, labels=labels)
    assert result.objects["object"].tolist() == [7]
    assert result.objects["length"].item() == pytest.approx(2 * 84, rel=0.03)
    roi = np.zeros((100, 200), np.uint8)
    roi[:, :100] = 1
    roi[:, 100:] = 2
    restricted = analyze_image(angles, left | right, roi=(roi == 1))
    assert restricted.image["pixels"] == left.sum()
    per_roi = analyze_image(angles, left | right, roi=roi).rois
    assert per_roi["roi"].tolist() == [1, 2] and per_roi["pixels"].tolist() == [left.sum()] * 2
    # An image without structure still has its ROIs, each with 0 pixels and no direction (a
    # batch's rois.csv lost them, and so the share of empty ROIs).
    empty = analyze_image(angles, np.zeros((100, 200), bool), roi=roi)
    assert empty.image["note"] and empty.rois["roi"].tolist() == [1, 2]
    assert empty.rois["pixels"].tolist() == [0, 0] and empty.rois["mean_direction"].isna().all()
    assert list(empty.rois.columns) == list(per_roi.columns)


def test_label_ids_in_the_millions_cost_what_two_labels_cost():
    # Ids 10,000,000 and 2,000,000,000 (colour-coded labels, class * 1000 + n): every table
    # was counted up to the largest id, gigabytes for two objects, then killed for memory.
    # The ids stay the user's in the tables and the object map; ROIs likewise.
    import tracemalloc

    left = capsule((100, 200), (50, 10), (50, 90), 4)
    right = capsule((100, 200), (50, 110), (50, 190), 4)
    labels = np.where(left, 10_000_000, 0) + np.where(right, 2_000_000_000, 0)
    tracemalloc.start()
    result = analyze_image(np.zeros((100, 200)), left | right, labels=labels, roi=labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 500 * 2**20  # tens of MB (ids up to 10,000,000 alone took 3.3 GB)
    assert result.objects["object"].tolist() == [10_000_000, 2_000_000_000]
    assert set(result.branches["object"]) == {10_000_000, 2_000_000_000}
    assert set(np.unique(result.objects_map)) == {0, 10_000_000, 2_000_000_000}
    assert result.rois["roi"].tolist() == [10_000_000, 2_000_000_000]
    assert result.rois["pixels"].tolist() == [left.sum(), right.sum()]


def test_size_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"mask is 20x10 \(WxH\) but the angle map is 30x10"):
        analyze_image(np.zeros((10, 30)), mask=np.ones((10, 20)))


def test_empty_mask_is_a_row_with_a_note_not_a_crash():
    result = analyze_image(np.zeros((32, 32)), mask=np.zeros((32, 32)))
    assert "no structure" in result.image["note"]
    assert math.isnan(result.image["order_parameter"]) and result.objects.empty
    nan_angles = analyze_image(np.full((32, 32), np.nan))
    assert "no structure" in nan_angles.image["note"]


def test_min_size_drops_small_labels_too():
    # --min-size applied to connected components only: with --labels a 1-px label was an
    # object of its own. Label 7 is a bar of 8 x 80 px; label 3 is 3 px, below the 10.
    bar = capsule((40, 100), (20, 10), (20, 90), 4)
    labels = np.where(bar, 7, 0)
    labels[2, 2:5] = 3
    structure = labels > 0
    result = analyze_image(np.zeros(labels.shape), structure, labels=labels)
    assert result.objects["object"].tolist() == [7]
    kept = analyze_image(
        np.zeros(labels.shape), structure, labels=labels, options=AnalysisOptions(min_size=3)
    )
    assert kept.objects["object"].tolist() == [3, 7]

    # images.csv counts the objects measured, not the largest label id.
    assert result.image["objects"] == 1 and kept.image["objects"] == 2


def test_a_wide_bar_keeps_its_edge_next_to_a_thin_line():
    # A bar of rows 10-30 (21 px, centre-line row 20) and a 1-px line on row 33, two empty
    # rows between them. The bar's rows 27-30 lie 7-10 px from its own centre-line but 3-6 px
    # from the line's: taken by the nearest centre-line of any object, they gave the line's
    # branch 4 more rows (width ~5, area ~800) and the bar's 4 fewer (width ~17).
    mask = np.zeros((48, 200), bool)
    mask[10:31, 10:191] = True
    mask[33, 20:181] = True
    angles = np.where(mask, 0.0, np.nan)
    angles[33, 20:181] = math.radians(30)  # the line says 30 deg, the bar 0 deg
    result = analyze_image(angles, mask)
    areas = result.branches.groupby("object")["area"].sum()
    objects = result.objects.set_index("object")
    assert areas.to_dict() == objects["area"].to_dict() == {1: 21 * 181, 2: 161}
    bar, line = result.branches.groupby("object")["width_mean"].mean()
    assert bar == pytest.approx(21.0, abs=0.5) and line == pytest.approx(1.0, abs=0.1)
    line_branch = result.branches[result.branches["object"] == 2]
    assert math.degrees(line_branch["direction_mean"].item()) == pytest.approx(30.0)


@pytest.mark.parametrize(
    "labels",
    [
        np.full((8, 8), 0.5),
        np.full((8, 8), -1),
        np.dstack([np.zeros((8, 8), np.uint8)] * 2 + [np.ones((8, 8), np.uint8)]),
    ],
)
def test_labels_that_are_not_integers_are_refused(labels):
    with pytest.raises(ValueError, match="labels must be"):
        analyze_image(np.zeros((8, 8)), np.ones((8, 8)), labels=labels)


def test_an_roi_is_named_as_one_and_gray_stored_as_rgb_is_its_one_channel():
    mask = np.ones((8, 8))
    with pytest.raises(ValueError, match=r"roi: ROI must be integers \(one value per region"):
        analyze_image(np.zeros((8, 8)), mask, roi=np.full((8, 8), 0.5))
    roi = np.zeros((8, 8), np.uint8)
    roi[:, 4:] = 2
    gray = analyze_image(np.zeros((8, 8)), mask, roi=roi).rois
    rgb = analyze_image(np.zeros((8, 8)), mask, roi=np.dstack([roi] * 3)).rois
    pd.testing.assert_frame_equal(gray, rgb)
    assert gray["roi"].tolist() == [2]


def test_whole_number_float_labels_are_accepted():
    mask = capsule((60, 60), (30, 5), (30, 55), 3)
    result = analyze_image(np.zeros((60, 60)), mask, labels=mask * 2.0)
    assert result.objects["object"].tolist() == [2]


def test_a_line_split_between_two_labels_is_measured_per_label():
    # A 256 x 3 px line, columns 20-147 labelled 7 and 148-275 labelled 9. Each label on its
    # own is a 128 x 3 bar: length ~128 px, area 384 px, width_mean = 384 / 128 = 3. (Before,
    # the skeleton ran across the boundary: label 7 got the whole length, ~255 px, so width
    # 384 / 255 = 1.5, and label 9 length 0.)
    labels = np.zeros((64, 300), np.int64)
    labels[30:33, 20:148] = 7
    labels[30:33, 148:276] = 9
    result = analyze_image(np.zeros(labels.shape), labels > 0, labels=labels)
    objects = result.objects.set_index("object")
    assert objects.index.tolist() == [7, 9]
    assert objects["area"].tolist() == [384, 384]
    assert objects["length"].tolist() == pytest.approx([128, 128], rel=0.02)
    assert objects["width_mean"].tolist() == pytest.approx([3, 3], abs=0.1)
    assert objects["ends"].tolist() == [2, 2] and objects["junctions"].tolist() == [0, 0]
    branches = result.branches
    assert branches["object"].tolist() == [7, 9]
    assert branches["length"].tolist() == pytest.approx([128, 128], rel=0.02)
    assert branches["area"].tolist() == [384, 384]


def test_labels_touching_in_a_t_get_no_junction():
    # A bar (label 1, 120 x 5 px) and a stem (label 2, 60 x 5 px) touching it in a T: each
    # label alone is a straight bar, so length 120 and 60, width 600/120 = 300/60 = 5,
    # tortuosity 1, two ends and no junction (the union's junction is not either label's).
    labels = np.zeros((100, 140), np.int64)
    labels[20:25, 10:130] = 1
    labels[25:85, 68:73] = 2
    result = analyze_image(np.zeros(labels.shape), labels > 0, labels=labels)
    objects = result.objects.set_index("object")
    assert objects["length"].tolist() == pytest.approx([120, 60], rel=0.02)
    assert objects["width_mean"].tolist() == pytest.approx([5, 5], abs=0.1)
    assert objects["tortuosity"].tolist() == pytest.approx([1, 1], abs=0.01)
    assert objects["junctions"].tolist() == [0, 0] and objects["ends"].tolist() == [2, 2]
    assert objects["branches"].tolist() == [1, 1]


def test_the_width_of_a_label_does_not_read_its_neighbours_distance():
    # A 1-px line (label 1, row 20) lying on a 5-px band (label 2, rows 21-25). Each label's
    # own distance transform: 1 on the line; 1, 2, 3, 2, 1 across the band. Local width
    # d(p) + max(d(p+n), d(p-n)): the line 1 + max(0, 0) = 1 (row 21 is label 2's, not the
    # line's; it read 1 + 1 = 2); the band's centre row 3 + 2 = 5 (the smoothed normal tilts a
    # little near the ends).
    labels = np.zeros((48, 120), np.int64)
    labels[20, 10:110] = 1
    labels[21:26, 10:110] = 2
    result = analyze_image(np.zeros(labels.shape), labels > 0, labels=labels)
    objects = result.objects.set_index("object")
    assert objects.loc[1, "width_max"] == pytest.approx(1.0)
    assert objects.loc[2, "width_max"] == pytest.approx(5.0, abs=0.1)
    assert objects["width_mean"].tolist() == pytest.approx([1, 5], abs=0.1)


def test_angles_in_degrees_are_refused_naming_the_range_found():
    # 90.0 is vertical in degrees but 90 rad is nonsense (it read as 116.6°).
    with pytest.raises(ValueError, match=r"radians in \[0, pi\).*from 90 to 90; convert degrees"):
        analyze_image(np.full((16, 16), 90.0), np.ones((16, 16)))
    # (-90°, 0] in radians: another range, not degrees (the advice said convert degrees).
    with pytest.raises(ValueError, match=r"from -1\.571 to 0; these look like radians of another"):
        analyze_image(np.linspace(-math.pi / 2, 0, 256).reshape(16, 16), np.ones((16, 16)))


def test_angles_just_outside_zero_to_pi_and_nan_are_accepted():
    # float32 rounding can put 0 or π a hair outside [0, π]: within 1e-3 rad that is allowed.
    angles = np.zeros((16, 16))
    angles[:, :4], angles[:, 4:8], angles[:, 8:12] = -5e-4, math.pi + 5e-4, np.nan
    # Every pixel but the 4 NaN columns is structure: 16 rows x 12 columns.
    assert analyze_image(angles, np.ones((16, 16))).image["pixels"] == 16 * 12


def test_angle_maps_of_another_shape_are_refused():
    with pytest.raises(ValueError, match=r"one numeric \(H, W\) array.*\(2, 16, 16\)"):
        analyze_image(np.zeros((2, 16, 16)), np.ones((16, 16)))


def test_maps_as_predict_gives_them_are_taken():
    # predict gives (1, H, W) angles, confidences and structure: the angles were squeezed,
    # the others compared by their first two axes ("confidence is 16x1 (WxH)").
    angles = np.full((1, 16, 16), math.radians(30.0))
    confidence = np.zeros((1, 16, 16))
    confidence[0, 6:10] = 1.0
    flat = analyze_image(angles[0], confidence=confidence[0]).image
    for given in (dict(confidence=confidence), dict(mask=confidence > 0.5)):
        result = analyze_image(angles, **given).image
        assert result["pixels"] == flat["pixels"] == 64
    with pytest.raises(ValueError, match=r"confidence is 16x2 \(WxH\)"):
        analyze_image(angles, confidence=np.zeros((2, 16, 16)))


def test_options_may_be_a_dict_of_their_fields():
    # dict(...) failed with an AttributeError deep inside.
    angles, mask = np.full((16, 16), math.radians(30.0)), np.zeros((16, 16))
    mask[6:10] = 1
    given = analyze_image(angles, mask, options=dict(pixel_size=0.5, unit="um")).objects
    typed = AnalysisOptions(pixel_size=0.5, unit="um")
    pd.testing.assert_frame_equal(given, analyze_image(angles, mask, options=typed).objects)
    with pytest.raises(TypeError, match="unknown analysis options pixelsize: known are"):
        analyze_image(angles, mask, options=dict(pixelsize=0.5))
    with pytest.raises(TypeError, match="AnalysisOptions or a dict of its fields, got list"):
        analyze_image(angles, mask, options=[0.5])


def test_nan_angles_get_a_note_that_says_so():
    # All NaN: not an empty mask or a low confidence, whatever the mask says.
    result = analyze_image(np.full((32, 32), np.nan), np.ones((32, 32)))
    assert result.image["note"] == "no structure pixel: the angle map is all NaN (no finite angle)"
    # Finite angles only off the mask: NaN on every structure pixel.
    mask = np.zeros((32, 32), bool)
    mask[10:20, 10:20] = True
    angles = np.where(mask, np.nan, 0.0)
    note = analyze_image(angles, mask).image["note"]
    assert note == "no structure pixel: the angles are NaN (not finite) on every structure pixel"
    empty = analyze_image(np.zeros((32, 32)), np.zeros((32, 32))).image["note"]
    assert "empty mask" in empty and "NaN" not in empty


def test_nan_angles_inside_the_mask_leave_its_geometry_alone():
    # A 120-px bar, 7 px wide, at 30 deg; every other row of angles NaN (a field with holes).
    # The skeleton, length and width are the mask's; only the direction statistics skip the
    # NaN pixels. Before, the NaN rows were cut out of the structure: the bar fell apart
    # into 1-px slivers (no object of 10 px left).
    mask = capsule((100, 160), *segment(120, 30, (50.5, 80.5)), 7)
    angles = np.full(mask.shape, math.radians(30))
    holes = angles.copy()
    holes[::2] = np.nan
    whole, holed = analyze_image(angles, mask), analyze_image(holes, mask)
    assert holed.objects["length"].tolist() == whole.objects["length"].tolist()
    assert holed.objects["width_mean"].tolist() == whole.objects["width_mean"].tolist()
    assert holed.objects["direction_mean"].item() == pytest.approx(math.radians(30))
    # The field statistics count only pixels with a direction: about half of the bar.
    assert holed.image["pixels"] == np.isfinite(holes[mask]).sum() < whole.image["pixels"]


def test_objects_all_below_the_minimum_size_get_a_note_that_says_so():
    # Three 2x2 dots (4 px each) against min_size 10: structure exists, it is only too small;
    # the note used to blame an empty mask or a low confidence.
    mask = np.zeros((32, 32), bool)
    mask[4:6, 4:6] = mask[14:16, 14:16] = mask[24:26, 24:26] = True
    note = analyze_image(np.zeros((32, 32)), mask).image["note"]
    assert note == (
        "no object of at least 10 px: 12 structure pixels in 3 smaller objects (lower the "
        "minimum size, --min-size / min_size)"
    )
    kept = analyze_image(np.zeros((32, 32)), mask, options=AnalysisOptions(min_size=4))
    assert kept.image["objects"] == 3 and "note" not in kept.image


def test_angles_alone_without_nan_warn_that_the_whole_image_is_structure():
    with pytest.warns(UserWarning, match="whole image counts as structure; pass mask="):
        result = analyze_image(np.zeros((16, 16)))
    assert result.image["pixels"] == 256
    angles = np.full((16, 16), np.nan)
    angles[8, 2:14] = 0.0  # NaN marks the background: no warning, the finite pixels count
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert analyze_image(angles, options=AnalysisOptions(min_size=4)).image["pixels"] == 12


def test_pinholes_in_the_structure_are_not_loops():
    # A 200 x 9 px bar with 1-px holes on its axis (speckle in a thresholded mask; pixels
    # without data, to which predict gives confidence 0). Each hole was a loop to the
    # skeleton: holes every 2 px made the whole axis one junction (length 44 px, width 39)
    # and 20 holes gave 20 junctions. Holes up to max_hole px (10) are filled; a hole that is
    # larger, or one open to the frame, is kept.
    mask = np.zeros((64, 256), bool)
    mask[26:35, 20:220] = True
    angles = np.where(mask, 0.0, np.nan)
    holed = mask.copy()
    holed[30, 40:200:2] = False
    for confidence in (None, holed.astype(float)):  # a mask, or predict's confidence
        given = holed if confidence is None else None
        bar = analyze_image(angles, given, confidence).objects.iloc[0]
        # Length: 200 px along the axis from end to end (the smoothed centre-line, 200.1).
        assert bar["length"] == pytest.approx(200, abs=0.5) and bar["junctions"] == 0
        assert bar["width_mean"] == pytest.approx(9, abs=0.1) and bar["ends"] == 2
    kept = analyze_image(angles, holed, options={"max_hole": 0}).objects.iloc[0]
    assert kept["junctions"] > 0  # the option turns the filling off
    ring = mask.copy()
    ring[28:33, 100:103] = False  # a 15-px hole: more than 10, a loop of the structure
    assert analyze_image(angles, ring).objects.iloc[0]["junctions"] == 2
    notch = np.ones((5, 6), bool)
    notch[0, 2] = False  # background open to the frame: the outside, not a hole
    assert not fill_small_holes(notch, 10)[0, 2] and fill_small_holes(~np.pad(~notch, 1), 10).all()


@pytest.mark.parametrize("bad", [-0.5, np.nan, np.inf, 50.0])
def test_a_confidence_outside_zero_to_one_is_refused(bad):
    # -0.5, NaN or inf on one bar dropped it from the statistics without a word (S 1.0 for
    # two perpendicular bars); a 0-100 scale made the whole background structure.
    mask, angles = _bar()
    confidence = mask.astype(float)
    confidence[mask] = bad
    with pytest.raises(ValueError, match="confidence must be finite values in \\[0, 1\\]"):
        analyze_image(angles, mask, confidence)


def test_labels_and_rois_as_predict_shapes_and_options_as_a_dict_for_convert_table():
    # (1, H, W) labels and ROIs were "64x1 (WxH)" (masks and confidences were taken);
    # convert_table(table, dict(...)) failed with "'dict' object has no attribute".
    mask, angles = _bar()
    labels = mask.astype(np.int64)[None] * 5
    result = analyze_image(angles, mask, labels=labels, roi=labels)
    assert result.objects["object"].tolist() == [5] and result.rois["roi"].tolist() == [5]
    table = convert_table(result.objects, dict(pixel_size=0.5, unit="um"))
    assert table["length"].item() == pytest.approx(result.objects["length"].item() / 2)
    assert table["unit"].item() == "um"
