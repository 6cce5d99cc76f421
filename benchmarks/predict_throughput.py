"""Prediction throughput: MPix/s and peak memory of the API and of `dense-direction predict`.

Images are mosaics of synthetic samples (nothing is downloaded) at 512², 2048² and 4000×3000
(and 64², where a command's time is its start-up: ``--sizes 64``);
the checkpoint is any trained model, by default the one `make demo` writes. Rows per size:

* **API**: ``DirectionEstimator.predict`` on an array already in memory, with and without
  test-time augmentation (median of the timed calls after one warm-up call), in a process of
  its own so its peak resident memory is its own;
* **CLI**: ``dense-direction predict`` end to end, as a user runs it (start-up, reading,
  tiling, network, blending, writing every output), on ``--count`` images of the size, under
  ``/usr/bin/time -v`` for the peak resident memory;
* **orientationpy**: its gradient and structure-tensor orientation of the gray image, the
  classical reference, in the Python given by ``--orientationpy-python`` (orientationpy needs
  numba, which may pin other numpy versions than ours, so it gets a venv of its own:
  ``python -m venv opy && opy/bin/pip install orientationpy pillow``).

    .venv/bin/python benchmarks/predict_throughput.py [--checkpoint demo_out/work] \
        [--orientationpy-python opy/bin/python]

``--device`` (default: CUDA where there is a GPU) runs the API and ``predict`` there;
``--sizes 512 2048`` limits the sizes; ``--repeats N`` runs each command line N times (median)
and the API N calls at least; ``--skip-tta`` leaves out the (8 times slower) TTA rows;
``--tta-passes 2 4`` adds rows with fewer passes of it (``tta=N``, ``predict --tta N``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _cli import DENSE_DIRECTION

SIZES = {"64": (64, 64), "512": (512, 512), "2048": (2048, 2048), "4000x3000": (3000, 4000)}
# Images per size for the command line, so start-up is spread as in a batch a user runs; one
# 64² image is start-up alone (import, model load, writing), nearly no prediction.
COUNTS = {"64": 1, "512": 16, "2048": 2, "4000x3000": 1}
DEFAULT_SIZES = ["512", "2048", "4000x3000"]


def _bundled_name(checkpoint: str) -> str | None:
    """The model name of ``bundled://NAME`` (load_from's scheme for a bundled model), else
    None. Imported here, not at the top: the orientationpy worker imports this file in a
    Python without dense_direction."""
    from dense_direction.mm.checkpoints import BUNDLED_PREFIX

    return (
        checkpoint.removeprefix(BUNDLED_PREFIX) if checkpoint.startswith(BUNDLED_PREFIX) else None
    )


def mosaic(path: Path, height: int, width: int, seed: int = 0, size: int = 256) -> None:
    """A ``height`` x ``width`` RGB image tiled from synthetic samples of all four kinds."""
    from dense_direction.synthetic import generate_sample

    kinds = ["cracks", "vessels", "roads", "fibres"]
    tiles = [generate_sample(kinds, size, seed=seed * 8 + i).image for i in range(8)]
    rows, cols = -(-height // size), -(-width // size)
    grid = [[tiles[(r * cols + c) % len(tiles)] for c in range(cols)] for r in range(rows)]
    image = np.concatenate([np.concatenate(row, axis=1) for row in grid], axis=0)
    Image.fromarray(image[:height, :width]).save(path)


# --------------------------------------------------------------------------- workers


def api_worker(checkpoint: str, image: str, tta: bool | int, repeats: int, device: str) -> dict:
    """Seconds per ``predict`` call and this process's peak memory, host and (on CUDA) GPU;
    runs in a subprocess. ``predict`` returns host arrays, so each call ends synchronised."""
    import resource

    import torch

    from dense_direction.inference import DirectionEstimator
    from dense_direction.io import read_image

    if name := _bundled_name(checkpoint):
        estimator = DirectionEstimator.pretrained(name, device=device)
    else:
        estimator = DirectionEstimator.from_checkpoint(checkpoint, device=device)
    rgb = read_image(image)
    estimator.predict(rgb, tta=tta)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        estimator.predict(rgb, tta=tta)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = dict(seconds=statistics.median(times), peak_mb=peak)
    if estimator.device.type == "cuda":
        result["gpu_peak_mb"] = torch.cuda.max_memory_allocated(estimator.device) / 2**20
    return result


def orientationpy_worker(image: str, repeats: int) -> dict:
    """orientationpy's gradient + structure-tensor orientation of the gray image."""
    import resource

    import orientationpy

    gray = np.asarray(Image.open(image).convert("L"), np.float32)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        gradients = orientationpy.computeGradient(gray)
        tensor = orientationpy.computeStructureTensor(gradients, sigma=2.0)
        orientationpy.computeOrientation(tensor)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(seconds=statistics.median(times[1:]), peak_mb=peak)


def _in_subprocess(call: str, python: str = sys.executable, **kwargs: object) -> dict:
    script = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import predict_throughput as p; "
        f"print(json.dumps(p.{call}(**{kwargs!r})))"
    )
    out = subprocess.run(
        [python, "-c", script], capture_output=True, text=True, check=True, cwd=_root()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _root() -> Path:
    return Path(__file__).resolve().parents[1]


def cli_run(checkpoint: str, folder: Path, out: Path, extra: list[str], device: str) -> dict:
    """Wall time and peak memory of ``dense-direction predict`` over a folder."""
    cmd = ["/usr/bin/time", "-v", *DENSE_DIRECTION, "predict", "--device", device]
    if name := _bundled_name(checkpoint):
        cmd += ["--model", name]
    else:
        cmd += ["--checkpoint", checkpoint]
    cmd += ["--input", str(folder), "--out", str(out), *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"predict failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return dict(seconds=wall, peak_mb=peak / 1024)


# --------------------------------------------------------------------------- report


def _row(size: str, what: str, pixels: float, result: dict | None, note: str = "") -> None:
    if result is None:
        print(f"| {size} | {what} | - | - | - | {note} |", flush=True)
        return
    rate = pixels / 1e6 / result["seconds"]
    if "gpu_peak_mb" in result:
        note = f"{note}; GPU peak {result['gpu_peak_mb']:.0f} MB"
    cells = f"{result['seconds']:.2f} | {rate:.2f} | {result['peak_mb']:.0f}"
    print(f"| {size} | {what} | {cells} | {note} |", flush=True)


def bench_size(name: str, args: argparse.Namespace, tmp: Path) -> None:
    height, width = SIZES[name]
    count = COUNTS[name]
    folder = tmp / name
    folder.mkdir()
    for i in range(count):
        mosaic(folder / f"{i:02d}.png", height, width, seed=i)
    image = str(folder / "00.png")
    pixels = height * width
    repeats = max(args.repeats, 3 if pixels <= 2048**2 else 1)
    for tta in (False,) if args.skip_tta else (False, True, *args.tta_passes):
        result = _in_subprocess(
            "api_worker",
            checkpoint=args.checkpoint,
            image=image,
            tta=tta,
            repeats=repeats,
            device=args.device,
        )
        _row(name, f"API, tta={tta}", pixels, result, f"median of {repeats} calls")
    runs = [
        ("predict --no-tta", ["--no-tta"]),
        ("predict --no-tta --smooth 0", ["--no-tta", "--smooth", "0"]),
    ]
    if not args.skip_tta:
        runs.insert(0, ("predict (defaults: TTA)", []))
        runs += [(f"predict --tta {n}", ["--tta", str(n)]) for n in args.tta_passes]
    for row, (label, extra) in enumerate(runs):
        # Median run by wall time (with its peak memory): single runs move by about 10 %
        # on a shared machine.
        results = [
            cli_run(args.checkpoint, folder, tmp / f"out_{name}_{row}_{i}", extra, args.device)
            for i in range(args.repeats)
        ]
        result = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
        note = f"{count} image(s), start-up included, median of {args.repeats} run(s)"
        _row(name, label, pixels * count, result, note)
    if args.orientationpy_python:
        result = _in_subprocess(
            "orientationpy_worker", python=args.orientationpy_python, image=image, repeats=repeats
        )
        _row(name, "orientationpy (structure tensor, sigma=2)", pixels, result, "gray image")
    else:
        _row(name, "orientationpy", pixels, None, "no --orientationpy-python given")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkpoint",
        default="demo_out/work",
        help="checkpoint or work dir, or bundled://NAME for a bundled model",
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        choices=list(SIZES),
        default=DEFAULT_SIZES,
        help="image sizes (512 2048 4000x3000; 64: a command's start-up)",
    )
    parser.add_argument("--orientationpy-python", help="a Python with orientationpy installed")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs of each command line row, median (1)"
    )
    parser.add_argument(
        "--skip-tta", action="store_true", help="leave out the rows with test-time augmentation"
    )
    parser.add_argument(
        "--tta-passes",
        type=int,
        nargs="+",
        default=[],
        metavar="N",
        help="also rows with N passes of test-time augmentation (2, 4: API and predict --tta N)",
    )
    parser.add_argument(
        "--device", help="cpu, cuda or cuda:N for the API and predict (default: cuda if any)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    import torch

    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    gpu = f", {torch.cuda.get_device_name(args.device)}" if args.device.startswith("cuda") else ""
    threads = torch.get_num_threads()
    print(f"device {args.device}{gpu}, {threads} threads, torch {torch.__version__}, ", end="")
    print(f"{args.checkpoint}\n")
    print("| image | what | seconds | MPix/s | peak memory (MB) | note |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sizes:
            bench_size(name, args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
