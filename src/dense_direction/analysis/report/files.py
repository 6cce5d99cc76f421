"""Reading a run's inputs from folders: what ``predict`` wrote, masks, labels, ROIs, images."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from dense_direction.analysis.report.inputs import check_angles
from dense_direction.analysis.report.writer import ImageInputs
from dense_direction.io import (
    IMAGE_SUFFIXES,
    counted,
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
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"predictions folder not found: {folder}")
    found = angle_map_stems(folder)
    listed = (read_run_record(folder) or {}).get("images")
    if listed is not None:
        unlisted = sorted(set(found) - set(listed))
        missing = sorted(set(listed) - set(found))
        if unlisted and report is not None:
            report(
                f"left out {counted(len(unlisted), 'angle map')} in {folder} that {RUN_RECORD} "
                f"does not list (an earlier predict's, with another model or options): "
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


def _class_id(path: Path) -> int:
    digits = path.stem.rsplit("_class", 1)[-1]
    return int(digits) if digits.isdigit() else -1


def confidence_files(angles_path: Path) -> tuple[Path | None, list[Path]]:
    """The confidence PNGs ``predict`` wrote beside an angle map: ``<stem>_confidence.png``
    (one direction class; None if absent) and ``<stem>_confidence_class<id>.png`` (one per
    class of a multi-class model, by class id)."""
    stem = angles_path.name[: -len(ANGLES_SUFFIX)]
    single = angles_path.parent / output_name(stem, "confidence")
    pattern = output_name(stem, "confidence", class_id="*")
    classes = sorted(angles_path.parent.glob(pattern), key=_class_id)
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


def read_prediction(angles_path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """The angle map, radians in [0, π), and its confidence (None if there is no file).

    A ``(H, W)`` map pairs with ``<stem>_confidence.png``; a ``(K, H, W)`` map, which predict
    writes for a model with K > 1 direction classes, with its K ``_confidence_class<id>.png``
    files, and the first class is analysed. Any other shape, a (K, H, W) map without its
    class files, or values that are not radians in [0, π) are errors naming the file."""
    try:
        angles = np.load(angles_path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read angle map {angles_path}: {err}") from err
    single, classes = confidence_files(angles_path)
    if angles.ndim == 3 and angles.shape[0] > 1:
        if len(classes) != angles.shape[0]:
            raise ValueError(
                f"{angles_path} holds {angles.shape[0]} maps (shape {angles.shape}) but "
                f"{len(classes)} <stem>_confidence_class<id>.png files lie beside it: predict "
                "writes a (K, H, W) map only with one such file per direction class; give one "
                "(H, W) map of radians per image"
            )
        angles, found = angles[0], classes[0]
    else:
        found = single
    angles = check_angles(angles, angles_path)
    return angles, None if found is None else read_confidence(found)


def _optional(folder: str | Path | None, what: str) -> dict[str, str]:
    return {} if folder is None else files_by_stem(folder, IMAGE_SUFFIXES, what)


def _load(
    angles_path: Path, mask: str | None, labels: str | None, roi: str | None, image: str | None
) -> ImageInputs:
    angles, confidence = read_prediction(angles_path)
    if confidence is None and mask is None:
        raise ValueError(no_confidence(angles_path))
    background = None if image is None else read_image(image)
    if background is not None and background.shape[:2] != angles.shape:
        # Checked here, before any file of the image is written (the overlays need it).
        raise ValueError(
            f"{image} is {_size(background.shape)} (WxH) but its angle map {angles_path} is "
            f"{_size(angles.shape)}: give --images the pictures the predictions were made from"
        )
    return ImageInputs(
        angles=angles,
        confidence=confidence,
        mask=None if mask is None else read_binary_mask(mask),
        labels=None if labels is None else read_mask(labels),
        roi=None if roi is None else read_mask(roi),
        background=background,
    )


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[1]}x{shape[0]}"


def _check_structure_sources(
    found: dict[str, Path], masks: str | Path | None, mask_files: dict[str, str]
) -> None:
    """Every angle map has a mask (when masks are given) or a confidence file: without
    either, every pixel would silently count as structure."""
    if masks is not None:
        missing = sorted(set(found) - set(mask_files))
        if missing:
            raise ValueError(
                f"{len(missing)} angle maps have no mask in {masks}: " + ", ".join(missing[:8])
            )
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
) -> list[tuple[str, Callable[[], ImageInputs]]]:
    """``(stem, load)`` for every angle map in ``predictions``; masks, labels, ROIs and
    images pair by stem (an angle map without a mask, when masks are given, is an error).
    ``report``: as :func:`prediction_files`'s."""
    found = prediction_files(predictions, report)
    by_kind = {
        kind: _optional(folder, kind)
        for kind, folder in (("mask", masks), ("labels", labels), ("roi", roi), ("image", images))
    }
    _check_structure_sources(found, masks, by_kind["mask"])
    return [
        (
            stem,
            partial(
                _load, path, *(by_kind[k].get(stem) for k in ("mask", "labels", "roi", "image"))
            ),
        )
        for stem, path in found.items()
    ]
