"""What `dense-direction evaluate` writes: the report as a dict, strict JSON and markdown."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from dense_direction.evaluation import summarize_errors

__all__ = ["MODEL", "by_class", "json_text", "markdown", "summary_report"]

MODEL = "model"


def by_class(
    errors: np.ndarray, labels: list[np.ndarray], dir_classes: tuple[int, ...]
) -> dict[str, dict]:
    """The model's error summary per direction class (pixels of other classes are not
    scored: the model has no field for them)."""
    classes = np.concatenate(labels)
    return {str(c): summarize_errors(errors[classes == c]).as_dict() for c in dir_classes}


def json_text(report: dict[str, Any]) -> str:
    """``report`` as strict JSON: a statistic without a value (NaN: no pixel scored) is
    ``null``, since ``NaN`` is not JSON and strict parsers (JavaScript's, jq) refuse the file."""

    def finite(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: finite(v) for k, v in value.items()}
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    return json.dumps(finite(report), indent=2, allow_nan=False) + "\n"


def summary_report(summaries: dict[str, Any], images: int) -> dict[str, Any]:
    # Without a scored pixel every mean is NaN: there is no best baseline and no verdict.
    scored = summaries[MODEL].count > 0
    baselines = {k: v for k, v in summaries.items() if k != MODEL and scored}
    best = min(baselines, key=lambda k: baselines[k].mean) if baselines else None
    report: dict[str, Any] = {
        "images": images,
        "methods": {k: v.as_dict() for k, v in summaries.items()},
        "best_baseline": best,
    }
    if best is not None:
        report["model_beats_best_baseline"] = bool(summaries[MODEL].mean < baselines[best].mean)
    return report


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Direction error on {report['images']} images",
        "",
        "Angular error in degrees (modulo 180) against the ground truth; acc@T = fraction "
        "(0-1) of the pixels within T degrees.",
        "",
        "| method | pixels | mean | median | RMSE | acc@5 | acc@10 | acc@20 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in report["methods"].items():
        label = f"**{name}**" if name in (MODEL, report["best_baseline"]) else name
        lines.append(
            f"| {label} | {m['count']} | {m['mean']:.2f} | {m['median']:.2f} | "
            f"{m['rmse']:.2f} | {m['acc@5']:.3f} | {m['acc@10']:.3f} | "
            f"{m['acc@20']:.3f} |"
        )
    if report["methods"][MODEL]["count"] == 0:
        lines += ["", "No pixel was scored: check --masks / --centerlines / --crossings."]
    if "model_by_class" in report:
        lines += [
            "",
            "The model per direction class (each pixel scored with its class's field):",
            "",
        ]
        lines += ["| class | pixels | mean | median | acc@10 |", "|---|---|---|---|---|"]
        for label, m in report["model_by_class"].items():
            lines.append(
                f"| {label} | {m['count']} | {m['mean']:.2f} | {m['median']:.2f} | "
                f"{m['acc@10']:.3f} |"
            )
        if report["pixels_of_other_classes"]:
            lines.append(
                f"\n{report['pixels_of_other_classes']} pixels of classes without a field of "
                "the model are not scored."
            )
    if report["best_baseline"]:
        verdict = "beats" if report["model_beats_best_baseline"] else "does not beat"
        lines += [
            "",
            f"The model {verdict} the best classical baseline "
            f"({report['best_baseline']}) on mean error.",
        ]
    return "\n".join(lines) + "\n"
