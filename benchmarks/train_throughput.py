"""Training throughput of the default preset, and where each iteration's time goes.

Two measurements, on data that ``dense-direction synth`` writes (all four kinds, 256², seed 0):

1. **End to end**: iterations/s of the runner that ``dense-direction train`` builds with its
   default settings (preset, recipe, batch, crop, data workers), timed between iterations
   after a warm-up, hooks included.
2. **Split**: one iteration taken apart in the main process (data workers off, so nothing
   overlaps): data loading (dataset pipeline + collate), pre-processing, network forward, each
   loss's forward and backward (timed on a detached copy of the head's output, so the loss's own
   cost is separated from the network's), network backward and the optimizer step.

The table goes to stdout (docs/benchmarks.md quotes it)::

    .venv/bin/python benchmarks/train_throughput.py            # --iters 60 --warmup 10

Rows: "before" rebuilds the training step before the speed work of issue 12 (float32,
channels-first weights, files decoded every time), "default" is what ``dense-direction train``
runs today; ``--compare LABEL=ARGS`` adds rows with other train arguments, e.g. ``--compare
"2 workers=--workers 2"``, or this script's ``--no-channels-last`` and ``--no-file-cache``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from dense_direction.cli import train as train_cli
from dense_direction.hardware import usable_cores
from dense_direction.synthetic.dataset import write_dataset

#: Flags this script understands on top of train's, to rebuild earlier states.
BENCHMARK_FLAGS = ("--no-channels-last", "--no-file-cache")
#: The training step before the speed work of issue 12: float32, channels-first weights, one
#: data worker, every file decoded every time.
BEFORE = "--precision float32 --no-channels-last --workers 1 --no-file-cache"
THREADS = torch.get_num_threads()  # torch's default, which train keeps without --threads
SYNTH = dict(num=160, kinds=("cracks", "vessels", "roads", "fibres"), size=256, seed=0)


def _sync() -> None:
    """Wait for the GPU's queued work, so that a clock read after it counts that work (CUDA
    runs asynchronously; a no-op on the CPU)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def synthetic_data(root: Path) -> Path:
    data = root / "data"
    kinds = list(SYNTH["kinds"])
    write_dataset(data, SYNTH["num"], kinds, SYNTH["size"], SYNTH["seed"], jobs=usable_cores())
    return data


def train_args(data: Path, work_dir: Path, extra: list[str]) -> argparse.Namespace:
    """The namespace ``dense-direction train --data DATA --work-dir WORK_DIR EXTRA`` parses to."""
    parser = argparse.ArgumentParser()
    train_cli.add_parser(parser)
    return parser.parse_args(["--data", str(data), "--work-dir", str(work_dir), *extra])


def build_runner(data: Path, work_dir: Path, extra: list[str], iters: int) -> Any:
    from dense_direction.mm.runner import build_runner as build

    flags = [f for f in extra if f not in BENCHMARK_FLAGS]
    args = train_args(data, work_dir, [*flags, "--iters", str(iters)])
    cfg = train_cli.build_config(args)
    torch.set_num_threads(args.threads or THREADS)  # as train's run()
    if "--no-channels-last" in extra:
        cfg.custom_hooks = [h for h in cfg.custom_hooks if h["type"] != "ChannelsLastHook"]
    if "--no-file-cache" in extra:  # unwrap train's CachedLoading
        dataset = cfg.train_dataloader.dataset
        dataset.pipeline = [
            step
            for item in dataset.pipeline
            for step in (item["transforms"] if item["type"] == "CachedLoading" else [item])
        ]
    cfg.train_cfg.val_interval = iters + 1  # time training only
    cfg.default_hooks.checkpoint.interval = iters + 1
    cfg.default_hooks.logger.interval = 10**6
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h["type"] != "ProgressBarHook"]
    cfg.log_level = "WARNING"
    return build(cfg)


# --------------------------------------------------------------------------- end to end


def _stamps() -> Any:
    """An mmengine hook that records the wall-clock time after every training iteration."""
    from mmengine.hooks import Hook

    class Stamps(Hook):
        priority = "LOWEST"  # after the others: measures what a user waits for

        def __init__(self) -> None:
            self.times: list[float] = []

        def after_train_iter(self, *args: Any, **kwargs: Any) -> None:
            _sync()
            self.times.append(time.perf_counter())

    return Stamps()


def end_to_end(data: Path, extra: list[str], iters: int, warmup: int) -> float:
    """Iterations/s of ``runner.train()`` over ``iters`` iterations after ``warmup``."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = build_runner(data, Path(tmp), extra, iters + warmup)
        stamps = _stamps()
        runner.register_hook(stamps)
        runner.train()
        times = stamps.times[warmup:]
        return (len(times) - 1) / (times[-1] - times[0])


# --------------------------------------------------------------------------- split


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        _sync()
        start = time.perf_counter()
        yield
        _sync()
        self.seconds[name].append(time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name].append(seconds)


def _timed_loss(module: nn.Module, clock: _Clock, name: str) -> None:
    """Wrap ``module.forward``: the loss runs on a detached copy of its prediction, its
    forward and its backward are timed, and a surrogate with the same value and the same
    gradient carries the result into the network's backward."""
    forward = module.forward

    @functools.wraps(forward)
    def timed(pred: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        leaf = pred.detach().requires_grad_()
        _sync()
        start = time.perf_counter()
        value = forward(leaf, *args, **kwargs)
        _sync()
        middle = time.perf_counter()
        (grad,) = torch.autograd.grad(value, leaf)
        _sync()
        clock.add(f"loss {name} forward", middle - start)
        clock.add(f"loss {name} backward", time.perf_counter() - middle)
        return (pred * grad).sum() + (value.detach() - (leaf.detach() * grad).sum())

    module.forward = timed


def _loss_modules(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    for path, module in model.named_modules():
        if path.endswith("loss_decode") or ".loss_decode." in path:
            if isinstance(module, nn.ModuleList):
                continue
            yield getattr(module, "loss_name", path), module


def split(data: Path, extra: list[str], iters: int, warmup: int) -> dict[str, float]:
    """Median seconds per stage of one training iteration, nothing overlapped."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = build_runner(data, Path(tmp), [*extra, "--workers", "0"], iters + warmup)
        model = runner.model
        optim = runner.build_optim_wrapper(runner.optim_wrapper)
        if any(h["type"] == "ChannelsLastHook" for h in runner.cfg.custom_hooks):
            model.to(memory_format=torch.channels_last)
        loader = iter(runner.build_dataloader(runner._train_dataloader))
        clock = _Clock()
        for name, module in _loss_modules(model):
            _timed_loss(module, clock, name)
        model.train()
        for step in range(iters + warmup):
            if step == warmup:
                clock.seconds.clear()
            with clock("data (pipeline + collate)"):
                batch = next(loader)
            with clock("pre-processing"):
                batch = model.data_preprocessor(batch, True)
            _sync()
            start = time.perf_counter()
            with optim.optim_context(model):
                losses = model.loss(batch["inputs"], batch["data_samples"])
            _sync()
            inside = sum(v[-1] for k, v in clock.seconds.items() if k.startswith("loss "))
            clock.add("network forward (+ targets)", time.perf_counter() - start - inside)
            total, _ = model.parse_losses(losses)
            with clock("network backward"):
                total.backward()
            with clock("optimizer step"):
                optim.step()
                optim.zero_grad()
        return {k: statistics.median(v) for k, v in clock.seconds.items()}


# --------------------------------------------------------------------------- report


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a synth-layout folder (default: generate)")
    parser.add_argument("--iters", type=int, default=60, help="timed iterations (60)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first (10)")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="LABEL=ARGS",
        help="also time `train ARGS` (space-separated) under LABEL, e.g. 'workers2=--workers 2'",
    )
    parser.add_argument("--no-split", action="store_true", help="end-to-end rows only")
    return parser.parse_args(argv)


def _rates(data: Path, variants: list[tuple[str, str]], args: argparse.Namespace) -> None:
    print("| setting | train args | it/s | s/it | vs before |\n|---|---|---|---|---|")
    before = None
    for label, extra in variants:
        rate = end_to_end(data, extra.split(), args.iters, args.warmup)
        before = before or rate
        row = f"| {label} | `{extra or '(defaults)'}` | {rate:.2f} | {1 / rate:.3f} |"
        print(f"{row} {rate / before:.2f}x |", flush=True)


def _splits(data: Path, variants: list[tuple[str, str]], args: argparse.Namespace) -> None:
    columns = {
        label: split(data, extra.split(), args.iters, args.warmup) for label, extra in variants
    }
    names = list(dict.fromkeys(n for stages in columns.values() for n in stages))
    print("\nOne iteration taken apart, stages run one after another (median ms):\n")
    print(f"| stage | {' | '.join(columns)} |\n|---|{'---|' * len(columns)}")
    for name in names:
        cells = " | ".join(f"{1000 * stages.get(name, 0.0):.1f}" for stages in columns.values())
        print(f"| {name} | {cells} |")
    totals = " | ".join(f"**{1000 * sum(stages.values()):.1f}**" for stages in columns.values())
    print(f"| **sum** | {totals} |")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or synthetic_data(Path(tmp))
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}")
        print(f"data: {data} ({SYNTH if args.data is None else 'given'})")
        print(f"{args.warmup} warm-up iterations, then {args.iters} timed\n")
        variants = [("before", BEFORE), ("default", "")]
        variants += [tuple(c.split("=", 1)) for c in args.compare]
        _rates(data, variants, args)
        if not args.no_split:
            _splits(data, variants[:2], args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
