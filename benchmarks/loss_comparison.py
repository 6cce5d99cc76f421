"""Which loss trains the best direction field? The CPU config on synthetic lines, with only
the direction loss changed; test error against the exact directions.

    python benchmarks/loss_comparison.py [--data data/synthetic_lines] [--iters 600]

Writes `--data` with `dense-direction synth --num 200 --kind cracks` first if it is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _cli import cli

ROOT = Path(__file__).resolve().parents[1]
LOSSES = {
    "efficient directional (default)": dict(
        type="EfficientDirectionalLoss",
        pad=7,
        div=90,
        squish_values=True,
        norm_values=True,
        mask_patches=True,
        patch_thr=0.98,
        kernel_cfg=dict(type="radial_line_kernel"),
    ),
    "circular cosine": dict(type="CircularDirectionalLoss", kind="cosine", pad=7, div=90),
    "circular von Mises": dict(type="CircularDirectionalLoss", kind="von_mises", pad=7, div=90),
    "circular KL": dict(type="CircularDirectionalLoss", kind="kl", pad=7, div=90),
}
CONFIG = """_base_ = ["{base}"]
data_root = "{data}"
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
train_cfg = dict(max_iters={iters}, val_interval={iters})
param_scheduler = [dict(type="OneCycleLR", eta_max=0.003, total_steps={iters}, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval={iters}, save_best=None))
randomness = dict(seed=0)
model = dict(decode_head=dict(loss_decode=[{loss}]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "synthetic_lines")
    parser.add_argument("--iters", type=int, default=600)
    args = parser.parse_args()
    if not args.data.exists():
        cli("synth", "--out", str(args.data), "--num", "200", "--kind", "cracks")
    print("| loss | test mean error (deg) | median | acc@5 (%) | train time (s) |")
    print("|---|---|---|---|---|")
    for name, loss in LOSSES.items():
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "cfg.py"
            config.write_text(
                CONFIG.format(
                    base=ROOT / "configs/dir/unet_synthetic_lines_cpu.py",
                    data=args.data,
                    iters=args.iters,
                    loss=repr(loss),
                )
            )
            start = time.monotonic()
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "tools/run.py"),
                    "--config",
                    str(config),
                    "--work-dir",
                    tmp,
                    "--phase",
                    "both",
                ],
                check=True,
                capture_output=True,
            )
            seconds = time.monotonic() - start
            (scalars,) = Path(tmp).glob("*/*.json")  # the test run's metrics
            metrics = json.loads(scalars.read_text().splitlines()[-1])
        print(
            f"| {name} | {metrics['dir_eval/mean_error']:.2f} | "
            f"{metrics['dir_eval/median_error']:.2f} | {metrics['dir_eval/acc_5.0_deg']:.1f} "
            f"| {seconds:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
