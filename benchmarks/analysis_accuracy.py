"""Per-object mean direction from predicted fields against the exact truth.

Synthetic samples (all four kinds; seeds far from the training ones) give masks with exact
tangent angles. Each object (connected structure of the true mask) gets its axial mean
direction from ``analyze_image`` three times, on the same mask: from the truth field, from
the model's predicted field, and from the classical structure tensor (sigma 1, rho 4); so does
each skeleton branch of at least 20 px. The table reports the differences to the truth
(degrees, modulo 180) per object, per object whose true directions are aligned (order
parameter S >= 0.5: a mean direction a reader can use), and per branch.

    python benchmarks/analysis_accuracy.py [--checkpoint demo_out/work] [--num 20] [--tta]

Without ``--checkpoint`` the bundled model (``--model``, default ``general``) is measured.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import numpy as np

from dense_direction.analysis import AnalysisOptions, analyze_image
from dense_direction.classical import structure_tensor_direction
from dense_direction.synthetic import KINDS, generate_sample

OPTIONS = AnalysisOptions(min_size=50, weighted=False)


#: Branches shorter than this (px along the centre-line) are junction stubs, not fibres.
MIN_BRANCH_LENGTH = 20.0
#: Objects whose true directions are this aligned (order parameter S) have a mean direction a
#: user can read; for a whole network of fibres (S near 0) the mean is an average of little
#: meaning that a small error in any part swings.
ALIGNED = 0.5


def tables(angles: np.ndarray, mask: np.ndarray) -> tuple[Any, Any]:
    """Per-object and per-branch tables of one field on ``mask`` (geometry from the mask, so
    rows match between fields)."""
    result = analyze_image(angles, mask, options=OPTIONS)
    return result.objects, result.branches


def compare(field: np.ndarray, truth: tuple[Any, Any], mask: np.ndarray) -> dict[str, Any]:
    """Errors of ``field``'s per-object and per-branch mean directions against the truth's."""
    objects, branches = tables(field, mask)
    true_objects, true_branches = truth
    if not np.allclose(branches["length"], true_branches["length"]):
        raise RuntimeError("branch tables differ: geometry must come from the mask alone")
    long = (true_branches["length"] >= MIN_BRANCH_LENGTH).to_numpy()
    aligned = (true_objects["order_parameter"] >= ALIGNED).to_numpy()
    object_errors = differences(objects["direction_mean"], true_objects["direction_mean"])
    return dict(
        objects=object_errors,
        aligned=object_errors[aligned],
        branches=differences(branches["direction_mean"], true_branches["direction_mean"])[long],
        details=[
            dict(
                object=int(row.object),
                error=float(error),
                length=float(row.length),
                width=float(row.width_mean),
                order=float(row.order_parameter),
            )
            for row, error in zip(true_objects.itertuples(), object_errors, strict=True)
        ],
    )


def differences(estimate: Any, truth: Any) -> np.ndarray:
    diff = np.mod(np.asarray(estimate, float) - np.asarray(truth, float), math.pi)
    return np.degrees(np.minimum(diff, math.pi - diff))


def summary(name: str, errors: np.ndarray) -> str:
    if errors.size == 0:
        return f"| {name} | 0 | - | - | - | - |"
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
    from dense_direction.inference import DirectionEstimator

    if args.checkpoint:
        estimator = DirectionEstimator.from_checkpoint(args.checkpoint)
    else:
        estimator = DirectionEstimator.pretrained(args.model)
    errors: dict[tuple[str, str], list[np.ndarray]] = {}
    worst: list[tuple[float, int, dict]] = []  # the model's objects more than 3 deg off
    for index in range(args.num):
        sample = generate_sample(list(KINDS), args.size, seed=args.seed + index)
        mask = sample.mask > 0
        truth = tables(sample.direction, mask)
        fields = {
            "model": estimator.predict(sample.image, tta=args.tta).angles[0],
            "structure tensor": structure_tensor_direction(sample.image, 1.0, 4.0)[0],
        }
        for name, field in fields.items():
            parts = compare(field, truth, mask)
            if name == "model":
                worst += [(d["error"], args.seed + index, d) for d in parts["details"]]
            for unit in ("objects", "aligned", "branches"):
                errors.setdefault((unit, name), []).append(parts[unit])
    print(f"{args.num} images of {args.size}x{args.size}, objects of >= 50 px, tta={args.tta}")
    print("| unit | field | count | median error (°) | mean (°) | within 3° | max (°) |")
    print("|---|---|---|---|---|---|---|")
    units = {
        "objects": "objects (connected structures)",
        "aligned": f"objects with true S >= {ALIGNED}",
        "branches": f"branches >= {MIN_BRANCH_LENGTH:g} px",
    }
    for (unit, name), parts in errors.items():
        print(f"| {units[unit]} " + summary(name, np.concatenate(parts)))
    off = sorted((w for w in worst if w[0] > 3), key=lambda w: w[0], reverse=True)
    print(f"\nmodel objects more than 3 deg off: {len(off)}")
    for error, seed, d in off:
        print(
            f"  seed {seed} object {d['object']}: {error:.1f} deg, length {d['length']:.0f} px, "
            f"mean width {d['width']:.1f} px, true S {d['order']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
