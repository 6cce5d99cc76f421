"""Where one ``dense-direction predict --no-tta`` of a 4000x3000 image spends its time, and
the measurements behind the speed changes of its stages.

1. **Stages** of one ``predict --no-tta`` run of the mosaic (``predict_throughput.py``'s), in a
   fresh process as a user runs it: timers around importing, reading, the network and
   blending, finishing (width-adaptive smoothing), and waiting for the last outputs.
2. **Tiles**: the network and blending of the mosaic (bundled model, no TTA), one 512² tile at
   a time on every core against one tile per core, several at once, and that again with each
   convolution and its ReLU as two operations (alternated runs).
3. **PNG**: encoding predict's three PNGs of the mosaic with OpenCV (zlib level 1), libpng's
   adaptive filter choice and the "up" filter on every row, against predict's own writer
   (``dense_direction.io.png``: "up" rows deflated by ISA-L), time and size.
4. **Colours**: ``direction_colors`` against matplotlib's ``hsv_to_rgb`` on 4.2 M angles, and
   the overlay of the mosaic drawn with boolean masks (the way before) and flat indices.
5. **Block reduction**: ``_block_any`` against ``any`` over a 4-D reshape, blocks of 2 to 13.
   **Disk reach**: the width map's two full-resolution rungs on the mosaic's predicted
   structure, an exact distance transform thresholded against OpenCV's disk dilation.
6. **Fresh memory**: filling a new 144 MB array, the first time in a process and again.

    .venv/bin/python benchmarks/predict_stages.py [--repeats 3]

Medians of ``--repeats`` where a row says so; the table goes to stdout.
"""

from __future__ import annotations

import argparse
import ast
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _timing import median_seconds
from predict_throughput import mosaic

STAGES = r"""
import os, sys, time
start = time.perf_counter()
os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")  # as the dense-direction program does
marks = []
def mark(what):
    marks.append((what, time.perf_counter() - start))
from dense_direction.cli import main as cli
import dense_direction.cli.predict as predict
import dense_direction.inference.estimator as estimator
import dense_direction.inference.tiled as tiled
mark("imports")
def timed(owner, name, label):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        result = inner(*args, **kwargs)
        mark(label)
        return result
    setattr(owner, name, wrapper)
timed(predict, "read_image_and_no_data", "read")
timed(tiled.TiledFields, "_fields_tta", "network + blending")
timed(estimator, "finish_prediction", "smoothing, angles")
cli.main(["predict", "--input", sys.argv[1], "--out", sys.argv[2], "--no-tta"])
mark("outputs written")
print(repr(marks))
"""


def stages(image: Path, out: Path) -> list[tuple[str, float]]:
    """Seconds since start at the end of each stage; the read runs beside the model's
    loading, so its mark can come before the network's start."""
    done = subprocess.run(
        [sys.executable, "-c", STAGES, str(image), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def tiles(image: Path, repeats: int) -> tuple[dict[str, float], int]:
    """Seconds of the network and blending of ``image`` (no TTA, bundled model), medians of
    alternated runs: one tile at a time on every core, one tile per core at once, and that
    again with each convolution and its ReLU as two operations (no oneDNN fusion:
    :mod:`dense_direction.networks.fused`); and the tile count."""
    import dense_direction.inference.tiled as tiled
    import dense_direction.networks.fused as fused
    from dense_direction.hardware import usable_cores
    from dense_direction.inference import DirectionEstimator
    from dense_direction.io import read_image
    from dense_direction.tiling import DEFAULT_BORDER, DEFAULT_OVERLAP, DEFAULT_TILE

    estimator = DirectionEstimator.pretrained(device="cpu")
    rgb = read_image(image)
    cores = usable_cores()
    fusing = fused.fusion_works

    def fields() -> None:
        estimator._fields_tta(rgb, DEFAULT_TILE, DEFAULT_OVERLAP, False, DEFAULT_BORDER)

    fields()  # warm-up
    settings = {
        "one tile at a time on every core": (1, fusing),
        "one tile per core, at once": (cores, fusing),
        "one tile per core, convolution and ReLU apart": (cores, lambda dtype: False),
    }
    times: dict[str, list[float]] = {name: [] for name in settings}
    try:
        for _ in range(repeats):
            for name, (workers, fusion) in settings.items():
                tiled.usable_cores = lambda w=workers: w
                fused.fusion_works = fusion
                times[name].append(median_seconds(fields, 1))
    finally:
        tiled.usable_cores, fused.fusion_works = usable_cores, fusing
    padded = (rgb.shape[0] + 2 * DEFAULT_BORDER, rgb.shape[1] + 2 * DEFAULT_BORDER)
    count = len(list(tiled.tiles(*padded, DEFAULT_TILE, DEFAULT_OVERLAP, estimator.divisor)))
    return {name: statistics.median(t) for name, t in times.items()}, count


def png_rows(folder: Path) -> list[tuple[str, list[tuple[float, float]]]]:
    """Per output of predict's three PNGs: (seconds, MB) of OpenCV with the adaptive filter,
    OpenCV with the "up" filter (zlib level 1 both), and :func:`encode_png`."""
    import cv2

    from dense_direction.io.png import encode_png

    angles = np.load(folder / "mosaic_angles.npy")
    images = {
        "angles (16-bit)": np.round(angles / np.pi * 65535).astype(np.uint16),
        "confidence": cv2.imread(str(folder / "mosaic_confidence.png"), cv2.IMREAD_UNCHANGED),
        "overlay": cv2.imread(str(folder / "mosaic_overlay.png"))[..., ::-1].copy(),  # RGB
    }
    level = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    up = [*level, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    rows = []
    for name, image in images.items():
        bgr = image[..., ::-1].copy() if image.ndim == 3 else image
        encoders = [
            functools.partial(cv2.imencode, ".png", bgr, level),
            functools.partial(cv2.imencode, ".png", bgr, up),
            functools.partial(encode_png, image),
        ]
        measured = []
        for encode in encoders:
            start = time.perf_counter()
            encoded = encode()
            size = len(encoded) if isinstance(encoded, bytes) else encoded[1].size
            measured.append((time.perf_counter() - start, size / 1e6))
        rows.append((name, measured))
    return rows


def colours(repeats: int) -> tuple[float, float, float]:
    """Seconds of matplotlib's hsv_to_rgb and of direction_colors, and their largest gap."""
    from matplotlib.colors import hsv_to_rgb

    from dense_direction.visualization import direction_colors

    angles = np.random.default_rng(0).uniform(0, np.pi, (1, 4_200_000)).astype(np.float32)
    hue = angles / np.float32(np.pi)
    ones = np.ones_like(hue)
    reference = hsv_to_rgb(np.stack((hue, ones, ones), axis=-1))
    gap = float(np.abs(direction_colors(angles) - reference).max())
    slow = median_seconds(lambda: hsv_to_rgb(np.stack((hue, ones, ones), axis=-1)), repeats)
    fast = median_seconds(lambda: direction_colors(angles), repeats)
    return slow, fast, gap


def overlays(image: Path, folder: Path, repeats: int) -> tuple[float, float, bool]:
    """Seconds of drawing predict's overlay of the mosaic (its predicted angles where its
    confidence PNG is above one half) with boolean masks over each slab's (rows, cols, 3)
    pixels, as ``direction_overlay`` did before 2026-12-06's stop 30, and with its flat
    indices now; and whether the two pictures are the same."""
    import cv2

    from dense_direction.io import read_image
    from dense_direction.visualization import _SLAB_ROWS, direction_colors, direction_overlay

    rgb = read_image(image)
    angles = np.load(folder / "mosaic_angles.npy")
    shown = cv2.imread(str(folder / "mosaic_confidence.png"), cv2.IMREAD_UNCHANGED) > 127

    def boolean_masks(alpha: float = 0.8) -> np.ndarray:
        out = rgb.copy()
        for top in range(0, out.shape[0], _SLAB_ROWS):
            rows = slice(top, top + _SLAB_ROWS)
            select, slab = shown[rows], out[rows]
            base = slab[select].astype(np.float32) / 255
            colours = direction_colors(angles[rows][select][None])[0].astype(np.float32)
            slab[select] = (((1 - alpha) * base + alpha * colours) * 255 + 0.5).astype(np.uint8)
        return out

    same = bool(np.array_equal(boolean_masks(), direction_overlay(rgb, angles, shown)))
    before = median_seconds(boolean_masks, repeats)
    now = median_seconds(lambda: direction_overlay(rgb, angles, shown), repeats)
    return before, now, same


def block_any(repeats: int) -> list[tuple[int, float, float]]:
    """(block, seconds of any over a reshape, seconds of _block_any) on a 4000x3000 mask."""
    from dense_direction.scales import _block_any

    rng = np.random.default_rng(0)
    rows = []
    for block in (2, 3, 4, 6, 9, 13):
        h, w = 3000 // block * block, 4000 // block * block
        image = rng.random((h, w)) < 0.01
        shape = (h // block, block, w // block, block)
        reshaped = median_seconds(lambda i=image, s=shape: i.reshape(s).any(axis=(1, 3)), repeats)
        sliced = median_seconds(lambda i=image, b=block: _block_any(i, b), repeats)
        rows.append((block, reshaped, sliced))
    return rows


def disk_reach_rows(folder: Path, repeats: int) -> list[tuple[float, float, float, bool]]:
    """(radius, seconds of the distance threshold, seconds of the disk dilation, same pixels)
    for structure_width's rungs measured at full resolution, on predict's structure mask of
    the mosaic (its confidence PNG above one half)."""
    import cv2

    from dense_direction.cv_ops import opencv_disk_dilation, opencv_distance
    from dense_direction.smoothing import DEFAULT_MIN_WIDTH

    mask = cv2.imread(str(folder / "mosaic_confidence.png"), cv2.IMREAD_UNCHANGED) > 127
    depth = opencv_distance(mask)
    rows = []
    for rung in (DEFAULT_MIN_WIDTH * 2**0.5, DEFAULT_MIN_WIDTH * 2):  # blocks of one pixel
        radius = rung / 2 / 2**0.25  # as structure_width measures a rung
        seeds = depth >= radius
        threshold = median_seconds(lambda s=seeds, r=radius: opencv_distance(~s) <= r, repeats)
        dilation = median_seconds(lambda s=seeds, r=radius: opencv_disk_dilation(s, r), repeats)
        reached = opencv_distance(~seeds) <= radius
        same = bool(np.array_equal(reached, opencv_disk_dilation(seeds, radius)))
        rows.append((radius, threshold, dilation, same))
    return rows


def fresh_memory() -> tuple[float, float]:
    """Seconds to fill a new (3, 3000, 4000) float32 array: first, then again."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        array = np.empty((3, 3000, 4000), np.float32)
        array.fill(1)
        times.append(time.perf_counter() - start)
        del array
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    first, again = fresh_memory()  # before anything else touched memory in this process
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mosaic(folder / "mosaic.png", 3000, 4000)
        runs = [stages(folder / "mosaic.png", folder / "out") for _ in range(args.repeats)]
        print("| stage (one `predict --no-tta`, 4000x3000) | seconds, each run |")
        print("|---|---|")
        for i, (stage, _) in enumerate(runs[0]):
            ends = [run[i][1] for run in runs]
            starts = [run[i - 1][1] if i else 0.0 for run in runs]
            took = ", ".join(f"{end - begin:.2f}" for begin, end in zip(starts, ends, strict=True))
            print(f"| {stage} | {took} |")
        print(
            f"| end to end (Python start-up not included) | "
            f"{', '.join(f'{run[-1][1]:.2f}' for run in runs)} |"
        )
        png = png_rows(folder / "out")
        drawing = overlays(folder / "mosaic.png", folder / "out", max(args.repeats, 5))
        reach = disk_reach_rows(folder / "out", max(args.repeats, 5))
        network, count = tiles(folder / "mosaic.png", max(args.repeats, 5))
    print(f"\n| network + blending, {count} tiles | seconds (median) |\n|---|---|")
    for name, seconds in network.items():
        print(f"| {name} | {seconds:.2f} |")
    print(
        "\n| PNG | OpenCV adaptive s (MB) | OpenCV 'up' s (MB) | predict's writer, ISA-L s (MB) |"
    )
    print("|---|---|---|---|")
    for name, measured in png:
        cells = " | ".join(f"{seconds:.3f} ({mb:.2f})" for seconds, mb in measured)
        print(f"| {name} | {cells} |")
    before, now, same = drawing
    print(f"\n| overlay of the mosaic, drawn with | seconds (same picture: {same}) |\n|---|---|")
    print(f"| boolean masks over (rows, cols, 3) (before) | {before:.3f} |")
    print(f"| flat indices (direction_overlay) | {now:.3f} |")
    slow, fast, gap = colours(args.repeats)
    print(f"\n| 4.2 M colours | seconds |\n|---|---|\n| matplotlib hsv_to_rgb | {slow:.3f} |")
    print(f"| direction_colors (largest difference {gap:.1e}) | {fast:.3f} |")
    print("\n| block | any over a reshape s | _block_any s |\n|---|---|---|")
    for block, reshaped, sliced in block_any(args.repeats):
        print(f"| {block} | {reshaped:.4f} | {sliced:.4f} |")
    print("\n| disk reach, radius | distance threshold s | disk dilation s | same pixels |")
    print("|---|---|---|---|")
    for radius, threshold, dilation, same in reach:
        print(f"| {radius:.2f} | {threshold:.4f} | {dilation:.4f} | {same} |")
    print(f"\n| fill a new 144 MB array | seconds |\n|---|---|\n| first | {first:.3f} |")
    print(f"| again | {again:.3f} |")


if __name__ == "__main__":
    main()
