"""The model arguments ``predict`` and ``evaluate`` share, and loading the model they name."""

from __future__ import annotations

import argparse
from typing import Any

from dense_direction.hardware import PRECISIONS

#: Inference precision unless --precision is given.
DEFAULT_PRECISION = "float32"


def add_model_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """``--checkpoint`` (optional where ``required`` is False), ``--trust-checkpoint``,
    ``--device``, ``--precision`` and ``--tta``."""
    parser.add_argument("--checkpoint", required=required, help="checkpoint file or work dir")
    parser.add_argument(
        "--trust-checkpoint",
        action="store_true",
        help="allow full unpickling of the checkpoint, which runs code from the file: only for "
        "files you trust (checkpoints this project's training wrote, listed in the run record "
        "checkpoints.json next to them, load without it; docs/training.md)",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda if any)")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=DEFAULT_PRECISION,
        help=f"the network's forward pass: float32, bfloat16, or auto (bfloat16 where the CPU "
        f"or GPU computes it natively, else float32); default {DEFAULT_PRECISION}",
    )
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="test-time augmentation: average over the 8 rotations and flips of each image "
        "(default on; --no-tta is 8x faster, with about a third more error on the width "
        "benchmark: 3.78 vs 2.86 degrees on centre-lines, docs/results.md)",
    )


def load_estimator(args: argparse.Namespace) -> Any:
    """The ``DirectionEstimator`` of ``args.checkpoint``; a refused (untrusted) checkpoint or an
    unusable device is a ``ValueError`` the command reports as a message."""
    from dense_direction.mm.checkpoints import UntrustedCheckpointError
    from dense_direction.mm.inference import DirectionEstimator

    try:
        return DirectionEstimator.from_checkpoint(
            args.checkpoint,
            device=args.device,
            trust=args.trust_checkpoint,
            precision=args.precision,
        )
    except UntrustedCheckpointError as err:
        raise ValueError(str(err)) from err
