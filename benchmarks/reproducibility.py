"""Does ``dense-direction train`` train the same weights twice? Runs one command twice with one
seed, and once more with another seed for contrast, then compares the weights.

With the seed fixed (the configs' ``randomness = dict(seed=0)``, ``train --seed N``), the
initial weights, the sample order and every random crop come from it, so on one machine the
two runs should be identical bit for bit, and the run with another seed should not be.

    python benchmarks/reproducibility.py --data work/pretrained/data --iters 300 \
        --out work/reproducibility [-- other train arguments]

Prints one table row per pair of runs: identical or not, the largest difference of any
weight, and the validation error each run ended with.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from _cli import cli


def final_state(work: Path, iters: int) -> dict[str, torch.Tensor]:
    """The network weights after the last iteration (the checkpoint train saved there)."""
    checkpoint = torch.load(work / f"iter_{iters}.pth", map_location="cpu", weights_only=False)
    return checkpoint["state_dict"]


def largest_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    if a.keys() != b.keys():
        raise RuntimeError("the runs built different networks")
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a if a[k].numel())


def last_validation(work: Path) -> str:
    """The last ``dir_eval/mean_error`` (or loss) the run's log shows, as written there."""
    lines = "".join(p.read_text() for p in sorted(work.glob("*/*.log"))).splitlines()
    scores = [line.split("Iter(val)")[1].split()[2] for line in lines if "Iter(val)" in line]
    return scores[-1] if scores else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a synth folder")
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0, help="the seed of the pair (0)")
    parser.add_argument("--other-seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench_out/reproducibility"))
    parser.add_argument("train_args", nargs="*", help="after --: more train arguments")
    args = parser.parse_args()
    runs = {"a": args.seed, "b": args.seed, "c": args.other_seed}
    states = {}
    for name, seed in runs.items():
        work = args.out / f"seed{seed}_{name}"
        shutil.rmtree(work, ignore_errors=True)
        cli("train", "--data", str(args.data), "--work-dir", str(work), "--iters",
            str(args.iters), "--seed", str(seed), *args.train_args)  # fmt: skip
        states[name] = (final_state(work, args.iters), last_validation(work))
    print("\n| runs | seeds | weights | largest difference | final validation |")
    print("|---|---|---|---|---|")
    for first, second in (("a", "b"), ("a", "c")):
        (wa, va), (wb, vb) = states[first], states[second]
        diff = largest_difference(wa, wb)
        same = "identical" if all(torch.equal(wa[k], wb[k]) for k in wa) else "differ"
        seeds = f"{runs[first]}, {runs[second]}"
        print(f"| {first}, {second} | {seeds} | {same} | {diff:.3g} | {va}, {vb} |")


if __name__ == "__main__":
    main()
