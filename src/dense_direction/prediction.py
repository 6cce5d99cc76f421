"""What a prediction is, and how a network's raw output becomes one (NumPy/SciPy; no
OpenMMLab): blended direction vectors and structure probabilities in, angles and confidence
out. :class:`dense_direction.inference.DirectionEstimator` runs the network and calls this.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dense_direction.directions import vectors_to_angles
from dense_direction.io.files import is_hidden
from dense_direction.scales import exact_distance
from dense_direction.smoothing import smooth_field, structure_width

__all__ = [
    "ANGLES_SUFFIX",
    "OUTPUT_KINDS",
    "RUN_RECORD",
    "DirectionPrediction",
    "angle_map_stems",
    "class_id_of",
    "class_probability",
    "class_tag",
    "coherence",
    "confidence_kind",
    "finish_prediction",
    "output_name",
    "read_run_record",
]

#: The files ``dense-direction predict`` writes per image, which ``analyze`` and the
#: benchmarks read back (the one owner of their names, :func:`output_name`): the angles as
#: ``.npy`` (every direction class in one array) and, per class, ``.png`` pictures.
OUTPUT_KINDS = ("angles", "confidence", "overlay", "quiver")


#: The record ``predict`` writes into its output folder (JSON): the model, the options and what
#: the confidence PNGs hold, ``"structure"`` (a joint model's structure probability) or
#: ``"coherence"`` (a direction-only model's field coherence, high in the background too, so
#: ``analyze`` must not read it as a structure mask), the model's direction class ids in the
#: order of the maps of a ``(K, H, W)`` angle file, and the images whose outputs are there.
RUN_RECORD = "predict.json"


def confidence_kind(joint: bool) -> str:
    """What the confidence of a joint (structure + direction) or a direction-only model is:
    ``"structure"`` or ``"coherence"``."""
    return "structure" if joint else "coherence"


def read_run_record(folder: str | Path) -> dict | None:
    """The :data:`RUN_RECORD` of a ``predict`` output folder, None where there is none; a
    ``ValueError`` naming it where it cannot be read or its fields make no sense."""
    record = Path(folder) / RUN_RECORD
    if not record.is_file():
        return None
    try:
        content = json.loads(record.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read {record} (predict's record of the run): {err}") from err
    problem = _record_problem(content)
    if problem:
        raise ValueError(f"cannot use {record} (predict's record of the run): {problem}")
    return content


def _record_problem(content: object) -> str | None:
    """What is wrong with a run record's content, or None."""
    if not isinstance(content, dict):
        return "not a JSON object"
    kinds = (confidence_kind(joint=True), confidence_kind(joint=False))
    if "confidence" in content and content["confidence"] not in kinds:
        return f"confidence must be one of {', '.join(kinds)}, got {content['confidence']!r}"
    classes = content.get("direction_classes")
    if classes is not None and not (
        isinstance(classes, list) and classes and all(type(i) is int for i in classes)
    ):
        return f"direction_classes must be a list of class ids, got {classes!r}"
    images = content.get("images")
    if images is not None and not (
        isinstance(images, list) and all(isinstance(i, str) for i in images)
    ):
        return f"images must be a list of image names, got {images!r}"
    return None


def output_name(
    stem: str, kind: str, class_id: int | str | None = None, suffix: str = ".png"
) -> str:
    """``<stem>_<kind>[_class<id>]<suffix>``: ``output_name("a", "confidence")`` is
    ``a_confidence.png``; with ``class_id=2`` (a model of several direction classes)
    ``a_confidence_class2.png``; ``class_id="*"`` gives a glob pattern over the classes."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"kind must be one of {OUTPUT_KINDS}, got {kind!r}")
    return f"{stem}_{kind}{class_tag(class_id)}{suffix}"


def class_tag(class_id: int | str | None) -> str:
    """What names the outputs of direction class ``class_id`` of a model with several:
    ``_class<id>`` (``""`` for None, a single-class model). ``predict`` puts it after the
    kind (``a_confidence_class2.png``); ``analyze`` after the stem for the class's rows
    (``a_class2``)."""
    return "" if class_id is None else f"_class{class_id}"


def class_id_of(name: str) -> int | None:
    """The class id a name ends with (``a_confidence_class2`` -> 2), None without one."""
    head, tag, digits = name.rpartition(class_tag(""))
    return int(digits) if tag and head and digits.isdigit() else None


#: What every angle map's file name ends with: ``<stem>_angles.npy``.
ANGLES_SUFFIX = output_name("", "angles", suffix=".npy")


def angle_map_stems(folder: str | Path) -> dict[str, Path]:
    """The ``<stem>_angles.npy`` files in ``folder``, by stem, sorted (hidden ones left
    out, as every folder listing leaves them: :func:`dense_direction.io.files_by_stem`)."""
    files = sorted(p for p in Path(folder).glob(f"*{ANGLES_SUFFIX}") if not is_hidden(p))
    return {p.name[: -len(ANGLES_SUFFIX)]: p for p in files}


@dataclass(frozen=True)
class DirectionPrediction:
    """Per direction class k (``dir_classes[k]``), all ``(K, H, W)`` float32:

    Attributes:
        angles: radians in ``[0, pi)``, y up; NaN where the image had no value.
        confidence: the structure probability for joint models, else the local coherence of
            the predicted field (1 where neighbouring directions agree).
        structure: probability that a pixel is structure (joint models only).
    """

    angles: np.ndarray
    confidence: np.ndarray
    structure: np.ndarray | None
    dir_classes: tuple[int, ...]


def class_probability(seg: np.ndarray, cls: int) -> np.ndarray:
    """The probability ``(H, W)`` of label ``cls`` from a segmentation output ``(C, H, W)``:
    a binary head (C = 1) gives the probability of label 1."""
    if seg.shape[0] == 1:
        return seg[0] if cls == 1 else 1 - seg[0]
    return seg[cls]


def without_direction(prediction: DirectionPrediction, pixels: np.ndarray) -> None:
    """Mark ``pixels`` (``(H, W)`` bool: where the image had no value) as having no direction
    in every class of ``prediction``, in place: NaN angle, confidence and structure 0."""
    prediction.angles[:, pixels] = np.nan
    prediction.confidence[:, pixels] = 0
    if prediction.structure is not None:
        prediction.structure[:, pixels] = 0


def coherence(pair: np.ndarray, size: int = 7) -> np.ndarray:
    """Length of the mean unit vector of ``pair (2, H, W)`` over a ``size`` window: 1 where
    directions agree, near 0 where they are random."""
    from scipy import ndimage  # only direction-only models need it: not at import

    norm = np.linalg.norm(pair, axis=0) + 1e-12
    unit = pair / norm
    mean = np.stack([ndimage.uniform_filter(u, size) for u in unit])
    return np.linalg.norm(mean, axis=0)


def finish_prediction(
    pairs: np.ndarray,
    structure: np.ndarray | None,
    dir_classes: tuple[int, ...],
    smooth: float,
    distance: Callable[[np.ndarray], np.ndarray] = exact_distance,
    blur: Callable[[np.ndarray, float], np.ndarray] | None = None,
    dilate: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> DirectionPrediction:
    """Vectors ``pairs (K, 2, H, W)`` and, for joint models, ``structure (K, H, W)`` as a
    :class:`DirectionPrediction`: where ``smooth`` > 0, each class's field is smoothed inside
    its predicted structure (:func:`dense_direction.smoothing.smooth_field`; ``distance``,
    ``blur`` and ``dilate``: faster equivalents of its SciPy defaults); the confidence is the
    structure probability, else the field's :func:`coherence`. ``pairs`` is smoothed in
    place."""
    if smooth > 0:
        for k in range(len(dir_classes)):
            mask = structure[k] > 0.5
            width = structure_width(mask, distance=distance, dilate=dilate)
            field = pairs[k]
            in_place = field.dtype == np.float32  # else smoothed into a float32 copy
            pairs[k] = smooth_field(field, mask, width, smooth, blur=blur, in_place=in_place)
    angles = vectors_to_angles(torch.from_numpy(pairs), dim=1).numpy()
    confidence = structure if structure is not None else np.stack([coherence(p) for p in pairs])
    return DirectionPrediction(
        # Angles are a new array already (no copy of 48 MB per 12 MPix); the confidence is
        # copied so that it is not the structure array itself.
        angles.astype(np.float32, copy=False),
        confidence.astype(np.float32),
        structure,
        dir_classes,
    )
