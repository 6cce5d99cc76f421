"""Classical direction baselines on a fixed synthetic test split: the bar learned models must beat.

For each structure kind, generates the test split of a synthetic dataset (fixed seed; the same
samples `dense-direction synth --seed SEED` writes to test/), runs the structure tensor and the
Hessian on the rendered RGB images at several scales, and reports the angular error against
the analytic directions on centre-line pixels outside crossings (as CenterlineDirectionMetric
does).

    python benchmarks/classical_baselines.py [--num 100] [--size 256] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator

import numpy as np

from dense_direction.classical import BASELINES
from dense_direction.evaluation import angular_error, scored_pixels, summarize_errors
from dense_direction.synthetic import KINDS, SyntheticSample, generate_sample
from dense_direction.synthetic.dataset import split_of

FRACTIONS = (0.7, 0.15, 0.15)


def split_samples(kind: str, num: int, size: int, seed: int) -> Iterator[SyntheticSample]:
    for index in range(num):
        if split_of(index, num, FRACTIONS) == "test":
            yield generate_sample(kind, size, seed=np.random.SeedSequence([seed, index]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=100, help="dataset size; test split is 15%%")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"test split of {args.num} samples per kind, {args.size}x{args.size}, seed {args.seed}; "
        "error in degrees on centre-line pixels outside crossings"
    )
    print("| kind | method | pixels | mean | median | RMSE | acc@5 | acc@10 |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in KINDS:
        errors: dict[str, list[np.ndarray]] = {name: [] for name in BASELINES}
        for sample in split_samples(kind, args.num, args.size, args.seed):
            gray = sample.image.astype(np.float64).mean(axis=2) / 255
            select = scored_pixels(sample.centerline, sample.crossing)
            for name, method in BASELINES.items():
                errors[name].append(angular_error(method(gray), sample.direction, select))
        best = (math.inf, "")
        for name, parts in errors.items():
            s = summarize_errors(np.concatenate(parts))
            best = min(best, (s.mean, name))
            print(
                f"| {kind} | {name} | {s.count} | {s.mean:.2f} | {s.median:.2f} | {s.rmse:.2f} "
                f"| {s.accuracy[5.0]:.3f} | {s.accuracy[10.0]:.3f} |"
            )
        print(f"| {kind} | **best: {best[1]}** | | **{best[0]:.2f}** | | | | |")


if __name__ == "__main__":
    main()
