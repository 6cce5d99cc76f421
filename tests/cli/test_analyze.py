"""`dense-direction analyze` on a predictions folder written by hand (no model needed)."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis_shapes import capsule, segment, y_junction
from dense_direction.analysis.report.writer import OBJECT_COLUMNS
from dense_direction.cli.main import main
from helpers import two_field_estimator


def _analyze(predictions, out, *extra):
    return main(["analyze", "--predictions", str(predictions), "--out", str(out), *extra])


def _write_prediction(folder, stem, mask, angle_deg):
    np.save(folder / f"{stem}_angles.npy", np.full(mask.shape, math.radians(angle_deg), "f4"))
    Image.fromarray((mask * 255).astype(np.uint8)).save(folder / f"{stem}_confidence.png")


@pytest.fixture
def predictions(tmp_path):
    folder = tmp_path / "pred"
    folder.mkdir()
    _write_prediction(
        folder, "bar", capsule((200, 200), *segment(150, 135, (100.5, 100.5)), 6), 135
    )
    _write_prediction(folder, "y", y_junction(width=5), 60)
    return folder


def test_writes_tables_and_per_image_files(predictions, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.chdir(predictions.parent)  # summary.json names the folder, not "preds"
    assert _analyze(predictions.relative_to(predictions.parent), out) == 0
    images = pd.read_csv(out / "images.csv")
    assert images["image"].tolist() == ["bar", "y"]
    assert images["order_parameter"].tolist() == pytest.approx([1.0, 1.0])
    assert images["mean_direction"].tolist() == pytest.approx([135.0, 60.0])
    objects = pd.read_csv(out / "objects.csv")
    # The issue's columns first, in its order, then extras (branches, area, unit).
    assert list(objects.columns) == OBJECT_COLUMNS
    issue_order = (
        "image object length width_mean width_max direction_mean dispersion "
        "order_parameter tortuosity curvature_mean junctions ends"
    )
    assert OBJECT_COLUMNS[:12] == issue_order.split()
    y = objects[objects["image"] == "y"].iloc[0]
    assert (y["junctions"], y["ends"], y["branches"]) == (1, 3, 3)
    assert len(pd.read_csv(out / "branches.csv").query("image == 'y'")) == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["images"] == 2 and summary["units"]["length"] == "px"
    assert summary["run"] == {"predictions": str(predictions.resolve())}  # no predict.json
    for stem in ("bar", "y"):
        for suffix in (
            "_rose.png",
            "_objects.png",
            "_misorientation.png",
            "_streamlines.geojson",
            "_graph.graphml",
        ):
            assert (out / f"{stem}{suffix}").is_file()
        # Each feature names its image: tiles' files merged into one GIS layer stay apart.
        features = json.loads((out / f"{stem}_streamlines.geojson").read_text())["features"]
        assert features and {f["properties"]["image"] for f in features} == {stem}
    assert "analysed 2 of 2 images" in capsys.readouterr().out


def test_a_run_into_the_folder_of_a_stopped_run_removes_its_pictures(
    predictions, tmp_path, monkeypatch
):
    # A run killed after bar's pictures left them beside the next run's tables (of y alone),
    # as if one result: only a finished run's summary said what it wrote.
    import dense_direction.analysis.report.writer as writer

    analyze_image, calls = writer.analyze_image, []

    def stopped_at_y(*args):
        calls.append(args)
        if len(calls) == 2:  # bar, then y
            raise KeyboardInterrupt
        return analyze_image(*args)

    out = tmp_path / "out"
    monkeypatch.setattr(writer, "analyze_image", stopped_at_y)
    assert _analyze(predictions, out, "--jobs", "1") == 130
    assert (out / "bar_rose.png").is_file()
    assert json.loads((out / "summary.json").read_text())["complete"] is False
    monkeypatch.undo()
    for name in ("bar_angles.npy", "bar_confidence.png"):
        (predictions / name).unlink()
    assert _analyze(predictions, out, "--jobs", "1") == 0
    assert not list(out.glob("bar_*")) and (out / "y_rose.png").is_file()
    assert json.loads((out / "summary.json").read_text())["complete"] is True


def test_a_second_run_into_one_folder_replaces_the_first(predictions, tmp_path, capsys):
    # A run with ROIs and pictures of bar and y, then one of bar alone, tables only: the
    # first run's rois.csv and pictures stayed beside the second's tables, as if one result.
    out, roi = tmp_path / "out", tmp_path / "roi"
    roi.mkdir()
    for stem in ("bar", "y"):
        Image.fromarray(np.ones((200, 200), np.uint8)).save(roi / f"{stem}.png")
    assert _analyze(predictions, out, "--roi", str(roi)) == 0
    (out / "mine.txt").write_text("a user's file")
    written = sorted(p.name for p in out.iterdir())
    # 5 run files (rois.csv too), 5 per image, and mine.txt.
    assert len(written) == 5 + 2 * 5 + 1 and "rois.csv" in written
    (predictions / "y_angles.npy").unlink()
    (predictions / "y_confidence.png").unlink()
    capsys.readouterr()
    assert _analyze(predictions, out, "--no-plots") == 0
    assert "replaced the earlier analysis in" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "branches.csv", "images.csv", "mine.txt", "objects.csv", "summary.json"
    ]  # fmt: skip
    assert json.loads((out / "summary.json").read_text())["earlier_files_removed"] == 15


def test_summary_histogram_in_the_orientationj_convention(predictions, tmp_path):
    # The bar runs at 135 deg: in OrientationJ's convention -45, the bin from -45 to -40.
    out = tmp_path / "oj"
    assert _analyze(predictions, out, "--no-plots", "--angle-convention", "orientationj") == 0
    histogram = json.loads((out / "summary.json").read_text())["histograms"]["bar"]
    edges, counts = histogram["edges_deg"], histogram["counts"]
    assert edges[0] == -90 and edges[-1] == 90 and len(edges) == len(counts) + 1 == 37
    assert edges[int(np.argmax(counts))] == -45


def test_pixel_size_halves_lengths_and_widths(predictions, tmp_path):
    _analyze(predictions, tmp_path / "px", "--no-plots")
    _analyze(predictions, tmp_path / "um", "--no-plots", "--pixel-size", "0.5", "--unit", "um")
    px, um = (pd.read_csv(tmp_path / d / "objects.csv") for d in ("px", "um"))
    for column in ("length", "width_mean", "width_max"):
        assert um[column].to_numpy() == pytest.approx(px[column].to_numpy() / 2)
    assert set(um["unit"]) == {"um"}
    assert um["area"].to_numpy() == pytest.approx(px["area"].to_numpy() / 4)
    # The area's and the curvature's own units, beside the lengths' (one "unit" column was
    # read as the area's unit too).
    assert set(um["area_unit"]) == {"um^2"} and set(um["curvature_unit"]) == {"1/um"}
    units = json.loads((tmp_path / "um" / "summary.json").read_text())["units"]
    assert units["length"] == "um" and units["area"] == "um^2"  # areas had no unit there
    branches = pd.read_csv(tmp_path / "um" / "branches.csv")
    assert branches["length"].sum() == pytest.approx(
        pd.read_csv(tmp_path / "px" / "branches.csv")["length"].sum() / 2
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # Lengths in pixels were labelled um; lengths in micrometres were labelled "unit".
        (["--unit", "um"], "--unit needs --pixel-size"),
        (["--pixel-size", "0.5"], "--pixel-size needs --unit"),
        # The options' own checks, named by the flag that was typed, not the API's field.
        (["--pixel-size", "-1", "--unit", "um"], "--pixel-size must be > 0, got -1.0"),
        (["--threshold", "1.5"], "--threshold must be in [0, 1), got 1.5"),
        (["--min-size", "-1"], "--min-size must be"),
        # Scaled by 0.5 but labelled px (an empty unit became "px").
        (["--pixel-size", "0.5", "--unit", ""], "--unit must name the unit of pixel_size"),
        (["--pixel-size", "0.5", "--unit", "px"], "--unit 'px' means lengths in pixels"),
    ],
)
def test_pixel_size_and_unit_come_together(predictions, tmp_path, capsys, extra, message):
    assert _analyze(predictions, tmp_path / "out", "--no-plots", *extra) == 2
    assert message in capsys.readouterr().err


def test_orientationj_convention(predictions, tmp_path):
    out = tmp_path / "oj"
    _analyze(predictions, out, "--no-plots", "--angle-convention", "orientationj")
    # 135° counter-clockwise is -45° in OrientationJ's (-90, 90].
    assert pd.read_csv(out / "images.csv")["mean_direction"].tolist() == pytest.approx(
        [-45.0, 60.0]
    )


def test_bad_inputs_are_reported_per_image(predictions, tmp_path, capsys):
    # An empty confidence: a row with a note. A mask of another size, and labels that are
    # fractions: skipped with a message each; the exit code says something was skipped.
    _write_prediction(predictions, "empty", np.zeros((50, 50), bool), 0)
    masks, labels = tmp_path / "masks", tmp_path / "labels"
    masks.mkdir()
    labels.mkdir()
    for stem, shape in (("bar", (200, 200)), ("y", (100, 100)), ("empty", (50, 50))):
        Image.fromarray(np.full(shape, 255, np.uint8)).save(masks / f"{stem}.png")
    out = tmp_path / "out"
    code = _analyze(predictions, out, "--no-plots", "--masks", str(masks))
    printed, errors = capsys.readouterr()
    assert code == 1
    # The reasons of exit code 1 go to stderr (with 2> err.log the error log was empty).
    assert "skipped y: mask is 100x100 (WxH) but the angle map is 200x200" in errors
    assert "note empty: no structure" not in printed  # the full mask has structure
    Image.fromarray(np.full((200, 200), 0.5, np.float32)).save(labels / "bar.tif")
    for stem, shape in (("y", (200, 200)), ("empty", (50, 50))):
        Image.fromarray(np.ones(shape, np.uint8)).save(labels / f"{stem}.png")
    code = _analyze(predictions, out, "--no-plots", "--labels", str(labels))
    printed, errors = capsys.readouterr()
    assert code == 1 and "labels must be integers" in errors
    assert "note empty: no structure pixel" in printed
    images = pd.read_csv(out / "images.csv")
    assert images.set_index("image").loc["empty", "note"].startswith("no structure")


def test_an_image_too_large_for_the_memory_skips_that_image(
    predictions, tmp_path, capsys, monkeypatch
):
    # A MemoryError in one image was a traceback that lost the whole run's tables.
    import dense_direction.analysis.report.writer as writer

    real = writer.analyze_image

    def short_of_memory(angles, *args, **kwargs):
        if angles.shape == (200, 200) and np.isclose(np.nanmax(angles), np.radians(135)):
            raise MemoryError("Unable to allocate 2.1 GiB for an array")
        return real(angles, *args, **kwargs)

    monkeypatch.setattr(writer, "analyze_image", short_of_memory)
    assert _analyze(predictions, tmp_path / "out", "--no-plots") == 1
    errors = capsys.readouterr().err
    assert "skipped bar: not enough memory to analyse it (Unable to allocate" in errors
    assert pd.read_csv(tmp_path / "out" / "images.csv")["image"].tolist() == ["y"]


def test_a_picture_of_another_size_skips_its_image_not_the_run(predictions, tmp_path, capsys):
    # --images with --predictions draws the overlays on the pictures; one of another size
    # aborted the whole run (no images.csv) with a message that named no file.
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(np.zeros((200, 200, 3), np.uint8)).save(photos / "bar.png")
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(photos / "y.png")
    out = tmp_path / "out"
    code = _analyze(predictions, out, "--images", str(photos))
    errors = capsys.readouterr().err
    assert code == 1
    assert "skipped y: " in errors and "y.png is 64x64 (WxH) but its angle map" in errors
    assert pd.read_csv(out / "images.csv")["image"].tolist() == ["bar"]


@pytest.mark.parametrize("flag", ["--labels", "--roi", "--images"])
def test_an_angle_map_without_its_labels_roi_or_picture_is_an_error(
    predictions, tmp_path, capsys, flag
):
    # A missing (or misnamed) label or ROI file measured that image over the whole frame
    # without a word; the run must stop as a missing --masks file stops it, naming both.
    folder = tmp_path / "paired"
    folder.mkdir()
    Image.fromarray(np.ones((200, 200), np.uint8)).save(folder / "bar.png")
    Image.fromarray(np.ones((200, 200), np.uint8)).save(folder / "y_roi.png")
    assert _analyze(predictions, tmp_path / "out", "--no-plots", flag, str(folder)) == 2
    err = capsys.readouterr().err
    assert f"1 angle maps in {predictions} have no {flag[2:].rstrip('s')}" in err
    assert f"in {folder}: y (" in err and "y_roi.png in" in err and "pairs with none" in err
    assert not (tmp_path / "out" / "images.csv").exists()


def test_images_without_their_labels_stop_before_the_model_loads(tmp_path, capsys, monkeypatch):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.mkdir()
    labels.mkdir()
    for stem in ("a", "b"):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(images / f"{stem}.png")
    Image.fromarray(np.ones((32, 32), np.uint8)).save(labels / "a.png")
    monkeypatch.setattr("dense_direction.cli._analyze_sources.load_estimator", pytest.fail)
    argv = ["analyze", "--images", str(images), "--labels", str(labels), "--out", str(tmp_path)]
    assert main(argv) == 2
    assert f"1 images in {images} have no labels in {labels}: b" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["--model", "nope"], "--model"), (["--no-tta", "--tile", "100"], "--tta/--no-tta, --tile")],
)
def test_how_to_predict_is_refused_with_predictions(predictions, tmp_path, capsys, extra, named):
    # The angle maps are read as predict wrote them: these flags were accepted and ignored.
    assert _analyze(predictions, tmp_path / "out", "--no-plots", *extra) == 2
    assert f"error: {named}: these say how to predict" in capsys.readouterr().err


def test_a_pattern_for_the_pictures_of_predictions_is_explained(predictions, tmp_path, capsys):
    # With --predictions, --images is a folder; a pattern said only "image folder not found".
    pattern = str(tmp_path / "photos" / "*.png")
    assert _analyze(predictions, tmp_path / "out", "--images", pattern) == 2
    assert "with --predictions, --images names the folder of the pictures" in (
        capsys.readouterr().err
    )


def test_needs_a_source(tmp_path, capsys):
    assert main(["analyze", "--out", str(tmp_path / "o")]) == 2
    assert "give --predictions DIR" in capsys.readouterr().err
    assert main(["analyze", "--predictions", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no <stem>_angles.npy files" in capsys.readouterr().err
    (tmp_path / "x_angles.npy").write_bytes(b"")
    argv = ["analyze", "--predictions", str(tmp_path / "x_angles.npy"), "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "the folder predict wrote is needed, got a file: " in capsys.readouterr().err


def test_images_alone_are_predicted_with_the_bundled_model(tmp_path, capsys):
    # As predict: no --checkpoint or --model means the bundled model, named first.
    from dense_direction.synthetic import generate_sample

    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(generate_sample("cracks", (64, 64), seed=1).image).save(images / "a.png")
    (images / "scale.txt").write_text("0.5 um")  # not an image: named, not read
    out = tmp_path / "out"
    assert (
        main(["analyze", "--images", str(images), "--out", str(out), "--no-tta", "--no-plots"]) == 0
    )
    printed = capsys.readouterr().out
    assert f"ignored in {images}: 1 file that is not an image (scale.txt)" in printed
    assert "model: bundled 'general'" in printed and "analysed 1 of 1 images" in printed
    assert pd.read_csv(out / "images.csv").image.tolist() == ["a"]
    # The summary says which model predicted, and how.
    from dense_direction.models import bundled_model

    run = json.loads((out / "summary.json").read_text())["run"]
    assert run["model"] == "bundled:general" and run["options"]["tta"] == 1
    assert run["sha256"] == bundled_model("general").manifest["sha256"]
    # One file or a pattern, as predict --input takes them (a file was "not found").
    Image.fromarray(generate_sample("roads", (64, 64), seed=2).image).save(images / "b.png")
    for given, stems in ((images / "b.png", ["b"]), (images / "*.png", ["a", "b"])):
        argv = ["analyze", "--images", str(given), "--out", str(out), "--no-tta", "--no-plots"]
        assert main(argv) == 0, capsys.readouterr().err
        assert pd.read_csv(out / "images.csv").image.tolist() == stems
    # With --predictions, --images names the folder of the overlays' pictures.
    pred = tmp_path / "pred"
    pred.mkdir()
    np.save(pred / "b_angles.npy", np.zeros((64, 64), np.float32))
    assert main(["analyze", "--predictions", str(pred), "--images", str(images / "b.png"),
                 "--out", str(tmp_path / "o2")]) == 2  # fmt: skip
    assert f"a folder of image files is needed, got a file: {images / 'b.png'}" in (
        capsys.readouterr().err
    )


def test_an_image_whose_file_is_gone_is_a_failed_image(tmp_path, capsys):
    # As in predict: a link into a purged folder was "ignored" and the run ended "analysed
    # 1 of 1 images", exit 0.
    from dense_direction.synthetic import generate_sample

    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(generate_sample("cracks", (64, 64), seed=1).image).save(images / "a.png")
    (images / "b.png").symlink_to(tmp_path / "purged" / "b.png")
    out = tmp_path / "out"
    argv = ["analyze", "--images", str(images), "--out", str(out), "--no-tta", "--no-plots"]
    assert main(argv) == 1
    said = capsys.readouterr()
    assert "analysed 1 of 2 images" in said.out and "ignored" not in said.out
    assert f"skipped b: {images / 'b.png'} is a broken link (to {tmp_path}/purged" in said.err
    failed = json.loads((out / "summary.json").read_text())["failed"]
    assert [f["image"] for f in failed] == ["b"]


def test_an_angle_map_without_confidence_or_mask_is_an_error(tmp_path, capsys):
    # Before, every pixel silently counted as structure.
    folder = tmp_path / "pred"
    folder.mkdir()
    mask = capsule((60, 60), (30, 5), (30, 55), 4)
    np.save(folder / "a_angles.npy", np.zeros(mask.shape, "f4"))
    assert _analyze(folder, tmp_path / "out", "--no-plots") == 2
    err = capsys.readouterr().err
    assert "a_angles.npy has no a_confidence.png beside it" in err
    assert "pass --masks DIR" in err and "re-run dense-direction predict" in err
    masks = tmp_path / "masks"
    masks.mkdir()
    Image.fromarray((mask * 255).astype(np.uint8)).save(masks / "a.png")
    assert _analyze(folder, tmp_path / "out", "--no-plots", "--masks", str(masks)) == 0
    assert pd.read_csv(tmp_path / "out" / "images.csv")["pixels"].tolist() == [mask.sum()]


@pytest.mark.parametrize(("kind", "status"), [("coherence", 2), ("structure", 0)])
def test_the_coherence_of_a_direction_only_model_is_not_a_structure_mask(
    predictions, tmp_path, capsys, kind, status
):
    # predict's record says what its confidence PNGs hold; a direction-only model's coherence
    # is high in the background too, so thresholding it would silently measure background.
    (predictions / "predict.json").write_text(json.dumps({"confidence": kind}))
    assert _analyze(predictions, tmp_path / "out", "--no-plots") == status
    if status:
        err = capsys.readouterr().err
        assert "direction-only model" in err and "pass --masks DIR" in err
        masks = tmp_path / "masks"
        masks.mkdir()
        for stem in ("bar", "y"):
            confidence = np.asarray(Image.open(predictions / f"{stem}_confidence.png"))
            Image.fromarray(confidence).save(masks / f"{stem}.png")
        assert _analyze(predictions, tmp_path / "out", "--no-plots", "--masks", str(masks)) == 0


def test_images_with_a_direction_only_model_need_masks(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    import dense_direction.cli._analyze_sources as analyze

    monkeypatch.setattr(analyze, "load_estimator", lambda args: SimpleNamespace(seg_channels=0))
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(images / "a.png")
    argv = ["analyze", "--images", str(images), "--out", str(tmp_path / "out")]
    assert main([*argv, "--checkpoint", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"the predictions of {tmp_path / 'run'} come from a direction-only model" in err


def test_angle_maps_in_degrees_or_of_another_shape_are_skipped(predictions, tmp_path, capsys):
    mask = np.ones((64, 64), bool)
    np.save(predictions / "deg_angles.npy", np.full(mask.shape, 90.0, "f4"))  # degrees
    np.save(predictions / "two_angles.npy", np.zeros((2, 64, 64), "f4"))  # two maps, one conf.
    for stem in ("deg", "two"):
        Image.fromarray((mask * 255).astype(np.uint8)).save(predictions / f"{stem}_confidence.png")
    assert _analyze(predictions, tmp_path / "out", "--no-plots") == 1
    errors = capsys.readouterr().err
    assert "skipped deg: " in errors and "found values from 90 to 90" in errors
    assert "deg_angles.npy: angles must be radians in [0, pi)" in errors
    assert "two_angles.npy holds 2 maps (shape (2, 64, 64))" in errors
    assert pd.read_csv(tmp_path / "out" / "images.csv")["image"].tolist() == ["bar", "y"]


def _two_classes(folder, record=None, confidence=None):
    """What predict writes for a model with direction classes 1 and 2 (``record``: the
    classes' order in its predict.json; ``confidence``: the same for both classes): a
    (2, H, W) angle map and one confidence per class. Class 1 is a horizontal bar at 30 deg
    (its confidence, rows 10-20), class 2 a vertical bar at 100 deg (columns 40-50), each of
    the file's maps holding its class's angle everywhere."""
    folder.mkdir()
    bars = {1: np.zeros((60, 60), bool), 2: np.zeros((60, 60), bool)}
    bars[1][10:21, 5:55] = True
    bars[2][5:55, 40:51] = True
    order = record or [1, 2]
    angles = np.stack([np.full((60, 60), math.radians({1: 30, 2: 100}.get(c, 0))) for c in order])
    np.save(folder / "a_angles.npy", angles.astype("f4"))
    for k, bar in bars.items():
        values = bar if confidence is None else confidence
        Image.fromarray((values * 255).astype(np.uint8)).save(folder / f"a_confidence_class{k}.png")
    if record is not None:
        (folder / "predict.json").write_text(json.dumps({"direction_classes": record}))
    return bars


@pytest.mark.parametrize("record", [None, [1, 2], [2, 1]])
def test_each_class_of_a_multi_class_prediction_is_analysed_on_its_own(tmp_path, record):
    # Before, the first class was analysed and the others dropped without a word. The maps'
    # order is the record's (predict writes the model's dir_classes), else the ids' order.
    bars = _two_classes(tmp_path / "pred", record)
    assert _analyze(tmp_path / "pred", tmp_path / "out") == 0
    images = pd.read_csv(tmp_path / "out" / "images.csv")
    assert images["image"].tolist() == ["a_class1", "a_class2"]
    assert images["mean_direction"].tolist() == pytest.approx([30.0, 100.0])
    assert images["pixels"].tolist() == [bars[1].sum(), bars[2].sum()]
    assert (tmp_path / "out" / "a_class2_rose.png").is_file()
    assert set(pd.read_csv(tmp_path / "out" / "objects.csv")["image"]) == {"a_class1", "a_class2"}
    # The summary keeps predict's record of the predictions (not its list of images).
    run = json.loads((tmp_path / "out" / "summary.json").read_text())["run"]
    expected = {"predictions": str(tmp_path / "pred")}
    assert run == (expected if record is None else {**expected, "direction_classes": record})


def test_one_class_is_picked_with_class_id(tmp_path, capsys):
    _two_classes(tmp_path / "pred")
    assert _analyze(tmp_path / "pred", tmp_path / "out", "--no-plots", "--class-id", "2") == 0
    images = pd.read_csv(tmp_path / "out" / "images.csv")
    assert images["image"].tolist() == ["a_class2"]
    assert images["mean_direction"].tolist() == pytest.approx([100.0])
    assert _analyze(tmp_path / "pred", tmp_path / "out", "--class-id", "3") == 2
    assert "has no direction class 3: its classes are 1, 2" in capsys.readouterr().err


def test_class_maps_give_each_class_its_structure(tmp_path):
    # Confidence 1 everywhere: the class maps alone say which pixels are whose.
    bars = _two_classes(tmp_path / "pred", confidence=np.ones((60, 60), bool))
    maps = tmp_path / "classes"
    maps.mkdir()
    class_map = np.where(bars[2], 2, np.where(bars[1], 1, 0)).astype(np.uint8)
    Image.fromarray(class_map).save(maps / "a.png")
    assert _analyze(tmp_path / "pred", tmp_path / "out", "--no-plots", "--classes", str(maps)) == 0
    images = pd.read_csv(tmp_path / "out" / "images.csv")
    assert images["pixels"].tolist() == [(class_map == 1).sum(), bars[2].sum()]


def test_one_structure_mask_for_several_classes_is_an_error(tmp_path, capsys):
    bars = _two_classes(tmp_path / "pred")
    masks = tmp_path / "masks"
    masks.mkdir()
    Image.fromarray((bars[2] * 255).astype(np.uint8)).save(masks / "a.png")
    assert _analyze(tmp_path / "pred", tmp_path / "out", "--masks", str(masks)) == 2
    err = capsys.readouterr().err
    assert "--masks gives one structure mask per image" in err and "--class-id ID" in err
    argv = ["--no-plots", "--masks", str(masks), "--class-id", "2"]
    assert _analyze(tmp_path / "pred", tmp_path / "out", *argv) == 0
    assert pd.read_csv(tmp_path / "out" / "images.csv")["pixels"].tolist() == [bars[2].sum()]


def test_classes_of_a_single_field_prediction_are_errors(predictions, tmp_path, capsys):
    assert _analyze(predictions, tmp_path / "out", "--class-id", "1") == 2
    assert "holds one direction field: leave --class-id out" in capsys.readouterr().err
    maps = tmp_path / "classes"
    maps.mkdir()
    for stem in ("bar", "y"):
        Image.fromarray(np.ones((8, 8), np.uint8)).save(maps / f"{stem}.png")
    assert _analyze(predictions, tmp_path / "out", "--classes", str(maps)) == 2
    assert "give --masks with structure masks instead" in capsys.readouterr().err


def test_a_record_that_disagrees_with_the_class_files_skips_the_image(tmp_path, capsys):
    _two_classes(tmp_path / "pred", record=[1, 3])
    assert _analyze(tmp_path / "pred", tmp_path / "out", "--no-plots") == 1
    errors = capsys.readouterr().err
    assert "holds the classes 1, 2 (its confidence files) but the run's record lists 1, 3" in errors


def test_images_of_a_multi_class_model_are_predicted_once_for_all_classes(tmp_path, monkeypatch):
    # The two-field model: field 1 horizontal (0 deg), field 2 vertical (90 deg) everywhere;
    # its structure probabilities are 1/3 each (below the threshold): the class map says
    # which pixels are whose.
    import dense_direction.cli._analyze_sources as analyze

    estimator = two_field_estimator()
    calls = []
    predict = estimator.predict
    monkeypatch.setattr(estimator, "predict", lambda *a, **k: calls.append(1) or predict(*a, **k))
    monkeypatch.setattr(analyze, "load_estimator", lambda args: estimator)
    images, maps = tmp_path / "images", tmp_path / "classes"
    images.mkdir()
    maps.mkdir()
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(images / "a.png")
    class_map = np.zeros((40, 40), np.uint8)
    class_map[5:10, 5:35], class_map[12:38, 20:26] = 1, 2
    Image.fromarray(class_map).save(maps / "a.png")
    argv = ["analyze", "--images", str(images), "--classes", str(maps), "--no-tta"]
    assert main([*argv, "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    table = pd.read_csv(tmp_path / "out" / "images.csv")
    assert table["image"].tolist() == ["a_class1", "a_class2"]
    assert table["mean_direction"].tolist() == pytest.approx([0.0, 90.0], abs=1e-3)
    assert table["pixels"].tolist() == [150, 156] and len(calls) == 1


IMAGE_COLUMNS = [
    "image",
    "order_parameter",
    "mean_direction",
    "dispersion",
    "circular_variance",
    "pixels",
    "objects",
    "branches",
    "total_length",
    "valid_area",
    "order_parameter_16px",
    "order_parameter_32px",
    "order_parameter_64px",
    "order_parameter_128px",
    "note",
    "unit",
    "area_unit",
]


def test_images_csv_always_has_the_documented_columns_in_order(predictions, tmp_path):
    # No note at all: the note column is still there (empty); before, it was missing.
    assert _analyze(predictions, tmp_path / "plain", "--no-plots") == 0
    plain = pd.read_csv(tmp_path / "plain" / "images.csv")
    assert list(plain.columns) == IMAGE_COLUMNS and plain["note"].isna().all()
    # A note on the first image only: the same columns in the same place (before, "note"
    # came right after total_length when the first image had one, else last but one).
    _write_prediction(predictions, "a_empty", np.zeros((50, 50), bool), 0)
    assert _analyze(predictions, tmp_path / "noted", "--no-plots") == 0
    noted = pd.read_csv(tmp_path / "noted" / "images.csv")
    assert list(noted.columns) == IMAGE_COLUMNS
    assert noted["note"].isna().tolist() == [False, True, True]


def test_the_area_with_a_value_tells_no_data_from_no_structure(tmp_path):
    # A tile whose right half has no data (NaN angles, as predict writes them) and a bar in
    # its left half; ROI 1 is the left half, ROI 2 the right. ROI 2 has no structure and no
    # data either: it read exactly like a ROI without roads. valid_area: 100 x 50 = 5000 px
    # for the left, 0 for the right; the image 5000 of its 10,000 (x 0.25 with
    # --pixel-size 0.5: um^2).
    folder, rois = tmp_path / "pred", tmp_path / "roi"
    folder.mkdir()
    rois.mkdir()
    mask = capsule((100, 100), (50, 10), (50, 40), 6)
    angles = np.where(np.arange(100)[None, :] < 50, 0.0, np.nan).astype(np.float32)
    angles = np.broadcast_to(angles, (100, 100)).copy()
    np.save(folder / "tile_angles.npy", angles)
    Image.fromarray((mask * 255).astype(np.uint8)).save(folder / "tile_confidence.png")
    roi = np.where(np.arange(100)[None, :] < 50, 1, 2).astype(np.uint8)
    Image.fromarray(np.broadcast_to(roi, (100, 100)).copy()).save(rois / "tile.png")
    out = tmp_path / "out"
    argv = ["--no-plots", "--roi", str(rois), "--pixel-size", "0.5", "--unit", "um"]
    assert _analyze(folder, out, *argv) == 0
    table = pd.read_csv(out / "rois.csv").set_index("roi")
    assert table.loc[1, "valid_area"] == 5000 * 0.25 and table.loc[2, "valid_area"] == 0
    assert set(table["area_unit"]) == {"um^2"}
    images = pd.read_csv(out / "images.csv")
    assert images["valid_area"].item() == 5000 * 0.25


def test_every_table_has_the_image_first(predictions, tmp_path):
    # rois.csv had it last ("roi, ..., unit, image"), where the other tables have it first.
    rois = tmp_path / "rois"
    rois.mkdir()
    for stem, shape in (("bar", (200, 200)), ("y", y_junction(width=5).shape)):
        Image.fromarray(np.ones(shape, np.uint8)).save(rois / f"{stem}.png")
    assert _analyze(predictions, tmp_path / "out", "--no-plots", "--roi", str(rois)) == 0
    for table in ("images", "objects", "branches", "rois"):
        columns = list(pd.read_csv(tmp_path / "out" / f"{table}.csv").columns)
        assert columns[0] == "image", (table, columns)
    columns = list(pd.read_csv(tmp_path / "out" / "rois.csv").columns)
    # The statistics in images.csv's order (circular_variance came before dispersion).
    field = ["order_parameter", "mean_direction", "dispersion", "circular_variance", "pixels"]
    assert columns == ["image", "roi", *field, "valid_area", "unit", "area_unit"]
    images = list(pd.read_csv(tmp_path / "out" / "images.csv").columns)
    assert images[1:6] == field


def test_jobs_must_be_at_least_one(predictions, tmp_path, capsys):
    assert _analyze(predictions, tmp_path / "out", "--jobs", "0") == 2
    assert "--jobs must be >= 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"confidence": "banana"}, "confidence must be one of structure, coherence, got 'banana'"),
        ({"images": "bar"}, "images must be a list of image names, got 'bar'"),
        (["bar"], "not a JSON object"),
    ],
)
def test_a_record_that_does_not_make_sense_is_named(predictions, tmp_path, capsys, record, message):
    (predictions / "predict.json").write_text(json.dumps(record))
    assert _analyze(predictions, tmp_path / "out", "--no-plots") == 2
    err = capsys.readouterr().err
    assert "predict.json (predict's record of the run)" in err and message in err


def test_images_the_record_lists_without_an_angle_map_are_named(predictions, tmp_path, capsys):
    record = {"confidence": "structure", "images": ["bar", "gone", "y"]}
    (predictions / "predict.json").write_text(json.dumps(record))
    assert _analyze(predictions, tmp_path / "out", "--no-plots") == 0
    assert "predict.json lists 1 image without an angle map" in capsys.readouterr().out
    (predictions / "predict.json").write_text(json.dumps(dict(record, images=[])))
    assert _analyze(predictions, tmp_path / "out2", "--no-plots") == 2
    assert "no <stem>_angles.npy files that predict.json lists" in capsys.readouterr().err


def test_jobs_default_to_the_cores_the_job_may_use(monkeypatch):
    # Under taskset -c 0 (a one-core cpuset) analyze started two processes: os.cpu_count()
    # counts the machine's cores, not those the job may run on.
    import dense_direction.cli.analyze as analyze
    from dense_direction.cli.main import build_parser

    monkeypatch.setattr(analyze, "usable_cores", lambda: 1)
    args = build_parser().parse_args(["analyze", "--predictions", "p", "--out", "o"])
    assert args.jobs == 1
