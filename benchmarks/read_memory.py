"""Peak memory and time of reading one large image file, in bytes per pixel.

Writes, in a temporary folder, a ``--size`` × ``--size`` image of each kind a remote-sensing
or microscopy user hands over: a 4-band uint16 tile (RGB + near infrared) with a GDAL_NODATA
border, a float32 reflectance tile with NaN holes, and an 8-bit RGB photograph; then reads
each with :func:`dense_direction.io.read_image_and_no_data`, as ``predict`` does. The peak is
what NumPy allocates above what was allocated before the read (``tracemalloc`` sees NumPy's
arrays, not the decoder's own buffers, so the whole process peaks higher); the stored pixels
are the file's own bytes a pixel, for scale. ``tracemalloc`` slows NumPy a little: the
seconds are for comparing rows of one run.

    python benchmarks/read_memory.py [--size 4000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

from dense_direction.io import read_image_and_no_data


def _terrain(size: int) -> np.ndarray:
    """A smooth field with stripes in [0, 1], float32: something with a range to stretch."""
    rows, cols = np.mgrid[:size, :size].astype(np.float32) / size
    return 0.5 + 0.3 * np.sin(40 * (rows + 0.3 * cols)) * np.cos(3 * cols)


def write_inputs(folder: Path, size: int) -> dict[str, tuple[Path, int]]:
    """The three files, by name, each with its stored bytes a pixel."""
    terrain = _terrain(size)
    border = size // 10
    rgbn = (np.stack([terrain, terrain * 0.9, terrain * 0.8, terrain], -1) * 10000).astype(
        np.uint16
    )
    rgbn[:, :border] = 0
    nodata = [(42113, "s", 0, "0", True)]
    tifffile.imwrite(
        folder / "rgbn_u16.tif",
        rgbn,
        photometric="minisblack",
        planarconfig="contig",
        extratags=nodata,
    )
    reflectance = terrain.copy()
    reflectance[:border, :border] = np.nan
    tifffile.imwrite(folder / "reflectance_f32.tif", reflectance)
    photo = (np.stack([terrain] * 3, -1) * 255).astype(np.uint8)
    Image.fromarray(photo).save(folder / "photo_u8.png")
    return {
        "4-band uint16, no-data border": (folder / "rgbn_u16.tif", 8),
        "float32, NaN holes": (folder / "reflectance_f32.tif", 4),
        "8-bit RGB PNG": (folder / "photo_u8.png", 3),
    }


def measure(path: Path) -> tuple[float, float]:
    """(peak bytes allocated by NumPy above the start, seconds) of reading ``path``."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the no-data counts
        read_image_and_no_data(path)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="side in pixels (4000)")
    args = parser.parse_args()
    pixels = args.size**2
    print(f"reading one {args.size} x {args.size} image ({pixels / 1e6:.0f} MP)\n")
    print("| file | stored B/px | peak B/px | peak GB | seconds |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, (path, stored) in write_inputs(Path(folder), args.size).items():
            peak, seconds = measure(path)
            print(f"| {name} | {stored} | {peak / pixels:.1f} | {peak / 1e9:.2f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
