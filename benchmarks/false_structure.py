"""How much of an image without any structure a model calls structure.

A model trained on scenes that always hold structures may not have learnt what *nothing* looks
like: the inside of a road 40 px wide is as flat as an empty grey image, and only the edges far
away tell them apart. This script feeds the model images with no structure at all and prints,
per image, the share of pixels whose confidence (the structure probability ``predict`` writes
as ``<stem>_confidence.png``) is above 0.5, the default ``--threshold`` of the overlay and of
``analyze``: every such pixel is a false detection. Images (``--size`` square, default 256):
flat grey levels, Gaussian noise around mid-grey, a smooth left-to-right ramp, and smooth
random blotches (a blurred noise field, like uneven lighting).

    .venv/bin/python benchmarks/false_structure.py                  # the bundled model
    .venv/bin/python benchmarks/false_structure.py --checkpoint WORK_DIR --no-tta
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import ndimage

from _cli import estimator
from dense_direction.tta import TTA_PASSES


def images(size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Gray ``(size, size)`` uint8 images without structure, by name."""
    rng = np.random.default_rng(seed)
    out = {f"flat {v}": np.full((size, size), v, np.float64) for v in (0, 64, 128, 192, 255)}
    for sigma in (3, 10, 30):
        out[f"noise sd {sigma} around 128"] = 128 + rng.normal(0, sigma, (size, size))
    out["ramp 0..255 left to right"] = np.tile(np.linspace(0, 255, size), (size, 1))
    blotches = ndimage.gaussian_filter(rng.normal(0, 1, (size, size)), size / 8)
    out["smooth blotches 64..192"] = 64 + 128 * (blotches - blotches.min()) / np.ptp(blotches)
    return {k: np.clip(np.round(v), 0, 255).astype(np.uint8) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="a checkpoint or work dir (default: bundled)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--tta", type=int, default=8, choices=TTA_PASSES, help="predict --tta")
    parser.add_argument("--no-tta", dest="tta", action="store_const", const=1)
    args = parser.parse_args()
    model = estimator(args.checkpoint)
    print(f"model: {args.checkpoint or 'bundled general'}, --tta {args.tta}, {args.size}² images")
    print("\n| image (no structure) | mean confidence | pixels above 0.5 (false structure) |")
    print("|---|---|---|")
    for name, gray in images(args.size).items():
        confidence = model.predict(gray, tta=args.tta).confidence[0]
        print(f"| {name} | {confidence.mean():.2f} | {100 * (confidence > 0.5).mean():.1f} % |")


if __name__ == "__main__":
    main()
