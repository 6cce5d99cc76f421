"""tools/train_pretrained.py: the commands each stage runs (recorded, not run)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "train_pretrained.py"


@pytest.fixture
def recipe(monkeypatch):
    spec = importlib.util.spec_from_file_location("train_pretrained", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ran: list[list[str]] = []
    monkeypatch.setattr(module, "run", lambda *command: ran.append(list(command)))
    return module, ran


def _after(command: list[str], flag: str) -> list[str]:
    """The values of ``flag`` in ``command`` (up to the next flag)."""
    start = command.index(flag) + 1
    end = next((i for i in range(start, len(command)) if command[i].startswith("--")), None)
    return command[start:end]


def test_the_data_and_training_follow_the_recipe_and_its_styles(recipe, tmp_path):
    module, ran = recipe
    args = module.parse_args(["--out", str(tmp_path)])
    module.stage_data(args)
    assert _after(ran[-1], "--style") == list(module.STYLES)
    assert _after(module.train_command(args), "--seed") == ["0"]  # the run's seed: fixed
    args = module.parse_args(["--out", str(tmp_path), "--style", *module.STYLES, "drawing"])
    module.stage_data(args)
    assert _after(ran[-1], "--style") == [*module.STYLES, "drawing"]


def test_the_held_out_sets_stay_those_of_the_card_whatever_the_training_styles(recipe, tmp_path):
    # Training on more styles must not change the held-out set every model is compared on;
    # the photo style (never trained on) and drawings are measured beside it.
    module, ran = recipe
    module.stage_eval(module.parse_args(["--out", str(tmp_path), "--style", "sem", "drawing"]))
    synth = {_after(c, "--out")[0]: c for c in ran if "synth" in c}
    assert _after(synth[str(tmp_path / "held_out")], "--style") == list(module.STYLES)
    assert _after(synth[str(tmp_path / "held_out_photo")], "--style") == ["photo"]
    assert _after(synth[str(tmp_path / "held_out_drawing")], "--style") == ["drawing"]
    for command in synth.values():
        assert "--held-out" in command and _after(command, "--seed") == ["7"]
    evaluated = [_after(c, "--data")[0] for c in ran if "benchmarks/pretrained_eval.py" in c]
    assert len(evaluated) == 3
