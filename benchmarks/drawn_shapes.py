"""Clean drawn bars on a flat background: what a newcomer draws to check the tool first.

A straight bar at 30° (180 px long, drawn with PIL as a user would, no anti-aliasing, no
blur, no noise) on a flat background, in widths from 1 to 24 px, in dark ink on light paper
and in light strokes on a dark screen. Segmentation masks saved as pictures look like this,
and so do line drawings and scanned sketches; none of the textured training styles does.
Per image: the share of the bar's pixels the model finds (confidence above 0.5, the default
``--threshold``), the share of the background it calls structure, and the mean angular error
on the bar's pixels (all of them point at 30°), through ``predict``'s defaults.

    .venv/bin/python benchmarks/drawn_shapes.py                  # the bundled model
    .venv/bin/python benchmarks/drawn_shapes.py --checkpoint WORK_DIR
    .venv/bin/python benchmarks/drawn_shapes.py --no-tta --angle 0   # predict --no-tta
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from PIL import Image, ImageDraw

from _cli import estimator

ANGLE = 30.0
WIDTHS = (1, 3, 6, 12, 24)
#: (name, ink, paper) gray levels.
TONES = (
    ("dark ink on light paper (0 on 220)", 0, 220),
    ("gray ink on light paper (90 on 200)", 90, 200),
    ("light on a dark screen (220 on 0)", 220, 0),
)


def bar(
    width: int, ink: int, paper: int, size: int = 256, angle: float = ANGLE
) -> tuple[np.ndarray, np.ndarray]:
    """The gray uint8 image of one bar at ``angle`` degrees and its mask."""
    a, half = math.radians(angle), 90.0  # y up: the bar rises to the right
    c = size / 2
    ends = [(c - half * math.cos(a), c + half * math.sin(a)),
            (c + half * math.cos(a), c - half * math.sin(a))]  # fmt: skip
    image, mask = Image.new("L", (size, size), paper), Image.new("1", (size, size), 0)
    ImageDraw.Draw(image).line(ends, fill=ink, width=width)
    ImageDraw.Draw(mask).line(ends, fill=1, width=width)
    return np.asarray(image), np.asarray(mask, dtype=bool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="a checkpoint or work dir (default: bundled)")
    parser.add_argument("--angle", type=float, default=ANGLE, help="the bar's direction (deg)")
    parser.add_argument("--no-tta", dest="tta", action="store_false", help="predict --no-tta")
    args = parser.parse_args()
    model = estimator(args.checkpoint)
    settings = "predict's defaults" if args.tta else "predict --no-tta"
    print(f"model: {args.checkpoint or 'bundled general'}, {settings}, 256² images, "
          f"bar at {args.angle:g}°")  # fmt: skip
    print("\n| bar | width (px) | bar pixels found | background called structure | "
          "mean error on the bar |")  # fmt: skip
    print("|---|---|---|---|---|")
    for name, ink, paper in TONES:
        for width in WIDTHS:
            gray, mask = bar(width, ink, paper, angle=args.angle)
            prediction = model.predict(gray, tta=args.tta)
            found = prediction.confidence[0] > 0.5
            error = np.abs((np.degrees(prediction.angles[0][mask]) - args.angle + 90) % 180 - 90)
            print(f"| {name} | {width} | {100 * found[mask].mean():.0f} % | "
                  f"{100 * found[~mask].mean():.1f} % | {error.mean():.1f}° |")  # fmt: skip


if __name__ == "__main__":
    main()
