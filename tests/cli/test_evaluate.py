"""`dense-direction evaluate` argument checks (no model needed)."""

import argparse
import json

import numpy as np
import pytest
from PIL import Image

from dense_direction.cli.evaluate import add_parser, items_from_args


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


def test_a_report_without_scored_pixels_names_no_best_baseline():
    # With no pixel scored every mean is NaN; metrics.md still named "structure tensor s=1
    # r=2" the best baseline and said the model did not beat it, comparing NaNs.
    from dense_direction.cli.evaluate import MODEL, _markdown, _report, json_text
    from dense_direction.evaluation import summarize_errors

    empty = summarize_errors(np.array([]))
    report = _report({MODEL: empty, "structure tensor s=1 r=2": empty}, images=2)
    assert report["best_baseline"] is None and "model_beats_best_baseline" not in report
    text = _markdown(report)
    assert "No pixel was scored" in text and "beat" not in text
    # metrics.json is strict JSON: no bare NaN (json.dumps wrote them; JSON.parse refuses).
    strict = json.loads(json_text(report), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert strict["methods"][MODEL]["mean"] is None and strict["methods"][MODEL]["count"] == 0
    scored = summarize_errors(np.array([1.0, 3.0]))
    baseline = summarize_errors(np.array([5.0]))
    report = _report({MODEL: scored, "structure tensor s=1 r=2": baseline}, images=2)
    assert report["model_beats_best_baseline"] is True  # 2.0 < 5.0


def test_pixels_of_a_float_image_without_a_value_are_not_scored(tmp_path):
    # A float image with a NaN column across a horizontal centre-line of 6 pixels: 5 scored
    # for the model and every baseline, where all 6 were (the hole predicted as if black).
    from dense_direction.cli.evaluate import MODEL, Item, evaluate
    from helpers import pixelwise_estimator

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
