"""The names of the files ``analyze`` writes into its output folder, what its summary holds,
and replacing an earlier run's files: run-wide tables of a new run next to the pictures of
images it did not analyse (or a ``rois.csv`` it did not write) would be read as one
result."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from dense_direction.analysis.report.options import AnalysisOptions, area_unit, curvature_unit

__all__ = [
    "IMAGE_FILES",
    "RUN_FILES",
    "SUMMARY",
    "clear_earlier_run",
    "image_file",
    "mark_run_started",
    "run_summary",
]

#: The summary of a run: its options, units, notes, skipped images and histograms.
SUMMARY = "summary.json"
#: The files written once per run (``rois.csv`` only with ROIs).
RUN_FILES = ("images.csv", "objects.csv", "branches.csv", "rois.csv", SUMMARY)
#: What follows ``<stem>_`` in the names of the files written per image.
IMAGE_FILES = (
    "rose.png",
    "objects.png",
    "misorientation.png",
    "streamlines.geojson",
    "graph.graphml",
)


def image_file(out: Path, stem: str, kind: str) -> Path:
    """``out/<stem>_<kind>``, ``kind`` one of :data:`IMAGE_FILES`."""
    if kind not in IMAGE_FILES:
        raise ValueError(f"kind must be one of {', '.join(IMAGE_FILES)}, got {kind!r}")
    return out / f"{stem}_{kind}"


def clear_earlier_run(out: Path) -> list[Path]:
    """Remove the files an earlier run wrote into ``out`` (known from its summary: the run
    files, and the per-image files of the images it analysed or skipped, or, for a run that
    was stopped, of those it was to analyse: :func:`mark_run_started`); the removed paths.
    Other files stay; without a readable summary nothing is removed."""
    try:
        summary = json.loads((out / SUMMARY).read_text())
        stems = {
            *summary.get("histograms", {}),
            *(f["image"] for f in summary.get("failed", [])),
            *summary.get("started", []),
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    paths = [out / name for name in RUN_FILES]
    paths += [image_file(out, stem, kind) for stem in stems for kind in IMAGE_FILES]
    removed = [path for path in paths if path.is_file()]
    for path in removed:
        path.unlink()
    return removed


def mark_run_started(out: Path, stems: list[str]) -> None:
    """A summary that says a run into ``out`` is under way and which images it analyses, until
    the run's own summary replaces it: the next run removes the per-image files of a run that
    was stopped (they stayed beside the next run's tables, as if one result)."""
    (out / SUMMARY).write_text(json.dumps({"complete": False, "started": stems}, indent=1))


def run_summary(
    images: pd.DataFrame,
    objects: pd.DataFrame,
    failed: list[tuple[str, str]],
    options: AnalysisOptions,
    hist: dict[str, dict],
) -> dict:
    """What ``summary.json`` holds: counts, skipped images and notes, the mean order
    parameter, the options and units, and each image's histogram (``hist``)."""

    def mean(column: str) -> float | None:
        value = images[column].mean() if column in images and len(images) else math.nan
        return None if not np.isfinite(value) else float(value)

    return {
        "complete": True,
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
            "area": area_unit(options.unit),
            "curvature": curvature_unit(options.unit),
            "angles": "degrees, counter-clockwise from x, y up",
            "angle_range": "(-90, 90]"
            if options.angle_convention == "orientationj"
            else "[0, 180)",
        },
        "histograms": hist,
    }
