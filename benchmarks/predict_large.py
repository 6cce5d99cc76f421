"""Time and peak memory of `dense-direction predict` on a 4000x3000 image.

The image is a mosaic of synthetic samples (so nothing is downloaded); the checkpoint is any
trained model, by default the one `make demo` writes.

    python benchmarks/predict_large.py [--checkpoint demo_out/work] [--tile 512]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.synthetic import generate_sample


def mosaic(path: Path, height: int = 3000, width: int = 4000, size: int = 256) -> None:
    rows, cols = -(-height // size), -(-width // size)
    tiles = [generate_sample(["cracks", "vessels"], size, seed=i).image for i in range(8)]
    grid = [[tiles[(r * cols + c) % len(tiles)] for c in range(cols)] for r in range(rows)]
    image = np.concatenate([np.concatenate(row, axis=1) for row in grid], axis=0)
    Image.fromarray(image[:height, :width]).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="demo_out/work")
    parser.add_argument("--tile", type=int, default=512)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "large.png"
        mosaic(image)
        cmd = [
            "/usr/bin/time",
            "-v",
            sys.executable,
            "-m",
            "dense_direction.cli.main",
            "predict",
            "--checkpoint",
            args.checkpoint,
            "--input",
            str(image),
            "--out",
            str(Path(tmp) / "out"),
            "--tile",
            str(args.tile),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", out.stderr).group(1)
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    print("| image | tile | wall time (m:ss) | peak resident memory (MB) |")
    print("|---|---|---|---|")
    print(f"| 4000x3000 RGB | {args.tile} | {wall} | {peak / 1024:.0f} |")


if __name__ == "__main__":
    main()
