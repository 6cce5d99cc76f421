"""The model arguments ``predict``, ``evaluate`` and ``analyze`` share, and loading the model
they name: a checkpoint (``--checkpoint``) or a model bundled with the package (``--model``;
without either, the default bundled model where the command allows it)."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

from dense_direction.hardware import DEFAULT_INFERENCE_PRECISION, PRECISIONS, resolve_device
from dense_direction.io import sha256
from dense_direction.models import DEFAULT_MODEL
from dense_direction.scales import (
    AUTO,
    DEFAULT_SCALES,
    DEFAULT_TARGET_WIDTH,
    check_scales,
    check_target_width,
)
from dense_direction.smoothing import DEFAULT_SMOOTH, check_smooth
from dense_direction.tiling import (
    DEFAULT_BORDER,
    DEFAULT_OVERLAP,
    DEFAULT_TILE,
    MAX_BORDER,
    MIN_CLI_TILE,
    check_border,
    check_tiling,
)
from dense_direction.tta import SYMMETRIES, TTA_PASSES


def add_model_arguments(parser: argparse.ArgumentParser, bundled_default: bool = True) -> None:
    """``--checkpoint`` or ``--model`` (where ``bundled_default``, neither means the bundled
    model ``DEFAULT_MODEL``), ``--trust-checkpoint``, ``--device``, ``--precision``, and how
    to predict: ``--tile``, ``--overlap``, ``--border``, ``--tta``, ``--scales``,
    ``--target-width``, ``--smooth``."""
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
        type=int,
        nargs="?",
        const=len(SYMMETRIES),
        default=len(SYMMETRIES),
        choices=TTA_PASSES,
        metavar="N",
        help="test-time augmentation: average over the 8 rotations and flips of each image "
        "(the default), or over the first N of them (4: the quarter turns; 2; 1: none), for "
        "N network passes; docs/results.md measures the error of each",
    )
    parser.add_argument(
        "--no-tta",
        dest="tta",
        action="store_const",
        const=1,
        help="no test-time augmentation (= --tta 1): one network pass, the fast path (3.9x "
        "faster than the default end to end on a 4000x3000 image; on the bundled model's "
        "held-out set 7.54 vs 6.90 degrees, --tta 4 7.00 in 56 %% of the time: "
        "docs/results.md)",
    )
    parser.add_argument(
        "--tile",
        type=int,
        default=DEFAULT_TILE,
        metavar="PX",
        help=f"largest tile side: images are cut into the fewest tiles of at most this size "
        f"that overlap enough, fitted to the image (default {DEFAULT_TILE}, at least "
        f"{MIN_CLI_TILE}; larger tiles take more memory and gain little speed on a CPU: "
        f"benchmarks/tile_seams.py)",
    )
    parser.add_argument(
        "--overlap",
        type=int,
        default=DEFAULT_OVERLAP,
        metavar="PX",
        help=f"smallest overlap of neighbouring tiles, blended (default {DEFAULT_OVERLAP})",
    )
    parser.add_argument(
        "--border",
        type=int,
        default=DEFAULT_BORDER,
        metavar="PX",
        help=f"padding around each image (its smooth part replicated from the edge, its detail "
        f"mirrored), so that structures leaving the frame do not end at it (default "
        f"{DEFAULT_BORDER}, at most {MAX_BORDER}; 0 turns it off)",
    )
    parser.add_argument(
        "--scales",
        type=_scale,
        nargs="+",
        default=list(DEFAULT_SCALES),
        metavar="S",
        help="also predict the image shrunk by these factors (e.g. 1 0.5 0.25): they find "
        "structures wider than the network alone does (about 48 px) and give the directions "
        "inside structures wider than --target-width, widths read from the predicted mask "
        f"(joint segmentation + direction models); {AUTO}: 1 0.5 0.25 where the image "
        "shrunk to 1/4 shows a structure 48 px wide or more, else 1 alone (for images of "
        "roads, vessels or cracks wider than about 48 px); default 1 (off); docs/results.md "
        "measures them",
    )
    parser.add_argument(
        "--target-width",
        type=float,
        default=DEFAULT_TARGET_WIDTH,
        metavar="PX",
        help=f"width a structure is shown to the network at, with --scales (default "
        f"{DEFAULT_TARGET_WIDTH:g})",
    )
    parser.add_argument(
        "--smooth",
        type=float,
        default=None,
        metavar="F",
        help="inside structures wider than 6 px, average the directions over a Gaussian of F "
        "times the local width, read from the predicted mask (joint segmentation + direction "
        f"models); default {DEFAULT_SMOOTH:g} for those, off for direction-only models; 0 "
        "turns it off (docs/results.md measures it)",
    )


def _scale(text: str) -> float | str:
    """One ``--scales`` value: a factor, or ``auto``."""
    if text == AUTO:
        return AUTO
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a factor in (0, 1] or {AUTO!r}, got {text!r}") from None


def _given_scales(args: argparse.Namespace) -> list[float] | str:
    """``--scales`` as given: the factors, or ``auto`` alone."""
    given = args.scales
    if AUTO in given and len(given) > 1:
        raise ValueError(f"--scales {AUTO} stands alone, got {' '.join(map(str, given))}")
    return AUTO if given == [AUTO] else given


def prediction_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``DirectionEstimator.predict`` from the shared arguments, checked
    (a ``ValueError`` naming the bad one) before any model is loaded; what depends on the
    model is :func:`load_estimator`'s to check."""
    resolve_device(args.device)  # before the model loads and the first image is read
    check_tiling(args.tile, args.overlap, MIN_CLI_TILE, names=("--tile", "--overlap"))
    check_border(args.border, "--border")
    scales = check_scales(_given_scales(args), "--scales")  # as they act: largest first
    check_target_width(args.target_width, "--target-width")
    if args.smooth is not None:
        check_smooth(args.smooth, "--smooth")
    return dict(
        tile=args.tile,
        overlap=args.overlap,
        border=args.border,
        tta=args.tta,
        scales=scales,
        target_width=args.target_width,
        smooth=args.smooth,
    )


def model_source(args: argparse.Namespace) -> str:
    """The model the arguments name, for records: a checkpoint path or ``bundled:<name>``."""
    if args.checkpoint is not None:
        return str(args.checkpoint)
    return f"bundled:{args.model or DEFAULT_MODEL}"


def model_identity(args: argparse.Namespace) -> dict[str, str]:
    """What the arguments' model is, for records that must tell two models apart: its source
    (:func:`model_source`), the weights file it resolves to (a work dir's best checkpoint, a
    bundled model's weights) and that file's SHA-256: the same file named two ways is one
    model, a work dir trained again is another."""
    if args.checkpoint is not None:
        from dense_direction.mm.checkpoints import find_checkpoint

        weights = find_checkpoint(args.checkpoint).resolve()
        stat = weights.stat()
        digest = _digest(weights, stat.st_size, stat.st_mtime_ns)
    else:
        from dense_direction.models import bundled_model

        bundle = bundled_model(args.model or DEFAULT_MODEL)
        weights, digest = bundle.weights, str(bundle.manifest.get("sha256"))
    return {"model": model_source(args), "weights": str(weights), "sha256": digest}


def resolved_options(options: dict, estimator: object) -> dict:
    """``options`` as they act: ``smooth=None`` is the strength the model gets, the target
    width only matters with several scales, and the precision is the one used."""
    resolved = {key: list(v) if isinstance(v, tuple) else v for key, v in options.items()}
    resolved["smooth"] = estimator.check_smooth(options["smooth"])
    if options["scales"] != AUTO and len(options["scales"]) < 2:
        resolved.pop("target_width")
    resolved["precision"] = str(estimator.dtype).removeprefix("torch.")
    return resolved


@functools.lru_cache(maxsize=8)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    """The SHA-256 of ``path``, read once per size and modification time (``predict`` names
    its model on its first line and again in its run record)."""
    return sha256(path)


def load_estimator(args: argparse.Namespace, bundled_default: bool = True) -> Any:
    """The ``DirectionEstimator`` of ``args.checkpoint``, else of the bundled model
    ``args.model`` (else :data:`DEFAULT_MODEL` where ``bundled_default``), which the first line
    of output names. A refused (untrusted) checkpoint, a missing bundled model, an unusable
    device or ``--scales`` the model cannot use is a ``ValueError`` / ``FileNotFoundError``
    the command reports as a message."""
    estimator = _load(args, bundled_default)
    estimator.check_scales(_given_scales(args), "--scales")
    estimator.check_smooth(args.smooth, "--smooth")
    return estimator


def _load(args: argparse.Namespace, bundled_default: bool) -> Any:
    # The core estimator: a bundled model's network is built without OpenMMLab (1 s less
    # start-up), a checkpoint by the adapter.
    from dense_direction.inference import DirectionEstimator

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
    from dense_direction.mm.checkpoints import UntrustedCheckpointError

    identity = model_identity(args)
    print(f"model: checkpoint {identity['weights']} (SHA-256 {identity['sha256'][:12]})")
    try:
        return DirectionEstimator.from_checkpoint(
            args.checkpoint,
            device=args.device,
            trust=args.trust_checkpoint,
            precision=args.precision,
        )
    except UntrustedCheckpointError as err:
        raise ValueError(str(err)) from err
