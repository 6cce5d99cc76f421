"""Fine-tuning from the bundled model against training from scratch, on a domain it never saw.

The ``general`` model is trained without the ``photo`` rendering style
(``tools/train_pretrained.py``). Here a user has photo-style images of one kind (cracks by
default) with masks, and trains on them through the CLI, twice:

* from scratch: ``dense-direction train --iters SCRATCH_ITERS`` (sized to ~15 min on 2 cores);
* from the bundled model: ``dense-direction train --init general --iters INIT_ITERS`` (~3 min).

Fixed iteration counts rather than ``--time-budget``: the one-cycle schedule then anneals to its
end in both runs, which a time budget's early stop would not let it do.

Both runs validate on the val split against the exact directions every ``iters // 5``
iterations (at most 500); the curve is that validation error against wall-clock minutes since
the command started (start-up included). The final models are then scored on a held-out test
set of the same domain (other seeds and render settings, ``synth --held-out``) with
``benchmarks/pretrained_eval.py``, as is the bundled model before fine-tuning (minute 0).

    python benchmarks/finetune_curves.py --out bench_out/finetune
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import time
from pathlib import Path

from _cli import cli, held_out_report

PATTERN = re.compile(
    r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) .*Iter\(val\).*dir_eval/mean_error: ([\d.]+)"
)


def curve(work: Path, started: float) -> list[tuple[float, float]]:
    """``(minutes since the command started, validation mean error)`` from the run's log."""
    logs = sorted(work.glob("*/*.log"))
    if not logs:
        raise FileNotFoundError(f"no training log under {work}")
    points = []
    for line in logs[-1].read_text().splitlines():
        match = PATTERN.match(line)
        if match:
            stamp = datetime.datetime.strptime(match[1], "%Y/%m/%d %H:%M:%S").timestamp()
            points.append(((stamp - started) / 60, float(match[2])))
    return points


def train(name: str, data: Path, out: Path, iters: int, init: str | None) -> dict:
    work = out / name
    extra = ["--init", init] if init else []
    started = time.time()
    cli("train", "--data", str(data), "--work-dir", str(work), "--iters", str(iters),
        "--overwrite", *extra)  # fmt: skip
    return dict(minutes=(time.time() - started) / 60, curve=curve(work, started), work=str(work))


def test_error(test: Path, out: Path, *model: str) -> float:
    """Held-out test error of ``model`` (``--checkpoint WORK`` or ``--model NAME``)."""
    return held_out_report(test, out, *model)["all"]["centre-line pixels"]["mean"]


def plot(runs: dict[str, dict], zero: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    for run in runs.values():
        minutes, errors = zip(*run["curve"], strict=True)
        ax.plot(minutes, errors, marker="o", label=run["label"])
    # The bundled model before training, scored on the held-out test (not the validation
    # split, which training alone scores): a separate marker, not joined to the curve.
    ax.plot([0.0], [zero], marker="x", linestyle="none", color="black",
            label="general before fine-tuning (held-out test)")  # fmt: skip
    ax.set_xlabel("minutes since `train` started (2 CPU cores)")
    ax.set_ylabel("validation mean error (°)")
    ax.set_yscale("log")
    plain = matplotlib.ticker.FormatStrFormatter("%g")  # 5, 6, 7 rather than 5 x 10^0
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench_out/finetune"))
    parser.add_argument("--kind", default="cracks")
    parser.add_argument("--style", default="photo", help="a style the general model never saw")
    parser.add_argument("--num", type=int, default=200, help="training images (200)")
    # Sized to the wall-clock minutes of the issue on a 2-core AMD EPYC (about 11 it/s with
    # start-up and validation: 14.8 and 3.0 min on 2026-12-05): scale both with your machine.
    parser.add_argument("--scratch-iters", type=int, default=9600, help="~15 min (9600)")
    parser.add_argument("--init-iters", type=int, default=1800, help="~3 min (1800)")
    parser.add_argument("--model", default="general", help="the bundled model to start from")
    args = parser.parse_args()
    out = args.out.resolve()
    data, test = out / "data", out / "test"
    common = ["--kind", args.kind, "--style", args.style, "--overwrite"]
    if not (data / "meta.json").is_file():
        cli("synth", "--out", str(data), "--num", str(args.num), "--seed", "11",
            "--splits", "0.85", "0.15", "0", *common)  # fmt: skip
    if not (test / "meta.json").is_file():
        cli("synth", "--out", str(test), "--num", "40", "--seed", "12", "--held-out",
            "--splits", "0", "0", "1", *common)  # fmt: skip
    zero = test_error(test, out / "eval_zero_shot", "--model", args.model)
    runs = {
        "scratch": train("scratch", data, out, args.scratch_iters, None),
        "init": train("init", data, out, args.init_iters, args.model),
    }
    runs["scratch"]["label"] = f"from scratch, {args.scratch_iters} iterations"
    runs["init"]["label"] = f"--init {args.model}, {args.init_iters} iterations"
    for name, run in runs.items():
        run["test_error"] = test_error(test, out / f"eval_{name}", "--checkpoint", run["work"])
    plot(runs, zero, out / "finetune_curves.png")
    result = dict(setup={k: str(v) for k, v in vars(args).items()}, zero_shot=zero, runs=runs)
    (out / "finetune.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{args.model} before fine-tuning: held-out test error {zero:.2f}°")
    print("| run | minutes | held-out test error | validation curve (minutes: error) |")
    print("|---|---|---|---|")
    for run in runs.values():
        points = ", ".join(f"{m:.1f}: {e:.2f}" for m, e in run["curve"])
        print(f"| {run['label']} | {run['minutes']:.1f} | {run['test_error']:.2f}° | {points} |")
    print(f"\nplot: {out}/finetune_curves.png")


if __name__ == "__main__":
    main()
