"""``dense-direction synth``: write a synthetic dataset with exact direction ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path

from dense_direction.hardware import usable_cores
from dense_direction.io import output_folder
from dense_direction.progress import Progress
from dense_direction.synthetic import KINDS, STYLES
from dense_direction.synthetic.dataset import (
    FRACTIONS,
    check_dataset_options,
    clear_dataset,
    write_dataset,
)

HELP = "generate a synthetic linear-structure dataset (images, masks, centre-lines, directions)"


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--num", type=int, default=100, help="number of samples (default 100)")
    parser.add_argument(
        "--kind",
        nargs="+",
        default=list(KINDS),
        choices=KINDS,
        help="structure kind(s); several are mixed in every image (default: all four, so a "
        "model trained on them sees every width from 1-px cracks to 44-px roads)",
    )
    parser.add_argument(
        "--size", type=int, nargs="+", default=[256], help="SIZE or HEIGHT WIDTH (default 256)"
    )
    parser.add_argument(
        "--style",
        nargs="+",
        default=["photo"],
        choices=[*STYLES, "all"],
        help="rendering style(s); with several (or 'all') each sample draws one "
        "(default: photo, the original photo-like renderer)",
    )
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="draw contrast, blur, noise and JPEG quality from ranges training data never "
        "uses, and seeds from a separate stream: a zero-shot evaluation set",
    )
    parser.add_argument(
        "--empty",
        type=float,
        default=0.0,
        help="probability that part of a sample holds no structure (a random half-plane "
        "cleared, in a quarter of them the whole image), so a model learns what background "
        "alone looks like (default 0)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--splits",
        type=float,
        nargs=3,
        default=FRACTIONS,
        metavar=("TRAIN", "VAL", "TEST"),
        help=f"fractions of samples per split (default {' '.join(map(str, FRACTIONS))})",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a non-empty output folder, deleting an earlier dataset's samples "
        "and meta.json there first (other files stay)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=usable_cores(),
        help="processes generating samples side by side; the files do not depend on it "
        "(default: every usable core)",
    )


def check_repeats(flag: str, values: list[str]) -> None:
    """Two classes of one name (``--kind``), or a style drawn twice as often, are errors."""
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise ValueError(f"{flag} names {', '.join(twice)} more than once")


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    if not 0 <= args.empty <= 1:
        raise ValueError(f"--empty must be a probability in [0, 1], got {args.empty}")
    for flag, values in (("--kind", args.kind), ("--style", args.style)):
        check_repeats(flag, values)
    if args.seed < 0:  # numpy's own message named no flag
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    size = args.size[0] if len(args.size) == 1 else tuple(args.size)
    # Before --overwrite deletes the earlier dataset (--num 0 deleted it, then was refused).
    check_dataset_options(args.num, args.kind, size, args.splits, args.style, args.jobs)
    output_folder(args.out, make=False)
    if args.out.exists() and any(args.out.iterdir()) and not args.overwrite:
        raise FileExistsError(f"{args.out} is not empty; choose another --out or pass --overwrite")
    if args.out.is_dir():
        removed = clear_dataset(args.out)
        if removed:
            print(f"--overwrite: deleted the {removed} files of the earlier dataset in {args.out}")
    with Progress(args.num, "synth", "img") as bar:
        meta = write_dataset(
            args.out,
            args.num,
            args.kind,
            size,
            args.seed,
            args.splits,
            progress=bar.advance,
            style=args.style,
            held_out=args.held_out,
            jobs=args.jobs,
            empty=args.empty,
        )
    splits = ", ".join(f"{k} {v}" for k, v in meta["splits"].items())
    print(f"wrote {args.num} samples of {'+'.join(meta['kinds'])} to {args.out} ({splits})")
    # A share that rounds to no sample leaves a split train or evaluate will look for.
    for (name, count), share in zip(meta["splits"].items(), args.splits, strict=True):
        if share > 0 and count == 0:
            print(
                f"warning: the {name} split got no sample ({share:g} of {args.num}); "
                f"train and evaluate need one: raise --num or the split's share in --splits"
            )
    settings = "held-out" if args.held_out else "training"
    print(f"style {'+'.join(meta['styles'])}, {settings} render settings")
    return 0
