"""Time `dense-direction analyze` on 100 images of 512x512 (after prediction).

A predictions folder is written as `predict` writes it (`<stem>_angles.npy` and
`<stem>_confidence.png`) from synthetic samples of all four kinds: the exact directions with
1° noise inside the structures, random angles outside, the mask as confidence. Then the
command runs once, with every per-image file (plots, GeoJSON, GraphML), timed from the
shell's point of view (Python start-up and skan's one-off numba compilation included).

    python benchmarks/analysis_speed.py [--num 100] [--size 512] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _cli import DENSE_DIRECTION
from dense_direction.prediction import output_name
from dense_direction.synthetic import KINDS, generate_sample


def write_predictions(folder: Path, num: int, size: int, seed: int = 0) -> None:
    """Prediction files for ``num`` synthetic samples (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(num):
        sample = generate_sample(list(KINDS), size, seed=index)
        inside = sample.mask > 0
        noise = rng.normal(0, math.radians(1), inside.shape)
        outside = rng.uniform(0, math.pi, inside.shape)
        angles = np.where(inside, np.mod(np.nan_to_num(sample.direction) + noise, math.pi), outside)
        stem = f"{index:05d}"
        np.save(folder / output_name(stem, "angles", suffix=".npy"), angles.astype(np.float32))
        Image.fromarray(inside.astype(np.uint8) * 255).save(
            folder / output_name(stem, "confidence")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=100)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--keep", type=Path, help="keep the inputs and outputs in this folder")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="analysis_speed_"))
    write_predictions(root / "pred", args.num, args.size)
    command = [
        *DENSE_DIRECTION,
        "analyze",
        "--predictions",
        str(root / "pred"),
        "--out",
        str(root / "out"),
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime + used.ru_stime
    with open(root / "out" / "objects.csv") as table:
        objects = sum(1 for _ in table) - 1
    print(
        f"analyze: {args.num} images of {args.size}x{args.size}, {objects} objects: "
        f"{elapsed:.1f} s wall ({elapsed / args.num * 1000:.0f} ms per image), {cpu:.1f} s CPU "
        f"(load average {os.getloadavg()[0]:.1f} at the end: other work shares the cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
