"""`dense-direction evaluate` argument checks (no model needed)."""

import argparse
import json

import numpy as np
import pytest
from PIL import Image

from dense_direction.cli.evaluate import add_parser, items_from_args
from helpers import pixelwise_estimator, two_field_estimator


def _args(*argv):
    parser = argparse.ArgumentParser()
    add_parser(parser)
    return parser.parse_args(["--checkpoint", "c", "--out", "o", *map(str, argv)])


@pytest.fixture
def folders(tmp_path):
    for name in ("images", "directions", "centerlines"):
        (tmp_path / name).mkdir()
    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(tmp_path / "images" / "a.png")
    np.save(tmp_path / "directions" / "a.npy", np.zeros((6, 6), np.float32))
    line = np.zeros((6, 6), np.uint8)
    line[3] = 255
    Image.fromarray(line).save(tmp_path / "centerlines" / "a.png")
    return tmp_path


def test_given_folders_are_used(folders):
    args = _args("--images", folders / "images", "--directions", folders / "directions")
    assert items_from_args(args)[0].select.sum() == 36
    args = _args(
        "--images",
        folders / "images",
        "--directions",
        folders / "directions",
        "--centerlines",
        folders / "centerlines",
    )
    assert items_from_args(args)[0].select.sum() == 6


def test_without_direction_maps_the_truth_is_the_centre_lines_direction(tmp_path):
    # A researcher's own masks (a bar 7 px wide at 30°, row-major y down) and no .npy maps:
    # evaluate refused ("give --data DIR, or --images DIR with --directions DIR"). The truth
    # is now the direction of the mask's skeleton, by the structure tensor as train
    # --val-centerlines derives it: 30° along the bar, scored on its centre-line pixels
    # (about its length, 120 px; the skeleton's ends fall a half-width short).
    from analysis_shapes import capsule, segment

    for name in ("images", "masks"):
        (tmp_path / name).mkdir()
    bar = capsule((200, 200), *segment(120, 30, (100.5, 100.5)), 7)
    Image.fromarray(np.zeros((200, 200, 3), np.uint8)).save(tmp_path / "images" / "a.png")
    Image.fromarray((bar * 255).astype(np.uint8)).save(tmp_path / "masks" / "a.png")
    (item,) = items_from_args(_args("--images", tmp_path / "images", "--masks", tmp_path / "masks"))
    assert 100 <= item.select.sum() <= 125
    assert not (item.select & ~bar).any()
    inner = item.select.copy()
    inner[:, :60] = inner[:, 140:] = False  # away from the ends, where the tensor turns
    # The skeleton's staircase: up to 2° at a pixel, 0.5° on average (DERIVED_RHO's note).
    error = np.abs(np.degrees(item.direction[inner]) - 30)
    assert error.mean() < 1 and error.max() < 2.5
    with pytest.raises(ValueError, match=r"--images DIR with the truth: --directions DIR"):
        items_from_args(_args("--images", tmp_path / "images"))
    # Two bars crossing (0° and 90°, 7 px, centre (100, 100)): around the junction the
    # skeleton bends and the tensor sees both directions, so the pixels within its reach
    # (half-width 3.5 at the crossing, more inside it, + 2 px) are not scored; elsewhere the
    # truth is the bars' own directions.
    shape = (200, 200)
    cross = capsule(shape, (100, 30), (100, 170), 7) | capsule(shape, (30, 100), (170, 100), 7)
    Image.fromarray((cross * 255).astype(np.uint8)).save(tmp_path / "masks" / "a.png")
    (item,) = items_from_args(_args("--images", tmp_path / "images", "--masks", tmp_path / "masks"))
    rows, cols = np.nonzero(item.select)
    assert np.hypot(rows - 100, cols - 100).min() > 5.5
    truth = np.where(np.abs(rows - 100) < np.abs(cols - 100), 0.0, 90.0)
    found = np.degrees(item.direction[rows, cols])
    assert np.abs((found - truth + 90) % 180 - 90).mean() < 1


def test_split_with_given_folders_is_refused(folders):
    # --split picks a split of --data; with explicit folders it was silently ignored.
    argv = ["--images", folders / "images", "--directions", folders / "directions"]
    with pytest.raises(ValueError, match="--split val picks a split of --data"):
        items_from_args(_args(*argv, "--split", "val"))


@pytest.mark.parametrize("flag", ["--centerlines", "--masks", "--crossings", "--directions"])
def test_a_misspelt_folder_is_an_error_naming_flag_and_path(folders, flag):
    paths = {"--images": folders / "images", "--directions": folders / "directions"}
    paths[flag] = folders / "centrelines-typo"
    argv = [x for pair in paths.items() for x in pair]
    with pytest.raises(FileNotFoundError, match=rf"{flag} .*centrelines-typo: no such folder"):
        items_from_args(_args(*argv))


def test_data_layout_needs_its_direction_folder(folders):
    (folders / "images" / "test").mkdir()
    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(folders / "images" / "test" / "a.png")
    with pytest.raises(FileNotFoundError, match=r"direction folder not found: .*directions/test"):
        items_from_args(_args("--data", folders))
    with pytest.raises(ValueError, match="--data names every folder itself; drop --masks"):
        items_from_args(_args("--data", folders, "--masks", folders / "centerlines"))


@pytest.mark.parametrize(
    ("truth", "message"),
    [
        # 90 for vertical is degrees: as radians it would be scored as nonsense.
        (np.full((6, 6), 90.0, np.float32), r"radians in \[0, pi\).*from 90 to 90"),
        (np.zeros((2, 6, 6), np.float32), r"one numeric \(H, W\) array.*\(2, 6, 6\)"),
    ],
)
def test_direction_maps_must_be_one_map_of_radians(folders, truth, message):
    np.save(folders / "directions" / "a.npy", truth)
    args = _args("--images", folders / "images", "--directions", folders / "directions")
    with pytest.raises(ValueError, match=rf"directions/a\.npy: .*{message}"):
        items_from_args(args)


@pytest.mark.parametrize("which", ["centerlines", "masks", "crossings", "images"])
def test_a_file_of_another_size_is_named_with_its_direction_map(folders, which):
    # A mask or crossing map of another size failed with numpy's "operands could not be
    # broadcast together", and an image of another size with a shape error naming no file.
    (folders / "masks").mkdir()
    (folders / "crossings").mkdir()
    for name in ("masks", "crossings"):
        Image.fromarray(np.zeros((6, 6), np.uint8)).save(folders / name / "a.png")
    wrong = np.zeros((8, 7, 3) if which == "images" else (8, 7), np.uint8)
    Image.fromarray(wrong).save(folders / which / "a.png")
    argv = [x for name in ("images", "directions", "centerlines", "masks", "crossings")
            for x in (f"--{name}", folders / name)]  # fmt: skip
    with pytest.raises(ValueError, match=rf"{which}/a\.png is 7x8 \(WxH\) but its direction map"):
        items_from_args(_args(*argv))


def test_a_negative_panel_count_is_refused(tmp_path, capsys):
    from dense_direction.cli.main import main

    assert (
        main(["evaluate", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--panels", "-1"])
        == 2
    )
    assert "--panels must be >= 0 (0: none), got -1" in capsys.readouterr().err


def test_an_output_folder_inside_an_input_folder_is_refused(folders, capsys):
    # --out evX/images/test put metrics and pictures among the test images; the next
    # evaluate of that dataset stopped at "error_histogram.png has no file in directions".
    from dense_direction.cli.main import main

    flags = ["--images", "--directions", "--centerlines"]
    given = [str(a) for f in flags for a in (f, folders / f[2:])]
    for out in (folders / "images", folders / "directions" / "report"):
        assert main(["evaluate", *given, "--out", str(out)]) == 2
        assert f"--out {out} is inside the input folder" in capsys.readouterr().err
    assert not list((folders / "images").glob("metrics*"))
    synth = folders / "synth"
    (synth / "images" / "test").mkdir(parents=True)
    assert main(["evaluate", "--data", str(synth), "--out", str(synth / "images" / "test")]) == 2
    assert "is inside the input folder" in capsys.readouterr().err


def test_a_report_without_scored_pixels_names_no_best_baseline():
    # With no pixel scored every mean is NaN; metrics.md still named "structure tensor s=1
    # r=2" the best baseline and said the model did not beat it, comparing NaNs.
    from dense_direction.cli._evaluation_report import MODEL, json_text, markdown, summary_report
    from dense_direction.evaluation import summarize_errors

    empty = summarize_errors(np.array([]))
    report = summary_report({MODEL: empty, "structure tensor s=1 r=2": empty}, images=2)
    assert report["best_baseline"] is None and "model_beats_best_baseline" not in report
    text = markdown(report)
    assert "No pixel was scored" in text and "beat" not in text
    # metrics.json is strict JSON: no bare NaN (json.dumps wrote them; JSON.parse refuses).
    strict = json.loads(json_text(report), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert strict["methods"][MODEL]["mean"] is None and strict["methods"][MODEL]["count"] == 0
    scored = summarize_errors(np.array([1.0, 3.0]))
    baseline = summarize_errors(np.array([5.0]))
    report = summary_report({MODEL: scored, "structure tensor s=1 r=2": baseline}, images=2)
    assert report["model_beats_best_baseline"] is True  # 2.0 < 5.0


def test_pixels_of_a_float_image_without_a_value_are_not_scored(tmp_path):
    # A float image with a NaN column across a horizontal centre-line of 6 pixels: 5 scored
    # for the model and every baseline, where all 6 were (the hole predicted as if black).
    from dense_direction.cli.evaluate import MODEL, Item, evaluate

    tifffile = pytest.importorskip("tifffile")
    image = np.full((6, 6), 0.2, np.float32)
    image[3] = 0.8
    image[:, 2] = np.nan
    tifffile.imwrite(tmp_path / "a.tif", image)
    select = np.zeros((6, 6), bool)
    select[3] = True
    item = Item("a", tmp_path / "a.tif", np.zeros((6, 6), np.float32), select)
    estimator = pixelwise_estimator()
    with pytest.warns(UserWarning, match="6 of 36 pixels"):
        report = evaluate(estimator, [item], tmp_path / "out", panels=1, options={"tta": False})
    assert {m["count"] for m in report["methods"].values()} == {5}
    assert report["methods"][MODEL]["count"] == 5


def test_each_pixel_is_scored_with_the_field_of_its_own_class(tmp_path):
    # A model with two direction fields was scored with its first field on every pixel.
    # Truth 0 (horizontal) everywhere; class map: row 0 class 3 (no field of the model),
    # columns 0-2 class 1 (field 0 rad: error 0), columns 3-5 class 2 (field pi/2: error 90).
    # So 15 pixels at 0 and 15 at 90: mean 45; the 6 pixels of class 3 are not scored.
    from dense_direction.cli.evaluate import MODEL, Item, evaluate

    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(tmp_path / "a.png")
    classes = np.ones((6, 6), np.int64)
    classes[:, 3:] = 2
    classes[0] = 3
    item = Item(
        "a", tmp_path / "a.png", np.zeros((6, 6), np.float32), np.ones((6, 6), bool), classes
    )
    report = evaluate(two_field_estimator(), [item], tmp_path / "out", options={"tta": False})
    assert report["methods"][MODEL]["count"] == 30
    assert report["methods"][MODEL]["mean"] == pytest.approx(45.0, abs=1e-3)
    by_class = report["groups"]["class"]
    assert by_class["1"]["mean"] == pytest.approx(0.0, abs=1e-3) and by_class["1"]["count"] == 15
    assert by_class["2"]["mean"] == pytest.approx(90.0, abs=1e-3) and by_class["2"]["count"] == 15
    assert report["pixels_of_other_classes"] == 6
    # the baselines are scored on the same 30 pixels
    assert {m["count"] for m in report["methods"].values()} == {30}
    assert "| 2 | 15 | 90.00 | 90.00 | 0.0 % |" in (tmp_path / "out" / "metrics.md").read_text()


def test_a_model_with_several_fields_needs_class_maps(tmp_path):
    from dense_direction.cli.evaluate import Item, evaluate

    Image.fromarray(np.zeros((6, 6, 3), np.uint8)).save(tmp_path / "a.png")
    item = Item("a", tmp_path / "a.png", np.zeros((6, 6), np.float32), np.ones((6, 6), bool))
    with pytest.raises(ValueError, match=r"2 direction fields \(label ids 1, 2\).*--classes DIR"):
        evaluate(two_field_estimator(), [item], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # refused before anything was predicted or written


def test_class_maps_are_read_from_classes_and_must_hold_integers(folders):
    (folders / "classes").mkdir()
    classes = np.zeros((6, 6), np.uint8)
    classes[3] = 2
    Image.fromarray(classes).save(folders / "classes" / "a.png")
    argv = ["--images", folders / "images", "--directions", folders / "directions"]
    item = items_from_args(_args(*argv, "--classes", folders / "classes"))[0]
    assert item.classes.dtype == np.int64 and item.classes[3].tolist() == [2] * 6
    assert item.classes.sum() == 12
    # Gray stored as RGB reads as its one channel; a colour image is refused.
    Image.fromarray(np.repeat(classes[..., None], 3, axis=2)).save(folders / "classes" / "a.png")
    item = items_from_args(_args(*argv, "--classes", folders / "classes"))[0]
    assert item.classes[3].tolist() == [2] * 6 and item.classes.sum() == 12
    colour = np.repeat(classes[..., None], 3, axis=2)
    colour[0, 0, 1] = 1
    Image.fromarray(colour).save(folders / "classes" / "a.png")
    with pytest.raises(ValueError, match=r"a\.png: labels must be a single-channel.*differ"):
        items_from_args(_args(*argv, "--classes", folders / "classes"))


def test_the_report_has_the_error_per_class_and_per_width_band(tmp_path):
    # A 2-px bar (rows 2-3, class 1, black) and an 8-px bar (rows 8-15, class 2, white); the
    # truth is horizontal (0) everywhere and the centre-lines are rows 2 and 11. Width =
    # twice the distance to the background: 2 x 1 = 2 px at row 2 (band 0-4), 2 x 4 = 8 px
    # at row 11 (band 8-12). The estimator's field follows the colour: x = 2 R/255 - 1, so
    # black gives (-1, 0), theta 0 (error 0) and white (1, 0), theta pi/2 (error 90).
    import torch

    from dense_direction.cli.evaluate import evaluate
    from dense_direction.inference import DirectionEstimator

    folders = {n: tmp_path / n for n in ("images", "directions", "centerlines", "masks", "cls")}
    for folder in folders.values():
        folder.mkdir()
    image, mask, line, classes = (np.zeros((20, 20), np.uint8) for _ in range(4))
    mask[2:4], mask[8:16], image[8:16] = 255, 255, 255
    line[2], line[11] = 255, 255
    classes[2:4], classes[8:16] = 1, 2
    Image.fromarray(np.dstack([image] * 3)).save(folders["images"] / "a.png")
    np.save(folders["directions"] / "a.npy", np.zeros((20, 20), np.float32))
    for name, array in (("centerlines", line), ("masks", mask), ("cls", classes)):
        Image.fromarray(array).save(folders[name] / "a.png")
    argv = [f"--{k}" if k != "cls" else "--classes" for k in folders]
    args = _args(*[x for pair in zip(argv, folders.values(), strict=True) for x in pair])
    network = torch.nn.Conv2d(3, 3, 1)
    torch.nn.init.zeros_(network.weight)
    network.weight.data[1, 0] = 2.0
    network.bias.data = torch.tensor([0.0, -1.0, 0.0])
    estimator = DirectionEstimator(
        network, dir_classes=(1,), mean=(0, 0, 0), std=(255, 255, 255), seg_channels=1,
        divisor=1, precision="float32",
    )  # fmt: skip
    options = {"tta": False, "smooth": 0}
    report = evaluate(estimator, items_from_args(args), tmp_path / "out", options=options)
    groups = report["groups"]
    assert {g: (r["count"], round(r["mean"], 3)) for g, r in groups["class"].items()} == {
        "1": (20, 0.0),
        "2": (20, 90.0),
    }
    assert {g: (r["count"], round(r["mean"], 3)) for g, r in groups["width (px)"].items()} == {
        "0-4": (20, 0.0),
        "8-12": (20, 90.0),
    }
    assert all(r["best_baseline"] in report["methods"] for r in groups["class"].values())
    text = (tmp_path / "out" / "metrics.md").read_text()
    assert "| width (px) | pixels |" in text and "| 8-12 | 20 | 90.00 | 90.00 | 0.0 % |" in text


def test_tables_without_baselines_promise_none():
    # --no-baselines printed "the model, and the best baseline on the same pixels" over a
    # column of dashes; with baselines each row names its own (a dash where none scored).
    from dense_direction.cli._evaluation_report import group_tables

    row = {"count": 3, "mean": 1.0, "median": 1.0, "acc@10": 0.5}
    alone = {**row, "best_baseline": None, "best_baseline_mean": None}
    lines = group_tables({"kind": {"cracks": alone}})
    assert lines[1] == "Per kind: the model:" and "baseline" not in "".join(lines)
    assert lines[-1] == "| cracks | 3 | 1.00 | 1.00 | 50.0 % |"
    with_one = {**row, "best_baseline": "hessian", "best_baseline_mean": 2.0}
    lines = group_tables({"kind": {"cracks": with_one, "roads": alone}})
    assert lines[-2:] == [
        "| cracks | 3 | 1.00 | 1.00 | 50.0 % | hessian | 2.00 |",
        "| roads | 3 | 1.00 | 1.00 | 50.0 % | — | — |",
    ]


def test_a_report_into_the_folder_of_an_earlier_one_replaces_its_panels(tmp_path, capsys):
    # evaluate --split val, then --split test into one --out: 8 panels under a report of 6
    # images (the val run's stayed). A user's other files stay.
    from PIL import Image

    from dense_direction.cli.evaluate import Item, evaluate

    Image.fromarray(np.full((6, 6, 3), 100, np.uint8)).save(tmp_path / "a.png")
    select = np.zeros((6, 6), bool)
    select[3] = True
    item = Item("a", tmp_path / "a.png", np.zeros((6, 6), np.float32), select)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("panel_val0.png", "panel_val1.png", "notes.txt"):
        (out / name).write_bytes(b"an earlier run's")
    (out / "metrics.md").write_text("| an earlier report |")
    evaluate(pixelwise_estimator(), [item], out, panels=1, options={"tta": False})
    assert sorted(p.name for p in out.iterdir()) == [
        "error_histogram.png", "metrics.json", "metrics.md", "notes.txt", "panel_a.png"
    ]  # fmt: skip
    assert "removed the 3 files of an earlier report" in capsys.readouterr().out
