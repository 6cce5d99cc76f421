"""Reading a run's inputs from folders: what ``predict`` wrote, masks, labels, ROIs, images."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from dense_direction.analysis.report.writer import ImageInputs
from dense_direction.io import (
    IMAGE_SUFFIXES,
    files_by_stem,
    read_binary_mask,
    read_image,
    read_mask,
)

__all__ = ["ANGLES_SUFFIX", "prediction_files", "read_confidence", "read_prediction"]

ANGLES_SUFFIX = "_angles.npy"


def prediction_files(folder: str | Path) -> dict[str, Path]:
    """``<stem>_angles.npy`` files of a ``predict`` output folder, by stem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"predictions folder not found: {folder}")
    found = {p.name[: -len(ANGLES_SUFFIX)]: p for p in sorted(folder.glob(f"*{ANGLES_SUFFIX}"))}
    if not found:
        raise FileNotFoundError(
            f"no <stem>{ANGLES_SUFFIX} files in {folder} (run dense-direction predict first)"
        )
    return found


def read_confidence(path: Path) -> np.ndarray:
    """A confidence PNG as floats in [0, 1] (8-bit: /255, 16-bit: /65535)."""
    values = read_mask(path)
    if values.ndim == 3:
        values = values[..., 0]
    scale = 255.0 if values.dtype == np.uint8 else 65535.0
    return values.astype(np.float64) / scale


def read_prediction(angles_path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """The angle map (first direction class of a multi-class map) and its confidence file
    (``<stem>_confidence.png``, or the first ``_confidence_class*.png``) if there is one."""
    try:
        angles = np.load(angles_path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read angle map {angles_path}: {err}") from err
    if angles.ndim == 3:
        angles = angles[0]
    stem = angles_path.name[: -len(ANGLES_SUFFIX)]
    candidates = [
        angles_path.parent / f"{stem}_confidence.png",
        *sorted(angles_path.parent.glob(f"{stem}_confidence_class*.png")),
    ]
    found = next((p for p in candidates if p.is_file()), None)
    return angles, None if found is None else read_confidence(found)


def _optional(folder: str | Path | None, what: str) -> dict[str, str]:
    return {} if folder is None else files_by_stem(folder, IMAGE_SUFFIXES, what)


def _load(
    angles_path: Path, mask: str | None, labels: str | None, roi: str | None, image: str | None
) -> ImageInputs:
    angles, confidence = read_prediction(angles_path)
    return ImageInputs(
        angles=angles,
        confidence=confidence,
        mask=None if mask is None else read_binary_mask(mask),
        labels=None if labels is None else read_mask(labels),
        roi=None if roi is None else read_mask(roi),
        background=None if image is None else read_image(image),
    )


def prediction_items(
    predictions: str | Path,
    masks: str | Path | None = None,
    labels: str | Path | None = None,
    roi: str | Path | None = None,
    images: str | Path | None = None,
) -> list[tuple[str, Callable[[], ImageInputs]]]:
    """``(stem, load)`` for every angle map in ``predictions``; masks, labels, ROIs and
    images pair by stem (an angle map without a mask, when masks are given, is an error)."""
    found = prediction_files(predictions)
    by_kind = {
        kind: _optional(folder, kind)
        for kind, folder in (("mask", masks), ("labels", labels), ("roi", roi), ("image", images))
    }
    if masks is not None:
        missing = sorted(set(found) - set(by_kind["mask"]))
        if missing:
            raise ValueError(
                f"{len(missing)} angle maps have no mask in {masks}: " + ", ".join(missing[:8])
            )
    return [
        (
            stem,
            partial(
                _load, path, *(by_kind[k].get(stem) for k in ("mask", "labels", "roi", "image"))
            ),
        )
        for stem, path in found.items()
    ]
