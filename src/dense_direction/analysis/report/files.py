"""Reading a run's inputs from folders: what ``predict`` wrote, masks, labels, ROIs, images."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from dense_direction.analysis.report.classes import (
    check_structure_source,
    class_confidence_files,
    class_structure,
    item_name,
    prediction_classes,
    selected_classes,
)
from dense_direction.analysis.report.inputs import check_angles
from dense_direction.analysis.report.writer import ImageInputs
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_partners,
    counted,
    existing_folder,
    files_by_stem,
    listing,
    read_binary_mask,
    read_image,
    read_mask,
)
from dense_direction.prediction import (
    ANGLES_SUFFIX,
    RUN_RECORD,
    angle_map_stems,
    confidence_kind,
    output_name,
    read_run_record,
)

__all__ = [
    "ANGLES_SUFFIX",
    "coherence_is_not_structure",
    "confidence_files",
    "no_confidence",
    "prediction_files",
    "read_confidence",
    "read_prediction",
]


def prediction_files(
    folder: str | Path, report: Callable[[str], None] | None = None
) -> dict[str, Path]:
    """``<stem>_angles.npy`` files of a ``predict`` output folder, by stem: those of the
    images its :data:`RUN_RECORD` lists, where it lists them (an earlier run's outputs with
    another model or options stay in the folder, unlisted). ``report`` (e.g. ``print``) is
    given a line naming the angle maps left out so."""
    folder = existing_folder(folder, "predictions", "the folder predict wrote")
    found = angle_map_stems(folder)
    listed = (read_run_record(folder) or {}).get("images")
    if listed is not None:
        unlisted = sorted(set(found) - set(listed))
        missing = sorted(set(listed) - set(found))
        if unlisted and report is not None:
            report(
                f"left out {counted(len(unlisted), 'angle map')} in {folder} that {RUN_RECORD} "
                f"does not list (an earlier predict's with another model or options, or "
                f"written by a run stopped before it listed them: predict them again): "
                f"{listing(unlisted, 4)}"
            )
        if missing and report is not None:
            report(
                f"{RUN_RECORD} lists {counted(len(missing), 'image')} without an angle map in "
                f"{folder} (deleted since?): {listing(missing, 4)}"
            )
        found = {stem: path for stem, path in found.items() if stem in set(listed)}
    if not found:
        what = f"that {RUN_RECORD} lists " if listed is not None else ""
        raise FileNotFoundError(
            f"no <stem>{ANGLES_SUFFIX} files {what}in {folder} (run dense-direction predict first)"
        )
    return found


def read_confidence(path: Path) -> np.ndarray:
    """A confidence PNG as floats in [0, 1] (8-bit: /255, 16-bit: /65535)."""
    values = read_mask(path)
    if values.ndim == 3:
        values = values[..., 0]
    scale = 255.0 if values.dtype == np.uint8 else 65535.0
    return values.astype(np.float64) / scale


def confidence_files(angles_path: Path) -> tuple[Path | None, list[Path]]:
    """The confidence PNGs ``predict`` wrote beside an angle map: ``<stem>_confidence.png``
    (one direction class; None if absent) and ``<stem>_confidence_class<id>.png`` (one per
    class of a multi-class model, by class id)."""
    stem = angles_path.name[: -len(ANGLES_SUFFIX)]
    single = angles_path.parent / output_name(stem, "confidence")
    classes = list(class_confidence_files(angles_path).values())
    return (single if single.is_file() else None), classes


def no_confidence(angles_path: Path) -> str:
    """Why an angle map without its confidence cannot be analysed, and what to do."""
    stem = angles_path.name[: -len(ANGLES_SUFFIX)]
    return (
        f"{angles_path} has no {output_name(stem, 'confidence')} beside it (predict writes "
        "both), so "
        "nothing says which pixels are structure: pass --masks DIR with structure masks, "
        "or re-run dense-direction predict"
    )


def coherence_is_not_structure(source: str) -> str:
    """Why a direction-only model's confidence cannot say which pixels are structure."""
    return (
        f"{source} come from a direction-only model: its confidence is the coherence of the "
        "field, which is high in the background too, not a structure probability, so it "
        "cannot say which pixels are structure: pass --masks DIR with structure masks (or "
        "use a model that also predicts structure)"
    )


def predicted_confidence(folder: str | Path) -> str | None:
    """What the confidence PNGs in a ``predict`` output folder hold, from its
    :data:`RUN_RECORD` (``"structure"`` or ``"coherence"``); None where there is no record
    (an older run, or files from elsewhere). An unreadable record is an error naming it."""
    return (read_run_record(folder) or {}).get("confidence")


def read_prediction(
    angles_path: Path, class_id: int | None = None, classes: list | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The angle map, radians in [0, π), and its confidence (None if there is no file).

    A ``(H, W)`` map pairs with ``<stem>_confidence.png``. A ``(K, H, W)`` map, which predict
    writes for a model with K > 1 direction classes, holds one map per class: ``class_id``
    picks one, and its ``<stem>_confidence_class<id>.png`` (``classes``: the file's classes
    in the order of its maps, :func:`.classes.prediction_classes`, found here if not given).
    Any other shape, or values that are not radians in [0, π), are errors naming the file."""
    if classes is None:
        classes = prediction_classes(angles_path)
    if class_id not in classes:
        raise ValueError(
            f"{angles_path} holds the direction classes {listing([str(c) for c in classes])}: "
            f"pick one of them (class_id), not {class_id}"
        )
    try:
        angles = np.load(angles_path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read angle map {angles_path}: {err}") from err
    if class_id is None:
        found = confidence_files(angles_path)[0]
    else:
        angles = angles[classes.index(class_id)]
        stem = angles_path.name[: -len(ANGLES_SUFFIX)]
        found = angles_path.parent / output_name(stem, "confidence", class_id=class_id)
    angles = check_angles(angles, angles_path)
    return angles, None if found is None else read_confidence(found)


def _optional(folder: str | Path | None, what: str) -> dict[str, str]:
    return {} if folder is None else files_by_stem(folder, IMAGE_SUFFIXES, what)


def _load(
    angles_path: Path,
    which: tuple[int | None, list],
    mask: str | None,
    labels: str | None,
    roi: str | None,
    image: str | None,
    class_map: str | None,
) -> ImageInputs:
    """One class's inputs (``which``: the class and the file's classes in map order)."""
    angles, confidence = read_prediction(angles_path, *which)
    if confidence is None and mask is None and class_map is None:
        raise ValueError(no_confidence(angles_path))
    background = None if image is None else read_image(image)
    if background is not None and background.shape[:2] != angles.shape:
        # Checked here, before any file of the image is written (the overlays need it).
        raise ValueError(
            f"{image} is {_size(background.shape)} (WxH) but its angle map {angles_path} is "
            f"{_size(angles.shape)}: give --images the pictures the predictions were made from"
        )
    if class_map is not None:
        structure = class_structure(class_map, which[0])
    else:
        structure = None if mask is None else read_binary_mask(mask)
    return ImageInputs(
        angles=angles,
        confidence=confidence,
        mask=structure,
        labels=None if labels is None else read_mask(labels),
        roi=None if roi is None else read_mask(roi),
        background=background,
    )


def _unreadable(error: ValueError) -> ImageInputs:
    raise error


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[1]}x{shape[0]}"


def _angle_maps(found: dict[str, Path]) -> str:
    """``angle maps in FOLDER``: how pairing messages name the predictions."""
    return f"angle maps in {next(iter(found.values())).parent}"


def _check_structure_sources(
    found: dict[str, Path],
    masks: str | Path | None,
    mask_files: dict[str, str],
    what: str = "mask",
) -> None:
    """Every angle map has a mask (when masks, or class maps, are given: ``what`` they are)
    or a confidence file: without either, every pixel would silently count as structure."""
    if masks is not None:
        check_partners(found, mask_files, masks, what, _angle_maps(found))
        return
    folder = next(iter(found.values())).parent
    if predicted_confidence(folder) == confidence_kind(joint=False):
        raise ValueError(coherence_is_not_structure(f"the predictions in {folder}"))
    bare = [path for path in found.values() if confidence_files(path) == (None, [])]
    if bare:
        more = f" (nor have {len(bare) - 1} more angle maps)" if len(bare) > 1 else ""
        raise ValueError(no_confidence(bare[0]) + more)


def prediction_items(
    predictions: str | Path,
    masks: str | Path | None = None,
    labels: str | Path | None = None,
    roi: str | Path | None = None,
    images: str | Path | None = None,
    report: Callable[[str], None] | None = None,
    classes: str | Path | None = None,
    class_ids: Sequence[int] | None = None,
    names: tuple[str, str, str] = ("masks", "classes", "class_ids"),
) -> list[tuple[str, Callable[[], ImageInputs]]]:
    """``(name, load)`` for every angle map in ``predictions`` (its stem), or for each
    direction class of a multi-class map (``<stem>_class<id>``, :mod:`.classes`; only those
    in ``class_ids`` where given); masks, labels, ROIs, images and class maps (``classes``:
    each class's structure) pair by stem (an angle map without a mask, when masks are given,
    is an error). ``report``: as :func:`prediction_files`'s; ``names``: how messages name
    ``masks``, ``classes`` and ``class_ids`` (the command line passes its flags)."""
    found = prediction_files(predictions, report)
    recorded = (read_run_record(predictions) or {}).get("direction_classes")
    paired = (("mask", masks), ("labels", labels), ("roi", roi), ("image", images))
    by_kind = {kind: _optional(folder, kind) for kind, folder in paired}
    by_kind["classes"] = _optional(classes, "class map")
    if classes is None:
        _check_structure_sources(found, masks, by_kind["mask"])
    else:
        _check_structure_sources(found, classes, by_kind["classes"], "class map")
    subject = _angle_maps(found)
    for kind, folder in paired[1:]:  # a missing label or ROI file would change the figures
        if folder is not None:
            check_partners(found, by_kind[kind], folder, kind, subject)
    items = []
    for stem, path in found.items():
        files = [by_kind[k].get(stem) for k in ("mask", "labels", "roi", "image", "classes")]
        try:
            available = prediction_classes(path, recorded)
        except ValueError as err:  # skipped with its reason when its turn comes
            items.append((stem, partial(_unreadable, err)))
            continue
        chosen = selected_classes(available, class_ids, names[2], str(path))
        check_structure_source(chosen, masks, classes, names)
        for class_id in sorted(chosen, key=lambda c: -1 if c is None else c):  # rows by id
            which = (class_id, available)
            items.append((item_name(stem, class_id), partial(_load, path, which, *files)))
    return items
