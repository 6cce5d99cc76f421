"""How the benchmark scripts run ``dense-direction`` commands: as a user does, in a process of
its own with this Python, the command echoed first, a failure stopping the benchmark."""

from __future__ import annotations

import subprocess
import sys

#: ``dense-direction`` with the Python running the benchmark (its virtual environment).
DENSE_DIRECTION = [sys.executable, "-m", "dense_direction.cli.main"]


def cli(*args: str) -> None:
    """Run ``dense-direction ARGS``, echoed, raising if it fails."""
    print("$ dense-direction " + " ".join(args), flush=True)
    subprocess.run([*DENSE_DIRECTION, *args], check=True)
