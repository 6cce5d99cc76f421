"""Regenerate the bundled ``general`` model: data, training, zero-shot evaluation, bundle.

    python tools/train_pretrained.py --out work/pretrained            # the whole recipe
    python tools/train_pretrained.py --out work/pretrained --stage eval --stage bundle

Every stage runs the ``dense-direction`` command a user would run, with fixed seeds, and skips
what an earlier run of this script already finished, so a killed run continues where it
stopped (training resumes from its last checkpoint). The same command runs on a GPU, where
``train`` picks it up by itself. Stages:

``data``
    ``synth`` writes the training set: all four kinds mixed in every image (cracks, vessels,
    roads, fibres: widths 1-44 px, both polarities), in the styles of ``STYLES`` (concrete /
    asphalt, fundus photograph, fluorescence microscopy, aerial image, SEM; ``--style`` for
    others, e.g. these and ``drawing``); in 15 % of them
    (``--empty``) the structure on one side of a random line, or in all the image, is left
    out, so that the model sees areas without structure. The original
    ``photo`` style is left out on purpose: it is the new domain that the fine-tuning
    benchmark (``benchmarks/finetune_curves.py``) adapts the model to.
``train``
    ``train`` with the default preset and wide-structure mode, for a fixed number of
    iterations (not a time budget: the result must not depend on the machine's speed) and a
    fixed seed (``--train-seed``), so that the same machine trains the same weights again.
``eval``
    ``synth --held-out`` writes test images with seeds and render settings (contrast, blur,
    noise, JPEG quality) training never used, in the styles of ``STYLES`` (the card's
    held-out set, whatever ``--style`` trained on) and, separately, in the left-out ``photo``
    style and in the ``drawing`` style (flat paper: line drawings, masks saved as pictures);
    ``benchmarks/pretrained_eval.py`` scores the model per kind and
    per width band against the classical baselines on the same pixels.
``bundle``
    ``tools/bundle_model.py`` copies the weights, config and measured figures into
    ``src/dense_direction/models/general`` (``--models-out`` for elsewhere).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

STYLES = ("concrete", "fundus", "fluorescence", "aerial", "sem")
LEFT_OUT_STYLE = "photo"
KINDS = ("cracks", "vessels", "roads", "fibres")
STAGES = ("data", "train", "eval", "bundle")
REPO = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("work/pretrained"))
    parser.add_argument(
        "--stage", action="append", choices=STAGES, help="run only these stages (all)"
    )
    parser.add_argument("--num", type=int, default=900, help="training images (900)")
    parser.add_argument("--size", type=int, default=256, help="image size (256)")
    parser.add_argument("--iters", type=int, default=28000, help="training iterations (28000)")
    parser.add_argument(
        "--style", nargs="+", default=list(STYLES), help=f"training styles ({' '.join(STYLES)})"
    )
    parser.add_argument("--seed", type=int, default=0, help="training data seed (0)")
    parser.add_argument("--train-seed", type=int, default=0, help="train --seed (0)")
    parser.add_argument(
        "--empty",
        type=float,
        default=0.15,
        help="synth --empty: share of samples with a part cleared of structure (0.15)",
    )
    parser.add_argument("--test-num", type=int, default=120, help="held-out images (120)")
    parser.add_argument("--test-seed", type=int, default=7, help="held-out seed (7)")
    parser.add_argument("--name", default="general", help="bundled model name (general)")
    parser.add_argument("--models-out", type=Path, help="models folder (the package's)")
    return parser.parse_args(argv)


def run(*command: str) -> None:
    """Run a command as a user would, failing loudly."""
    print("$ " + shlex.join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO)


def cli(*args: str) -> None:
    run(sys.executable, "-m", "dense_direction.cli.main", *args)


def done(folder: Path) -> bool:
    return (folder / "meta.json").is_file()


def shown(path: Path) -> str:
    """``path`` relative to the repository where it lies inside it (for the manifest)."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def train_command(args: argparse.Namespace) -> list[str]:
    data, work = shown(args.out / "data"), shown(args.out / "work")
    return ["train", "--data", data, "--work-dir", work, "--iters", str(args.iters),
            "--seed", str(args.train_seed)]  # fmt: skip


def stage_data(args: argparse.Namespace) -> None:
    data = args.out / "data"
    if done(data):
        print(f"training data already in {data}")
        return
    cli("synth", "--out", str(data), "--num", str(args.num), "--size", str(args.size),
        "--kind", *KINDS, "--style", *args.style, "--seed", str(args.seed),
        "--empty", str(args.empty), "--splits", "0.95", "0.05", "0", "--overwrite")  # fmt: skip


def stage_train(args: argparse.Namespace) -> None:
    work = args.out / "work"
    if (work / f"iter_{args.iters}.pth").is_file():
        print(f"training already finished in {work}")
        return
    resuming = (work / "last_checkpoint").is_file()
    start = time.monotonic()
    cli(*train_command(args), "--resume" if resuming else "--overwrite")
    # Wall-clock minutes of training, summed over resumed runs (a killed run's part is lost).
    record = args.out / "train_minutes.json"
    previous = json.loads(record.read_text())["minutes"] if resuming and record.is_file() else 0
    minutes = previous + (time.monotonic() - start) / 60
    record.write_text(json.dumps({"minutes": minutes}) + "\n")


def stage_eval(args: argparse.Namespace) -> None:
    sets = {
        "held_out": STYLES,
        "held_out_photo": (LEFT_OUT_STYLE,),
        "held_out_drawing": ("drawing",),
    }
    for name, styles in sets.items():
        folder = args.out / name
        if not done(folder):
            num = args.test_num if name == "held_out" else args.test_num // 3
            cli("synth", "--out", str(folder), "--num", str(num), "--size", str(args.size),
                "--kind", *KINDS, "--style", *styles, "--seed", str(args.test_seed),
                "--held-out", "--splits", "0", "0", "1", "--overwrite")  # fmt: skip
        work, report = str(args.out / "work"), str(args.out / f"eval_{name}")
        run(sys.executable, "benchmarks/pretrained_eval.py", "--data", str(folder),
            "--checkpoint", work, "--out", report)  # fmt: skip


def stage_bundle(args: argparse.Namespace) -> None:
    record = args.out / "train_minutes.json"
    minutes = json.loads(record.read_text())["minutes"] if record.is_file() else None
    script = f"python tools/train_pretrained.py --out {shown(args.out)} --empty {args.empty:g}"
    if tuple(args.style) != STYLES:
        script += " --style " + " ".join(args.style)
    command = f"{script}  # = dense-direction " + shlex.join(train_command(args))
    extra = ["--minutes", f"{minutes:.1f}"] if minutes else []
    figures = args.out / "eval_held_out" / "report.json"
    if figures.is_file():
        extra += ["--figures", str(figures)]
    if args.models_out:
        extra += ["--out", str(args.models_out)]
    run(sys.executable, "tools/bundle_model.py", str(args.out / "work"), "--name", args.name,
        "--command", command, "--overwrite", *extra)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    actions = {"data": stage_data, "train": stage_train, "eval": stage_eval, "bundle": stage_bundle}
    for stage in args.stage or STAGES:
        print(f"\n==> {stage}", flush=True)
        actions[stage](args)


if __name__ == "__main__":
    main()
