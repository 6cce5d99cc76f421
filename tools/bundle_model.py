"""Ship a trained model with the package: weights only, its config and a manifest.

    python tools/bundle_model.py WORK_DIR --name general [--dtype float16]
        [--command "dense-direction train ..."] [--hardware "..."] [--minutes 85]
        [--figures report/metrics.json] [--out FOLDER] [--overwrite]

Takes the run's best checkpoint (else its latest; or a checkpoint file), keeps the network's
state dict and drops the optimizer, schedule and message-hub state, and writes
``src/dense_direction/models/NAME/`` (``weights.pth``, ``config.py``, ``manifest.json`` with
both files' SHA-256; layout in :mod:`dense_direction.models`). The config is the one stored in
the checkpoint (what built it), else the work dir's ``config.py``. The bundle is then loaded
back as ``DirectionEstimator.pretrained`` loads it, so a bundle that does not build is never
left behind. Weights above ``--max-mb`` (10 MB) are refused: ``--dtype float16`` halves them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

import torch

from dense_direction.hardware import usable_cores
from dense_direction.models import DEFAULT_MODEL, models_root, write_bundle

DTYPES = {"float32": torch.float32, "float16": torch.float16}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bundle a trained model with the package.")
    parser.add_argument("source", type=Path, help="a training work dir or a checkpoint file")
    parser.add_argument("--name", default=DEFAULT_MODEL, help=f"model name ({DEFAULT_MODEL})")
    parser.add_argument(
        "--out",
        type=Path,
        help="models folder (default: the package's, or $DENSE_DIRECTION_MODELS)",
    )
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    parser.add_argument("--max-mb", type=float, default=10.0, help="largest weights file (10)")
    parser.add_argument("--command", default="not recorded", help="the training command")
    parser.add_argument("--hardware", help="what trained it (default: this machine)")
    parser.add_argument("--minutes", type=float, help="training time in minutes")
    parser.add_argument("--figures", type=Path, help="JSON of measured figures (evaluate's)")
    parser.add_argument("--overwrite", action="store_true", help="replace a model of that name")
    return parser.parse_args(argv)


def this_machine() -> str:
    """``'Intel Xeon ... (2 cores), torch 2.x'`` plus the GPU where there is one."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = f"{cpu} ({usable_cores()} cores), torch {torch.__version__}"
    if torch.cuda.is_available():
        text += f", GPU {torch.cuda.get_device_name(0)}"
    return text


def read_checkpoint(source: Path) -> tuple[Path, dict[str, Any], str, dict[str, Any]]:
    """The checkpoint file, its network weights, the config text that built them and its
    meta data. Loaded weights-only, or unpickled where trusted
    (:mod:`dense_direction.mm.checkpoints`)."""
    from dense_direction.mm.checkpoints import load_local_checkpoint
    from dense_direction.mm.inference import find_checkpoint

    path = find_checkpoint(source)
    checkpoint = load_local_checkpoint(str(path), map_location="cpu")
    state = checkpoint.get("state_dict", checkpoint)
    meta = checkpoint.get("meta") or {}
    config = meta.get("cfg")
    folder = source if source.is_dir() else path.parent
    if config is None and (folder / "config.py").is_file():
        config = (folder / "config.py").read_text()
    if config is None:
        raise ValueError(f"{path} carries no config and {folder / 'config.py'} does not exist")
    return path, dict(state), config, meta


def bundle(args: argparse.Namespace) -> Path:
    path, state, config, meta = read_checkpoint(args.source)
    dtype = DTYPES[args.dtype]
    size = sum(
        v.numel() * (dtype.itemsize if v.is_floating_point() else v.element_size())
        for v in state.values()
    )
    if size > args.max_mb * 1e6:
        raise ValueError(
            f"{path}: the weights take {size / 1e6:.1f} MB in {args.dtype}, above --max-mb "
            f"{args.max_mb:g}" + (": try --dtype float16" if args.dtype == "float32" else "")
        )
    for key, value in state.items():
        if value.is_floating_point() and not torch.isfinite(value.to(dtype)).all():
            raise ValueError(f"{key}: values overflow {args.dtype}; bundle in float32")
    root = models_root(args.out)
    if (root / args.name).exists() and not args.overwrite:
        raise FileExistsError(f"{root / args.name} exists: pass --overwrite to replace it")
    figures = json.loads(args.figures.read_text()) if args.figures else {}
    info = dict(
        created=datetime.date.today().isoformat(),
        source=dict(checkpoint=path.name, iteration=meta.get("iter")),
        training=dict(
            command=args.command,
            hardware=args.hardware or this_machine(),
            minutes=args.minutes,
        ),
        figures=figures,
    )
    written = write_bundle(root, args.name, state, config, info, dtype)
    try:  # built and loaded the way users will load it
        from dense_direction.inference import DirectionEstimator

        DirectionEstimator.pretrained(args.name, device="cpu", root=root)
    except Exception:
        shutil.rmtree(written.folder)
        raise
    return written.folder


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        folder = bundle(args)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"bundle_model.py: error: {err}", file=sys.stderr)
        return 2
    manifest = json.loads((folder / "manifest.json").read_text())
    print(
        f"bundled {args.name!r} into {folder}: {manifest['size_bytes'] / 1e6:.2f} MB "
        f"{manifest['dtype']}, {manifest['parameters']} parameters, SHA-256 "
        f"{manifest['sha256'][:12]}...\nfill in its card in docs/models.md with measured "
        f"figures (dense-direction evaluate --model {args.name} ...)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
