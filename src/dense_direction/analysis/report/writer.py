"""A run over many images: per-image files and the run's tables in one output folder.

Per run: ``images.csv``, ``objects.csv``, ``branches.csv`` (``rois.csv`` with ROIs) and
``summary.json``. Per image ``<stem>``: ``_rose.png``, ``_objects.png`` (overlay with object
numbers), ``_misorientation.png``, ``_streamlines.geojson`` (streamlines and branch
centre-lines), ``_graph.graphml``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from dense_direction.analysis.report.image import ImageAnalysis, analyze_image
from dense_direction.analysis.report.options import AnalysisOptions, as_options, convert_table
from dense_direction.analysis.report.outputs import (
    SUMMARY,
    clear_earlier_run,
    image_file,
    mark_run_started,
    run_summary,
)
from dense_direction.analysis.report.plots import misorientation_picture, object_overlay, rose_plot
from dense_direction.analysis.tracing.export import geojson_lines, write_graphml
from dense_direction.progress import Progress

__all__ = ["ImageInputs", "analyze_many", "image_columns", "write_image_files"]

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
OBJECT_COLUMNS = [
    "image",
    "object",
    *_MEASURES,
    "branches",
    "area",
    "unit",
    "area_unit",
    "curvature_unit",
]
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
    "area_unit",
    "curvature_unit",
]


_IMAGE_FIELD = [
    "order_parameter",
    "mean_direction",
    "dispersion",
    "circular_variance",
    "pixels",
    "objects",
    "branches",
    "total_length",
]


def image_columns(options: AnalysisOptions) -> list[str]:
    """The columns of images.csv, always all of them in this order (docs/analysis.md): a
    ``note`` column that came and went with the images' notes would break readers."""
    by_size = [f"order_parameter_{size}px" for size in options.sizes]
    return ["image", *_IMAGE_FIELD, "valid_area", *by_size, "note", "unit", "area_unit"]


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


def _geojson(stem: str, analysis: ImageAnalysis) -> dict:
    """Every feature names its image: tiles' files merged into one layer stay told apart."""
    lines = list(analysis.streamlines) + list(analysis.centerlines)
    props = [
        {"image": stem, "kind": "streamline", "seed": i + 1}
        for i in range(len(analysis.streamlines))
    ]
    if len(analysis.branches):
        props += [
            {"image": stem, "kind": "branch", "branch": int(b), "object": int(o)}
            for b, o in zip(analysis.branches["branch"], analysis.branches["object"], strict=True)
        ]
    return geojson_lines(lines, props)


def write_image_files(
    out: Path, stem: str, analysis: ImageAnalysis, inputs: ImageInputs, options: AnalysisOptions
) -> None:
    """The per-image pictures, GeoJSON and GraphML."""
    counts, edges = analysis.histogram
    rose_plot(counts, edges, image_file(out, stem, "rose.png"), stem, options.angle_convention)
    background = inputs.background
    if background is None:
        background = inputs.confidence if inputs.confidence is not None else analysis.structure
        background = (np.clip(np.asarray(background, float), 0, 1) * 160).astype(np.uint8)
    overlay = object_overlay(
        background, inputs_angles(inputs), analysis.structure, analysis.objects_map
    )
    Image.fromarray(overlay).save(image_file(out, stem, "objects.png"))
    Image.fromarray(misorientation_picture(analysis.misorientation)).save(
        image_file(out, stem, "misorientation.png")
    )
    image_file(out, stem, "streamlines.geojson").write_text(json.dumps(_geojson(stem, analysis)))
    write_graphml(  # also without structure (no graph): every image has its file
        analysis.graph,
        convert_table(analysis.branches, options),
        image_file(out, stem, "graph.graphml"),
    )


def inputs_angles(inputs: ImageInputs) -> np.ndarray:
    angles = np.asarray(inputs.angles, dtype=np.float64)
    return angles[0] if angles.ndim == 3 else angles


def _tagged(table: pd.DataFrame, stem: str, columns: list[str] | None = None) -> pd.DataFrame:
    """``table`` with the ``image`` column, in the order of ``columns`` (default: ``image``
    first, then the table's own), as every table of the run has it."""
    columns = columns or ["image", *table.columns]
    table = table.assign(image=stem)
    return table[[c for c in columns if c in table.columns]]


@dataclass
class _Result:
    """What one image contributes to the run's tables (small: it crosses processes)."""

    stem: str
    error: str | None = None
    row: dict | None = None
    objects: pd.DataFrame | None = None
    branches: pd.DataFrame | None = None
    rois: pd.DataFrame | None = None
    histogram: dict | None = None


def _one(
    stem: str, load: Callable[[], ImageInputs], out: Path, options: AnalysisOptions, files: bool
) -> _Result:
    try:
        inputs = load()
        analysis = analyze_image(
            inputs.angles, inputs.mask, inputs.confidence, inputs.labels, inputs.roi, options
        )
    except (ValueError, OSError) as err:
        return _Result(stem, error=str(err))
    except MemoryError as err:  # one huge image: the others may still fit
        return _Result(stem, error=f"not enough memory to analyse it ({err})")
    if files:
        write_image_files(out, stem, analysis, inputs, options)
    counts, edges = analysis.histogram
    return _Result(
        stem,
        row={"image": stem, **analysis.image},
        # Empty frames are left out: concatenated, they would turn id columns into floats.
        objects=_tagged(convert_table(analysis.objects, options), stem, OBJECT_COLUMNS)
        if len(analysis.objects)
        else None,
        branches=_tagged(convert_table(analysis.branches, options), stem, BRANCH_COLUMNS)
        if len(analysis.branches)
        else None,
        rois=_tagged(convert_table(analysis.rois, options), stem) if len(analysis.rois) else None,
        histogram=_histogram(counts, edges),
    )


def _histogram(counts: np.ndarray, edges: np.ndarray) -> dict:
    degrees = np.degrees(edges)  # binned in the tables' convention already
    return {"edges_deg": degrees.round(3).tolist(), "counts": np.round(counts, 6).tolist()}


def _results(items: list, out: Path, options: AnalysisOptions, files: bool, jobs: int):
    """Per-image results in input order; with ``jobs`` > 1 from a process pool (images are
    independent; the loaders must be picklable, as :func:`prediction_items`' are)."""
    if jobs <= 1 or len(items) < 2:
        for stem, load in items:
            yield _one(stem, load, out, options, files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(
            _one,
            *zip(*items, strict=True),
            *([x] * len(items) for x in (out, options, files)),
        )


def _table(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def analyze_many(
    items: Iterable[tuple[str, Callable[[], ImageInputs]]],
    out: str | Path,
    options: AnalysisOptions | None = None,
    files: bool = True,
    jobs: int = 1,
    run: dict | None = None,
) -> dict:
    """Analyse ``(stem, load)`` pairs (``load()`` returns :class:`ImageInputs`; an error it
    or the analysis raises for bad input skips that image and is reported) in ``jobs``
    processes, and write the run's tables and, with ``files``, the per-image files, after
    removing those an earlier run wrote into ``out`` (:func:`.outputs.clear_earlier_run`;
    the summary's ``earlier_files_removed`` counts them). ``run``: what was analysed (the
    command line gives the model and its options, or the predictions folder and predict's
    record of them), kept in the summary as ``run``. Returns the summary."""
    options = as_options(options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    items = list(items)
    removed = clear_earlier_run(out)
    mark_run_started(out, [stem for stem, _ in items])
    done = []
    with Progress(len(items), "analyze", "img") as progress:  # whole lines in a log
        for result in _results(items, out, options, files, jobs):
            done.append(result)
            progress.advance()
    failed = [(r.stem, r.error) for r in done if r.error is not None]
    ok = [r for r in done if r.error is None]
    rows = [r.row for r in ok]
    images = pd.DataFrame(rows, columns=image_columns(options))
    images = convert_table(images, options)
    objects = _table([r.objects for r in ok if r.objects is not None], OBJECT_COLUMNS)
    images.to_csv(out / "images.csv", index=False)
    objects.to_csv(out / "objects.csv", index=False)
    branches = _table([r.branches for r in ok if r.branches is not None], BRANCH_COLUMNS)
    branches.to_csv(out / "branches.csv", index=False)
    rois = [r.rois for r in ok if r.rois is not None]
    if rois:
        _table(rois, []).to_csv(out / "rois.csv", index=False)
    summary = run_summary(images, objects, failed, options, {r.stem: r.histogram for r in ok})
    summary["earlier_files_removed"] = len(removed)
    if run is not None:
        summary["run"] = run
    (out / SUMMARY).write_text(json.dumps(summary, indent=1))
    return summary
