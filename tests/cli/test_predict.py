"""`dense-direction predict` input collection (no model needed)."""

import re

import numpy as np
import pytest
from PIL import Image

from dense_direction.cli.predict import collect_inputs
from dense_direction.prediction import read_run_record


def test_colliding_names_are_refused_and_listed(tmp_path):
    image = np.zeros((4, 4, 3), np.uint8)
    for name in ("x.png", "x.jpg", "y.png"):
        Image.fromarray(image).save(tmp_path / name)
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        collect_inputs(str(tmp_path))
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        collect_inputs(str(tmp_path / "*"))
    (tmp_path / "x.jpg").unlink()
    assert [p.name for p in collect_inputs(str(tmp_path))] == ["x.png", "y.png"]


def test_multi_class_outputs_one_file_set_per_class(tmp_path):
    """Two direction classes (label ids 1 and 2): one .npy with both maps and, per class,
    angle/confidence/overlay PNGs suffixed with the label id."""
    from types import SimpleNamespace

    from dense_direction.cli.predict import write_outputs

    angles = np.zeros((2, 6, 8), np.float32)
    angles[1] = np.pi / 2  # class 2 vertical
    confidence = np.zeros((2, 6, 8), np.float32)
    confidence[0, :, :4] = 1.0  # class 1 shown on the left half only
    confidence[1] = 0.5
    prediction = SimpleNamespace(angles=angles, confidence=confidence, dir_classes=[1, 2])
    rgb = np.full((6, 8, 3), 40, np.uint8)
    write_outputs(tmp_path, "img", rgb, prediction, threshold=0.6, quiver=False)
    names = {p.name for p in tmp_path.iterdir()}
    per_class = {
        f"img_{k}_class{c}.png" for k in ("angles", "confidence", "overlay") for c in (1, 2)
    }
    assert names == {"img_angles.npy", *per_class}
    assert np.array_equal(np.load(tmp_path / "img_angles.npy"), angles)
    # 16-bit angles: 0..65535 stands for 0..pi, so pi/2 -> round(32767.5) = 32768 (numpy
    # rounds half to even); 0 -> 0. Confidence 0.5 -> round(127.5) = 128, 1 -> 255.
    assert np.all(np.asarray(Image.open(tmp_path / "img_angles_class2.png")) == 32768)
    assert np.all(np.asarray(Image.open(tmp_path / "img_angles_class1.png")) == 0)
    assert np.all(np.asarray(Image.open(tmp_path / "img_confidence_class2.png")) == 128)
    class1 = np.asarray(Image.open(tmp_path / "img_confidence_class1.png"))
    assert np.all(class1[:, :4] == 255) and np.all(class1[:, 4:] == 0)
    # Overlays: class 2 (confidence 0.5 < 0.6) leaves the image as it is; class 1 colours
    # its left half (angle 0: red dominates) and leaves the right half.
    overlay2 = np.asarray(Image.open(tmp_path / "img_overlay_class2.png"))[..., :3]
    assert np.all(overlay2 == 40)
    overlay1 = np.asarray(Image.open(tmp_path / "img_overlay_class1.png"))[..., :3]
    assert np.all(overlay1[:, 4:] == 40)
    left = overlay1[:, :4].reshape(-1, 3).astype(int)
    assert np.all(left[:, 0] > left[:, 1]) and np.all(left[:, 0] > left[:, 2])


def _folder_run(tmp_path, monkeypatch, write, broken=None, stop=None, pattern=None, oom=None):
    """`predict` over three images with a stand-in model and ``write`` as its writer; the
    image numbered ``broken`` is not a PNG; predicting the one numbered ``stop`` is stopped
    by Ctrl-C, the one numbered ``oom`` runs out of memory."""
    from types import SimpleNamespace

    import dense_direction.cli.predict as predict

    for i in range(3):
        Image.fromarray(np.full((6, 8, 3), 40 * i, np.uint8)).save(tmp_path / f"im{i}.png")
    if broken is not None:
        (tmp_path / f"im{broken}.png").write_bytes(b"not a png")

    def fake_predict(image, **kwargs):
        if stop is not None and image[0, 0, 0] == 40 * stop:
            raise KeyboardInterrupt
        if oom is not None and image[0, 0, 0] == 40 * oom:
            raise MemoryError("Unable to allocate 721. MiB for an array")
        angles = np.full((1, *image.shape[:2]), image[0, 0, 0] / 255, np.float32)
        return SimpleNamespace(angles=angles, confidence=np.ones_like(angles), dir_classes=[1])

    monkeypatch.setattr(
        predict,
        "load_estimator",
        lambda args: SimpleNamespace(
            predict=fake_predict,
            seg_channels=1,
            dir_classes=(1,),
            check_smooth=lambda s: s,
            dtype="float32",
        ),
    )
    monkeypatch.setattr(predict, "write_outputs", write)
    import argparse

    parser = argparse.ArgumentParser()
    predict.add_parser(parser)
    given = str(tmp_path) if pattern is None else pattern
    args = parser.parse_args(["--input", given, "--out", str(tmp_path / "out")])
    return predict.run(args)


def test_outputs_of_every_image_are_written_in_the_background(tmp_path, monkeypatch):
    from dense_direction.cli.predict import write_outputs

    assert _folder_run(tmp_path, monkeypatch, write_outputs) == 0
    for i in range(3):
        # The image's first pixel is 40 i, so its angle map holds 40 i / 255 radians.
        saved = np.load(tmp_path / "out" / f"im{i}_angles.npy")
        assert np.allclose(saved, 40 * i / 255)
        assert (tmp_path / "out" / f"im{i}_overlay.png").is_file()


def test_a_failed_write_is_an_error_not_a_lost_file(tmp_path, monkeypatch):
    def write(out, stem, *args):
        if stem == "im1":
            raise OSError("No space left on device")

    import dense_direction.cli._run_record as run_record

    # The record written only when the run ends: im0, written before the failure, is listed.
    monkeypatch.setattr(run_record, "WRITE_SPACING", 1e9)
    with pytest.raises(OSError, match="No space left"):
        _folder_run(tmp_path, monkeypatch, write)
    assert read_run_record(tmp_path / "out")["images"] == ["im0"]


@pytest.mark.parametrize("given", ["folder", "pattern"])
def test_a_broken_link_among_the_images_is_a_failed_image(tmp_path, monkeypatch, capsys, given):
    # A dataset of links into a purged scratch folder: a folder named the link "ignored",
    # a pattern dropped it without a word, and both ended "predicted 3 of 3", exit 0.
    from dense_direction.cli.predict import write_outputs

    (tmp_path / "im9.png").symlink_to(tmp_path / "purged" / "im9.png")
    if given == "pattern":
        monkeypatch.chdir(tmp_path)
    pattern = "*.png" if given == "pattern" else None
    code = _folder_run(tmp_path, monkeypatch, write_outputs, pattern=pattern)
    said = capsys.readouterr()
    assert code == 1 and "predicted 3 of 4 images" in said.out and "ignored" not in said.out
    assert re.search(r"skipped .*im9.png: a broken link \(to .*purged/im9.png, which", said.err)
    # Named alone, it is the error, not "no file matches".
    with pytest.raises(ValueError, match=r"--input .*im9.png is a broken link \(to "):
        collect_inputs(str(tmp_path / "im9.png"))


def test_ctrl_c_lists_the_image_whose_outputs_were_being_written(tmp_path, monkeypatch):
    # im1's outputs are written while im2 is predicted; Ctrl-C then left im1 written and
    # unlisted, and analyze --predictions left it out as another run's.
    from dense_direction.cli.predict import write_outputs

    with pytest.raises(KeyboardInterrupt):
        _folder_run(tmp_path, monkeypatch, write_outputs, stop=2)
    assert read_run_record(tmp_path / "out")["images"] == ["im0", "im1"]
    assert (tmp_path / "out" / "im1_overlay.png").is_file()


def test_predict_runs_in_bfloat16_where_the_hardware_has_it_by_default():
    import argparse

    from dense_direction.cli.predict import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser)
    args = parser.parse_args(["--input", "x.png", "--out", "o"])
    # "auto": bfloat16 where native, float32 elsewhere, as training (dense_direction.hardware).
    assert args.precision == "auto"


def test_outputs_of_an_earlier_run_in_the_input_folder_are_not_inputs(tmp_path, capsys):
    """``--out`` = the input folder, run twice: the second run must not predict the first
    run's pictures (it wrote img_overlay_overlay.png and so on)."""
    from types import SimpleNamespace

    from dense_direction.cli.predict import write_outputs

    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(tmp_path / "img.png")
    prediction = SimpleNamespace(
        angles=np.zeros((1, 6, 8), np.float32),
        confidence=np.ones((1, 6, 8), np.float32),
        dir_classes=[1],
    )
    # Every picture predict writes, the quiver plot included.
    write_outputs(tmp_path, "img", np.zeros((6, 8, 3), np.uint8), prediction, 0.5, quiver=True)
    # An image whose name merely looks like an output (no "other" image beside it) stays.
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "road_overlay.png")
    for pattern in (str(tmp_path), str(tmp_path / "*.png")):
        names = [p.name for p in collect_inputs(pattern)]
        assert names == ["img.png", "road_overlay.png"]
    assert "left out 4 files an earlier predict wrote" in capsys.readouterr().out


def test_a_folders_other_files_and_subfolders_are_named(tmp_path, capsys):
    image = Image.fromarray(np.zeros((4, 4, 3), np.uint8))
    image.save(tmp_path / "a.png")
    image.convert("P").save(tmp_path / "drive_mask.gif")  # GIF is an image suffix
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "more").mkdir()
    assert [p.name for p in collect_inputs(str(tmp_path))] == ["a.png", "drive_mask.gif"]
    out = capsys.readouterr().out
    assert "1 file that is not an image (notes.txt)" in out
    assert "1 subfolder, not searched (more/)" in out


@pytest.mark.parametrize("value", ["-0.5", "1.5", "nan"])
def test_a_threshold_outside_the_confidence_range_is_refused(tmp_path, capsys, value):
    from dense_direction.cli.main import main

    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "a.png")
    args = ["predict", "--input", str(tmp_path / "a.png"), "--out", str(tmp_path / "o")]
    assert main([*args, "--threshold", value]) == 2
    assert f"--threshold must be in [0, 1), got {value}" in capsys.readouterr().err


def test_runs_into_one_folder_are_recorded_and_analyze_reads_only_the_last(tmp_path, capsys):
    # One dataset predicted in parts adds up in the record; a run with other options replaces
    # it, says which earlier outputs stay, and analyze leaves those out (before, it mixed
    # the two runs' angle maps in one table without a word).
    import json

    import pandas as pd

    from dense_direction.cli.main import main
    from dense_direction.synthetic import generate_sample

    for i, stem in enumerate("abcd"):
        image = generate_sample("cracks", (48, 48), seed=i).image
        Image.fromarray(image).save(tmp_path / f"{stem}.png")
    out = tmp_path / "out"

    def predict(stem, *extra):
        argv = ["predict", "--input", str(tmp_path / f"{stem}.png"), "--out", str(out)]
        code = main([*argv, "--no-tta", *extra])
        return code, capsys.readouterr().out, json.loads((out / "predict.json").read_text())

    predict("a")
    # A record written before pictures were kept per image (one setting for all): read so.
    first = json.loads((out / "predict.json").read_text())
    first["pictures"] = {"threshold": 0.5, "quiver": False}
    (out / "predict.json").write_text(json.dumps(first))
    # The default smoothing spelled out, and a target width that acts only with several
    # scales: the same run as the first.
    _, printed, record = predict("b", "--smooth", "0.25", "--target-width", "20")
    assert record["images"] == ["a", "b"] and "earlier predict" not in printed
    assert record["options"]["smooth"] == 0.25 and "target_width" not in record["options"]
    assert record["sha256"] and record["weights"].endswith("weights.pth")
    assert record["direction_classes"] == [1]  # the maps' order in a (K, H, W) angle file
    plain = {"threshold": 0.5, "quiver": False}
    assert record["pictures"] == {"a": plain, "b": plain}
    # Other pictures are the same run, recorded per image: the angle maps are the same (this
    # dropped a from the list, and from analyze --predictions).
    _, printed, record = predict("b", "--smooth", "0.25", "--quiver")
    assert record["images"] == ["a", "b"] and "earlier predict" not in printed
    assert record["pictures"] == {"a": plain, "b": {"threshold": 0.5, "quiver": True}}
    _, printed, record = predict("c", "--smooth", "0")
    assert record["images"] == ["c"] and record["pictures"] == {"c": plain}
    assert f"{out} holds the outputs of 2 images of an earlier predict made with " in printed
    assert "another model or options (a, b)" in printed
    # An image that fails to read is not listed, though an earlier run's outputs of it stay.
    (tmp_path / "a.png").write_bytes(b"not a png")
    code, printed, record = predict("a", "--smooth", "0")
    assert code == 1 and record["images"] == ["c"]
    assert main(["analyze", "--predictions", str(out), "--out", str(tmp_path / "an")]) == 0
    printed = capsys.readouterr().out
    assert "left out 2 angle maps" in printed and "does not list" in printed
    assert pd.read_csv(tmp_path / "an" / "images.csv").image.tolist() == ["c"]
    # A record without the list (an older predict's) is not called another model's.
    (out / "predict.json").write_text(json.dumps({"confidence": "structure"}))
    _, printed, record = predict("d", "--smooth", "0")
    assert "of an earlier predict that did not record its images (a, b, c)" in printed
    assert record["images"] == ["d"]
    # The scales as they act (largest first), not as typed: the same two scales in either
    # order are one run (recorded as typed, they started a new list).
    _, _, record = predict("b", "--smooth", "0", "--scales", "0.5", "1")
    assert record["images"] == ["b"] and record["options"]["scales"] == [1.0, 0.5]
    _, _, record = predict("c", "--smooth", "0", "--scales", "1", "0.5")
    assert record["images"] == ["b", "c"]


def test_images_read_ahead_stay_paired_with_their_outputs_past_an_unreadable_one(
    tmp_path, monkeypatch, capsys
):
    # Each next image is read while the one before is predicted: a file that fails to read
    # is skipped and named, and the images after it keep their own outputs.
    from dense_direction.cli.predict import write_outputs

    assert _folder_run(tmp_path, monkeypatch, write_outputs, broken=1) == 1
    assert f"skipped {tmp_path / 'im1.png'}: cannot read image" in capsys.readouterr().err
    for i in (0, 2):
        assert np.allclose(np.load(tmp_path / "out" / f"im{i}_angles.npy"), 40 * i / 255)
    assert not (tmp_path / "out" / "im1_angles.npy").exists()


def test_an_image_too_large_for_the_memory_fails_alone(tmp_path, monkeypatch, capsys):
    # A 6000² tile in a batch: the MemoryError was a traceback that abandoned the images
    # after it, and predict.json listed none of those before.
    from dense_direction.cli.predict import write_outputs

    assert _folder_run(tmp_path, monkeypatch, write_outputs, oom=1) == 1
    said = capsys.readouterr()
    assert "predicted 2 of 3 images" in said.out
    assert f"skipped {tmp_path / 'im1.png'}: not enough memory" in said.err
    assert read_run_record(tmp_path / "out")["images"] == ["im0", "im2"]


def test_a_double_star_pattern_searches_every_subfolder(tmp_path):
    image = Image.fromarray(np.zeros((4, 4, 3), np.uint8))
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    for name in ("a.png", "sub/b.png", "sub/deeper/c.png"):
        image.save(tmp_path / name)
    names = [p.name for p in collect_inputs(str(tmp_path / "**" / "*.png"))]
    assert sorted(names) == ["a.png", "b.png", "c.png"]


def test_a_pattern_that_reaches_the_output_folder_leaves_its_earlier_outputs_out(tmp_path, capsys):
    # predict --input 'in/**/*' --out in/pred, run a second time: the outputs of a.png and
    # b.png in in/pred (pictures, angle map, run record) are not inputs. They were: the
    # angle map and its PNG share a stem, which stopped the run; c_overlay.png, whose "c"
    # is no input, is an image like any other.
    image = Image.fromarray(np.zeros((4, 4, 3), np.uint8))
    pred = tmp_path / "in" / "pred"
    (tmp_path / "in" / "sub").mkdir(parents=True)
    pred.mkdir()
    for name in ("in/a.png", "in/sub/b.png", "in/pred/a_angles.png", "in/pred/b_overlay.png",
                 "in/pred/c_overlay.png"):  # fmt: skip
        image.save(tmp_path / name)
    for stem in ("a", "b"):  # predict writes the angle map with every image's pictures
        np.save(pred / f"{stem}_angles.npy", np.zeros((4, 4), np.float32))
    (pred / "predict.json").write_text("{}")
    names = collect_inputs(str(tmp_path / "in" / "**" / "*"), out=pred)
    assert sorted(p.name for p in names) == ["a.png", "b.png", "c_overlay.png"]
    assert "left out 5 files an earlier predict wrote" in capsys.readouterr().out


def test_an_image_named_like_an_output_stays_an_input_and_is_not_written_over(tmp_path, capsys):
    """A user's cell_overlay.png beside cell.png, with no angle map of cell beside them (which
    predict writes with every image's pictures), is an image of its own: it was left out as
    "an earlier predict wrote" it, and predict --out into its folder then wrote cell.png's
    overlay over it. Now it is an input, and writing over it an error before any output."""
    from dense_direction.cli.predict import check_inputs_kept

    for name in ("cell.png", "cell_overlay.png"):
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / name)
    inputs = collect_inputs(str(tmp_path), out=tmp_path)
    assert [p.name for p in inputs] == ["cell.png", "cell_overlay.png"]
    assert "earlier predict" not in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"write over input images in .*: cell_overlay\.png "
                       r"\(by the outputs of cell\.png\); give another --out"):  # fmt: skip
        check_inputs_kept(inputs, tmp_path, (None,), quiver=False)
    check_inputs_kept(inputs, tmp_path / "elsewhere", (None,), quiver=False)
    # Only the names predict writes clash: a quiver plot only with --quiver, class files only
    # for a model of several classes.
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "cell_overlay.png")
    (tmp_path / "cell_overlay.png").rename(tmp_path / "cell_quiver_class2.png")
    inputs = collect_inputs(str(tmp_path), out=tmp_path)
    check_inputs_kept(inputs, tmp_path, (None,), quiver=True)
    check_inputs_kept(inputs, tmp_path, (1, 2), quiver=False)
    with pytest.raises(ValueError, match=r"cell_quiver_class2\.png \(by the outputs of cell"):
        check_inputs_kept(inputs, tmp_path, (1, 2), quiver=True)


@pytest.mark.parametrize(("classes", "quiver"), [((1,), False), ((1,), True), ((1, 2), True)])
def test_written_names_are_the_files_write_outputs_writes(tmp_path, classes, quiver):
    from types import SimpleNamespace

    from dense_direction.cli.predict import file_class_ids, write_outputs, written_names

    k = len(classes)
    prediction = SimpleNamespace(
        angles=np.zeros((k, 6, 8), np.float32),
        confidence=np.ones((k, 6, 8), np.float32),
        dir_classes=list(classes),
    )
    write_outputs(tmp_path, "img", np.zeros((6, 8, 3), np.uint8), prediction, 0.5, quiver)
    expected = written_names("img", file_class_ids(classes), quiver)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    # Written again without quiver plots: an earlier one showed the earlier run's field.
    write_outputs(tmp_path, "img", np.zeros((6, 8, 3), np.uint8), prediction, 0.5, False)
    expected = written_names("img", file_class_ids(classes), False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)


def test_a_folder_names_what_it_skips_also_when_it_holds_no_image(tmp_path, capsys):
    # The folder rule every command shares (io.files_by_stem): the line that names what is
    # not an image comes before the error, since the images may sit in the subfolder.
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "old").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no image files \(.*\) in"):
        collect_inputs(str(tmp_path))
    printed = capsys.readouterr().out
    assert "1 file that is not an image (notes.txt); 1 subfolder, not searched (old/)" in printed
    # A link whose target was moved: not "a file that is not an image" but what it is.
    (tmp_path / "moved.tif").symlink_to(tmp_path / "gone.tif")
    with pytest.raises(FileNotFoundError):
        collect_inputs(str(tmp_path))
    assert "1 broken link, to nothing (moved.tif)" in capsys.readouterr().out


def test_a_float_images_pixels_without_a_value_get_no_direction(tmp_path, capsys):
    # A float TIFF with a no-data hole (NaN), predicted with the bundled model: the hole has
    # no direction in the .npy (NaN), angle 0 in the 16-bit PNG and confidence 0 (which
    # tells it from a horizontal direction), and the overlay leaves it as it is.
    tifffile = pytest.importorskip("tifffile")
    from dense_direction.cli.main import main
    from dense_direction.synthetic import generate_sample

    image = generate_sample("vessels", (64, 64), seed=3).image.mean(axis=2).astype(np.float32)
    image[20:30, 10:40] = np.nan
    tifffile.imwrite(tmp_path / "holes.tif", image)
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match=r"holes\.tif: 300 of 4096 pixels"):
        assert main(["predict", "--input", str(tmp_path / "holes.tif"), "--out", str(out)]) == 0
    hole = np.zeros((64, 64), bool)
    hole[20:30, 10:40] = True
    angles = np.load(out / "holes_angles.npy")
    assert np.array_equal(np.isnan(angles), hole)
    assert (np.asarray(Image.open(out / "holes_angles.png"))[hole] == 0).all()
    assert (np.asarray(Image.open(out / "holes_confidence.png"))[hole] == 0).all()


def test_a_tile_without_data_gets_no_direction_and_does_not_fail(tmp_path, capsys):
    # The edge tile of a mosaic, every pixel the declared no-data value: "the image has no
    # finite pixel value", a failed image and exit code 1 for a batch of tiles.
    tifffile = pytest.importorskip("tifffile")
    from dense_direction.cli.main import main

    nodata = [(42113, "s", 0, "0", True)]
    tifffile.imwrite(tmp_path / "edge.tif", np.zeros((40, 48), np.uint16), extratags=nodata)
    out = tmp_path / "out"
    argv = ["predict", "--input", str(tmp_path / "edge.tif"), "--out", str(out), "--no-tta"]
    with pytest.warns(UserWarning, match=r"edge\.tif: no pixel has a value"):
        assert main(argv) == 0
    assert np.isnan(np.load(out / "edge_angles.npy")).all()
    assert not np.asarray(Image.open(out / "edge_confidence.png")).any()


def test_the_transparent_pixels_of_an_rgba_image_get_no_direction(tmp_path, capsys):
    # A photograph exported with its outside transparent over black: no direction there, as
    # for a float image's NaN (before, the black was read, and its border as an edge).
    from dense_direction.cli.main import main
    from dense_direction.synthetic import generate_sample

    rgba = np.dstack([generate_sample("vessels", (64, 64), seed=3).image, np.full((64, 64), 255)])
    rgba[:, :20] = 0
    Image.fromarray(rgba.astype(np.uint8)).save(tmp_path / "cut.png")
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match=r"cut\.png: 1280 of 4096 pixels .* are transparent"):
        assert main(["predict", "--input", str(tmp_path / "cut.png"), "--out", str(out)]) == 0
    angles = np.load(out / "cut_angles.npy")
    assert np.isnan(angles[:, :20]).all() and not np.isnan(angles[:, 20:]).any()
    assert (np.asarray(Image.open(out / "cut_confidence.png"))[:, :20] == 0).all()


def test_one_large_image_shows_its_progress_tile_by_tile(tmp_path, capsys):
    # Lines (output not a terminal) between 0 and 100 % while the one image is predicted:
    # 1024² with its border takes 3 x 3 tiles, 18 with two test-time passes. With --scales
    # auto the image shrunk to 1/4 (256² + border) adds one tile a pass: 20; a flat image
    # shows no wide structure there, so 1/2 is not predicted and the count stays 20.
    from dense_direction.cli.main import main

    Image.fromarray(np.zeros((1024, 1024, 3), np.uint8)).save(tmp_path / "big.png")
    argv = ["predict", "--input", str(tmp_path / "big.png"), "--out", str(tmp_path / "o")]
    for extra, tiles in (([], 18), (["--scales", "auto"], 20)):
        assert main([*argv, "--tta", "2", *extra]) == 0
        lines = [line for line in capsys.readouterr().out.splitlines() if "img," in line]
        during = [line for line in lines if "0/1 img" in line]
        assert len(during) >= 10 and all(" 0%" not in line for line in during)
        # "50% 0/1 img" alone read as a contradiction: the line says which tiles are done.
        assert all(re.search(rf"big\.png: \d+/{tiles} tiles", line) for line in during)
        assert "100% 1/1 img" in lines[-1]


def test_a_pattern_leaves_out_and_names_the_files_that_are_not_images(tmp_path, capsys):
    # predict --input 'photos/*' tried notes.txt as an image and listed it as failed; the
    # folder rule names such files and leaves them out, and so does a pattern now.
    image = Image.fromarray(np.zeros((4, 4, 3), np.uint8))
    image.save(tmp_path / "a.png")
    image.save(tmp_path / "b.JPG")
    (tmp_path / "notes.txt").write_text("x")
    names = collect_inputs(str(tmp_path / "*"))
    assert [p.name for p in names] == ["a.png", "b.JPG"]
    assert "1 file that is not an image (notes.txt)" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match=r"no image file \(.png.*1 file that is not an"):
        collect_inputs(str(tmp_path / "*.txt"))
