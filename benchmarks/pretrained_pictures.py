"""Pictures for a bundled model's card (docs/models.md): held-out examples, its worst images,
and scikit-image's retina photograph.

Reads what ``benchmarks/pretrained_eval.py`` left (its ``predictions/`` of a synth folder) and
writes into ``--out``:

* ``NAME_held_out.jpg``: one held-out image per rendering style, as rows of
  image | truth | prediction | error (0-45°, on centre-line pixels outside crossings);
* ``NAME_worst.jpg``: the ``--worst`` images with the highest mean centre-line error, same rows;
* the per-image mean error's median, 90th and 95th percentiles and maximum (printed; the
  bundled model's test bounds its error by them);
* ``NAME_retina.jpg``: the direction overlay on the retina photograph (predict's default
  settings: test-time augmentation, confidence above 0.5 shown), scaled to ``--width``.

    python benchmarks/pretrained_pictures.py --data work/pretrained/held_out \
        --predictions work/pretrained/eval_held_out/predictions --out docs/images/models
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.evaluation import angular_error, scored_pixels
from dense_direction.synthetic.dataset import read_split
from dense_direction.visualization import add_legend, comparison_row, direction_overlay


def rows(data: Path, predictions: Path) -> list[dict]:
    """Every test image with its style, picture row and mean centre-line error."""
    styles = json.loads((data / "meta.json").read_text()).get("sample_styles")
    found = []
    for stem, arrays in read_split(data, "test"):
        angles = np.load(predictions / f"{stem}_angles.npy")
        select = scored_pixels(arrays["centerlines"], arrays["crossings"], arrays["directions"])
        errors = np.zeros(select.shape)
        errors[select] = angular_error(angles, np.nan_to_num(arrays["directions"]), select)
        row = comparison_row(arrays["images"], arrays["directions"], angles, errors, select)
        style = styles[int(stem)] if styles else "?"
        found.append(dict(stem=stem, style=style, mean=float(errors[select].mean()), row=row))
    return found


def save_rows(chosen: list[dict], path: Path) -> None:
    Image.fromarray(np.concatenate([r["row"] for r in chosen], axis=0)).save(path, quality=88)
    print(f"{path}: " + ", ".join(f"{r['stem']} ({r['style']}, {r['mean']:.1f}°)" for r in chosen))


def retina(name: str, width: int, path: Path) -> None:
    from skimage import data as skdata

    from dense_direction.inference import DirectionEstimator
    from dense_direction.io import as_rgb_uint8

    rgb = as_rgb_uint8(skdata.retina())
    prediction = DirectionEstimator.pretrained(name).predict(rgb)
    shown = prediction.confidence[0] > 0.5
    overlay = Image.fromarray(add_legend(direction_overlay(rgb, prediction.angles[0], shown)))
    height = round(overlay.height * width / overlay.width)
    overlay.resize((width, height), Image.Resampling.LANCZOS).save(path, quality=88)
    print(f"{path}: retina {rgb.shape[1]}x{rgb.shape[0]}, {shown.mean() * 100:.1f} % shown")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the held-out synth folder")
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/images/models"))
    parser.add_argument("--name", default="general", help="the bundled model (general)")
    parser.add_argument("--worst", type=int, default=3, help="worst images to show (3)")
    parser.add_argument("--width", type=int, default=720, help="retina picture width (720)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    found = rows(args.data, args.predictions)
    first_per_style = {}
    for item in found:
        first_per_style.setdefault(item["style"], item)
    save_rows(list(first_per_style.values()), args.out / f"{args.name}_held_out.jpg")
    means = np.array([r["mean"] for r in found])
    print(
        f"per-image mean centre-line error over {means.size} images: median "
        f"{np.median(means):.1f}°, 90th percentile {np.percentile(means, 90):.1f}°, 95th "
        f"{np.percentile(means, 95):.1f}°, max {means.max():.1f}° (tests/mm/test_general_model.py)"
    )
    worst = sorted(found, key=lambda r: -r["mean"])[: args.worst]
    save_rows(worst, args.out / f"{args.name}_worst.jpg")
    retina(args.name, args.width, args.out / f"{args.name}_retina.jpg")


if __name__ == "__main__":
    main()
