import json
import re

from dense_direction.cli.main import main


def test_synth_writes_a_dataset(tmp_path, capsys):
    out = tmp_path / "data"
    code = main(
        [
            "synth",
            "--out",
            str(out),
            "--num",
            "3",
            "--kind",
            "cracks",
            "fibres",
            "--size",
            "48",
            "64",
            "--splits",
            "0.34",
            "0.33",
            "0.33",
        ]
    )
    assert code == 0
    assert "wrote 3 samples of cracks+fibres" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "images").iterdir()) == ["test", "train", "val"]
    assert (out / "classes").is_dir()


def test_synth_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("precious")
    code = main(["synth", "--out", str(tmp_path), "--num", "1"])
    assert code == 2
    assert "is not empty; choose another --out or pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_overwrite_deletes_the_earlier_dataset_but_not_other_files(tmp_path, capsys):
    # 4 samples with splits 0.5/0.25/0.25: train 0-1, val 2, test 3. Then 2 samples, all
    # train: without clearing, val/00002 and test/00003 stayed and a test split that
    # meta.json counts as empty was still read from disk.
    out = tmp_path / "d"
    args = ["synth", "--out", str(out), "--size", "32", "--kind", "cracks", "--jobs", "1"]
    assert main([*args, "--num", "4", "--splits", "0.5", "0.25", "0.25"]) == 0
    (out / "notes.txt").write_text("mine")
    assert main([*args, "--num", "2", "--splits", "1", "0", "0", "--overwrite"]) == 0
    # 4 samples x 5 layout folders (one kind: no classes/) + meta.json = 21 files.
    assert "deleted the 21 files of the earlier dataset" in capsys.readouterr().out
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(["meta.json", "notes.txt"] + [
        f"{folder}/train/{i:05d}{suffix}"
        for folder, suffix in sorted(
            {"centerlines": ".png", "crossings": ".png", "directions": ".npy",
             "images": ".png", "masks": ".png"}.items()
        )
        for i in range(2)
    ])  # fmt: skip
    assert not (out / "images" / "test").exists()


def test_synth_mixes_all_four_kinds_by_default(tmp_path, capsys):
    # Every width (1-px cracks to 44-px roads) is in the default training data.
    assert main(["synth", "--out", str(tmp_path / "d"), "--num", "1", "--size", "64"]) == 0
    assert "of cracks+vessels+roads+fibres" in capsys.readouterr().out


def test_synth_styles_and_held_out(tmp_path, capsys):
    out = tmp_path / "d"
    args = ["synth", "--out", str(out), "--num", "2", "--size", "48", "--kind", "cracks"]
    assert main([*args, "--style", "sem", "fundus", "--held-out"]) == 0
    assert "style sem+fundus, held-out render settings" in capsys.readouterr().out
    meta = json.loads((out / "meta.json").read_text())
    assert meta["held_out"] and set(meta["sample_styles"]) <= {"sem", "fundus"}


def test_synth_empty_is_recorded_and_checked(tmp_path, capsys):
    out = tmp_path / "d"
    args = ["synth", "--out", str(out), "--num", "2", "--size", "48", "--kind", "cracks"]
    assert main([*args, "--empty", "1"]) == 0
    assert json.loads((out / "meta.json").read_text())["empty"] == 1.0
    assert main([*args, "--empty", "-0.1", "--overwrite"]) == 2
    assert "--empty must be a probability in [0, 1], got -0.1" in capsys.readouterr().err


def test_a_kind_or_style_named_twice_is_an_error(tmp_path, capsys):
    # --kind cracks cracks wrote two classes both named "cracks".
    argv = ["synth", "--out", str(tmp_path / "d"), "--num", "1", "--size", "32"]
    assert main([*argv, "--kind", "cracks", "roads", "cracks"]) == 2
    assert "--kind names cracks more than once" in capsys.readouterr().err
    assert main([*argv, "--style", "sem", "sem"]) == 2
    assert "--style names sem more than once" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_a_split_left_empty_is_said_by_synth_and_by_evaluate(tmp_path, capsys):
    # 2 samples at shares (0.75, 0, 0.25): the train bound round(0.75 * 2) = 2 takes both,
    # test gets none. Train and evaluate then failed with "image folder not found", no reason.
    import argparse

    import pytest

    from dense_direction.cli.evaluate import add_parser, items_from_args

    out = tmp_path / "data"
    argv = ["--out", str(out), "--num", "2", "--size", "32", "--splits", "0.75", "0", "0.25"]
    assert main(["synth", *argv]) == 0
    printed = capsys.readouterr().out
    assert "train 2, val 0, test 0" in printed
    assert "warning: the test split got no sample (0.25 of 2)" in printed
    assert "val split" not in printed  # a share of 0 asks for nothing
    parser = argparse.ArgumentParser()
    add_parser(parser)
    args = parser.parse_args(["--checkpoint", "c", "--out", "o", "--data", str(out)])
    with pytest.raises(FileNotFoundError, match=r"has no test samples \(meta.json: train 2"):
        items_from_args(args)
    # A folder synth did not write (here predict's output) sent the user to its meta.json,
    # which does not exist.
    other = tmp_path / "predictions"
    other.mkdir()
    (other / "a_angles.npy").write_bytes(b"")
    args = parser.parse_args(["--checkpoint", "c", "--out", "o", "--data", str(other)])
    message = r"is not a dataset that dense-direction synth wrote \(no meta.json, no "
    with pytest.raises(FileNotFoundError, match=message):
        items_from_args(args)


def test_bad_arguments_are_refused_before_overwrite_deletes_anything(tmp_path, capsys):
    # synth --overwrite --num 0 deleted the earlier dataset, then was refused: 0 files left.
    # --splits nan 0.5 0.5 was taken (every sample to train, NaN, not JSON, in meta.json).
    out = tmp_path / "d"
    argv = ["synth", "--out", str(out), "--size", "32", "--kind", "cracks"]
    assert main([*argv, "--num", "3"]) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for bad in (["--num", "0"], ["--num", "3", "--splits", "0.5", "0.5", "0.5"], ["--size", "8"]):
        assert main([*argv, *bad, "--overwrite"]) == 2
        assert "deleted" not in capsys.readouterr().out
        assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == before
    assert main([*argv, "--num", "3", "--splits", "nan", "0.5", "0.5", "--overwrite"]) == 2
    assert "split fractions must be 3 non-negative numbers" in capsys.readouterr().err
    assert main([*argv, "--num", "3", "--seed", "-1", "--overwrite"]) == 2  # numpy's words
    assert "--seed must be >= 0, got -1" in capsys.readouterr().err


def test_demo_refuses_before_it_generates_anything(tmp_path, capsys):
    # Each of these wrote the data first (minutes with the defaults); --num 3 then trained
    # the whole budget and failed for want of a test sample; --minutes nan named
    # --time-budget; --kind cracks cracks trained two classes of one name.
    argv = ["demo", "--out", str(tmp_path / "demo"), "--size", "32"]
    for bad, message in (
        (["--num", "3"], "--num 3 gives the splits train 2, val 1, test 0 .* --num 6 or more"),
        (["--minutes", "nan"], "--minutes must be a number of minutes above the 1.5"),
        (["--iters", "0"], "--iters must be >= 1, got 0"),
        (["--kind", "cracks", "cracks"], "--kind names cracks more than once"),
    ):
        assert main([*argv, *bad]) == 2
        assert re.search(message, capsys.readouterr().err), bad
        assert not (tmp_path / "demo").exists()
