"""What `dense-direction evaluate` writes: the report as a dict, strict JSON and markdown."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from dense_direction.evaluation import grouped_summaries

__all__ = ["MODEL", "group_tables", "grouped", "json_text", "markdown", "summary_report"]

MODEL = "model"


def grouped(errors: dict[str, np.ndarray], groups: np.ndarray, order: list[str]) -> dict:
    """Per group of pixels (``groups``: one label per error, in ``order``, then any others;
    groups without pixels left out): the model's error summary, and the baseline with the
    lowest mean on that group's own pixels (chosen per group, which flatters the baselines)
    with its mean."""
    order = [*order, *sorted(set(groups.tolist()) - set(order))]
    table = grouped_summaries(errors[MODEL], groups, order)
    for group, row in table.items():
        here = groups == group
        means = {name: float(e[here].mean()) for name, e in errors.items() if name != MODEL}
        best = min(means, key=means.__getitem__) if means else None
        row.update(best_baseline=best, best_baseline_mean=means.get(best))
    return table


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


def _run_lines(run: dict[str, Any] | None) -> list[str]:
    """What was scored, for the report's reader: the model (and the start of its weights'
    SHA-256), the options it predicted with, and the data flags."""
    if not run:
        return []
    options = ", ".join(f"{k} {v}" for k, v in run.get("options", {}).items())
    data = " ".join(f"--{k} {v}" for k, v in run.get("data", {}).items())
    return [
        f"Model: {run['model']} (weights SHA-256 {str(run['sha256'])[:12]}...), predicted with "
        f"{options}; data: {data}.",
        "",
    ]


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Direction error on {report['images']} images",
        "",
        *_run_lines(report.get("run")),
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
    if report.get("pixels_of_other_classes"):
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
    return "\n".join([*lines, *group_tables(report.get("groups", {}))]) + "\n"


def group_tables(groups: dict[str, dict]) -> list[str]:
    """Markdown lines: one table per grouping (class, width band) of the model's error, with
    the best baseline of each row where baselines were run (``--no-baselines``: the model's
    columns alone, not a title promising baselines over a column of dashes)."""
    lines = []
    for name, rows in groups.items():
        baselines = any(r["best_baseline"] for r in rows.values())
        if baselines:
            title = (
                f"Per {name}: the model, and the best baseline on the same pixels (chosen per row):"
            )
            head = f"| {name} | pixels | mean | median | within 10° | best baseline | its mean |"
        else:
            title, head = (
                f"Per {name}: the model:",
                f"| {name} | pixels | mean | median | within 10° |",
            )
        lines += ["", title, "", head, "|---" * head.count(" | ") + "|---|"]
        for group, r in rows.items():
            cells = f"| {group} | {r['count']} | {r['mean']:.2f} | {r['median']:.2f} | "
            cells += f"{100 * r['acc@10']:.1f} % |"
            if baselines:
                base = r["best_baseline"] or "—"
                mean = r["best_baseline_mean"]
                cells += f" {base} | {'—' if mean is None else f'{mean:.2f}'} |"
            lines.append(cells)
    return lines
