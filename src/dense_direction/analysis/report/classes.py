"""Direction classes of a multi-class prediction: which classes an angle map holds, which of
them a run analyses, and which pixels are each one's structure.

A model with K > 1 direction classes (``dir_classes`` of several label ids) predicts one field
per class: ``predict`` writes a ``(K, H, W)`` angle map and one
``<stem>_confidence_class<id>.png`` per class. ``analyze`` measures each class on its own, as
if it were an image of its own named ``<stem>_class<id>``
(:func:`dense_direction.prediction.class_tag`): a row per class in ``images.csv``, its objects
and branches, its pictures. Its structure is, in order of precedence, the pixels of its id in a
class map (``--classes``), the user's structure mask (``--masks``, only where one class is
analysed: one mask cannot say which pixels are whose), else its own confidence above the
threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dense_direction.io import check_labels, listing, read_mask
from dense_direction.prediction import ANGLES_SUFFIX, class_id_of, class_tag, output_name

__all__ = [
    "check_structure_source",
    "class_confidence_files",
    "class_structure",
    "item_name",
    "prediction_classes",
    "selected_classes",
]


def item_name(stem: str, class_id: int | None) -> str:
    """The name of one class's analysis (``a_class2``), the stem itself for one field."""
    return stem + class_tag(class_id)


def class_confidence_files(angles_path: Path) -> dict[int, Path]:
    """The ``<stem>_confidence_class<id>.png`` files beside an angle map, by class id in
    increasing order (none for a single-class prediction)."""
    stem = angles_path.name[: -len(ANGLES_SUFFIX)]
    pattern = output_name(stem, "confidence", class_id="*")
    found = ((class_id_of(path.stem), path) for path in angles_path.parent.glob(pattern))
    return dict(sorted((i, path) for i, path in found if i is not None))


def prediction_classes(angles_path: Path, recorded: Sequence[int] | None = None) -> list:
    """The direction classes of ``angles_path`` in the order of its maps: ``[None]`` for a
    single ``(H, W)`` map; for a ``(K, H, W)`` map the K class ids, ``recorded`` (predict's
    record of the run lists them in that order) or else those of the
    ``<stem>_confidence_class<id>.png`` files beside it, in id order. Only the file's header
    is read. A map whose class files are not K, or disagree with ``recorded``, is an error
    naming it."""
    try:
        shape = np.load(angles_path, mmap_mode="r").shape
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read angle map {angles_path}: {err}") from err
    if len(shape) != 3 or shape[0] == 1:
        return [None]  # any other shape: check_angles names it when the map is read
    ids = list(class_confidence_files(angles_path))
    if len(ids) != shape[0]:
        raise ValueError(
            f"{angles_path} holds {shape[0]} maps (shape {tuple(shape)}) but {len(ids)} "
            f"<stem>_confidence_class<id>.png files lie beside it: predict writes a (K, H, W) "
            f"map only with one such file per direction class; give one (H, W) map of radians "
            f"per image"
        )
    if recorded is None:
        return ids
    if len(recorded) != shape[0] or sorted(recorded) != ids:
        raise ValueError(
            f"{angles_path} holds the classes {listing(ids)} (its confidence files) but the "
            f"run's record lists {listing(recorded)}: re-run dense-direction predict into an "
            f"empty folder"
        )
    return list(recorded)


def selected_classes(available: list, wanted: Sequence[int] | None, flag: str, source: str) -> list:
    """The classes of ``available`` (:func:`prediction_classes`) to analyse: all of them, or
    those in ``wanted`` (named ``flag`` in messages). Picking a class of a single-field
    prediction, or one it does not have, is an error naming ``source``."""
    if wanted is None:
        return list(available)
    if available == [None]:
        raise ValueError(
            f"{flag} picks among the direction classes of a model with several, but {source} "
            f"holds one direction field: leave {flag} out"
        )
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(
            f"{source} has no direction class {listing(missing)}: its classes are "
            f"{listing(available)} (give {flag} with some of them)"
        )
    return [c for c in available if c in wanted]


def check_structure_source(
    classes: list, masks: object | None, class_maps: object | None, flags: tuple[str, str, str]
) -> None:
    """One structure mask (``masks``) cannot say which of several analysed classes a pixel
    belongs to; a class map (``class_maps``) needs classes to select. ``flags``: the names of
    masks, class maps and the class choice in messages."""
    masks_flag, maps_flag, pick_flag = flags
    if masks is not None and class_maps is not None:
        raise ValueError(
            f"give {masks_flag} (structure masks) or {maps_flag} (class maps), not both: "
            f"both say which pixels are structure"
        )
    if class_maps is not None and classes == [None]:
        raise ValueError(
            f"{maps_flag} gives the pixels of each class of a model with several direction "
            f"classes, but the predictions hold one direction field: give {masks_flag} with "
            f"structure masks instead"
        )
    if masks is not None and len(classes) > 1:
        raise ValueError(
            f"{masks_flag} gives one structure mask per image, but the predictions hold the "
            f"direction classes {listing([str(c) for c in classes])}: give {maps_flag} with "
            f"class maps (each pixel its class id), or analyse one class with {pick_flag} ID"
        )


def class_structure(class_map: str | Path, class_id: int) -> np.ndarray:
    """``(H, W)`` bool: the pixels of ``class_id`` in the class map file ``class_map``."""
    return check_labels(read_mask(class_map), class_map) == class_id
