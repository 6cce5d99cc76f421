"""Per-object mean direction from predicted fields against the exact truth.

Synthetic samples (all four kinds; seeds far from the training ones) give masks with exact
tangent angles. Each object (connected structure of the true mask) gets its axial mean
direction from ``analyze_image`` three times, on the same mask: from the truth field, from
the model's predicted field, and from the classical structure tensor (sigma 1, rho 4). The
table reports the per-object difference to the truth (degrees, modulo 180).

    python benchmarks/analysis_accuracy.py [--checkpoint demo_out/work] [--num 20] [--tta]

Without ``--checkpoint`` the bundled model (``--model``, default ``general``) is measured.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from dense_direction.analysis import AnalysisOptions, analyze_image
from dense_direction.classical import structure_tensor_direction
from dense_direction.synthetic import KINDS, generate_sample

OPTIONS = AnalysisOptions(min_size=50, weighted=False)


def object_directions(angles: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean direction (radians) per object of ``mask`` (objects numbered as analyze does)."""
    return analyze_image(angles, mask, options=OPTIONS).objects["direction_mean"].to_numpy()


def differences(estimate: np.ndarray, truth: np.ndarray) -> np.ndarray:
    diff = np.mod(estimate - truth, math.pi)
    return np.degrees(np.minimum(diff, math.pi - diff))


def summary(name: str, errors: np.ndarray) -> str:
    return (
        f"| {name} | {len(errors)} | {np.median(errors):.2f} | {errors.mean():.2f} | "
        f"{(errors <= 3).mean() * 100:.0f} % | {errors.max():.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="checkpoint file or work dir (a bundled model)")
    parser.add_argument("--model", default="general", help="bundled model (general)")
    parser.add_argument("--num", type=int, default=20)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=90000)
    parser.add_argument("--tta", action="store_true", help="test-time augmentation")
    args = parser.parse_args()
    from dense_direction.mm.inference import DirectionEstimator

    if args.checkpoint:
        estimator = DirectionEstimator.from_checkpoint(args.checkpoint)
    else:
        estimator = DirectionEstimator.pretrained(args.model)
    errors: dict[str, list[np.ndarray]] = {"model": [], "structure tensor": []}
    for index in range(args.num):
        sample = generate_sample(list(KINDS), args.size, seed=args.seed + index)
        mask = sample.mask > 0
        truth = object_directions(sample.direction, mask)
        predicted = estimator.predict(sample.image, tta=args.tta).angles[0]
        classical, _ = structure_tensor_direction(sample.image, 1.0, 4.0)
        errors["model"].append(differences(object_directions(predicted, mask), truth))
        errors["structure tensor"].append(differences(object_directions(classical, mask), truth))
    print(f"{args.num} images of {args.size}x{args.size}, objects of >= 50 px, tta={args.tta}")
    print("| field | objects | median error (°) | mean (°) | within 3° | max (°) |")
    print("|---|---|---|---|---|---|")
    for name, parts in errors.items():
        print(summary(name, np.concatenate(parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
