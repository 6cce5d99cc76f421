"""How the benchmark scripts run ``dense-direction`` commands: as a user does, in a process of
its own with this Python, the command echoed first, a failure stopping the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: ``dense-direction`` with the Python running the benchmark (its virtual environment).
DENSE_DIRECTION = [sys.executable, "-m", "dense_direction.cli.main"]
#: The held-out evaluation every model comparison goes through.
EVAL = Path(__file__).resolve().parent / "pretrained_eval.py"


def cli(*args: str) -> None:
    """Run ``dense-direction ARGS``, echoed, raising if it fails."""
    print("$ dense-direction " + " ".join(args), flush=True)
    subprocess.run([*DENSE_DIRECTION, *args], check=True)


def held_out_report(test: Path, out: Path, *model: str) -> dict:
    """``benchmarks/pretrained_eval.py`` of ``model`` (``--checkpoint WORK`` or ``--model
    NAME``, optionally ``--cache DIR``) on the synth folder ``test``, in a process of its own;
    the report it wrote to ``out/report.json``."""
    subprocess.run(
        [sys.executable, str(EVAL), "--data", str(test), "--out", str(out), *model], check=True
    )
    return json.loads((Path(out) / "report.json").read_text())


def estimator(checkpoint: str | None = None, model: str = "general"):
    """The model a benchmark measures: ``checkpoint`` (a checkpoint file or work dir), else
    the bundled ``model``, loaded as ``predict`` loads it."""
    from dense_direction.inference import DirectionEstimator

    if checkpoint:
        return DirectionEstimator.from_checkpoint(checkpoint)
    return DirectionEstimator.pretrained(model)
