"""Validation runs behind ``predict``'s frame border and coarser scales (docs/results.md).

On width-benchmark images from *validation* seeds (5000 on; the test set uses 1000 on), two
per shape family and width, predicted through the API without test-time augmentation;
mean error in degrees on centre-line pixels outside crossings, per width:

* ``--study frame``: error near the image frame (within 8 px) and further in, without a
  border, for 32-px bands (ten images; where the error of wide structures came from);
* ``--study padding``: how the image is padded before prediction: none, edge replication
  (``predict``'s ``border`` until 2026-12-08), ``predict``'s :func:`continued` (smooth part
  replicated, detail mirrored), or mirroring (numpy ``symmetric`` / ``reflect``), 32 px;
* ``--study scales``: border 16 vs 32, and coarser scales with several target widths;
* ``--study smooth``: ``predict``'s ``smooth`` strengths, with test-time augmentation (as
  ``predict`` runs by default).

    python benchmarks/width_validation.py --study frame padding        # the bundled model
    python benchmarks/width_validation.py --study scales --checkpoint bench_out/width/work
    python benchmarks/width_validation.py --study smooth --checkpoint bench_out/width/work
"""

from __future__ import annotations

import argparse

import numpy as np

from _cli import estimator as load_estimator
from dense_direction.borders import continued
from dense_direction.evaluation import angular_error, scored_pixels
from dense_direction.synthetic.families import BENCHMARK_WIDTHS, FAMILIES, generate_width_sample

SEED = 5000
NEAR_FRAME = 8  # px


def _samples(widths: tuple[int, ...], seeds: int = 2):
    for family in FAMILIES:
        for width in widths:
            for seed in range(seeds):
                yield width, generate_width_sample(family, width, 256, seed=SEED + seed)


def _padded(estimator, image: np.ndarray, mode: str, pad: int) -> np.ndarray:  # noqa: ANN001
    """Angles predicted on ``image`` padded by numpy's ``mode`` (no border of predict's own)."""
    if mode == "none":
        return estimator.predict(image, tta=False, border=0).angles[0]
    if mode == "continued":  # predict's own: smooth part replicated, detail mirrored
        big = continued(image, pad)
    else:
        big = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode=mode)
    return estimator.predict(big, tta=False, border=0).angles[0][pad:-pad, pad:-pad]


def _table(errors: dict[str, dict[int, list]], widths: tuple[int, ...]) -> None:
    names = list(errors)
    print("| width | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for width in widths:
        row = [f"{np.concatenate(errors[n][width]).mean():.2f}" for n in names]
        print(f"| {width} | " + " | ".join(row) + " |")
    every = [np.concatenate([np.concatenate(v) for v in errors[n].values()]).mean() for n in names]
    print("| all | " + " | ".join(f"{e:.2f}" for e in every) + " |\n")


def _run(configs: dict, widths: tuple[int, ...]) -> None:
    errors: dict[str, dict[int, list]] = {name: {} for name in configs}
    for width, sample in _samples(widths):
        select = scored_pixels(sample.centerline, sample.crossing, sample.direction)
        truth = np.nan_to_num(sample.direction)
        for name, predict in configs.items():
            err = angular_error(predict(sample.image), truth, select)
            errors[name].setdefault(width, []).append(err)
    _table(errors, widths)


def frame_study(estimator) -> None:  # noqa: ANN001
    near, far = [], []
    for _, sample in _samples((32,)):
        select = scored_pixels(sample.centerline, sample.crossing, sample.direction)
        rows, cols = np.indices(select.shape)
        h, w = select.shape
        frame = np.minimum.reduce([rows, cols, h - 1 - rows, w - 1 - cols]) < NEAR_FRAME
        angles = estimator.predict(sample.image, tta=False, border=0).angles[0]
        truth = np.nan_to_num(sample.direction)
        near.append(angular_error(angles, truth, select & frame))
        far.append(angular_error(angles, truth, select & ~frame))
    near_all, far_all = np.concatenate(near), np.concatenate(far)
    print(
        f"32-px bands, no border: within {NEAR_FRAME} px of the frame {near_all.mean():.2f} deg "
        f"({near_all.size} px), further in {far_all.mean():.2f} deg ({far_all.size} px)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--study", nargs="+", choices=("frame", "padding", "scales", "smooth"), required=True
    )
    parser.add_argument("--checkpoint", help="a trained model (default: the bundled one)")
    parser.add_argument(
        "--strengths",
        type=float,
        nargs="+",
        default=[0.0, 0.25, 0.5, 0.75, 1.0],
        help="--study smooth: the strengths to compare",
    )
    args = parser.parse_args()
    estimator = load_estimator(args.checkpoint)
    widths = tuple(BENCHMARK_WIDTHS)
    if "frame" in args.study:
        frame_study(estimator)
    if "padding" in args.study:
        modes = {m: (lambda im, m=m: _padded(estimator, im, m, 32)) for m in
                 ("none", "edge", "continued", "symmetric", "reflect")}  # fmt: skip
        _run(modes, widths)
    if "scales" in args.study:

        def config(border: int, scales: tuple, target: float = 12.0):
            return lambda im: estimator.predict(
                im, tta=False, border=border, scales=scales, target_width=target
            ).angles[0]

        three = (1.0, 0.5, 0.25)
        configs = {"border 16": config(16, (1.0,)), "border 32": config(32, (1.0,))}
        configs.update({f"3 scales, target {t}": config(16, three, t) for t in (6, 8, 12, 16, 20)})
        configs["2 scales, target 12"] = config(16, (1.0, 0.5))
        configs["4 scales, target 12"] = config(16, (*three, 0.125))
        _run(configs, widths)
    if "smooth" in args.study:
        _run(
            {f"smooth {f:g}": (lambda im, f=f: estimator.predict(im, smooth=f).angles[0])
             for f in args.strengths},
            widths,
        )  # fmt: skip


if __name__ == "__main__":
    main()
