"""``dense-direction train``: train from images and masks without writing a config.

The command picks a preset config (package data: :mod:`dense_direction.cli._presets`), points
it at your folders, sets the schedule, hooks and evaluation, saves the generated config as
``WORK_DIR/config.py`` and runs it through the same runner as ``tools/run.py``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from dense_direction.cli._presets import PRESETS, preset_config
from dense_direction.cli._train_checks import (
    check_bundle_fits,
    check_same_network,
    check_same_training,
)
from dense_direction.cli._train_data import adapt_pipeline, datasets, mask_labels, validation
from dense_direction.cli._wide import WIDE_MODES, configure_wide
from dense_direction.hardware import PRECISIONS, data_workers
from dense_direction.io import check_ignore_label, output_folder

HELP = "train a direction model from images and masks (no config needed)"
#: Iterations without --iters; with --time-budget only the first plan (the budget decides).
DEFAULT_ITERS = 4000


def add_parser(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data (either --data, or --images and --masks)")
    data.add_argument("--data", type=Path, help="a folder in the `dense-direction synth` layout")
    data.add_argument("--images", type=Path, help="training images")
    data.add_argument(
        "--masks",
        type=Path,
        help="training masks, same names: any non-zero value is structure (any channel)",
    )
    data.add_argument(
        "--positive-labels",
        type=int,
        nargs="+",
        metavar="LABEL",
        help="label masks: only these values are structure, all others background, in "
        "--masks and --val-masks alike (masks must be single-channel: gray or palette "
        "PNG/TIFF)",
    )
    data.add_argument(
        "--ignore-label",
        type=int,
        metavar="LABEL",
        help="a mask value that is neither structure nor background, learned from by no loss "
        "(mmseg's label masks: 255 along uncertain edges); single-channel masks. Masks of "
        "exactly 0, 1 and 255 need it or --positive-labels",
    )
    data.add_argument(
        "--invert-masks",
        action="store_true",
        help="masks drawn dark on light: structure is where the mask is 0 (by default any "
        "non-zero value is structure), in --masks and --val-masks alike",
    )
    data.add_argument(
        "--val-images",
        type=Path,
        help="validation images (default: every 10th training pair is held out)",
    )
    data.add_argument(
        "--val-masks", type=Path, help="the masks of --val-images (same stems; needed with it)"
    )
    data.add_argument(
        "--val-directions",
        type=Path,
        help="validation direction maps (.npy, radians, y up) to pick the best "
        "checkpoint by angular error",
    )
    data.add_argument(
        "--val-centerlines",
        type=Path,
        help="validation centre-lines: error measured on them (directions from "
        "their structure tensor when --val-directions is absent)",
    )
    parser.add_argument("--work-dir", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--model",
        choices=sorted(PRESETS),
        default="unet",
        help="; ".join(f"{k}: {v[1]}" for k, v in PRESETS.items()),
    )
    parser.add_argument(
        "--wide",
        choices=sorted(WIDE_MODES),
        default="medial",
        help="; ".join(f"{k}: {v}" for k, v in WIDE_MODES.items()),
    )
    parser.add_argument(
        "--iters",
        type=int,
        help=f"iterations (default {DEFAULT_ITERS}: about 9-10 min on 2 CPU cores with bfloat16 "
        "units, 0.13-0.15 s each for the UNet presets; with --time-budget, as many as the "
        "budget affords)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        metavar="MINUTES",
        help="train for this many minutes: the run is fitted to what they afford (the "
        "learning rate anneals by the end; without --iters, as many iterations as fit), "
        "then stops gracefully, keeping the best model",
    )
    parser.add_argument(
        "--lr",
        type=float,
        metavar="PEAK",
        help="peak learning rate of the one-cycle schedule (default: the preset's, 0.003 "
        "for the UNet presets)",
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop", type=int, default=128, help="training crop size (128)")
    parser.add_argument("--backbone-weights", help="local DINOv2 model folder (dinov2-dpt)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --work-dir")
    parser.add_argument(
        "--init",
        metavar="NAME_OR_CHECKPOINT",
        help="fine-tune: start from these weights with a fresh optimizer and schedule: a model "
        "bundled with the package (e.g. general; docs/models.md), a checkpoint file or a work "
        "dir (its best checkpoint); the config key is load_from",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in a --work-dir that holds checkpoints of an earlier run, deleting "
        "them (*.pth, last_checkpoint)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="random seed of the run: weight initialisation, sample order, crops (default: the "
        "config's, 0; the same command and seed give the same weights on the same machine)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="data loading processes (default: none on 2 cores or fewer, else a quarter of the "
        "cores, at most 4)",
    )
    parser.add_argument(
        "--threads", type=int, help="threads for the network's maths (default: all cores)"
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="forward-pass precision: auto (default) autocasts to bfloat16 where the CPU or GPU "
        "computes it natively, which about doubles the speed, else float32; losses are "
        "float32 always",
    )


#: Folders that ``--data`` (the synth layout) replaces.
FOLDER_FLAGS = ("images", "masks", "val_images", "val_masks", "val_directions", "val_centerlines")


def check_arguments(args: argparse.Namespace) -> None:
    """Contradicting or impossible arguments are an error before anything is built."""
    if args.data is not None:
        given = [f"--{f.replace('_', '-')}" for f in FOLDER_FLAGS if getattr(args, f) is not None]
        given += [
            flag
            for flag, value in (
                ("--positive-labels", args.positive_labels),
                ("--ignore-label", args.ignore_label),
                ("--invert-masks", args.invert_masks or None),
            )
            if value is not None
        ]
        if given:
            raise ValueError(f"--data names its own folders and masks; drop {', '.join(given)}")
    if args.init is not None and args.resume:
        raise ValueError("--init starts a new run from weights, --resume continues one: give one")
    for flag, value, least in (
        ("--iters", 1 if args.iters is None else args.iters, 1),
        ("--batch-size", args.batch_size, 1),
        ("--crop", args.crop, 1),
        ("--workers", 0 if args.workers is None else args.workers, 0),
        ("--threads", 1 if args.threads is None else args.threads, 1),
    ):
        if value < least:
            raise ValueError(f"{flag} must be >= {least}, got {value}")
    if args.positive_labels is not None and min(args.positive_labels) < 0:
        # Mask values are never negative: such a label matches no pixel.
        raise ValueError(
            f"--positive-labels are mask values, >= 0; got {min(args.positive_labels)}"
        )
    try:
        check_ignore_label(args.ignore_label, args.positive_labels)
    except ValueError as err:
        raise ValueError(f"--ignore-label: {err}") from None
    if args.seed is not None and not 0 <= args.seed < 2**32:  # what numpy's seeding takes
        raise ValueError(f"--seed must be in 0..{2**32 - 1}, got {args.seed}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise ValueError(f"--lr must be a positive number, got {args.lr}")
    if args.time_budget is not None and not args.time_budget > 0:
        raise ValueError(
            f"--time-budget must be a positive number of minutes, got {args.time_budget}"
        )


def build_config(args: argparse.Namespace) -> Any:
    from dense_direction.mm.caching import cache_loading
    from dense_direction.mm.runner import load_config, match_schedule_length

    check_arguments(args)
    cfg = load_config(preset_config(args.model), work_dir=args.work_dir)
    configure_wide(cfg, args.wide)
    train_pipeline = cache_loading(adapt_pipeline(cfg.train_pipeline, mask_labels(args), args.crop))
    val_pipeline, evaluator, best = validation(args, cfg)
    train_set, val_set = datasets(args, train_pipeline, val_pipeline)
    workers = data_workers() if args.workers is None else args.workers
    loader = dict(num_workers=workers, persistent_workers=workers > 0)
    # Assign (not update): ConfigDict.update merges, which would keep the preset's dataset keys.
    cfg.train_dataloader = dict(
        cfg.train_dataloader, **loader, batch_size=args.batch_size, dataset=train_set
    )
    cfg.val_dataloader = dict(cfg.val_dataloader, **loader, dataset=val_set)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = cfg.test_evaluator = evaluator
    iters = args.iters
    if args.resume:
        iters = _resume_length(args.work_dir, iters)
    iters = DEFAULT_ITERS if iters is None else iters
    interval = max(1, min(500, iters // 5))
    cfg.train_cfg.update(max_iters=iters, val_interval=interval)
    match_schedule_length(cfg)
    for scheduler in cfg.param_scheduler:
        if args.lr is not None and "eta_max" in scheduler:
            scheduler["eta_max"] = args.lr
    if args.lr is not None:
        cfg.optim_wrapper.optimizer.lr = args.lr
    cfg.default_hooks.checkpoint.update(
        interval=interval, save_best=best, rule="less", max_keep_ckpts=2
    )
    cfg.default_hooks.logger.interval = 50
    if cfg.optim_wrapper.type in ("OptimWrapper", "AutocastOptimWrapper"):
        cfg.optim_wrapper = dict(
            cfg.optim_wrapper, type="AutocastOptimWrapper", precision=args.precision
        )
    hooks = [dict(type="ProgressBarHook")]
    if args.time_budget is not None:
        extend = args.iters is None  # the budget, not a default, decides the length
        hooks.append(dict(type="TimeBudgetHook", minutes=args.time_budget, extend=extend))
    cfg.custom_hooks = [*cfg.get("custom_hooks", []), *hooks]
    if args.seed is not None:
        cfg.randomness = dict(cfg.get("randomness", {}), seed=args.seed)
    if args.backbone_weights:
        _use_backbone_weights(cfg, args.backbone_weights, args.model)
    if args.init is not None:
        cfg.load_from = init_weights(args.init)
        check_bundle_fits(cfg, args.model)
    _name_what_acts(cfg)
    return cfg


def _name_what_acts(cfg: Any) -> None:
    """Set the preset's top-level names to what this run uses. They described the preset, not
    the run, in the ``config.py`` it saves, and misled whoever inherits that file
    (``{{_base_.train_pipeline}}`` kept the preset's 128-px crop for a run trained at 64,
    ``data_root`` named a folder the run never read). A name with nothing to say is removed."""
    train_set = cfg.train_dataloader["dataset"]
    steps = train_set["pipeline"]
    crop = next((s["crop_size"] for s in steps if s["type"] == "MaskGuidedRandomCrop"), None)
    acting = dict(
        train_pipeline=steps,
        test_pipeline=cfg.val_dataloader["dataset"]["pipeline"],
        train_iters=cfg.train_cfg.max_iters,
        dataset_type=train_set["type"],
        crop_size=crop,
        data_root=train_set.get("data_root"),
    )
    for name, value in acting.items():
        if value is not None:
            cfg[name] = value
        elif name in cfg:
            cfg.pop(name)


def _resume_length(work_dir: Path, iters: int | None) -> int | None:
    """The length of a resumed run: ``--iters`` if given and within the run's own length
    (:func:`resumed_length`), the run's own length without it. Beyond it the one-cycle
    schedule has ended (mmengine stops stepping it) and every further iteration would run at
    the final, near-zero learning rate: an error that says what to do instead."""
    from dense_direction.mm.checkpoints import resumed_length

    length = resumed_length(work_dir)
    if iters is None or length is None or iters <= length:
        return length if iters is None else iters
    raise ValueError(
        f"--resume continues the run in {work_dir} to its own length, {length} iterations "
        f"(its learning-rate schedule ends there; --iters {iters} would train at the final, "
        f"near-zero rate): drop --iters, or train further from its weights with a new "
        f"schedule: --init {work_dir} --iters {iters} --work-dir NEW_DIR"
    )


def _use_backbone_weights(cfg: Any, folder: str, preset: str) -> None:
    """Point a preset's pretrained backbone at ``--backbone-weights``: a folder that exists,
    for a preset whose backbone takes one (errors name the flag, not config keys)."""
    if "pretrained" not in cfg.model.get("backbone", {}):
        takes = [name for name in PRESETS if "dino" in name]
        raise ValueError(
            f"--backbone-weights is for a preset with a pretrained backbone ({', '.join(takes)}); "
            f"--model {preset} trains its backbone from scratch: drop --backbone-weights"
        )
    if not Path(folder).is_dir():
        raise FileNotFoundError(
            f"--backbone-weights {folder}: no such folder (give the local folder of the "
            "downloaded model, holding its config.json and weights)"
        )
    cfg.model.backbone.pretrained = str(folder)


def init_weights(value: str) -> str:
    """``load_from`` for ``--init``: a checkpoint file, a work dir's best (else latest)
    checkpoint, or ``bundled://NAME`` for a bundled model whose checksums match."""
    from dense_direction.mm.checkpoints import BUNDLED_PREFIX, best_or_latest_checkpoint
    from dense_direction.models import bundled_model, bundled_models

    path = Path(value)
    if path.is_file():
        return str(path)
    if path.is_dir():
        found = best_or_latest_checkpoint(path)
        if found is None:
            raise FileNotFoundError(f"--init {value}: no checkpoint in that folder")
        return found
    if value in bundled_models():
        bundled_model(value).verify()
        return BUNDLED_PREFIX + value
    names = ", ".join(bundled_models()) or "none installed"
    raise FileNotFoundError(
        f"--init {value}: neither a checkpoint file, a work dir nor a bundled model "
        f"(bundled: {names})"
    )


def _already_complete(cfg: Any, resume: bool) -> bool:
    """Whether ``--resume`` found the run at its last iteration (the runner would load it and
    stop without a word); says so, and how to train further."""
    from dense_direction.mm.checkpoints import checkpoint_iteration

    if not resume:  # a new run's config may not name load_from at all
        return False
    done, total = checkpoint_iteration(cfg.get("load_from") or ""), cfg.train_cfg.max_iters
    if done < total:
        return False
    print(
        f"--resume: the run is already complete ({done} of {total} iterations, "
        f"{cfg.load_from}); nothing to train. To train it further, start a new run from its "
        f"weights: --init {cfg.get('work_dir', 'WORK_DIR')} --iters N --work-dir NEW_DIR"
    )
    return True


def _resumed_run_is_complete(cfg: Any, work_dir: Path) -> bool:
    """:func:`_already_complete` for the checkpoint ``--resume`` would continue from, found
    before anything is written (the runner finds it once built)."""
    from dense_direction.mm.checkpoints import latest_complete_checkpoint

    latest = latest_complete_checkpoint(work_dir)[0]
    if latest is None:  # the runner says what to do
        return False
    probe = dict(load_from=latest, train_cfg=dict(max_iters=cfg.train_cfg.max_iters))
    config = type(cfg)  # mmengine's Config, as the run's (cli imports no mmengine itself)
    return _already_complete(config(dict(probe, work_dir=cfg.get("work_dir"))), resume=True)


def run(args: argparse.Namespace) -> int:
    import torch

    from dense_direction.mm.checkpoints import prepare_work_dir
    from dense_direction.mm.runner import build_runner

    output_folder(args.work_dir, "--work-dir", make=False)  # before the data is checked
    cfg = build_config(args)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    prepare_work_dir(args.work_dir, args.resume, args.overwrite)
    if args.resume:
        check_same_network(cfg, args.work_dir / "config.py")
        check_same_training(cfg, args.work_dir / "config.py")
        if _resumed_run_is_complete(cfg, args.work_dir):  # config.py stays as the run wrote
            _report(args.work_dir, cfg, best=None)  # it (it was rewritten: a fine-tune's
            return 0  # load_from became the resumed checkpoint)
    output_folder(args.work_dir, "--work-dir")
    cfg.dump(str(args.work_dir / "config.py"))
    # Run what was written: the runner also dumps its config into the work dir, under the
    # file name the config was read from (the preset's, e.g. unet_synthetic_lines_cpu.py, a
    # second copy named after synthetic data); read back, that name is config.py.
    cfg = type(cfg).fromfile(str(args.work_dir / "config.py"))
    runner = build_runner(cfg, resume=args.resume or None)
    runner.train()
    _report(args.work_dir, cfg, runner.message_hub.get_info("best_score"))
    return 0


def _report(work_dir: Path, cfg: Any, best: float | None) -> None:
    """The run's config file and best checkpoint (with its score where known)."""
    from dense_direction.mm.checkpoints import best_checkpoint

    found = best_checkpoint(work_dir)
    print(f"\nconfig: {work_dir / 'config.py'}")
    if found:
        print(
            f"best checkpoint: {found} ({cfg.default_hooks.checkpoint.save_best} {best:.4f})"
            if best is not None
            else f"best checkpoint: {found}"
        )
