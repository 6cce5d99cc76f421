"""Per-object mean direction from predicted fields against the exact truth.

Synthetic samples (all four kinds; seeds far from the training ones) give masks with exact
tangent angles. Each object (connected structure of the true mask) gets its axial mean
direction from ``analyze_image`` three times, on the same mask: from the truth field, from
the model's predicted field, and from the classical structure tensor (sigma 1, rho 4); so does
each skeleton branch of at least 20 px. The directions of the pixels where two structures
overlap (the samples' crossings: 10-35 % of the mask in these dense scenes) are left out of
every field's means, as the pixel evaluation leaves them out
(:func:`dense_direction.evaluation.scored_pixels`): such a pixel has two true directions, and
the truth field holds whichever structure was drawn last. The geometry (objects, branches,
lengths) still comes from the whole mask. The table reports the differences to the truth
(degrees, modulo 180) per object, per object whose true directions are aligned (order
parameter S >= 0.5: a mean direction a reader can use), and per branch.

    python benchmarks/analysis_accuracy.py [--checkpoint demo_out/work] [--num 20] [--tta]
        [--pictures DIR]

Without ``--checkpoint`` the bundled model (``--model``, default ``general``) is measured.
For each of the model's objects more than 3° off, the script also says how few of its
pixels make the difference: the smallest share of its pixels, taken worst first, whose
directions set to the truth's bring its mean within 3° (and the error above which those
pixels lie; unweighted means). ``--weighted`` weights the model's means by its confidence,
as ``analyze`` does by default (the truth's stay unweighted). ``--pictures DIR`` writes, for
each image with an object more than 3 deg off, ``seed<N>.png``: image | true directions |
predicted | per-pixel error (0-45 deg) | the model's confidence (black 0, white 1), all on
the true mask.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from _cli import estimator as load_estimator
from dense_direction.analysis import AnalysisOptions, analyze_image
from dense_direction.classical import structure_tensor_direction
from dense_direction.evaluation import scored_pixels
from dense_direction.synthetic import KINDS, generate_sample

OPTIONS = AnalysisOptions(min_size=50, weighted=False)


#: Branches shorter than this (px along the centre-line) are junction stubs, not fibres.
MIN_BRANCH_LENGTH = 20.0
#: Objects whose true directions are this aligned (order parameter S) have a mean direction a
#: user can read; for a whole network of fibres (S near 0) the mean is an average of little
#: meaning that a small error in any part swings.
ALIGNED = 0.5


def tables(
    angles: np.ndarray, mask: np.ndarray, confidence: np.ndarray | None = None
) -> tuple[Any, Any]:
    """Per-object and per-branch tables of one field on ``mask`` (geometry from the mask, so
    rows match between fields); with ``confidence``, means weighted by it (analyze's
    default)."""
    options = OPTIONS if confidence is None else replace(OPTIONS, weighted=True)
    result = analyze_image(angles, mask, confidence=confidence, options=options)
    return result.objects, result.branches


def compare(
    field: np.ndarray,
    truth: tuple[Any, Any],
    mask: np.ndarray,
    confidence: np.ndarray | None = None,
) -> dict[str, Any]:
    """Errors of ``field``'s per-object and per-branch mean directions (weighted by
    ``confidence`` where given) against the truth's; objects and branches with no scored
    pixel (no true mean direction) are left out."""
    objects, branches = tables(field, mask, confidence)
    true_objects, true_branches = truth
    if not np.allclose(branches["length"], true_branches["length"]):
        raise RuntimeError("branch tables differ: geometry must come from the mask alone")
    long = (true_branches["length"] >= MIN_BRANCH_LENGTH).to_numpy() & np.isfinite(
        true_branches["direction_mean"].to_numpy(float)
    )
    measured = np.isfinite(true_objects["direction_mean"].to_numpy(float))
    aligned = (true_objects["order_parameter"] >= ALIGNED).to_numpy() & measured
    object_errors = differences(objects["direction_mean"], true_objects["direction_mean"])
    return dict(
        objects=object_errors[measured],
        aligned=object_errors[aligned],
        branches=differences(branches["direction_mean"], true_branches["direction_mean"])[long],
        # (true, this field's) order parameter of each long branch, to tell noise from bias
        branch_order=np.stack(
            [
                true_branches["order_parameter"].to_numpy(float)[long],
                branches["order_parameter"].to_numpy(float)[long],
            ],
            axis=1,
        ),
        details=[
            dict(
                object=int(row.object),
                error=float(error),
                length=float(row.length),
                width=float(row.width_mean),
                order=float(row.order_parameter),
            )
            for row, error, kept in zip(
                true_objects.itertuples(), object_errors, measured, strict=True
            )
            if kept
        ],
    )


def worst_share(field: np.ndarray, truth: np.ndarray, pixels: np.ndarray) -> tuple[float, float]:
    """The smallest share of ``pixels`` (bool, same shape) whose directions in ``field``, set
    to ``truth``'s worst error first, bring the axial mean of ``field`` there within 3° of
    the truth's mean; and the per-pixel error (degrees) of the last pixel set."""
    pixels = pixels & np.isfinite(field) & np.isfinite(truth)
    estimate, exact = field[pixels].astype(float), truth[pixels].astype(float)
    errors = differences(estimate, exact)
    order = np.argsort(-errors)
    vectors, true_vectors = np.exp(2j * estimate[order]), np.exp(2j * exact[order])
    # The doubled-angle sum after setting the k worst pixels right, for k = 0 .. n.
    fixed = vectors.sum() - np.concatenate(([0], np.cumsum(vectors - true_vectors)))
    off = differences(np.angle(fixed) / 2, np.angle(true_vectors.sum()) / 2)
    k = int(np.argmax(off <= 3))
    return k / len(order), float(errors[order[k - 1]]) if k else math.nan


def differences(estimate: Any, truth: Any) -> np.ndarray:
    diff = np.mod(np.asarray(estimate, float) - np.asarray(truth, float), math.pi)
    return np.degrees(np.minimum(diff, math.pi - diff))


def picture(folder: Path, seed: int, sample: Any, prediction: Any, mask: np.ndarray) -> None:
    """``folder/seed<seed>.png``: image | truth | prediction | error | confidence."""
    from PIL import Image

    from dense_direction.evaluation import angular_error
    from dense_direction.visualization import comparison_row

    truth = np.where(mask, sample.direction, np.nan)
    errors = np.zeros(mask.shape)
    errors[mask] = angular_error(prediction.angles[0], np.nan_to_num(truth), mask)
    confidence = (np.clip(prediction.confidence[0], 0, 1) * 255).astype(np.uint8)
    row = comparison_row(sample.image, truth, prediction.angles[0], errors, mask)
    row = np.concatenate([row, np.repeat(confidence[..., None], 3, axis=2)], axis=1)
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(row).save(folder / f"seed{seed}.png")


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
    parser.add_argument("--pictures", type=Path, help="folder for pictures of the images off")
    parser.add_argument(
        "--weighted",
        action="store_true",
        help="the model's means weighted by its confidence, as analyze does by default",
    )
    args = parser.parse_args()
    estimator = load_estimator(args.checkpoint, args.model)
    errors: dict[tuple[str, str], list[np.ndarray]] = {}
    worst: list[tuple[float, int, dict]] = []  # the model's objects more than 3 deg off
    model_branches: list[np.ndarray] = []  # (error, seed, true S, predicted S) per branch
    for index in range(args.num):
        sample = generate_sample(list(KINDS), args.size, seed=args.seed + index)
        mask = sample.mask > 0
        scored = scored_pixels(mask, sample.crossing)  # see the module docstring
        truth_field = np.where(scored, sample.direction, np.nan)
        truth = tables(truth_field, mask)
        prediction = estimator.predict(sample.image, tta=args.tta)
        fields = {
            "model": prediction.angles[0],
            "structure tensor": structure_tensor_direction(sample.image, 1.0, 4.0)[0],
        }
        for name, field in fields.items():
            weights = prediction.confidence[0] if args.weighted and name == "model" else None
            parts = compare(np.where(scored, field, np.nan), truth, mask, weights)
            if name == "model":
                objects_map = analyze_image(truth_field, mask, options=OPTIONS).objects_map
                for d in parts["details"]:
                    if d["error"] > 3:
                        on = objects_map == d["object"]
                        d["share"], d["above"] = worst_share(field, truth_field, on & scored)
                worst += [(d["error"], args.seed + index, d) for d in parts["details"]]
                seeds = np.full(len(parts["branches"]), args.seed + index)
                model_branches.append(
                    np.column_stack((parts["branches"], seeds, parts["branch_order"]))
                )
                if args.pictures and any(d["error"] > 3 for d in parts["details"]):
                    picture(args.pictures, args.seed + index, sample, prediction, mask)
            for unit in ("objects", "aligned", "branches"):
                errors.setdefault((unit, name), []).append(parts[unit])
    print(
        f"{args.num} images of {args.size}x{args.size}, objects of >= 50 px, tta={args.tta}, "
        f"crossings left out, model weighted by its confidence: {args.weighted}"
    )
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
            f"mean width {d['width']:.1f} px, true S {d['order']:.2f}; within 3 deg with its "
            f"worst {d['share'] * 100:.1f} % of pixels (errors >= {d['above']:.0f} deg) set right"
        )
    branch_report(np.concatenate(model_branches))
    return 0


def branch_report(rows: np.ndarray) -> None:
    """The model's branches 30 deg or more off, by image, and the order parameter (true and
    predicted) of those and of the branches within 3 deg: ``rows`` (error, seed, true S,
    predicted S)."""
    far, near = rows[rows[:, 0] >= 30], rows[rows[:, 0] <= 3]
    seeds, counts = np.unique(far[:, 1].astype(int), return_counts=True)
    by_image = ", ".join(
        f"seed {s}: {c}" for s, c in sorted(zip(seeds, counts, strict=True), key=lambda x: -x[1])
    )
    print(f"\nmodel branches >= 30 deg off: {len(far)} ({by_image})")
    for name, part in (("those", far), ("branches within 3 deg", near)):
        if len(part):
            print(
                f"  {name}: order parameter median {np.median(part[:, 3]):.2f} predicted, "
                f"{np.median(part[:, 2]):.2f} true"
            )


if __name__ == "__main__":
    sys.exit(main())
