"""Where ``analyze`` gets its direction fields: images predicted first (``--images``, with
a model and the prediction flags), or what ``predict`` wrote (``--predictions``, where those
flags are refused); and the record of which model made them, for the summary."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dense_direction.cli._model import (
    add_model_arguments,
    load_estimator,
    model_identity,
    model_source,
    prediction_options,
    resolved_options,
)
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_partners,
    files_by_stem,
    link_to_nothing,
    read_binary_mask,
    read_image_and_no_data,
    read_mask,
)

if TYPE_CHECKING:
    import numpy as np

    from dense_direction.analysis import ImageInputs

__all__ = ["STRUCTURE_FLAGS", "check_no_prediction_flags", "predicted_by", "predicted_items"]


def _predicted(
    predict: Callable[[str], tuple[np.ndarray, Any]],
    path: str,
    which: tuple[int, int | None],
    extra: dict,
) -> ImageInputs:
    """The inputs of direction class ``which`` (index, id) of the image ``path``."""
    from dense_direction.analysis import ImageInputs
    from dense_direction.analysis.report.classes import class_structure

    image, result = predict(path)
    k, class_id = which
    if "classes" in extra:
        structure = class_structure(extra["classes"], class_id)
    else:
        structure = None if "mask" not in extra else read_binary_mask(extra["mask"])
    return ImageInputs(
        angles=result.angles[k],
        confidence=result.confidence[k],
        background=image,
        mask=structure,
        labels=None if "labels" not in extra else read_mask(extra["labels"]),
        roi=None if "roi" not in extra else read_mask(extra["roi"]),
    )


def _predictor(estimator: Any, options: dict) -> Callable[[str], tuple[np.ndarray, Any]]:
    """The image and its prediction, by path; the last one kept: an image's classes are
    analysed one after the other from one prediction."""

    @functools.lru_cache(maxsize=1)
    def predict(path: str) -> tuple[np.ndarray, Any]:
        image, missing = read_image_and_no_data(path)  # as predict: no direction where no value
        return image, estimator.predict(image, missing=missing, **options)

    return predict


def _gone(link: Path) -> ImageInputs:
    raise FileNotFoundError(f"{link} is {link_to_nothing(link)}")


def predicted_items(args: argparse.Namespace) -> tuple[list, dict]:
    """The items of the images, each predicted when its turn comes, and the record of how:
    the model (its weights' SHA-256) and the options as they act."""
    from dense_direction.analysis.report.classes import item_name
    from dense_direction.cli.predict import collect_inputs

    # What predict --input takes: a file, a folder or a glob pattern.
    links: list[Path] = []
    images = {path.stem: str(path) for path in collect_inputs(str(args.images), args.out, links)}
    folders = {"mask": args.masks, "labels": args.labels, "roi": args.roi, "classes": args.classes}
    paired = {}
    for kind, folder in folders.items():  # before the model loads: a missing file fails fast
        if folder:
            what = "class map" if kind == "classes" else kind
            paired[kind] = files_by_stem(folder, IMAGE_SUFFIXES, what)
            check_partners(images, paired[kind], folder, what, f"images in {args.images}")
    options = prediction_options(args)
    estimator = load_estimator(args)
    if not estimator.seg_channels and not args.masks:
        from dense_direction.analysis.report.files import coherence_is_not_structure

        raise ValueError(coherence_is_not_structure(f"the predictions of {model_source(args)}"))
    classes = _chosen_classes(args, estimator)
    predict = _predictor(estimator, options)
    items = []
    for stem, path in images.items():
        extra = {kind: files[stem] for kind, files in paired.items()}
        for which in classes:
            name = item_name(stem, which[1])
            items.append((name, partial(_predicted, predict, path, which, extra)))
    # An image whose file is gone is a failed image, as in predict, not one left out.
    items += [(link.stem, partial(_gone, link)) for link in links]
    record = {**model_identity(args), "options": resolved_options(options, estimator)}
    return items, record


def _chosen_classes(args: argparse.Namespace, estimator: Any) -> list[tuple[int, int | None]]:
    """(index in the prediction, class id or None) of each direction class to analyse."""
    from dense_direction.analysis.report.classes import check_structure_source, selected_classes

    ids = list(estimator.dir_classes) if len(estimator.dir_classes) > 1 else [None]
    chosen = selected_classes(ids, args.class_id, "--class-id", model_source(args))
    check_structure_source(chosen, args.masks, args.classes, STRUCTURE_FLAGS)
    return sorted(((ids.index(c), c) for c in chosen), key=lambda pair: pair[1] or 0)


#: How the structure's sources and the class choice are named in messages.
STRUCTURE_FLAGS = ("--masks", "--classes", "--class-id")


def check_no_prediction_flags(args: argparse.Namespace) -> None:
    """With ``--predictions`` the angle maps are read as predict wrote them: a model or how
    to predict (``--model``, ``--tile``, ``--no-tta``, ...) would be ignored without a word;
    and ``--images`` names a folder of pictures, not a pattern."""
    probe = argparse.ArgumentParser()
    add_model_arguments(probe)
    flags: dict[str, list[str]] = {}
    for action in probe._actions:
        if action.dest != "help" and getattr(args, action.dest) != probe.get_default(action.dest):
            flags.setdefault(action.dest, []).extend(action.option_strings[:1])
    if flags:
        given = ", ".join("/".join(names) for names in flags.values())
        raise ValueError(
            f"{given}: these say how to predict, and act only with --images without "
            "--predictions; --predictions reads the angle maps as predict wrote them (give "
            "these flags to predict, or analyze --images to predict here)"
        )
    if args.images is not None and not args.images.exists():
        # A pattern (or a typo): "image folder not found" did not say why a pattern fails.
        raise ValueError(
            f"--images {args.images}: with --predictions, --images names the folder of the "
            "pictures the predictions were made from (the overlays' backgrounds, paired by "
            "name), not a file or pattern; no such folder"
        )


def predicted_by(folder: Path) -> dict:
    """The predictions analysed, and how predict made them where its run record says (the
    model, its weights' SHA-256, the options; not its list of images)."""
    from dense_direction.prediction import read_run_record

    record = read_run_record(folder) or {}
    # The folder itself, not the words typed in some other working directory.
    where = str(folder.resolve())
    return {"predictions": where, **{k: v for k, v in record.items() if k != "images"}}
