"""The model arguments ``predict``, ``evaluate`` and ``analyze`` share, and loading the model
they name: a checkpoint (``--checkpoint``) or a model bundled with the package (``--model``;
without either, the default bundled model where the command allows it)."""

from __future__ import annotations

import argparse
from typing import Any

from dense_direction.hardware import DEFAULT_INFERENCE_PRECISION, PRECISIONS
from dense_direction.models import DEFAULT_MODEL


def add_model_arguments(parser: argparse.ArgumentParser, bundled_default: bool = True) -> None:
    """``--checkpoint`` or ``--model`` (where ``bundled_default``, neither means the bundled
    model ``DEFAULT_MODEL``), ``--trust-checkpoint``, ``--device``, ``--precision``, ``--tta``."""
    default = f" (default: the bundled model {DEFAULT_MODEL!r})" if bundled_default else ""
    parser.add_argument("--checkpoint", help=f"checkpoint file or work dir{default}")
    parser.add_argument(
        "--model",
        metavar="NAME",
        help=f"a model bundled with the package instead of --checkpoint{default}; "
        "docs/models.md lists them",
    )
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
        default=DEFAULT_INFERENCE_PRECISION,
        help=f"the network's forward pass: float32, bfloat16, or auto (bfloat16 where the CPU "
        f"or GPU computes it natively, else float32); default {DEFAULT_INFERENCE_PRECISION}",
    )
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="test-time augmentation: average over the 8 rotations and flips of each image "
        "(default on; --no-tta is 8x faster, with about a third more error on the width "
        "benchmark: 3.78 vs 2.86 degrees on centre-lines, docs/results.md)",
    )


def load_estimator(args: argparse.Namespace, bundled_default: bool = True) -> Any:
    """The ``DirectionEstimator`` of ``args.checkpoint``, else of the bundled model
    ``args.model`` (else :data:`DEFAULT_MODEL` where ``bundled_default``), which the first line
    of output names. A refused (untrusted) checkpoint, a missing bundled model or an unusable
    device is a ``ValueError`` / ``FileNotFoundError`` the command reports as a message."""
    from dense_direction.mm.checkpoints import UntrustedCheckpointError
    from dense_direction.mm.inference import DirectionEstimator

    if args.checkpoint is not None and args.model is not None:
        raise ValueError("--checkpoint and --model name two models: give one")
    if args.checkpoint is None:
        if args.model is None and not bundled_default:
            raise ValueError("no model: give --checkpoint CKPT_OR_WORK_DIR or --model NAME")
        from dense_direction.models import bundled_model

        bundle = bundled_model(args.model or DEFAULT_MODEL)
        print(f"model: bundled {bundle.summary()}; --checkpoint uses your own", flush=True)
        return DirectionEstimator.pretrained(
            bundle.name, device=args.device, precision=args.precision, root=bundle.folder.parent
        )
    try:
        return DirectionEstimator.from_checkpoint(
            args.checkpoint,
            device=args.device,
            trust=args.trust_checkpoint,
            precision=args.precision,
        )
    except UntrustedCheckpointError as err:
        raise ValueError(str(err)) from err
