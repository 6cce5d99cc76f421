"""Side-by-side table of width-benchmark reports (``width_sweep.py`` JSON): mean error per
width for several models and the best classical baseline, on centre-line and mask pixels.

    python benchmarks/width_table.py off=bench/off/report.json medial=bench/medial/report.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="LABEL=path/to/report.json")
    parser.add_argument("--region", choices=("centerline", "mask"), default="centerline")
    args = parser.parse_args()
    reports = {}
    for item in args.reports:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"expected LABEL=PATH, got {item!r}")
        reports[label] = json.loads(Path(path).read_text())[args.region]
    first = next(iter(reports.values()))
    print(f"mean error (degrees) on {args.region} pixels outside crossings")
    print("| group | " + " | ".join(reports) + " | best baseline |")
    print("|---|" + "---|" * (len(reports) + 1))
    for group, row in first.items():
        cells = [f"{r[group]['model']['mean']:.2f}" for r in reports.values()]
        baseline = f"{row['baseline']['mean']:.2f} ({row['best_baseline']})"
        print(f"| {group} | " + " | ".join(cells) + f" | {baseline} |")


if __name__ == "__main__":
    main()
