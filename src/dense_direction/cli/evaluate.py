"""``dense-direction evaluate``: angular error of a model, and of the classical baselines on the
same images and pixels, against direction ground truth."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dense_direction.analysis.conventions import check_radians
from dense_direction.classical import BASELINES
from dense_direction.cli._evaluation_report import (
    MODEL,
    by_class,
    json_text,
    markdown,
    summary_report,
)
from dense_direction.cli._model import add_model_arguments, load_estimator, prediction_options
from dense_direction.evaluation import (
    angular_error,
    field_by_class,
    scored_pixels,
    summarize_errors,
)
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_labels,
    files_by_stem,
    image_size,
    output_folder,
    read_binary_mask,
    read_image_and_no_data,
    read_mask,
)
from dense_direction.progress import track

HELP = "angular-error report of a model and the classical baselines against ground truth"


@dataclass(frozen=True)
class Item:
    """One evaluation image: its path, the true angles, the pixels to score and, for models
    with a direction field per class, each pixel's class (label ids)."""

    name: str
    image: Path
    direction: np.ndarray
    select: np.ndarray
    classes: np.ndarray | None = None


def add_parser(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--data", type=Path, help="a folder in the `dense-direction synth` layout")
    parser.add_argument(
        "--split",
        choices=("train", "val", "test"),
        help="the split of --data to score (default test)",
    )
    parser.add_argument("--images", type=Path, help="images (with --directions)")
    parser.add_argument("--directions", type=Path, help="direction maps (.npy, radians, y up)")
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


PATH_FLAGS = ("data", "images", "directions", "centerlines", "masks", "crossings", "classes")


def _check_path_flags(args: argparse.Namespace) -> None:
    """Every path given must be an existing folder (a misspelt --centerlines would otherwise
    score other pixels); --data replaces the others."""
    given = {f: getattr(args, f, None) for f in PATH_FLAGS}
    for flag, value in given.items():
        if value is not None and not Path(value).is_dir():
            raise FileNotFoundError(f"--{flag} {value}: no such folder")
    others = [f"--{f}" for f, v in given.items() if v is not None and f != "data"]
    if given["data"] is not None and others:
        raise ValueError(f"--data names every folder itself; drop {', '.join(others)}")


def read_direction(path: str | Path) -> np.ndarray:
    """A true direction map: one ``(H, W)`` array of radians in [0, π) (NaN: no truth), as
    float32. Another shape, or degrees, would be scored as nonsense: both are errors."""
    try:
        direction = np.load(path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read direction map {path}: {err}") from err
    if direction.ndim != 2 or not np.issubdtype(direction.dtype, np.number):
        raise ValueError(
            f"{path}: a direction map must be one numeric (H, W) array of radians, "
            f"got {direction.dtype} of shape {direction.shape}"
        )
    check_radians(direction, path)
    return direction.astype(np.float32)


def _same_size(path: str | Path, shape: tuple, direction_path: str | Path, truth: tuple) -> None:
    """A ``ValueError`` naming both files unless ``path``'s size is the direction map's
    (numpy would fail later with a broadcasting error that names neither)."""
    if tuple(shape[:2]) != tuple(truth[:2]):
        raise ValueError(
            f"{path} is {shape[1]}x{shape[0]} (WxH) but its direction map {direction_path} is "
            f"{truth[1]}x{truth[0]}: every file of an image must have the image's size"
        )


def items_from_args(args: argparse.Namespace) -> list[Item]:
    _check_path_flags(args)
    if args.data is not None:
        from dense_direction.synthetic.dataset import missing_split, split_folders

        split = args.split or "test"
        layout = split_folders(args.data, split)
        if not layout["images"].is_dir():
            raise FileNotFoundError(missing_split(args.data, split, layout["images"]))
        wanted = ("images", "directions", "centerlines", "crossings", "classes")
        folders = {k: layout[k] for k in wanted}
        folders["masks"] = None
    elif args.images is not None and args.directions is not None:
        if args.split is not None:
            raise ValueError(
                f"--split {args.split} picks a split of --data; --images and --directions are "
                "folders already: point them at that split's folders and leave --split out"
            )
        folders = dict(
            images=args.images,
            directions=args.directions,
            centerlines=args.centerlines,
            crossings=args.crossings,
            masks=args.masks,
            classes=args.classes,
        )
    else:
        raise ValueError("give --data DIR, or --images DIR with --directions DIR")
    images = files_by_stem(folders["images"], IMAGE_SUFFIXES, "image", report=print)
    # Direction maps are required; the synthetic layout's centre-line and crossing folders are
    # used when present; a folder given by a flag exists (checked above).
    found = {
        k: files_by_stem(v, (".npy",) if k == "directions" else IMAGE_SUFFIXES, k[:-1])
        for k, v in folders.items()
        if k != "images" and v is not None and (k == "directions" or v.is_dir())
    }
    items = []
    for stem, image in images.items():
        missing = [k for k, files in found.items() if stem not in files]
        if missing:
            raise ValueError(
                f"{image} has no file in {', '.join(str(folders[k]) for k in missing)}"
            )
        direction_path = found["directions"][stem]
        direction = read_direction(direction_path)
        _same_size(image, image_size(image), direction_path, direction.shape)
        region = np.ones(direction.shape, bool)
        for key in ("centerlines", "masks"):
            if key in found:
                mask = read_binary_mask(found[key][stem])
                _same_size(found[key][stem], mask.shape, direction_path, direction.shape)
                region &= mask > 0
        crossing = None
        if "crossings" in found:
            crossing = read_binary_mask(found["crossings"][stem])
            _same_size(found["crossings"][stem], crossing.shape, direction_path, direction.shape)
        select = scored_pixels(region, crossing, direction)
        classes = None
        if "classes" in found:
            classes = check_labels(read_mask(found["classes"][stem]), found["classes"][stem])
            _same_size(found["classes"][stem], classes.shape, direction_path, direction.shape)
        items.append(Item(stem, Path(image), direction, select, classes))
    return items


def evaluate(
    estimator: Any,
    items: Sequence[Item],
    out: Path,
    baselines: bool = True,
    panels: int = 4,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score the model (predicting with ``options``, keyword arguments of its ``predict``;
    by default as ``predict`` does) and the
    baselines on ``items``; write ``metrics.json``, ``metrics.md``, ``error_histogram.png``
    and example panels into ``out``."""
    from dense_direction.visualization import comparison_row, error_histogram

    dir_classes = tuple(estimator.dir_classes)
    _check_class_maps(items, dir_classes)
    output_folder(out)
    methods = [MODEL, *(BASELINES if baselines else [])]
    errors: dict[str, list[np.ndarray]] = {m: [] for m in methods}
    labels: list[np.ndarray] = []  # the class of every scored pixel (several fields only)
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
            labels.append(item.classes[select])
        errors[MODEL].append(angular_error(angles, item.direction, select))
        gray = rgb.astype(np.float64).mean(axis=2) / 255
        for name in methods[1:]:
            errors[name].append(angular_error(BASELINES[name](gray), item.direction, select))
        if index < panels:
            full = np.zeros(select.shape)
            full[select] = angular_error(angles, item.direction, select)
            row = comparison_row(rgb, item.direction, angles, full, select)
            Image.fromarray(row).save(out / f"panel_{item.name}.png")
    summaries = {
        m: summarize_errors(np.concatenate(e) if e else np.empty(0)) for m, e in errors.items()
    }
    report = summary_report(summaries, len(items))
    if labels:
        report["model_by_class"] = by_class(np.concatenate(errors[MODEL]), labels, dir_classes)
        report["pixels_of_other_classes"] = other_classes
    (out / "metrics.json").write_text(json_text(report))
    (out / "metrics.md").write_text(markdown(report))
    curves = {MODEL: np.concatenate(errors[MODEL])}
    if report.get("best_baseline"):
        name = report["best_baseline"]
        curves[name] = np.concatenate(errors[name])
    error_histogram(curves, str(out / "error_histogram.png"))
    return report


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


def run(args: argparse.Namespace) -> int:
    if args.panels < 0:
        raise ValueError(f"--panels must be >= 0 (0: none), got {args.panels}")
    output_folder(args.out, make=False)  # before the model loads
    items = items_from_args(args)
    options = prediction_options(args)
    estimator = load_estimator(args)
    report = evaluate(estimator, items, args.out, not args.no_baselines, args.panels, options)
    print((args.out / "metrics.md").read_text())
    print(f"report written to {args.out}")
    if report["methods"][MODEL]["count"] == 0:
        print("error: no pixel was scored (check --masks / --centerlines / --crossings)")
        return 1
    return 0
