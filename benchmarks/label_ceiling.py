"""How far is training from masks from training on the exact directions?

The default recipe learns direction from masks alone (the directional loss near edges and on
thin lines, medial-axis targets inside wide structures). Synthetic data also has the exact
tangent at every mask pixel, so the same network, data, crops, schedule and segmentation loss
can be trained on those instead: a supervised cosine loss on every mask pixel outside
crossings (where two structures overlap and the direction is ambiguous), no directional loss.
That run is the ceiling of the labels: what perfect direction labels would buy this network.
Both runs go through ``dense-direction train`` with its defaults and ``--iters``; both are then
scored on a held-out set by ``benchmarks/pretrained_eval.py`` (``predict``'s defaults), and the
script prints the two side by side per kind, width band, distance to a crossing and confidence.

    python benchmarks/label_ceiling.py --data work/pretrained/data \\
        --test work/pretrained/held_out --out bench_out/label_ceiling --iters 3000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _cli import cli, held_out_report

EXACT_FLAG = "--train-on-exact-directions"  # the script re-runs itself with it, for one run
TABLES = (
    "all",
    "kind",
    "width band (px)",
    "distance to the nearest crossing (px)",
    "model confidence",
)


def train_on_exact_directions(argv: list[str]) -> int:
    """``dense-direction train ARGV`` with the exact directions as labels (in this process:
    the training pipeline and head are changed after ``train`` builds its config)."""
    import numpy as np
    from mmcv.transforms import BaseTransform
    from mmseg.registry import TRANSFORMS

    import dense_direction.cli.train as train_cli
    from dense_direction.cli.main import main
    from dense_direction.io import read_binary_mask

    class ExactDirections(BaseTransform):
        """``gt_directions`` from the sample's exact angles, NaN on crossings; after the
        flip, which it repeats on the map and on the angles (a mirror maps θ to π - θ)."""

        def transform(self, results: dict) -> dict:
            angles = np.load(results["direction_path"]).astype(np.float32)
            angles[read_binary_mask(results["crossing_path"]).astype(bool)] = np.nan
            if results.get("flip"):
                flip = results["flip_direction"]
                angles = {
                    "horizontal": angles[:, ::-1],
                    "vertical": angles[::-1],
                    "diagonal": angles[::-1, ::-1],
                }[flip]
                if flip != "diagonal":  # two mirrors make a half turn: angles unchanged
                    angles = np.mod(np.pi - angles, np.pi)
            results["gt_directions"] = np.ascontiguousarray(angles[None])
            return results

    TRANSFORMS.register_module(module=ExactDirections, force=True)
    build = train_cli.build_config

    def build_config(args: argparse.Namespace) -> object:  # an mmengine Config
        cfg = build(args)
        pipeline = cfg.train_dataloader["dataset"]["pipeline"]
        steps = [s["type"] for s in pipeline]
        if "MaskToMedialDirections" not in steps:
            raise ValueError(f"expected the default --wide medial pipeline, got {steps}")
        cfg.train_dataloader["dataset"]["pipeline"] = [
            dict(type="ExactDirections") if s["type"] == "MaskToMedialDirections" else s
            for s in pipeline
        ]
        head = cfg.model.decode_head.dir_head_config
        # The medial loss is the supervised loss on gt_directions: keep it, drop the mask's.
        head["loss_decode"] = [x for x in head["loss_decode"] if x["loss_name"] != "loss_dir"]
        return cfg

    train_cli.build_config = build_config
    return main(["train", *argv])


def run(name: str, args: argparse.Namespace) -> dict:
    """Train one run (unless its last checkpoint exists) and score it on the test set."""
    work = args.out / name
    common = ["--data", str(args.data), "--work-dir", str(work), "--iters", str(args.iters)]
    if not (work / f"iter_{args.iters}.pth").is_file():
        if name == "masks":
            cli("train", *common, "--overwrite")
        else:
            command = [sys.executable, __file__, EXACT_FLAG, *common, "--overwrite"]
            print("$ " + " ".join(command), flush=True)
            subprocess.run(command, check=True)
    cache = ["--cache", str(args.cache)] if args.cache else []
    return held_out_report(args.test, args.out / f"eval_{name}", "--checkpoint", str(work), *cache)


def group(name: str) -> str:
    """A report's row name without its share of pixels: ``0-3 (29.4 % ...)`` -> ``0-3``."""
    return name.split(" (")[0]


def main() -> None:
    if sys.argv[1:2] == [EXACT_FLAG]:
        sys.exit(train_on_exact_directions(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `synth` folder to train on")
    parser.add_argument("--test", type=Path, required=True, help="a held-out `synth` folder")
    parser.add_argument("--out", type=Path, default=Path("bench_out/label_ceiling"))
    parser.add_argument("--iters", type=int, default=3000, help="iterations of each run (3000)")
    parser.add_argument("--cache", type=Path, help="baseline cache of pretrained_eval.py")
    args = parser.parse_args()
    reports = {name: run(name, args) for name in ("masks", "exact")}
    rows = []
    for table in TABLES:
        masks = {group(k): v for k, v in reports["masks"][table].items()}
        exact = {group(k): v for k, v in reports["exact"][table].items()}
        for key, value in masks.items():
            if key in exact:
                rows.append((table, key, value["pixels"], value["mean"], exact[key]["mean"]))
    print(f"\n{args.iters} iterations each; mean error in degrees on the held-out centre-lines")
    print("| table | group | pixels | masks (default recipe) | exact directions | difference |")
    print("|---|---|---|---|---|---|")
    for table, key, pixels, masks, exact in rows:
        print(f"| {table} | {key} | {pixels} | {masks:.2f} | {exact:.2f} | {exact - masks:+.2f} |")
    result = dict(setup={k: str(v) for k, v in vars(args).items()}, rows=rows)
    (args.out / "label_ceiling.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
