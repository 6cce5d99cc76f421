"""Time predict's run record (``predict.json``) over a run of many images.

Each image's outputs, once written, are added to the record; the record holds every image,
so writing it after each one costs time growing with the square of the images. It is
written again only after ``WRITE_SPACING`` times as long as its last write took. The script
adds ``--images`` names back to back (a model that took no time: the worst case for the
record's share) with the spacing of the package and with none (a write per image, as before
2026-12-07), side by side, and prints the seconds and writes of each.

    python benchmarks/run_record.py [--images 2000 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import dense_direction.cli._run_record as run_record


def run(images: int, spacing: float) -> tuple[float, int]:
    """Seconds to add ``images`` names and close the record, and the number of writes."""
    writes = 0
    replace = run_record.os.replace

    def counted(source: str, target: str) -> None:
        nonlocal writes
        writes += 1
        replace(source, target)

    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.multiple(
            "dense_direction.cli._model",
            model_identity=lambda args: {"model": "m"},
            resolved_options=lambda options, estimator: {},
        ),
        mock.patch.object(run_record, "WRITE_SPACING", spacing),
        mock.patch.object(run_record.os, "replace", counted),
    ):
        args = SimpleNamespace(out=Path(folder), threshold=0.5, quiver=False)
        estimator = SimpleNamespace(seg_channels=1, dir_classes=(1,))
        start = time.perf_counter()
        with run_record.RunRecord(args, estimator, {}, []) as record:
            for i in range(images):
                record.add(f"image_{i:06d}")
        return time.perf_counter() - start, writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    print("| images | written after every image (s, writes) | package (s, writes) |")
    print("|---|---|---|")
    for images in args.images:
        before = run(images, 0)
        after = run(images, run_record.WRITE_SPACING)
        print(f"| {images:,} | {before[0]:.2f} s, {before[1]:,} | {after[0]:.2f} s, {after[1]:,} |")


if __name__ == "__main__":
    main()
