"""What each held-out render setting costs a model: the structures of a held-out set rendered
with the training ranges of every generic render parameter, with one parameter's held-out
ranges at a time, and with all of them held out (the set itself).

Render settings (``dense_direction.synthetic.settings``): contrast, blur, noise and JPEG
quality, each drawn from :data:`TRAINING` ranges for training data and from :data:`HELD_OUT`
ranges, which share no interval with them, for the zero-shot test. Every parameter takes one
draw from the sample's random stream whatever its ranges, so a seed shows the same structures
under every variant and only the rendering differs. Each variant's images are predicted by
``dense-direction predict`` with its defaults and scored as ``pretrained_eval.py`` scores the
model (centre-line pixels outside crossings), per kind, on the 0-4 px structures and on the
pixels whose confidence is at least 0.5 (their share and mean); the last column is the
variant's mean less the all-training variant's.

    python benchmarks/render_settings.py --like work/pretrained/held_out --out OUT
    python benchmarks/render_settings.py --like DIR --out OUT --checkpoint WORK_DIR

``--like`` is a ``synth --held-out`` folder (the model card's: ``tools/train_pretrained.py
--stage eval`` writes it): its kinds, styles, size, number and seed are re-rendered, and it is
the ``all`` variant itself. Without ``--checkpoint``/``--model`` the bundled model is measured.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd

from dense_direction.synthetic.dataset import clear_dataset, write_dataset
from dense_direction.synthetic.settings import HELD_OUT, TRAINING, RenderSettings
from pretrained_eval import MODEL, pixel_table
from pretrained_eval import predict as predict_split

#: The training styles of the bundled model (docs/models.md).
STYLES = ("concrete", "fundus", "fluorescence", "aerial", "sem")
#: The render parameters, each held out alone in one variant.
PARAMETERS = tuple(f.name for f in fields(RenderSettings) if f.name != "jpeg_chance")


def variants() -> dict[str, RenderSettings]:
    """Training ranges everywhere, then one parameter held out at a time, then all."""
    one = {p: replace(TRAINING, **{p: getattr(HELD_OUT, p)}) for p in PARAMETERS}
    return {"training": TRAINING, **one, "all": HELD_OUT}


def dataset(folder: Path, settings: RenderSettings, like: dict, jobs: int) -> None:
    """The structures of the set described by ``like`` (its ``meta.json``) rendered with
    ``settings`` into ``folder``, unless that is there already."""
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta == dict(like, render_settings=settings.to_json()):
            return
        clear_dataset(folder)
    print(f"writing {like['num']} images to {folder}", flush=True)
    write_dataset(
        folder, like["num"], like["kinds"], like["size"], like["seed"], like["fractions"],
        style=like["styles"], held_out=True, jobs=jobs, empty=like["empty"], settings=settings,
    )  # fmt: skip


def score(folder: Path, out: Path, args: argparse.Namespace) -> dict[str, float]:
    """Mean model error (degrees) on centre-line pixels outside crossings: all and per kind."""
    run = argparse.Namespace(
        data=folder, split="test", tta=8, checkpoint=args.checkpoint, model=args.model,
        smooth=None,
    )  # fmt: skip
    predictions = out / "predictions"
    predict_split(run, predictions)
    pixels = pixel_table(run, predictions, cache=None)
    line = pixels[pixels.region == "centerline"]
    means = {"all": float(line[MODEL].mean())}
    means.update({k: float(v) for k, v in line.groupby("kind")[MODEL].mean().items()})
    means["0-4 px"] = float(line.loc[line.band == "0-4", MODEL].mean())
    sure = line.confidence >= 0.5  # what analyze keeps at its default --threshold
    means["share >= 0.5 (%)"] = 100 * float(sure.mean())
    means["mean >= 0.5"] = float(line.loc[sure, MODEL].mean())
    return means


def markdown(table: pd.DataFrame) -> str:
    head = "| variant | held out | " + " | ".join(table.columns) + " |"
    lines = [head, "|" + "---|" * (len(table.columns) + 2)]
    for name, row in table.iterrows():
        held = {"training": "nothing", "all": "all four"}.get(name, name)
        cells = [f"{v:+.2f}" if c == "cost" else f"{v:.2f}" for c, v in row.items()]
        lines.append(f"| {name} | {held} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--like", type=Path, required=True, help="a `synth --held-out` folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint or work dir (bundled model)")
    parser.add_argument("--model", help="a bundled model's name (default: predict's)")
    parser.add_argument("--jobs", type=int, default=2, help="processes writing images (2)")
    args = parser.parse_args()
    like = json.loads((args.like / "meta.json").read_text())
    if not like.get("held_out") or like["render_settings"] != HELD_OUT.to_json():
        parser.error(f"--like {args.like}: not a set written by synth --held-out")
    rows = {}
    for name, settings in variants().items():
        folder = args.like if name == "all" else args.out / "data" / name
        if name != "all":
            dataset(folder, settings, like, args.jobs)
        rows[name] = score(folder, args.out / "eval" / name, args)
    table = pd.DataFrame(rows).T
    kinds = [k for k in like["kinds"] if k in table.columns]
    table = table[["all", *kinds, "0-4 px", "share >= 0.5 (%)", "mean >= 0.5"]]
    table["cost"] = table["all"] - table.loc["training", "all"]
    text = markdown(table)
    (args.out / "render_settings.md").write_text(text + "\n")
    table.to_csv(args.out / "render_settings.csv")
    print(text)
    print(f"\ntables in {args.out}/render_settings.md and .csv")


if __name__ == "__main__":
    main()
