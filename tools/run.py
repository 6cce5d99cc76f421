"""Train and/or test a config through mmengine's Runner.

    python tools/run.py --config configs/dir/unet_synthetic_lines_cpu.py [--phase both]
        [--work-dir DIR] [--resume [auto|CHECKPOINT] | --overwrite] [--checkpoint CKPT]
        [--cfg-options key=value ...] [--launcher none|pytorch|slurm|mpi]

Several processes / GPUs / nodes: start it with torchrun and --launcher pytorch, e.g.
``torchrun --nproc_per_node 2 tools/run.py --config ... --launcher pytorch`` (see
docs/training.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mmengine.config import DictAction


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train and/or test a Dense Direction config.")
    parser.add_argument("--config", required=True, help="config file")
    parser.add_argument(
        "--phase", type=str.lower, default="both", choices=("train", "test", "both")
    )
    parser.add_argument("--work-dir", help="where logs and checkpoints go (default: config's)")
    parser.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        default=None,
        help="continue training: from the latest checkpoint in work_dir "
        "(no value / 'auto') or from the given checkpoint",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the checkpoints an earlier run left in work_dir and train afresh (without "
        "it, or --resume, such a work dir is an error: the runs would mix)",
    )
    parser.add_argument(
        "--checkpoint",
        help="weights to test (default: after training, this run's best, else its last; "
        "test alone: the best, else the latest in work_dir, else the config's load_from)",
    )
    parser.add_argument(
        "--trust-checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="allow full unpickling of this checkpoint (see docs/training.md)",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        default={},
        help="override config entries, e.g. train_cfg.max_iters=100",
    )
    parser.add_argument("--launcher", choices=("none", "pytorch", "slurm", "mpi"), default="none")
    parser.add_argument("--local-rank", "--local_rank", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from dense_direction.mm.checkpoints import prepare_work_dir
    from dense_direction.mm.runner import build_runner, close_distributed, load_config, run

    try:
        cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
        if args.phase != "test":
            prepare_work_dir(Path(cfg.work_dir), bool(args.resume), args.overwrite)
        runner = build_runner(cfg, args.resume, args.trust_checkpoint)
        run(runner, args.phase, args.checkpoint)
    except (FileNotFoundError, FileExistsError, ValueError, KeyError) as err:
        print(f"run.py: error: {err}", file=sys.stderr)
        return 2
    finally:
        close_distributed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
