"""A run over many images: per-image files and the run's tables in one output folder.

Per run: ``images.csv``, ``objects.csv``, ``branches.csv`` (``rois.csv`` with ROIs) and
``summary.json``. Per image ``<stem>``: ``_rose.png``, ``_objects.png`` (overlay with object
numbers), ``_misorientation.png``, ``_streamlines.geojson`` (streamlines and branch
centre-lines), ``_graph.graphml``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from dense_direction.analysis.report.image import ImageAnalysis, analyze_image
from dense_direction.analysis.report.options import AnalysisOptions, convert_table
from dense_direction.analysis.report.plots import misorientation_picture, object_overlay, rose_plot
from dense_direction.analysis.tracing.export import geojson_lines, write_graphml

__all__ = ["ImageInputs", "analyze_many", "write_image_files"]

_MEASURES = [
    "length",
    "width_mean",
    "width_max",
    "direction_mean",
    "dispersion",
    "order_parameter",
    "tortuosity",
    "curvature_mean",
    "junctions",
    "ends",
]
OBJECT_COLUMNS = ["image", "object", *_MEASURES, "branches", "area", "unit"]
BRANCH_COLUMNS = [
    "image",
    "branch",
    "object",
    *_MEASURES,
    "path_length",
    "chord",
    "closed",
    "src",
    "dst",
    "area",
    "unit",
]


@dataclass
class ImageInputs:
    """One image's arrays (see :func:`~dense_direction.analysis.analyze_image`) and an
    optional ``background`` picture for the overlay (else the confidence or the mask)."""

    angles: np.ndarray
    confidence: np.ndarray | None = None
    mask: np.ndarray | None = None
    labels: np.ndarray | None = None
    roi: np.ndarray | None = None
    background: np.ndarray | None = None


def _geojson(analysis: ImageAnalysis) -> dict:
    lines = list(analysis.streamlines) + list(analysis.centerlines)
    props = [{"kind": "streamline", "seed": i + 1} for i in range(len(analysis.streamlines))]
    if len(analysis.branches):
        props += [
            {"kind": "branch", "branch": int(b), "object": int(o)}
            for b, o in zip(analysis.branches["branch"], analysis.branches["object"], strict=True)
        ]
    return geojson_lines(lines, props)


def write_image_files(
    out: Path, stem: str, analysis: ImageAnalysis, inputs: ImageInputs, options: AnalysisOptions
) -> None:
    """The per-image pictures, GeoJSON and GraphML."""
    counts, edges = analysis.histogram
    rose_plot(counts, edges, out / f"{stem}_rose.png", stem, options.angle_convention)
    background = inputs.background
    if background is None:
        background = inputs.confidence if inputs.confidence is not None else analysis.structure
        background = (np.clip(np.asarray(background, float), 0, 1) * 160).astype(np.uint8)
    overlay = object_overlay(
        background, inputs_angles(inputs), analysis.structure, analysis.objects_map
    )
    Image.fromarray(overlay).save(out / f"{stem}_objects.png")
    Image.fromarray(misorientation_picture(analysis.misorientation)).save(
        out / f"{stem}_misorientation.png"
    )
    (out / f"{stem}_streamlines.geojson").write_text(json.dumps(_geojson(analysis)))
    if analysis.graph is not None:
        write_graphml(
            analysis.graph, convert_table(analysis.branches, options), out / f"{stem}_graph.graphml"
        )


def inputs_angles(inputs: ImageInputs) -> np.ndarray:
    angles = np.asarray(inputs.angles, dtype=np.float64)
    return angles[0] if angles.ndim == 3 else angles


def _tagged(table: pd.DataFrame, stem: str, columns: list[str]) -> pd.DataFrame:
    table = table.assign(image=stem)
    return table[[c for c in columns if c in table.columns]]


def _summary(
    images: pd.DataFrame,
    objects: pd.DataFrame,
    failed: list[tuple[str, str]],
    options: AnalysisOptions,
    hist: dict[str, dict],
) -> dict:
    def mean(column: str) -> float | None:
        value = images[column].mean() if column in images and len(images) else math.nan
        return None if not np.isfinite(value) else float(value)

    return {
        "images": len(images),
        "failed": [{"image": stem, "reason": reason} for stem, reason in failed],
        "notes": {
            r["image"]: r["note"]
            for r in images.to_dict("records")
            if isinstance(r.get("note"), str)
        },
        "objects": len(objects),
        "order_parameter_mean": mean("order_parameter"),
        "options": asdict(options),
        "units": {
            "length": options.unit,
            "width": options.unit,
            "curvature": f"1/{options.unit}",
            "angles": "degrees, counter-clockwise from x, y up",
            "angle_range": "(-90, 90]"
            if options.angle_convention == "orientationj"
            else "[0, 180)",
        },
        "histograms": hist,
    }


def analyze_many(
    items: Iterable[tuple[str, Callable[[], ImageInputs]]],
    out: str | Path,
    options: AnalysisOptions | None = None,
    total: int | None = None,
    files: bool = True,
) -> dict:
    """Analyse ``(stem, load)`` pairs (``load()`` returns :class:`ImageInputs`; an error it
    or the analysis raises for bad input skips that image and is reported) and write the
    run's tables and, with ``files``, the per-image files. Returns the summary."""
    options = options or AnalysisOptions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, objects, branches, rois, failed, hist = [], [], [], [], [], {}
    for stem, load in tqdm(items, desc="analyze", unit="img", total=total):
        try:
            inputs = load()
            analysis = analyze_image(
                inputs.angles, inputs.mask, inputs.confidence, inputs.labels, inputs.roi, options
            )
        except (ValueError, OSError) as err:
            failed.append((stem, str(err)))
            continue
        rows.append({"image": stem, **analysis.image})
        if len(analysis.objects):  # empty frames would turn the id columns into floats
            objects.append(_tagged(convert_table(analysis.objects, options), stem, OBJECT_COLUMNS))
        if len(analysis.branches):
            branches.append(
                _tagged(convert_table(analysis.branches, options), stem, BRANCH_COLUMNS)
            )
        if len(analysis.rois):
            rois.append(convert_table(analysis.rois, options).assign(image=stem))
        counts, edges = analysis.histogram
        hist[stem] = {
            "edges_deg": np.degrees(edges).round(3).tolist(),
            "counts": np.round(counts, 6).tolist(),
        }
        if files:
            write_image_files(out, stem, analysis, inputs, options)
    images = convert_table(pd.DataFrame(rows), options) if rows else pd.DataFrame()
    objects_table = (
        pd.concat(objects, ignore_index=True) if objects else pd.DataFrame(columns=OBJECT_COLUMNS)
    )
    images.to_csv(out / "images.csv", index=False)
    objects_table.to_csv(out / "objects.csv", index=False)
    (
        pd.concat(branches, ignore_index=True) if branches else pd.DataFrame(columns=BRANCH_COLUMNS)
    ).to_csv(out / "branches.csv", index=False)
    if rois:
        pd.concat(rois, ignore_index=True).to_csv(out / "rois.csv", index=False)
    summary = _summary(images, objects_table, failed, options, hist)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
