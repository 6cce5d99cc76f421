"""Huge pages for torch's tensors and for NumPy's arrays: ``dense-direction predict --no-tta``
of the 4000x3000 mosaic (``predict_throughput.py``'s) end to end, in the four settings of
``THP_MEM_ALLOC_ENABLE`` (torch) and ``NUMPY_MADVISE_HUGEPAGE`` (NumPy), runs alternated.

The program's default (``dense_direction.hardware.choose_huge_pages``) is torch's on and
NumPy's off; an explicit variable overrides it, which is how each setting is chosen here.

    .venv/bin/python benchmarks/page_sizes.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from predict_throughput import mosaic

SETTINGS = [("1", "1"), ("1", "0"), ("0", "1"), ("0", "0")]  # (torch, NumPy)


def run_once(image: Path, out: Path, torch_pages: str, numpy_pages: str) -> float:
    """Seconds of one ``predict --no-tta`` in a fresh process."""
    env = dict(os.environ, THP_MEM_ALLOC_ENABLE=torch_pages, NUMPY_MADVISE_HUGEPAGE=numpy_pages)
    command = [sys.executable, "-m", "dense_direction.cli.main", "predict"]
    command += ["--input", str(image), "--out", str(out), "--no-tta"]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "mosaic.png"
        mosaic(image, 3000, 4000)
        seconds: dict[tuple[str, str], list[float]] = {s: [] for s in SETTINGS}
        for _ in range(args.repeats):
            for setting in SETTINGS:
                seconds[setting].append(run_once(image, Path(tmp) / "out", *setting))
    print(f"`predict --no-tta`, 4000x3000, {args.repeats} alternated runs each:\n")
    print("| torch huge pages | NumPy huge pages | seconds, each run | median |")
    print("|---|---|---|---|")
    for (torch_pages, numpy_pages), runs in seconds.items():
        each = ", ".join(f"{s:.2f}" for s in runs)
        on = {"1": "on", "0": "off"}
        print(f"| {on[torch_pages]} | {on[numpy_pages]} | {each} | {statistics.median(runs):.2f} |")


if __name__ == "__main__":
    main()
