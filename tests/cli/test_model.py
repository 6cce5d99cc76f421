"""The model arguments of `predict` and `evaluate`: --trust-checkpoint, --device, and their
errors as messages (exit 2), before any image is read."""

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.cli.main import build_parser, main
from dense_direction.mm import checkpoints


class Payload:
    """Makes a checkpoint need full unpickling."""


@pytest.fixture
def inputs(tmp_path):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "a.png")
    ckpt = tmp_path / "elsewhere" / "model.pth"
    ckpt.parent.mkdir()
    torch.save({"state_dict": {}, "extra": Payload()}, ckpt)
    yield tmp_path, ckpt
    checkpoints._TRUSTED_FILES.clear()


def _predict(tmp_path, ckpt, *extra):
    image, out = tmp_path / "a.png", tmp_path / "out"
    return main(
        ["predict", "--checkpoint", str(ckpt), "--input", str(image), "--out", str(out), *extra]
    )


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_both_commands_take_the_model_arguments(command):
    args = build_parser().parse_args(
        [command, "--checkpoint", "c", "--out", "o", "--trust-checkpoint", "--device", "cpu"]
        + (["--input", "x"] if command == "predict" else [])
    )
    assert args.trust_checkpoint and args.device == "cpu"


def test_untrusted_checkpoint_is_a_message_and_trust_checkpoint_opts_in(inputs, capsys):
    tmp_path, ckpt = inputs
    assert _predict(tmp_path, ckpt) == 2
    err = capsys.readouterr().err
    assert "predict: error:" in err and "not unpickled" in err and "--trust-checkpoint" in err
    with pytest.warns(UserWarning, match="full unpickling of a trusted checkpoint"):
        assert _predict(tmp_path, ckpt, "--trust-checkpoint") == 2
    assert "without the config that built them" in capsys.readouterr().err  # past trust


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # The flags as typed, not the API's argument names.
        (["--tile", "0"], "--tile must be >= 1 pixel, got --tile 0"),
        (["--tile", "32"], "--tile must be >= 128 pixels, got --tile 32: smaller tiles hold"),
        (["--tile", "128", "--overlap", "128"], "--overlap 128 with --tile 128: lower the"),
        (["--device", "gpu"], "unknown device 'gpu'"),
        (["--border", "-1"], "--border must be an integer >= 0 pixels, got -1"),
        (["--border", "100000"], "--border must be at most 1024 pixels, got 100000"),
        (["--scales", "0.5"], "--scales must include 1 (the image itself), got --scales 0.5"),
        (["--scales", "1", "2"], "--scales must lie in (0, 1], got --scales 1 2"),
        (["--target-width", "0"], "--target-width must be > 0 pixels"),
        (["--smooth", "-1"], "--smooth must be a number >= 0"),
    ],
)
def test_bad_arguments_fail_before_any_image(inputs, capsys, extra, message):
    tmp_path, ckpt = inputs
    assert _predict(tmp_path, ckpt, *extra) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("given", "passes"),
    [([], 8), (["--tta"], 8), (["--tta", "4"], 4), (["--tta", "2"], 2), (["--no-tta"], 1)],
)
def test_tta_takes_a_number_of_passes(given, passes):
    args = build_parser().parse_args(["predict", "--input", "x", "--out", "o", *given])
    assert args.tta == passes


def test_tta_refuses_a_number_it_cannot_average(inputs, capsys):
    tmp_path, ckpt = inputs
    with pytest.raises(SystemExit):
        _predict(tmp_path, ckpt, "--tta", "3")
    assert "argument --tta: invalid choice: 3 (choose from 1, 2, 4, 8)" in capsys.readouterr().err
