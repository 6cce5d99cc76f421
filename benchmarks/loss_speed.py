"""DirectionalLoss vs EfficientDirectionalLoss: forward+backward time and peak memory increase.

Setting (issue #2): the training configuration (pad=10, div=180, radial_line kernel, squish,
L1 norm, mask_patches with patch_thr=0.98) on a batch of 8 masks of 392x392 with thin curved
lines covering 8-10% of the pixels, 2 CPU threads; on CUDA too when available.

Each (loss, device) runs in a fresh subprocess so the peak resident memory it reports is its
own: CPU peak = max RSS during the runs minus RSS just before them; CUDA peak =
``torch.cuda.max_memory_allocated`` minus the memory allocated before.

    python benchmarks/loss_speed.py [--repeats 5] [--threads 2] [--batch 8] [--size 392]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np
import torch

TRAIN_CONFIG = dict(
    pad=10,
    div=180,
    squish_values=True,
    norm_values=True,
    norm_order=1,
    mask_patches=True,
    patch_thr=0.98,
    kernel_cfg=dict(type="radial_line_kernel"),
)
LOSSES = ("DirectionalLoss", "EfficientDirectionalLoss")


def curved_line_masks(
    batch: int, size: int, coverage: tuple[float, float] = (0.08, 0.10), seed: int = 0
) -> np.ndarray:
    """``(batch, size, size)`` float32 masks of random smooth curves 2-4 px wide, adding curves
    until the covered fraction lands in ``coverage``."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((batch, size, size), dtype=np.float32)
    for mask in masks:
        while mask.mean() < coverage[0]:
            trial = mask.copy()
            _draw_curve(trial, rng)
            if trial.mean() <= coverage[1]:
                mask[:] = trial
    return masks


def _draw_curve(mask: np.ndarray, rng: np.random.Generator) -> None:
    size = mask.shape[0]
    start = rng.uniform(0, size, 2)
    heading = rng.uniform(0, 2 * math.pi)
    bend = rng.uniform(-0.02, 0.02)
    radius = rng.uniform(1.0, 2.0)
    length = rng.uniform(0.4, 1.2) * size
    steps = int(length / 0.5)
    headings = heading + np.cumsum(bend + 0.01 * rng.standard_normal(steps))
    points = start + np.cumsum(0.5 * np.stack((np.cos(headings), np.sin(headings)), 1), 0)
    reach = math.ceil(radius)
    offsets = np.array(
        [
            (dy, dx)
            for dy in range(-reach, reach + 1)
            for dx in range(-reach, reach + 1)
            if dy * dy + dx * dx <= radius**2
        ]
    )
    cells = np.round(points).astype(int)[:, None, :] + offsets[None]
    cells = cells.reshape(-1, 2)
    inside = ((cells >= 0) & (cells < size)).all(1)
    mask[cells[inside, 0], cells[inside, 1]] = 1.0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _measure(loss_name: str, device: str, args: argparse.Namespace) -> dict:
    import dense_direction.losses as losses

    torch.set_num_threads(args.threads)
    masks = torch.from_numpy(curved_line_masks(args.batch, args.size))[:, None, None]
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(args.batch, 1, 2, args.size, args.size, generator=gen)
    masks, pred = masks.to(device), pred.to(device)
    loss_fn = getattr(losses, loss_name)(**TRAIN_CONFIG).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step() -> tuple[float, torch.Tensor]:
        leaf = pred.clone().requires_grad_(True)
        value = loss_fn(leaf, masks)
        value.backward()
        return float(value), leaf.grad

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = _rss_bytes()
    times = []
    for _ in range(args.repeats + 1):  # the first run warms up and is not timed
        sync()
        start = time.perf_counter()
        value, grad = step()
        sync()
        times.append(time.perf_counter() - start)
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() - before
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    grad_path = f"/tmp/loss_speed_grad_{loss_name}_{device}.pt"
    torch.save(grad.cpu(), grad_path)
    return dict(
        loss=loss_name,
        device=device,
        median_s=float(np.median(times[1:])),
        peak_mb=peak / 2**20,
        value=value,
        grad_path=grad_path,
        coverage=float(masks.mean()),
    )


def _run_child(loss_name: str, device: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        loss_name,
        "--device",
        device,
        "--repeats",
        str(args.repeats),
        "--threads",
        str(args.threads),
        "--batch",
        str(args.batch),
        "--size",
        str(args.size),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=392)
    parser.add_argument("--device", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.device, args)))
        return

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(
        f"batch {args.batch}x{args.size}x{args.size}, threads {args.threads}, "
        f"repeats {args.repeats}, config {TRAIN_CONFIG}"
    )
    print("| device | loss | fwd+bwd median (s) | peak mem increase (MB) | value |")
    print("|---|---|---|---|---|")
    for device in devices:
        rows = [_run_child(name, device, args) for name in LOSSES]
        for row in rows:
            print(
                f"| {device} | {row['loss']} | {row['median_s']:.3f} | {row['peak_mb']:.0f} "
                f"| {row['value']:.6f} |"
            )
        ref, fast = rows
        ref_grad, fast_grad = torch.load(ref["grad_path"]), torch.load(fast["grad_path"])
        grad_err = float((ref_grad - fast_grad).abs().max() / ref_grad.abs().max())
        print(
            f"| {device} | speed-up {ref['median_s'] / fast['median_s']:.1f}x | memory ratio "
            f"1/{ref['peak_mb'] / max(fast['peak_mb'], 1e-9):.0f} | value rel. diff "
            f"{abs(ref['value'] - fast['value']) / abs(ref['value']):.1e}, grad max rel. diff "
            f"{grad_err:.1e} | mask coverage {ref['coverage']:.3f} |"
        )


if __name__ == "__main__":
    main()
