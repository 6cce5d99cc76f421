"""Is the bundled model's error the run's (variance) or the images' (bias)? Average models.

Averages the predictions of several models on the same images, as an ensemble would: at
every pixel the doubled-angle vectors of the models' directions, each weighted by that
model's confidence there, and scores the average like ``pretrained_eval.py`` (the same pixels,
tables and baselines). The inputs are the ``predictions*`` folders that ``pretrained_eval.py``
wrote for each model on the same ``--data``. If the models' errors were independent, their
average would be markedly better than each; if they are the same errors, it is not.

    python benchmarks/pretrained_eval.py --data work/pre/held_out --model general --tta 4 \
        --out work/ens/a
    python benchmarks/pretrained_eval.py --data work/pre/held_out --checkpoint work/pre2/work \
        --tta 4 --out work/ens/b
    python benchmarks/ensemble_eval.py --data work/pre/held_out --out work/ens/ab \
        --predictions work/ens/a/predictions_tta4 work/ens/b/predictions_tta4
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dense_direction.directions import angles_to_vectors, vectors_to_angles
from dense_direction.prediction import ANGLES_SUFFIX, output_name
from pretrained_eval import markdown, pixel_table, report


def average(folders: list[Path], out: Path) -> int:
    """Write the confidence-weighted average of each image's predictions into ``out``
    (angles; confidence: the models' mean); returns the number of images."""
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(path.name for path in folders[0].glob(f"*{ANGLES_SUFFIX}"))
    for name in names:
        stem = name[: -len(ANGLES_SUFFIX)]
        angles = [torch.from_numpy(np.load(folder / name)) for folder in folders]
        confidence = [
            torch.from_numpy(
                np.asarray(Image.open(folder / output_name(stem, "confidence")), np.float32)
            )
            / 255
            for folder in folders
        ]
        # A model that sees nothing at a pixel (confidence 0) still counts a little there, so
        # that every pixel gets a direction.
        weighted = zip(angles, confidence, strict=True)
        total = sum(angles_to_vectors(a, dim=0) * (c + 1e-3) for a, c in weighted)
        np.save(out / name, vectors_to_angles(total, dim=0).numpy().astype(np.float32))
        mean = torch.stack(confidence).mean(0).numpy()
        Image.fromarray(np.round(mean * 255).astype(np.uint8)).save(
            out / output_name(stem, "confidence")
        )
    return len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `dense-direction synth` folder")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--predictions", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="baseline cache of pretrained_eval.py")
    args = parser.parse_args()
    if len(args.predictions) < 2:
        parser.error("--predictions needs the folders of two models or more")
    count = average(args.predictions, args.out / "predictions")
    tables = report(pixel_table(args, args.out / "predictions", args.cache))
    document = dict(tables, setup={k: str(v) for k, v in vars(args).items()}, images=count)
    (args.out / "report.json").write_text(json.dumps(document, indent=2) + "\n")
    (args.out / "report.md").write_text(markdown(tables) + "\n")
    print(markdown(tables))
    print(f"report in {args.out}/report.md")


if __name__ == "__main__":
    main()
