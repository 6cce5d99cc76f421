"""Everything the analysis measures on one image, as tables in pixels and radians."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from dense_direction.analysis.field.misorientation import misorientation_map
from dense_direction.analysis.field.statistics import (
    axial_histogram,
    field_statistics,
    grouped_statistics,
    order_parameter_by_size,
)
from dense_direction.analysis.objects.layers import object_geometry
from dense_direction.analysis.objects.measure import measure_branches, measure_objects
from dense_direction.analysis.objects.skeleton import SkeletonGraph
from dense_direction.analysis.report.inputs import (
    check_angles,
    check_confidence,
    check_labels,
    check_same_size,
    consecutive_labels,
    fill_small_holes,
    one_map,
    structure_mask,
)
from dense_direction.analysis.report.options import AnalysisOptions, as_options
from dense_direction.analysis.tracing.streamlines import skeleton_seeds, trace_streamlines

__all__ = ["ALL_NAN", "NAN_ON_STRUCTURE", "NO_STRUCTURE", "ImageAnalysis", "analyze_image"]

NO_STRUCTURE = "no structure pixel (empty mask, or confidence never above the threshold)"
ALL_NAN = "no structure pixel: the angle map is all NaN (no finite angle)"
NAN_ON_STRUCTURE = "no structure pixel: the angles are NaN (not finite) on every structure pixel"
TOO_SMALL = (
    "no object of at least {min_size} px: {pixels} structure pixels in {count} smaller "
    "objects (lower the minimum size, --min-size / min_size)"
)
_FIELD = ("order_parameter", "mean_direction", "dispersion", "circular_variance")


@dataclass
class ImageAnalysis:
    """Results for one image (pixels, radians). ``image``: one row of image-level values;
    ``objects``/``branches``/``rois``: tables; ``centerlines``: smoothed branch centre-lines
    and ``streamlines``, ``(n, 2)`` (row, col); ``objects_map``: the object label image."""

    image: dict
    objects: pd.DataFrame
    branches: pd.DataFrame
    rois: pd.DataFrame
    histogram: tuple[np.ndarray, np.ndarray]
    structure: np.ndarray
    objects_map: np.ndarray
    misorientation: np.ndarray
    graph: SkeletonGraph | None = None
    centerlines: list[np.ndarray] = field(default_factory=list)
    streamlines: list[np.ndarray] = field(default_factory=list)


def _objects(
    structure: np.ndarray, labels: np.ndarray | None, min_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The objects of at least ``min_size`` pixels, numbered 1, 2, 3 ... (0: none), and
    ``ids``, where ``ids[k]`` is the id object ``k`` is reported by: the user's label inside
    the structure, else the 8-connected component's number. Consecutive numbers keep every
    per-object count as long as the objects are many (label ids of 10,000,000 had each table
    counted up to them: gigabytes for two objects)."""
    if labels is not None:
        values, found = np.unique(np.where(structure, labels, 0), return_inverse=True)
        own = found.reshape(structure.shape)
    else:
        own, count = ndi.label(structure, structure=np.ones((3, 3), bool))
        values = np.arange(count + 1)
    keep = (np.bincount(own.ravel(), minlength=len(values)) >= max(min_size, 1)) & (values != 0)
    renumber = np.zeros(len(values), dtype=np.int32 if len(values) < 2**31 else np.int64)
    renumber[keep] = np.arange(1, keep.sum() + 1)
    ids = np.concatenate(([0], values[keep])) if labels is not None else np.arange(keep.sum() + 1)
    return renumber[own], ids


def _with_field(table: pd.DataFrame, key: str, stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """Join per-label field statistics (indexed by label − 1) onto ``table[key]``."""
    index = table[key].to_numpy(np.int64) - 1
    inside = (index >= 0) & (index < len(stats["pixels"]))
    for name, column in (
        ("direction_mean", "mean_direction"),
        ("dispersion", "dispersion"),
        ("order_parameter", "order_parameter"),
    ):
        values = np.full(len(table), np.nan)
        values[inside] = stats[column][index[inside]]
        table[name] = values
    return table


def _image_row(
    angles: np.ndarray,
    structure: np.ndarray,
    weights: np.ndarray | None,
    objects: np.ndarray,
    branches: pd.DataFrame,
    options: AnalysisOptions,
    valid: int,
) -> dict:
    stats = field_statistics(angles, structure, weights)
    row = {name: getattr(stats, name) for name in _FIELD}
    objects_found = int(np.count_nonzero(np.unique(objects)))  # labels keep their own ids
    row.update(pixels=stats.pixels, objects=objects_found, branches=len(branches))
    row["total_length"] = float(branches["length"].sum()) if len(branches) else 0.0
    row["valid_area"] = valid
    for size, value in order_parameter_by_size(angles, structure, weights, options.sizes).items():
        row[f"order_parameter_{size}px"] = value
    return row


def _valid_area(directed: np.ndarray, roi: np.ndarray | None) -> int:
    """The pixels with a direction (``directed``: no NaN, where ``predict`` leaves no-data),
    within the ROIs where given: what the lengths and counts are per, for a density (a tile
    half no-data read like one without roads)."""
    return int(np.count_nonzero(directed if roi is None else directed & (roi > 0)))


def _rois(
    angles: np.ndarray,
    structure: np.ndarray,
    weights: np.ndarray | None,
    roi: np.ndarray | None,
    directed: np.ndarray,
) -> pd.DataFrame:
    if roi is None:
        return pd.DataFrame()
    compact, ids = consecutive_labels(roi)
    valid = np.bincount(compact[directed].ravel(), minlength=len(ids))[1:]
    stats = grouped_statistics(angles, np.where(structure, compact, 0), weights)
    # One row per ROI value, also those beyond the last with structure (NaN, 0 pixels); the
    # columns in images.csv's order (the statistics come circular_variance first).
    missing = len(ids) - 1 - len(stats["pixels"])
    ordered = {
        name: np.concatenate((stats[name], np.full(missing, 0 if name == "pixels" else np.nan)))
        for name in (*_FIELD, "pixels")
    }
    return pd.DataFrame({"roi": ids[1:], **ordered, "valid_area": valid})


def _empty(
    angles: np.ndarray,
    structure: np.ndarray,
    objects: np.ndarray,
    options: AnalysisOptions,
    note: str,
    rois: pd.DataFrame,
    valid: int,
) -> ImageAnalysis:
    row = {name: np.nan for name in _FIELD}
    row.update(pixels=0, objects=0, branches=0, total_length=0.0, note=note)
    row["valid_area"] = valid
    row.update({f"order_parameter_{size}px": np.nan for size in options.sizes})
    edges = np.linspace(0, np.pi, options.bins + 1)
    nothing = np.full(angles.shape, np.nan)
    return ImageAnalysis(
        row,
        pd.DataFrame(),
        pd.DataFrame(),
        rois,
        (np.zeros(options.bins), edges),
        structure,
        objects,
        nothing,
    )


def _no_structure_note(
    angles: np.ndarray, structure: np.ndarray, kept: np.ndarray, min_size: int
) -> str:
    """Why an image has nothing to measure: no finite angle, NaN on every structure pixel,
    objects all below ``min_size``, or no structure at all (``kept``: the structure pixels
    left after dropping small objects)."""
    finite = np.isfinite(angles)
    if not finite.any():
        return ALL_NAN
    if structure.any() and not (structure & finite).any():
        return NAN_ON_STRUCTURE
    if structure.any() and not kept.any():
        count = ndi.label(structure, structure=np.ones((3, 3), bool))[1]
        return TOO_SMALL.format(min_size=min_size, pixels=int(structure.sum()), count=count)
    return NO_STRUCTURE


def analyze_image(
    angles: np.ndarray,
    mask: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    roi: np.ndarray | None = None,
    options: AnalysisOptions | None = None,
) -> ImageAnalysis:
    """Analyse one direction field.

    Args:
        angles: ``(H, W)`` radians in [0, π), counter-clockwise, y up (NaN: no direction).
        mask: structure mask (non-zero = structure); else ``confidence > threshold``.
        confidence: ``(H, W)`` in [0, 1] (other values are an error); weights the field
            statistics (``options.weighted``). Every map may also be ``(1, H, W)``, as
            ``predict`` gives them.
        labels: integer image grouping structure pixels into objects (0 = none).
        roi: integer image; only pixels with roi > 0 count, statistics also per roi value.
    """
    options = as_options(options)
    angles = check_angles(angles)
    # predict's (1, H, W) maps, given as they come, as the angles are.
    mask, confidence, labels, roi = (
        one_map(a, angles.shape) for a in (mask, confidence, labels, roi)
    )
    confidence = check_confidence(confidence)
    check_same_size(
        "the angle map", angles.shape, mask=mask, confidence=confidence, labels=labels, roi=roi
    )
    labels = None if labels is None else check_labels(labels)
    roi = None if roi is None else check_labels(roi, "roi", "ROI")
    structure = structure_mask(angles, mask, confidence, options.threshold)
    structure = fill_small_holes(structure, options.max_hole)
    if roi is not None:
        structure &= roi > 0
    objects, ids = _objects(structure, labels, options.min_size)
    kept = structure & (objects > 0)
    directed = np.isfinite(angles)  # (once: the emptiness check, the valid areas)
    valid = _valid_area(directed, roi)
    if not (kept & directed).any():
        note = _no_structure_note(angles, structure, kept, options.min_size)
        # Every ROI still gets its row (0 pixels): a batch's rois.csv lost those of the
        # images without structure, and with them the empty ROIs' share.
        rois = _rois(angles, kept, None, roi, directed)
        return _empty(angles, kept, ids[objects], options, note, rois, valid)
    structure = kept
    weights = confidence if options.weighted and confidence is not None else None
    # Per label on its own pixels: a structure split between two labels is cut at the boundary.
    graph, distance, regions = object_geometry(objects)
    branches, centerlines = measure_branches(graph, distance, objects, regions)
    branches = _with_field(branches, "branch", grouped_statistics(angles, regions, weights))
    table = measure_objects(branches, graph, objects)
    table = _with_field(table, "object", grouped_statistics(angles, objects, weights))
    table = table[table["area"] > 0].reset_index(drop=True)
    for measured in (table, branches):  # the user's label ids (or the components' numbers)
        measured["object"] = ids[measured["object"].to_numpy()]
    seeds = skeleton_seeds(graph.skeleton, options.seed_spacing)
    return ImageAnalysis(
        image=_image_row(angles, structure, weights, objects, branches, options, valid),
        objects=table,
        branches=branches,
        rois=_rois(angles, structure, weights, roi, directed),
        histogram=axial_histogram(
            angles, structure, weights, options.bins, options.angle_convention
        ),
        structure=structure,
        objects_map=ids[objects],
        misorientation=misorientation_map(angles, structure, options.misorientation_radius),
        graph=graph,
        centerlines=centerlines,
        streamlines=trace_streamlines(angles, structure, seeds, max_length=options.max_length),
    )
