"""Tile layouts: how close tiled predictions come to one whole-image tile, their error against
the truth, and what the network and blending cost, per (tile, overlap, blending ramp).

1. **Seams and error**: ``--num`` synthetic held-out images of ``--size``² (all four kinds,
   the five held-out background styles in turn, seeds 70000 on), the bundled model, no TTA,
   the default border and no smoothing (the tiles alone). Per layout: the mean error against
   the truth on the scored pixels (``evaluation.scored_pixels``: the mask, less crossings),
   and the angle between its field and the field of one tile over the whole image, on the
   mask (mean, 99th and 99.9th percentiles: seams are few pixels, so the tails show them).
2. **Cost**: the network and blending of the 4000x3000 mosaic of ``predict_throughput.py``
   (``_fields_tta``, no TTA, border 16), runs of the layouts alternated, medians of
   ``--repeats``, and the pixels the tiles hold relative to the image's.

The "unfitted" layout is the one of releases before tiles were fitted to the image: tiles of
exactly ``tile`` laid from the start in steps of ``tile - overlap``, the last flush with the
end (written out below, only for this comparison).

    .venv/bin/python benchmarks/tile_seams.py [--num 8] [--size 1024] [--repeats 3]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from predict_throughput import mosaic

# (label, tile, overlap, ramp power, fitted)
LAYOUTS = [
    ("512/64, linear, unfitted (before)", 512, 64, 1, False),
    ("512/64, linear", 512, 64, 1, True),
    ("512/64, cubic", 512, 64, 3, True),
    ("512/32, linear", 512, 32, 1, True),
    ("512/32, square", 512, 32, 2, True),
    ("512/32, cubic (default)", 512, 32, 3, True),
    ("512/24, cubic", 512, 24, 3, True),
    ("768/32, cubic", 768, 32, 3, True),
    ("128/32, cubic", 128, 32, 3, True),
    ("64/16, cubic", 64, 16, 3, True),
]
#: Layouts of smaller tiles are left out of the cost table (thousands of tiles).
COST_MIN_TILE = 256
STYLES = ["concrete", "fundus", "fluorescence", "aerial", "sem"]
BORDER = 16


def unfitted_tiles(height: int, width: int, tile: int, overlap: int, multiple: int = 1) -> Iterator:
    """The tile layout before fitting: sides of exactly ``tile``, steps of ``tile - overlap``."""
    from dense_direction.tiling import Tile

    def starts(length: int) -> list[int]:
        if length <= tile:
            return [0]
        return [*range(0, length - tile, tile - overlap), length - tile]

    for top in starts(height):
        for left in starts(width):
            yield Tile(top, left, min(tile, height), min(tile, width))


def layout_of(fitted: bool) -> Callable[..., Iterator]:
    """Today's fitted tiles, or the layout before them."""
    from dense_direction.tiling import tiles

    return tiles if fitted else unfitted_tiles


def use_layout(power: int, fitted: bool) -> None:
    """Make the estimator tile with this ramp and layout (module-level names it calls)."""
    import dense_direction.inference.tiled as tiled
    from dense_direction.tiling import blend_weights

    tiled.blend_weights = functools.partial(blend_weights, power=power)
    tiled.tiles = layout_of(fitted)


def seams(num: int, size: int) -> None:
    from dense_direction.evaluation import angular_error, scored_pixels
    from dense_direction.inference import DirectionEstimator
    from dense_direction.synthetic import generate_sample

    estimator = DirectionEstimator.pretrained()
    kinds = ["cracks", "vessels", "roads", "fibres"]
    samples = [
        generate_sample(kinds, size, seed=70000 + i, style=STYLES[i % len(STYLES)], held_out=True)
        for i in range(num)
    ]

    def predict(tile: int, overlap: int) -> list[np.ndarray]:
        options = dict(tta=False, tile=tile, overlap=overlap, border=BORDER, smooth=0)
        return [estimator.predict(s.image, **options).angles[0] for s in samples]

    use_layout(1, True)
    whole = predict(size + 2 * BORDER, 32)  # one tile per image
    print(f"{num} held-out images of {size}², bundled model, no TTA, no smoothing:\n")
    print("| layout (tile/overlap, ramp) | error (deg) | vs one tile: mean | p99 | p99.9 |")
    print("|---|---|---|---|---|")
    rows = [("one tile per image", None, None, 1, True), *LAYOUTS]
    for label, tile, overlap, power, fitted in rows:
        if tile is None:
            fields = whole
        else:
            use_layout(power, fitted)
            fields = predict(tile, overlap)
        error = np.concatenate(
            [
                angular_error(f, s.direction, scored_pixels(s.mask, s.crossing, s.direction))
                for f, s in zip(fields, samples, strict=True)
            ]
        )
        pairs = zip(fields, whole, samples, strict=True)
        apart = np.concatenate([angular_error(f, w, s.mask > 0) for f, w, s in pairs])
        p99, p999 = np.percentile(apart, [99, 99.9])
        print(f"| {label} | {error.mean():.3f} | {apart.mean():.3f} | {p99:.2f} | {p999:.1f} |")


def cost(repeats: int) -> None:
    from dense_direction.inference import DirectionEstimator
    from dense_direction.io import read_image

    estimator = DirectionEstimator.pretrained()
    with tempfile.TemporaryDirectory() as tmp:
        mosaic(Path(tmp) / "mosaic.png", 3000, 4000)
        rgb = read_image(Path(tmp) / "mosaic.png")
    layouts = [layout for layout in LAYOUTS if layout[1] >= COST_MIN_TILE]
    times: dict[str, list[float]] = {label: [] for label, *_ in layouts}
    for _ in range(repeats):
        for label, tile, overlap, power, fitted in layouts:
            use_layout(power, fitted)
            start = time.perf_counter()
            estimator._fields_tta(rgb, tile, overlap, False, BORDER)
            times[label].append(time.perf_counter() - start)
    h, w = 3000 + 2 * BORDER, 4000 + 2 * BORDER
    print(f"\n4000x3000 mosaic, network + blending (no TTA), medians of {repeats}:\n")
    print("| layout | tiles | tile pixels / image pixels | seconds |")
    print("|---|---|---|---|")
    for label, tile, overlap, _, fitted in layouts:
        layout = list(layout_of(fitted)(h, w, tile, overlap, 16))
        share = sum(t.height * t.width for t in layout) / (h * w)
        print(f"| {label} | {len(layout)} | {share:.2f} | {statistics.median(times[label]):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=8)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    seams(args.num, args.size)
    cost(args.repeats)


if __name__ == "__main__":
    main()
