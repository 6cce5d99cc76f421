"""``dense-direction demo``: the whole job on generated data, within a time budget.

1. generate a synthetic dataset (exact direction ground truth);
2. train the CPU model from the masks only (no direction labels);
3. evaluate on the held-out test split against the exact directions, and run the classical
   baselines (structure tensor, Hessian) on the same images and pixels;
4. predict on scikit-image's bundled retina photograph;
5. write everything to the output folder and print a summary.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from dense_direction.cli._evaluation_report import group_tables
from dense_direction.io import output_folder
from dense_direction.progress import Progress
from dense_direction.synthetic import KINDS

HELP = "generate data, train from masks, evaluate against exact truth and baselines, predict"
RESERVED_MINUTES = 1.5  # evaluation, retina prediction and start-up after training


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo_out"), help="output folder")
    parser.add_argument(
        "--minutes",
        type=float,
        default=10.0,
        help="total time budget; training gets what the other steps leave",
    )
    parser.add_argument("--num", type=int, default=160, help="synthetic images (160)")
    parser.add_argument(
        "--kind",
        nargs="+",
        default=list(KINDS),
        choices=KINDS,
        help="structure kinds, mixed in every image (all four)",
    )
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--iters",
        type=int,
        help="at most this many iterations (default: as many as the training budget affords)",
    )


def check_arguments(args: argparse.Namespace) -> None:
    """Everything the demo would refuse later, refused before it generates data (minutes of
    work with the defaults) or trains (a test split without a sample failed after training)."""
    from dense_direction.cli.synth import check_repeats
    from dense_direction.synthetic.dataset import FRACTIONS, check_dataset_options, split_counts

    if not (math.isfinite(args.minutes) and args.minutes > RESERVED_MINUTES):
        raise ValueError(
            f"--minutes must be a number of minutes above the {RESERVED_MINUTES} the steps "
            f"after training take, got {args.minutes}"
        )
    if args.iters is not None and args.iters < 1:
        raise ValueError(f"--iters must be >= 1, got {args.iters}")
    check_repeats("--kind", args.kind)
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    check_dataset_options(args.num, args.kind, args.size, FRACTIONS)
    counts = split_counts(args.num, FRACTIONS)
    if min(counts.values()) == 0:
        least = next(
            n
            for n in range(args.num, 10 * args.num + 10)
            if all(split_counts(n, FRACTIONS).values())
        )
        listed = ", ".join(f"{k} {v}" for k, v in counts.items())
        raise ValueError(
            f"--num {args.num} gives the splits {listed} samples: training, validation and "
            f"the test need one each; give --num {least} or more"
        )


def run(args: argparse.Namespace) -> int:
    from dense_direction.cli import evaluate, predict, train
    from dense_direction.synthetic.dataset import clear_dataset, write_dataset

    check_arguments(args)
    start = time.monotonic()
    out: Path = args.out
    output_folder(out)
    timings: dict[str, float] = {}

    print(f"[1/4] generating {args.num} synthetic images ({' + '.join(args.kind)})")
    data = out / "data"
    # An earlier demo's samples that this one does not rewrite would stay in their splits:
    # a test image of this run found in the training folder too.
    clear_dataset(data)
    with Progress(args.num, "synth", "img") as bar:
        write_dataset(data, args.num, args.kind, args.size, args.seed, progress=bar.advance)
    timings["data"] = time.monotonic() - start

    budget = args.minutes - (time.monotonic() - start) / 60 - RESERVED_MINUTES
    if budget <= 0:
        raise ValueError(f"--minutes {args.minutes} leaves no time to train; give more")
    print(f"[2/4] training from the masks only, at most {budget:.1f} min")
    work = out / "work"
    parser = argparse.ArgumentParser()
    train.add_parser(parser)  # the train command's own defaults, not a copy of them
    train.run(
        parser.parse_args(
            [
                "--data",
                str(data),
                "--work-dir",
                str(work),
                *(["--iters", str(args.iters)] if args.iters is not None else []),
                "--time-budget",
                f"{budget:.4f}",
                "--crop",
                str(min(128, args.size)),
                "--overwrite",  # a demo run into the same --out starts afresh
            ]
        )
    )
    timings["train"] = time.monotonic() - start - sum(timings.values())

    print("[3/4] evaluating on the held-out test split, with the classical baselines")
    from dense_direction.cli._model import model_identity, prediction_options, resolved_options
    from dense_direction.inference import DirectionEstimator
    from dense_direction.io import as_rgb_uint8

    estimator = DirectionEstimator.from_checkpoint(work)
    # As `dense-direction evaluate --data DATA --checkpoint WORK` would: its defaults, its record.
    parser = argparse.ArgumentParser()
    evaluate.add_parser(parser)
    command = ["--data", str(data), "--checkpoint", str(work), "--out", str(out)]
    eval_args = parser.parse_args(command)
    options = prediction_options(eval_args)
    items = evaluate.items_from_args(eval_args)
    record = {
        **model_identity(eval_args),
        "options": resolved_options(options, estimator),
        "data": {"data": str(data), "split": "test"},
    }
    report = evaluate.evaluate(estimator, items, out, True, 4, options, run=record)
    # evaluate's tables per kind and per width band, also on their own
    (out / "breakdown.md").write_text("\n".join(group_tables(report["groups"])).strip() + "\n")
    timings["evaluate"] = time.monotonic() - start - sum(timings.values())

    print("[4/4] predicting on scikit-image's retina photograph")
    from skimage import data as skdata

    retina = as_rgb_uint8(skdata.retina())
    prediction = estimator.predict(retina)
    predict.write_outputs(out, "retina", retina, prediction, threshold=0.5, quiver=True)
    timings["predict"] = time.monotonic() - start - sum(timings.values())
    timings["total"] = time.monotonic() - start

    (out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    _summary(out, report, timings)
    return 0


def _summary(out: Path, report: dict, timings: dict[str, float]) -> None:
    model = report["methods"]["model"]
    best = report["best_baseline"]
    baseline = report["methods"][best]
    verdict = "beats" if report["model_beats_best_baseline"] else "does NOT beat"
    print("\n" + "=" * 72)
    print(
        f"Weakly supervised model (trained on masks only): mean error {model['mean']:.2f} deg, "
        f"median {model['median']:.2f}"
    )
    print(
        f"Best classical baseline ({best}): mean error {baseline['mean']:.2f} deg, "
        f"median {baseline['median']:.2f}"
    )
    print(
        f"-> the model {verdict} the best baseline, on {model['count']} centre-line pixels "
        f"of {report['images']} held-out images."
    )
    print("time: " + ", ".join(f"{k} {v / 60:.1f} min" for k, v in timings.items()))
    print(
        f"outputs in {out}/: metrics.md, metrics.json, error_histogram.png, panel_*.png "
        f"(image | truth | prediction | error), retina_overlay.png, retina_quiver.png"
    )
    print("\n".join(group_tables(report["groups"])))
    print("=" * 72)
