"""Zero-shot error of a model on a synthetic set, per kind, width band and style, against the
classical baselines on the same pixels (the model card's table, docs/models.md).

1. ``dense-direction predict`` predicts the split's images as a user would (default settings:
   test-time augmentation on; the bundled model unless ``--checkpoint``/``--model`` is given);
2. every classical setting of ``BASELINES_ALL_WIDTHS`` (structure tensor and Hessian, scales
   for 1-50 px wide structures) runs on the same images; its errors are cached per image;
3. errors against the exact tangents on centre-line pixels outside crossings are grouped by
   structure kind, by width band (twice the distance to the background at the centre-line),
   by kind x band and by rendering style; for every group the baseline reported is the setting
   with the lowest mean error *on that group* (chosen on the test set: flattering to it).
   Mask pixels (every structure pixel, truth = tangent of the nearest centre-line point) are
   reported per kind as well. The centre-line errors are also grouped by the model's own
   confidence there (``predict``'s confidence picture) and by the distance to the nearest
   crossing (pixels inside two structures: fibres crossing, branches meeting), each group
   with its share of the error.

    python benchmarks/pretrained_eval.py --data work/pretrained/held_out --out bench_out/zero_shot
    python benchmarks/pretrained_eval.py --data DIR --checkpoint WORK_DIR --no-tta --out OUT
    python benchmarks/pretrained_eval.py --data DIR --tta 4 --cache OUT/baseline_cache --out OUT
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from _cli import cli
from dense_direction.classical import BASELINES_ALL_WIDTHS
from dense_direction.evaluation import (
    angular_error,
    local_width,
    scored_pixels,
    width_band,
    width_band_labels,
)
from dense_direction.prediction import output_name
from dense_direction.synthetic.dataset import read_split, split_folders
from dense_direction.tta import TTA_PASSES

MODEL = "model"


def predict(args: argparse.Namespace, predictions: Path) -> None:
    """``dense-direction predict`` on the split's images, as a user runs it."""
    command = ["predict", "--input", str(split_folders(args.data, args.split)["images"])]
    command += ["--out", str(predictions), "--tta", str(args.tta)]
    if args.checkpoint:
        command += ["--checkpoint", str(args.checkpoint)]
    if args.model:
        command += ["--model", args.model]
    if args.smooth is not None:
        command += ["--smooth", str(args.smooth)]
    cli(*command)


def baseline_angles(stem: str, image: np.ndarray, cache: Path) -> dict[str, np.ndarray]:
    """Angles of every classical setting on one image, cached (they depend on the image only)."""
    path = cache / f"{stem}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    gray = image.astype(np.float64).mean(axis=2) / 255
    angles = {
        name: method(gray).astype(np.float32) for name, method in BASELINES_ALL_WIDTHS.items()
    }
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, **angles)
    return angles


def pixel_table(args: argparse.Namespace, predictions: Path, cache: Path | None) -> pd.DataFrame:
    """One row per scored pixel: region, kind, width band, style and every method's error
    (the model's alone without a baseline ``cache`` folder)."""
    meta = json.loads((args.data / "meta.json").read_text())
    kinds = np.asarray(meta["kinds"])
    styles = meta.get("sample_styles")
    frames = []
    for stem, arrays in read_split(args.data, args.split):
        truth = np.nan_to_num(arrays["directions"])
        classes = arrays.get("classes", arrays["masks"].astype(bool).astype(np.uint8))
        methods = {} if cache is None else baseline_angles(stem, arrays["images"], cache)
        methods[MODEL] = np.load(predictions / output_name(stem, "angles", suffix=".npy"))
        # predict's confidence picture: the structure probability x 255 (joint models).
        confidence = np.asarray(
            Image.open(predictions / output_name(stem, "confidence")), np.float32
        )
        style = styles[int(stem)] if styles else meta["styles"][0]
        bands = width_band(local_width(arrays["masks"]))
        to_crossing = crossing_distance(arrays["crossings"])
        for region, layer in (("centerline", arrays["centerlines"]), ("mask", arrays["masks"])):
            select = scored_pixels(layer, arrays["crossings"], arrays["directions"])
            frame = pd.DataFrame(
                {name: angular_error(a, truth, select) for name, a in methods.items()}
            )
            frame["confidence"] = confidence[select] / 255
            frame["crossing_distance"] = to_crossing[select]
            frame["kind"] = kinds[classes[select].astype(int) - 1]
            frame["band"] = bands[select]
            frame["region"], frame["style"], frame["image"] = region, style, stem
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summary(group: pd.DataFrame) -> dict:
    """The model's mean, median and within-10° and the best baseline's mean on ``group``."""
    baselines = group[list(BASELINES_ALL_WIDTHS)].mean()
    best = str(baselines.idxmin())
    return dict(
        pixels=len(group),
        mean=float(group[MODEL].mean()),
        median=float(group[MODEL].median()),
        within10=float((group[MODEL] <= 10).mean()),
        best_baseline=best,
        baseline_mean=float(baselines[best]),
    )


def crossing_distance(crossings: np.ndarray) -> np.ndarray:
    """Distance (px) from every pixel to the nearest crossing pixel of ``crossings (H, W)``;
    infinite in an image without crossings."""
    inside = np.asarray(crossings).astype(bool)
    if not inside.any():
        return np.full(inside.shape, np.inf, np.float32)
    return ndimage.distance_transform_edt(~inside).astype(np.float32)


#: Bands of the model's confidence (its structure probability) at the truth's centre-line.
CONFIDENCE_BANDS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
#: Bands of the distance (px) to the nearest crossing; the last is open (and holds images
#: without crossings).
CROSSING_BANDS = (0.0, 3.0, 6.0, 10.0, 20.0, np.inf)


def by_band(line: pd.DataFrame, column: str, edges: tuple[float, ...]) -> dict[str, dict]:
    """Summaries of ``line``'s pixels per band ``[edges[i], edges[i + 1])`` of ``column`` (the
    last band closed), each labelled with its share of the pixels and of the model's summed
    error."""
    total = line[MODEL].sum()
    edges = np.asarray(edges, dtype=float)
    band = np.searchsorted(edges, line[column], side="right") - 1
    band = np.clip(band, 0, len(edges) - 2)
    rows = {}
    for i in range(len(edges) - 1):
        group = line[band == i]
        if len(group):
            upper = "" if np.isinf(edges[i + 1]) else f"{edges[i + 1]:g}"
            pixels = 100 * len(group) / len(line)
            share = 100 * group[MODEL].sum() / total
            shares = f"{pixels:.1f} % of the pixels, {share:.1f} % of the error"
            rows[f"{edges[i]:g}-{upper} ({shares})"] = summary(group)
    return rows


def by_confidence(line: pd.DataFrame) -> dict[str, dict]:
    """:func:`by_band` of the model's confidence, and for the pixels a user keeps at
    ``--threshold 0.5``: does the error come from structure the model does not see?"""
    rows = by_band(line, "confidence", CONFIDENCE_BANDS)
    seen = line[line.confidence >= 0.5]
    rows[f">= 0.5 ({100 * len(seen) / len(line):.1f} % of the pixels)"] = summary(seen)
    return rows


def report(pixels: pd.DataFrame) -> dict:
    """Summaries per group: ``report[table][group] -> summary``."""
    line = pixels[pixels.region == "centerline"]
    bands = [b for b in width_band_labels() if b in set(line.band)]
    out: dict[str, dict] = {
        "kind": {k: summary(g) for k, g in line.groupby("kind", sort=False)},
        "width band (px)": {b: summary(line[line.band == b]) for b in bands},
        "style": {s: summary(g) for s, g in line.groupby("style", sort=False)},
        "all": {"centre-line pixels": summary(line)},
        "model confidence": by_confidence(line),
        "distance to the nearest crossing (px)": by_band(line, "crossing_distance", CROSSING_BANDS),
    }
    mask = pixels[pixels.region == "mask"]
    out["mask pixels"] = {k: summary(g) for k, g in mask.groupby("kind", sort=False)}
    out["mask pixels"]["all"] = summary(mask)
    out["kind x band (model mean / best baseline mean)"] = {
        kind: {b: summary(g[g.band == b]) for b in bands if (g.band == b).any()}
        for kind, g in line.groupby("kind", sort=False)
    }
    return out


def markdown(tables: dict) -> str:
    lines = []
    for name, rows in tables.items():
        if name.startswith("kind x band"):
            bands = sorted({b for r in rows.values() for b in r}, key=width_band_labels().index)
            lines += [f"\n**{name}**\n", "| kind | " + " | ".join(bands) + " |"]
            lines.append("|---" * (len(bands) + 1) + "|")
            for kind, cells in rows.items():
                text = [
                    f"{cells[b]['mean']:.2f} / {cells[b]['baseline_mean']:.2f}"
                    if b in cells
                    else "—"
                    for b in bands
                ]
                lines.append(f"| {kind} | " + " | ".join(text) + " |")
            continue
        lines += [
            f"\n**{name}** (error in degrees)\n",
            "| group | pixels | model mean | median | within 10° | best baseline | its mean |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {g} | {r['pixels']} | {r['mean']:.2f} | {r['median']:.2f} | "
            f"{100 * r['within10']:.1f} % | {r['best_baseline']} | {r['baseline_mean']:.2f} |"
            for g, r in rows.items()
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `dense-direction synth` folder")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint or work dir (bundled model)")
    parser.add_argument("--model", help="a bundled model's name (default: predict's)")
    parser.add_argument(
        "--tta", type=int, nargs="?", const=8, default=8, choices=TTA_PASSES, help="predict --tta N"
    )
    parser.add_argument("--no-tta", dest="tta", action="store_const", const=1)
    parser.add_argument("--smooth", type=float, help="predict --smooth (default: predict's)")
    parser.add_argument(
        "--cache", type=Path, help="baseline cache of an earlier run on the same images"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    passes = {8: "", 1: "_no_tta"}.get(args.tta, f"_tta{args.tta}")
    variant = passes + ("" if args.smooth is None else f"_smooth{args.smooth:g}")
    predictions = args.out / f"predictions{variant}"
    start = time.perf_counter()
    predict(args, predictions)
    args.predict_seconds = round(time.perf_counter() - start, 1)
    pixels = pixel_table(args, predictions, args.cache or args.out / "baseline_cache")
    tables = report(pixels)
    name = f"report{variant}"
    setup = dict(vars(args), images=int(pixels.image.nunique()))
    document = dict(tables, setup={k: str(v) for k, v in setup.items()})
    (args.out / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    (args.out / f"{name}.md").write_text(markdown(tables) + "\n")
    print(markdown(tables))
    print(f"\npredict --tta {args.tta}: {args.predict_seconds} s for the {setup['images']} images")
    print(f"report in {args.out}/{name}.md")


if __name__ == "__main__":
    main()
