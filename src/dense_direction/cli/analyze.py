"""``dense-direction analyze``: statistics, per-object measurements, tracing, tables, plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dense_direction.analysis.conventions import ANGLE_CONVENTIONS
from dense_direction.cli._analyze_sources import (
    STRUCTURE_FLAGS,
    check_no_prediction_flags,
    predicted_by,
    predicted_items,
)
from dense_direction.cli._model import add_model_arguments
from dense_direction.hardware import usable_cores
from dense_direction.io import output_folder

if TYPE_CHECKING:
    from dense_direction.analysis import AnalysisOptions

# The analysis itself (pandas, matplotlib, skan) is imported where it runs, not with the
# command line that every dense-direction command builds.

HELP = (
    "measure direction fields: statistics, per-object length/width/tortuosity/curvature, "
    "streamlines, CSV/JSON/GeoJSON/GraphML and plots"
)


def add_parser(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("input (one of)")
    source.add_argument(
        "--predictions",
        type=Path,
        help="what predict wrote (<stem>_angles.npy, radians, and <stem>_confidence.png)",
    )
    source.add_argument(
        "--images",
        type=Path,
        help="images (a file, folder or glob pattern, as predict --input takes): predicted first "
        "(with the bundled model unless --checkpoint or --model is given); with --predictions, "
        "the folder of the overlays' backgrounds",
    )
    add_model_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--masks",
        type=Path,
        help="structure masks (same stems; non-zero = "
        "structure); default: confidence above --threshold",
    )
    parser.add_argument(
        "--classes",
        type=Path,
        help="class maps (same stems; each pixel its class id): the structure of each direction "
        "class of a model with several; instead of --masks",
    )
    parser.add_argument(
        "--class-id",
        type=int,
        nargs="+",
        metavar="ID",
        help="a model with several direction classes: analyse only these (default: each class, "
        "as <stem>_class<id>)",
    )
    parser.add_argument("--labels", type=Path, help="integer label images: one object per value")
    parser.add_argument(
        "--roi",
        type=Path,
        help="ROI images: only pixels > 0 count; statistics per ROI value in rois.csv",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="confidence above which a pixel is structure (0.5)",
    )
    parser.add_argument(
        "--min-size",
        type=int,
        default=10,
        help="drop connected objects smaller than this many pixels (10)",
    )
    parser.add_argument(
        "--max-hole",
        type=int,
        default=10,
        help="fill holes in the structure of at most this many pixels before measuring "
        "(pinholes and pixels without data would be loops and junctions; 0: keep all; 10)",
    )
    parser.add_argument(
        "--pixel-size",
        type=float,
        default=None,
        help="physical size of a pixel, in --unit (give both; default: lengths in px)",
    )
    parser.add_argument("--unit", default=None, help="length unit of --pixel-size, e.g. um")
    parser.add_argument(
        "--angle-convention",
        choices=ANGLE_CONVENTIONS,
        default="standard",
        help="standard: degrees in [0, 180); orientationj: (-90, 90]; both "
        "counter-clockwise from x with y up",
    )
    parser.add_argument(
        "--no-weights", action="store_true", help="do not weight field statistics by the confidence"
    )
    parser.add_argument("--bins", type=int, default=36, help="rose plot bins over 180° (36)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, usable_cores()),  # the cores a job may use (taskset, a cpuset)
        help="images analysed in parallel processes (default: 2, or 1 on one core); with "
        "--images alone 1: the model predicts in this process",
    )
    parser.add_argument(
        "--no-plots",
        action="store_true",
        help="tables only: no pictures, GeoJSON or GraphML per image",
    )


def _options(args: argparse.Namespace) -> AnalysisOptions:
    from dense_direction.analysis import AnalysisOptions

    # One without the other would label pixel lengths with a unit, or lengths in a unit "unit".
    if (args.pixel_size is None) != (args.unit is None):
        flags = ("--unit", "--pixel-size")
        given, missing = flags if args.pixel_size is None else flags[::-1]
        raise ValueError(
            f"{given} needs {missing}: give the size of one pixel and its unit together "
            f"(e.g. --pixel-size 0.5 --unit um), or neither for lengths in px"
        )
    try:
        return AnalysisOptions(
            threshold=args.threshold,
            min_size=args.min_size,
            max_hole=args.max_hole,
            weighted=not args.no_weights,
            pixel_size=1.0 if args.pixel_size is None else args.pixel_size,
            unit="px" if args.unit is None else args.unit,
            angle_convention=args.angle_convention,
            bins=args.bins,
        )
    except ValueError as err:  # the API names its fields; a command line user typed flags
        message = str(err)
        for field, flag in _FLAGS.items():
            if message.startswith(f"{field} "):
                raise ValueError(flag + message[len(field) :]) from None
        raise


#: The flag of each option field whose checks (AnalysisOptions) name the field.
_FLAGS = {
    "threshold": "--threshold",
    "min_size": "--min-size",
    "max_hole": "--max-hole",
    "pixel_size": "--pixel-size",
    "unit": "--unit",
    "bins": "--bins",
}


def run(args: argparse.Namespace) -> int:
    from dense_direction.analysis import analyze_many
    from dense_direction.analysis.report.files import prediction_items

    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    output_folder(args.out, make=False)  # before any image is read
    options = _options(args)
    if args.predictions is not None:
        check_no_prediction_flags(args)
        items = prediction_items(
            args.predictions,
            args.masks,
            args.labels,
            args.roi,
            args.images,
            report=print,
            classes=args.classes,
            class_ids=args.class_id,
            names=STRUCTURE_FLAGS,
        )
        record = predicted_by(args.predictions)
    elif args.images is not None:
        items, record = predicted_items(args)
    else:
        raise ValueError(
            "give --predictions DIR (what predict wrote), or --images DIR to predict first "
            "(with the bundled model, or --checkpoint CKPT / --model NAME)"
        )
    # A model in the loaders cannot be shared with worker processes: predict in this one.
    jobs = args.jobs if args.predictions is not None else 1
    summary = analyze_many(items, args.out, options, files=not args.no_plots, jobs=jobs, run=record)
    notes = summary["notes"]
    if summary["earlier_files_removed"]:
        print(
            f"replaced the earlier analysis in {args.out} "
            f"({summary['earlier_files_removed']} files removed first)"
        )
    print(
        f"analysed {summary['images']} of {len(items)} images ({summary['objects']} objects) "
        f"into {args.out}"
    )
    for stem, note in notes.items():
        print(f"  note {stem}: {note}")
    for failure in summary["failed"]:
        print(f"  skipped {failure['image']}: {failure['reason']}", file=sys.stderr)
    return 1 if summary["failed"] else 0
