"""``dense-direction evaluate``: angular error of a model, and of the classical baselines on the
same images and pixels, against direction ground truth."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dense_direction.classical import BASELINES
from dense_direction.cli._evaluation_items import Item, items_from_args
from dense_direction.cli._evaluation_report import (
    MODEL,
    grouped,
    json_text,
    markdown,
    summary_report,
)
from dense_direction.cli._model import (
    add_model_arguments,
    load_estimator,
    model_identity,
    prediction_options,
    resolved_options,
)
from dense_direction.evaluation import (
    angular_error,
    field_by_class,
    scored_pixels,
    summarize_errors,
    width_band,
    width_band_labels,
)
from dense_direction.io import (
    output_folder,
    read_image_and_no_data,
)
from dense_direction.progress import track

HELP = "angular-error report of a model and the classical baselines against ground truth"


def add_parser(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--data", type=Path, help="a folder in the `dense-direction synth` layout")
    parser.add_argument(
        "--split",
        choices=("train", "val", "test"),
        help="the split of --data to score (default test)",
    )
    parser.add_argument(
        "--images", type=Path, help="images (with --directions, --centerlines or --masks)"
    )
    parser.add_argument(
        "--directions",
        type=Path,
        help="direction maps (.npy, radians, y up); without them the truth is the direction "
        "of the centre-lines (--centerlines, else the skeleton of --masks), as train "
        "--val-centerlines derives it",
    )
    parser.add_argument("--centerlines", type=Path, help="score only centre-line pixels")
    parser.add_argument("--masks", type=Path, help="score only mask pixels")
    parser.add_argument("--crossings", type=Path, help="leave these pixels out")
    parser.add_argument(
        "--classes",
        type=Path,
        help="class maps (label ids): which field of a model with several direction classes "
        "scores each pixel",
    )
    parser.add_argument("--out", type=Path, required=True, help="report folder")
    parser.add_argument("--no-baselines", action="store_true", help="skip classical baselines")
    parser.add_argument("--panels", type=int, default=4, help="example pictures to write (4)")


def evaluate(
    estimator: Any,
    items: Sequence[Item],
    out: Path,
    baselines: bool = True,
    panels: int = 4,
    options: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score the model (predicting with ``options``, keyword arguments of its ``predict``;
    by default as ``predict`` does) and the
    baselines on ``items``; write ``metrics.json``, ``metrics.md``, ``error_histogram.png``
    and example panels into ``out``. ``run``: what was scored, recorded in the report as it
    is (the command line gives the model, its weights' SHA-256, the options and the data)."""
    from dense_direction.visualization import comparison_row, error_histogram

    dir_classes = tuple(estimator.dir_classes)
    _check_class_maps(items, dir_classes)
    output_folder(out)
    _clear_earlier_report(out)
    methods = [MODEL, *(BASELINES if baselines else [])]
    errors: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    classes: list[np.ndarray] = []  # the class name of every scored pixel, where known
    bands: list[np.ndarray] = []  # the width band of every scored pixel, where known
    other_classes = 0  # pixels to score whose class has no field of the model
    for index, item in enumerate(track(items, "evaluate")):
        rgb, missing = read_image_and_no_data(item.image)
        select = scored_pixels(item.select, no_data=missing)
        fields = estimator.predict(rgb, missing=missing, **(options or {})).angles
        angles = field_by_class(fields, dir_classes, item.classes)
        if len(dir_classes) > 1:
            own_field = np.isin(item.classes, dir_classes)
            other_classes += int(np.count_nonzero(select & ~own_field))
            select &= own_field
        if (names := _class_names(item, select)) is not None:
            classes.append(names)
        if item.width is not None:
            bands.append(width_band(item.width[select]))
        errors[MODEL].append(angular_error(angles, item.direction, select))
        gray = rgb.astype(np.float64).mean(axis=2) / 255
        for name in methods[1:]:
            errors[name].append(angular_error(BASELINES[name](gray), item.direction, select))
        if index < panels:
            full = np.zeros(select.shape)
            full[select] = angular_error(angles, item.direction, select)
            row = comparison_row(rgb, item.direction, angles, full, select)
            Image.fromarray(row).save(out / f"panel_{item.name}.png")
    flat = {m: np.concatenate(e) if e else np.empty(0) for m, e in errors.items()}
    report = summary_report({m: summarize_errors(e) for m, e in flat.items()}, len(items))
    if run is not None:
        report["run"] = run
    if groups := _groups(flat, items, classes, bands):
        report["groups"] = groups
    if len(dir_classes) > 1:
        report["pixels_of_other_classes"] = other_classes
    (out / "metrics.json").write_text(json_text(report))
    (out / "metrics.md").write_text(markdown(report))
    shown = [MODEL, *([report["best_baseline"]] if report.get("best_baseline") else [])]
    error_histogram({m: flat[m] for m in shown}, str(out / "error_histogram.png"))
    return report


def _groups(
    errors: dict[str, np.ndarray],
    items: Sequence[Item],
    classes: list[np.ndarray],
    bands: list[np.ndarray],
) -> dict[str, dict]:
    """The per-class (per-kind for a synth dataset) and per-width-band tables, each where
    every image gave its pixels' groups."""
    groups = {}
    if items and len(classes) == len(items):
        names = items[0].class_names  # a synth dataset's kinds, else label ids
        order = list(dict.fromkeys((names or {}).values()))
        groups["kind" if names else "class"] = grouped(errors, np.concatenate(classes), order)
    if items and len(bands) == len(items):
        groups["width (px)"] = grouped(errors, np.concatenate(bands), width_band_labels())
    return groups


def _class_names(item: Item, select: np.ndarray) -> np.ndarray | None:
    """The class of each pixel of ``select`` by name (``item.class_names``, else the id); a
    dataset of one kind has no class maps, and all its pixels are of that kind."""
    names = item.class_names or {}
    if item.classes is None:
        return np.full(int(select.sum()), next(iter(names.values()))) if len(names) == 1 else None
    ids, inverse = np.unique(item.classes[select], return_inverse=True)
    return np.array([names.get(int(i), str(i)) for i in ids], dtype=object)[inverse]


def _check_class_maps(items: Sequence[Item], dir_classes: tuple[int, ...]) -> None:
    """A model with several direction fields scores each pixel with its class's field: every
    image needs a class map, checked before anything is predicted."""
    without = [item.name for item in items if item.classes is None]
    if len(dir_classes) > 1 and without:
        raise ValueError(
            f"the model predicts {len(dir_classes)} direction fields (label ids "
            f"{', '.join(map(str, dir_classes))}) and each pixel is scored against its own "
            f"class's field, but {len(without)} image(s) have no class map ({without[0]}, ...): "
            "give --classes DIR (label images named as the images), or --data with a "
            "classes folder"
        )


#: The flags that say what is scored (recorded in the report).
_DATA_FLAGS = (
    "data",
    "split",
    "images",
    "directions",
    "centerlines",
    "masks",
    "crossings",
    "classes",
)


def _check_out_apart(args: argparse.Namespace) -> None:
    """``--out`` must not be (or lie in) a folder the inputs are read from: the report's
    pictures and tables there were read as inputs by the next run (an image without a
    direction map: the dataset stopped working)."""
    from dense_direction.synthetic.dataset import split_folders

    if args.data is not None:
        inputs = list(split_folders(args.data, args.split or "test").values())
    else:
        flags = [flag for flag in _DATA_FLAGS if flag not in ("data", "split")]
        inputs = [Path(getattr(args, flag)) for flag in flags if getattr(args, flag)]
    out = args.out.resolve()
    for folder in inputs:
        if folder.is_dir() and (out == folder.resolve() or folder.resolve() in out.parents):
            raise ValueError(
                f"--out {args.out} is inside the input folder {folder}: the report's files "
                f"would be read as inputs by the next evaluation; choose a folder outside it"
            )


#: The files of a report (its panels are ``panel_<image>.png``).
REPORT_FILES = ("metrics.json", "metrics.md", "error_histogram.png")


def _clear_earlier_report(out: Path) -> None:
    """Remove an earlier report's files from ``out`` before this one is written: its panels
    stayed beside this report's (8 panels under a report of 6 images), and a run stopped
    half-way left the earlier metrics beside its own first panels."""
    earlier = [out / name for name in REPORT_FILES if (out / name).is_file()]
    earlier += sorted(out.glob("panel_*.png"))
    for path in earlier:
        path.unlink()
    if earlier:
        print(f"removed the {len(earlier)} files of an earlier report from {out}")


def run(args: argparse.Namespace) -> int:
    if args.panels < 0:
        raise ValueError(f"--panels must be >= 0 (0: none), got {args.panels}")
    _check_out_apart(args)
    output_folder(args.out, make=False)  # before the model loads
    items = items_from_args(args)
    options = prediction_options(args)
    estimator = load_estimator(args)
    data = {k: str(v) for k, v in vars(args).items() if k in _DATA_FLAGS and v is not None}
    if "data" in data:
        data.setdefault("split", "test")
    record = {
        **model_identity(args),
        "options": resolved_options(options, estimator),
        "data": data,
    }
    report = evaluate(
        estimator, items, args.out, not args.no_baselines, args.panels, options, run=record
    )
    print((args.out / "metrics.md").read_text())
    print(f"report written to {args.out}")
    if report["methods"][MODEL]["count"] == 0:
        print("error: no pixel was scored (check --masks / --centerlines / --crossings)")
        return 1
    return 0
