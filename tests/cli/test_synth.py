import json

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
