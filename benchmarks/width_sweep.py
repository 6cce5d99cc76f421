"""Width benchmark: direction error per structure width, family and pixel set, through the CLI.

What a user runs, with default settings:

1. ``dense-direction synth`` writes training data with all four kinds (cracks, vessels, roads,
   fibres), unless ``--train-data`` points at an existing folder;
2. ``dense-direction train --data ... --time-budget MINUTES`` trains from the masks only,
   unless ``--checkpoint`` gives a trained model;
3. held-out test images are generated from other seeds and shape families than training
   (straight lines, arcs, sinusoids, branching trees, crossings), every structure in an image
   one width from 1 to 48 px, with the photo-like renderer and distractors;
4. ``dense-direction predict`` predicts them (with its default test-time augmentation;
   ``--no-tta`` predicts without and writes ``report_no_tta.*``);
5. errors against the exact tangents are reported per width and per family, on centre-line
   pixels and on all mask pixels (inside a wide structure the truth is the tangent of the
   centre-line at the nearest centre-line point), outside crossings, next to the classical
   baselines at their best scale *per width*, chosen on this test set (which flatters them).

    python benchmarks/width_sweep.py --out bench_out/width --train-minutes 15
    python benchmarks/width_sweep.py --out bench_out/width --checkpoint WORK_DIR --no-tta
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _cli import cli
from dense_direction.classical import BASELINES_ALL_WIDTHS
from dense_direction.evaluation import angular_error, scored_pixels, summarize_errors
from dense_direction.prediction import output_name
from dense_direction.synthetic.families import BENCHMARK_WIDTHS, FAMILIES, generate_width_sample

KINDS = ("cracks", "vessels", "roads", "fibres")
REGIONS = ("centerline", "mask")
TEST_SEED = 1_000  # training data uses seed 0 and the four kinds, never these families


def write_test_set(
    folder: Path, seeds: int, size: int, widths: tuple[int, ...] = BENCHMARK_WIDTHS
) -> dict[str, dict]:
    """Render the test images into ``folder`` and return their truth, keyed by stem."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for family in FAMILIES:
        for width in widths:
            for seed in range(seeds):
                sample = generate_width_sample(family, width, size, seed=TEST_SEED + seed)
                stem = (
                    f"{family}_w{width:03d}_s{seed}"
                    if width > 99
                    else f"{family}_w{width:02d}_s{seed}"
                )
                Image.fromarray(sample.image).save(folder / f"{stem}.png")
                truth[stem] = dict(family=family, width=width, sample=sample)
    return truth


def _baseline_errors(
    stem: str,
    sample,  # noqa: ANN001
    regions: dict[str, np.ndarray],
    cache: Path,
) -> dict[str, dict[str, np.ndarray]]:
    """Errors of every classical setting on one test image, per region; cached (they depend
    only on the generated image, not on the model)."""
    path = cache / f"{stem}.npz"
    if path.exists():
        stored = np.load(path)
        return {
            name: {region: stored[f"{name}|{region}"] for region in REGIONS}
            for name in BASELINES_ALL_WIDTHS
        }
    gray = sample.image.astype(np.float64).mean(axis=2) / 255
    errors = {}
    for name, method in BASELINES_ALL_WIDTHS.items():
        angles = method(gray)
        errors[name] = {
            region: angular_error(angles, np.nan_to_num(sample.direction), select).astype(
                np.float32
            )
            for region, select in regions.items()
        }
    cache.mkdir(parents=True, exist_ok=True)
    flat = {f"{n}|{r}": e for n, by_region in errors.items() for r, e in by_region.items()}
    np.savez(path, **flat)
    return errors


def _regions(sample) -> dict[str, np.ndarray]:  # noqa: ANN001
    """Scored pixels per region: centre-line or whole mask, outside crossings."""
    layers = {"centerline": sample.centerline, "mask": sample.mask}
    return {r: scored_pixels(layers[r], sample.crossing, sample.direction) for r in REGIONS}


def score(truth: dict[str, dict], predictions: Path, cache: Path) -> dict[str, dict[str, list]]:
    """Per-pixel errors ``errors[method][region] -> [(family, width, errors)]``; under
    ``found``, whether the model called each scored pixel structure (confidence >= 0.5)."""
    errors: dict[str, dict[str, list]] = {}
    for stem, item in truth.items():
        sample = item["sample"]
        model = np.load(predictions / output_name(stem, "angles", suffix=".npy"))
        confidence = np.asarray(Image.open(predictions / output_name(stem, "confidence")))
        regions = _regions(sample)
        per_method = _baseline_errors(stem, sample, regions, cache)
        per_method["model"] = {
            region: angular_error(model, np.nan_to_num(sample.direction), select)
            for region, select in regions.items()
        }
        per_method["found"] = {
            region: (confidence[select] >= 128).astype(np.float64)
            for region, select in regions.items()
        }
        for method, by_region in per_method.items():
            for region, err in by_region.items():
                errors.setdefault(method, {}).setdefault(region, []).append(
                    (item["family"], item["width"], err)
                )
    return errors


def _pooled(parts: list, keep) -> np.ndarray:  # noqa: ANN001
    chosen = [err for family, width, err in parts if keep(family, width)]
    return np.concatenate(chosen) if chosen else np.zeros(0)


def summarise(
    errors: dict[str, dict[str, list]], widths: tuple[int, ...] = BENCHMARK_WIDTHS
) -> dict:
    """Model and best baseline per width, per family and overall, for each pixel set; with
    the share of the pixels the model calls structure."""
    groups = {f"w={w}": (lambda f, wd, w=w: wd == w) for w in widths}
    groups.update({f"family={f}": (lambda fam, wd, f=f: fam == f) for f in FAMILIES})
    if min(widths) <= 32:
        groups["all widths 1-32"] = lambda f, wd: wd <= 32
    groups["all"] = lambda f, wd: True
    report: dict = {}
    for region in REGIONS:
        rows = {}
        for group, keep in groups.items():
            model = summarize_errors(_pooled(errors["model"][region], keep)).as_dict()
            baselines = {
                name: summarize_errors(_pooled(errors[name][region], keep)).as_dict()
                for name in BASELINES_ALL_WIDTHS
            }
            best = min(baselines, key=lambda n: baselines[n]["mean"])
            found = _pooled(errors["found"][region], keep)
            rows[group] = dict(
                model=model,
                best_baseline=best,
                baseline=baselines[best],
                found=float(found.mean()) if found.size else float("nan"),
            )
        report[region] = rows
    return report


def markdown(report: dict) -> str:
    lines = []
    for region, rows in report.items():
        lines += [
            f"\n**{region} pixels** (outside crossings; error in degrees)\n",
            "| group | pixels | found | model mean | median | within 10° | best baseline | "
            "its mean |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for group, row in rows.items():
            m, b = row["model"], row["baseline"]
            lines.append(
                f"| {group} | {m['count']} | {100 * row.get('found', float('nan')):.1f} % | "
                f"{m['mean']:.2f} | {m['median']:.2f} | {100 * m['acc@10']:.1f} % | "
                f"{row['best_baseline']} | {b['mean']:.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench_out/width"))
    parser.add_argument("--checkpoint", type=Path, help="a trained model: skip training")
    parser.add_argument(
        "--bundled", help="a bundled model's name (predict --model NAME): skip training"
    )
    parser.add_argument(
        "--widths",
        type=int,
        nargs="+",
        default=list(BENCHMARK_WIDTHS),
        help="structure widths in px (default: 1 to 48); wider ones need a larger --size, "
        "and name the report (report_w64-128.*)",
    )
    parser.add_argument("--train-data", type=Path, help="existing synth folder to train on")
    parser.add_argument("--train-num", type=int, default=200, help="training images (200)")
    parser.add_argument("--train-minutes", type=float, default=15.0)
    parser.add_argument("--model", help="train preset (default: train's)")
    parser.add_argument("--wide", help="train's --wide mode (default: train's)")
    parser.add_argument("--iters", type=int, help="train's --iters (default: train's)")
    parser.add_argument("--seeds", type=int, default=3, help="test images per family and width")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="predict with test-time augmentation (predict's default) or without",
    )
    parser.add_argument(
        "--precision",
        help="predict's --precision (float32, bfloat16, auto; default: predict's); when given "
        "it names the report (report_bfloat16.*)",
    )
    parser.add_argument(
        "--scales",
        type=float,
        nargs="+",
        help="predict's --scales (default: predict's); when given it names the report "
        "(report_scales1-0.5.*)",
    )
    parser.add_argument("--target-width", type=float, help="predict's --target-width")
    parser.add_argument("--border", type=int, help="predict's --border (names the report)")
    parser.add_argument("--smooth", type=float, help="predict's --smooth (names the report)")
    parser.add_argument("--cache", type=Path, help="baseline errors cache (OUT/baseline_cache)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    timings = {}
    checkpoint = args.checkpoint
    if checkpoint is None and args.bundled is None:
        data = args.train_data or args.out / "train_data"
        if not (data / "meta.json").exists():
            cli("synth", "--out", str(data), "--num", str(args.train_num), "--kind", *KINDS)
        checkpoint = args.out / "work"
        start = time.monotonic()
        extra = [
            item
            for flag in ("model", "wide", "iters")
            if getattr(args, flag) is not None
            for item in (f"--{flag}", str(getattr(args, flag)))
        ]
        cli("train", "--data", str(data), "--work-dir", str(checkpoint), "--overwrite",
            "--time-budget", f"{args.train_minutes:g}", *extra)  # fmt: skip
        timings["train_minutes"] = (time.monotonic() - start) / 60
    widths = tuple(args.widths)
    images = "test_images" if widths == BENCHMARK_WIDTHS else f"test_images_{args.size}"
    truth = write_test_set(args.out / images, args.seeds, args.size, widths)
    suffix = ("" if args.tta else "_no_tta") + (f"_{args.precision}" if args.precision else "")
    if widths != BENCHMARK_WIDTHS:
        suffix += f"_w{min(widths)}-{max(widths)}_{args.size}"
    if args.bundled:
        suffix += f"_{args.bundled}"
    predict_flags = []
    if args.scales:
        predict_flags = ["--scales", *(f"{s:g}" for s in args.scales)]
        suffix += "_scales" + "-".join(f"{s:g}" for s in args.scales)
    if args.target_width:
        predict_flags += ["--target-width", f"{args.target_width:g}"]
        suffix += f"_t{args.target_width:g}"
    if args.border is not None:
        predict_flags += ["--border", str(args.border)]
        suffix += f"_border{args.border}"
    if args.smooth is not None:
        predict_flags += ["--smooth", f"{args.smooth:g}"]
        suffix += f"_smooth{args.smooth:g}"
    predictions = args.out / f"predictions{suffix}"
    start = time.monotonic()
    tta = ["--tta" if args.tta else "--no-tta"]
    precision = ["--precision", args.precision] if args.precision else []
    model = ["--model", args.bundled] if args.bundled else ["--checkpoint", str(checkpoint)]
    cli("predict", *model, "--input", str(args.out / images),
        "--out", str(predictions), *precision, *tta, *predict_flags)  # fmt: skip
    timings["predict_seconds"] = time.monotonic() - start
    cache = (args.cache or args.out / "baseline_cache") / f"size{args.size}"
    report = summarise(score(truth, predictions, cache), widths)
    report["timings"] = timings
    report["setup"] = dict(vars(args), checkpoint=str(checkpoint), images=len(truth))
    name = f"report{suffix}"
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    table = markdown({k: report[k] for k in REGIONS})
    (args.out / f"{name}.md").write_text(table + "\n")
    print(table)
    print(f"\ntimings: {timings}; report in {args.out}/{name}.md")


if __name__ == "__main__":
    main()
