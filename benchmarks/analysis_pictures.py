"""The pictures and tables of docs/analysis.md.

* The retina photograph scikit-image ships, predicted with `predict`'s defaults and written
  as `predict` writes it, then analysed as `analyze --predictions` does (inside the fundus
  disc, `--roi`).
* A synthetic crack image with exact truth, predicted with the same model, analysed from
  the predicted field and from the truth on the same mask.

    python benchmarks/analysis_pictures.py                     # the bundled model, 'general'
    python benchmarks/analysis_pictures.py --checkpoint demo_out/work
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image
from scipy.ndimage import binary_erosion
from skimage.morphology import disk

from _cli import estimator as load_estimator
from dense_direction.analysis import AnalysisOptions, analyze_image, analyze_many, convert_table
from dense_direction.analysis.report.files import prediction_items
from dense_direction.analysis.report.plots import object_overlay
from dense_direction.synthetic import generate_sample

DOCS = Path(__file__).resolve().parents[1] / "docs" / "images" / "analysis"
COLUMNS = [
    "object",
    "length",
    "width_mean",
    "direction_mean",
    "dispersion",
    "tortuosity",
    "curvature_mean",
    "junctions",
    "ends",
]


def _save(path: Path, picture: np.ndarray | Image.Image, width: int = 560) -> None:
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    # 128 colours keep the pictures small for the docs (< 150 KB each).
    image.convert("RGB").quantize(128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def retina(estimator: Any, work: Path) -> None:
    from skimage import data

    from dense_direction.cli.predict import write_outputs

    pred, images = work / "pred", work / "images"
    pred.mkdir()
    images.mkdir()
    photo = data.retina()
    write_outputs(pred, "retina", photo, estimator.predict(photo), 0.5, quiver=False)
    Image.fromarray(photo).save(images / "retina.png")
    # The rim of the field of view is a sharp dark edge, not a vessel; an ROI (the fundus
    # disc, shrunk by 25 px) leaves it out.
    roi = work / "roi"
    roi.mkdir()
    fundus = binary_erosion(photo.mean(axis=2) > 30, disk(25))
    Image.fromarray(fundus.astype(np.uint8)).save(roi / "retina.png")
    out = work / "out"
    items = prediction_items(pred, roi=roi, images=images)
    analyze_many(items, out, AnalysisOptions(min_size=200))
    for name in ("objects", "misorientation"):
        _save(DOCS / f"retina_{name}.png", Image.open(out / f"retina_{name}.png"))
    shutil.copy(out / "retina_rose.png", DOCS / "retina_rose.png")
    print(pd.read_csv(out / "images.csv").T.to_string())
    for table, first in (("objects", "object"), ("branches", "branch")):
        top = pd.read_csv(out / f"{table}.csv").sort_values("length", ascending=False).head(5)
        columns = [first, *(["object"] if first == "branch" else []), *COLUMNS[1:]]
        print(f"longest {table}:\n{top[columns].round(2).to_string(index=False)}")


def crack(estimator: Any) -> None:
    sample = generate_sample("cracks", 320, seed=424242)
    mask = sample.mask > 0
    predicted = estimator.predict(sample.image)
    options = AnalysisOptions(min_size=30, weighted=False)
    tables = {}
    for name, angles in (("predicted", predicted.angles[0]), ("truth", sample.direction)):
        result = analyze_image(angles, mask, options=options)
        tables[name] = convert_table(result.objects, options)[COLUMNS].round(2)
        if name == "predicted":
            overlay = object_overlay(sample.image, angles, result.structure, result.objects_map)
            _save(DOCS / "crack_objects.png", np.concatenate((sample.image, overlay), axis=1), 640)
    for name, table in tables.items():
        print(f"{name}:\n{table.to_string(index=False)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="checkpoint or work dir (default: the bundled model)")
    args = parser.parse_args()
    estimator = load_estimator(args.checkpoint)
    DOCS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        retina(estimator, Path(work))
    crack(estimator)
    return 0


if __name__ == "__main__":
    sys.exit(main())
