"""The picture of docs/data.md: one synthetic sample per rendering style (rows) and structure
kind (columns), all from the same seed, so each column shows the same structures in every style.

    .venv/bin/python tools/synthetic_styles.py [--size 160] [--seed 3] [--held-out]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dense_direction.synthetic import KINDS, STYLES, generate_sample

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "synthetic_styles.png"
LABEL = 84  # px of the left column holding the style names
GAP = 4


def grid(size: int, seed: int, held_out: bool) -> Image.Image:
    """Rows of styles, columns of kinds, a header row with the kind names."""
    cell = size + GAP
    canvas = Image.new("RGB", (LABEL + cell * len(KINDS), 18 + cell * len(STYLES)), "white")
    draw = ImageDraw.Draw(canvas)
    for column, kind in enumerate(KINDS):
        draw.text((LABEL + column * cell + 4, 3), kind, fill="black")
    for row, style in enumerate(STYLES):
        top = 18 + row * cell
        draw.text((4, top + size // 2 - 6), style, fill="black")
        for column, kind in enumerate(KINDS):
            sample = generate_sample(kind, size, seed=seed, style=style, held_out=held_out)
            canvas.paste(Image.fromarray(sample.image), (LABEL + column * cell, top))
    return canvas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=160, help="side of each sample (px)")
    parser.add_argument("--seed", type=int, default=3, help="seed of every sample")
    parser.add_argument("--held-out", action="store_true", help="held-out render settings")
    parser.add_argument("--out", type=Path, default=OUT, help=f"picture path (default {OUT})")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    picture = grid(args.size, args.seed, args.held_out)
    # A palette PNG keeps the picture small enough for the docs (< 400 KB).
    picture.quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.FLOYDSTEINBERG
    ).save(args.out, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {np.array(picture).shape})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
