"""``dense-direction SUBCOMMAND ...``; each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from collections.abc import Sequence

from dense_direction.cli import analyze, demo, evaluate, predict, synth, train
from dense_direction.hardware import choose_huge_pages

SUBCOMMANDS = {
    "synth": synth,
    "train": train,
    "predict": predict,
    "evaluate": evaluate,
    "demo": demo,
    "analyze": analyze,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dense-direction",
        description="Dense direction estimation of thin linear structures.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in SUBCOMMANDS.items():
        module.add_parser(commands.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    choose_huge_pages()  # before torch allocates its first large tensor
    args = build_parser().parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError) as err:
        print(f"dense-direction {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C: a line that says what was kept, not a traceback through the runner.
        print(f"\ndense-direction {args.command}: interrupted{_after(args)}", file=sys.stderr)
        return 130  # the shell's code for a command ended by SIGINT


def _after(args: argparse.Namespace) -> str:
    """What an interrupted command leaves: a training run can be continued."""
    if args.command == "train":
        return (
            f"; its checkpoints stay in {args.work_dir}: continue it by running the same "
            f"command with --resume (without --overwrite)"
        )
    return ""


def entry() -> None:
    """The ``dense-direction`` program: :func:`main`, then :func:`leave` with its exit code."""
    leave(main())


def leave(code: int) -> None:
    """Exit with ``code`` without Python's module-by-module teardown of the interpreter.

    Once torch and OpenMMLab are loaded that teardown takes about a second (``predict
    --no-tta`` of 16 images of 512²: 7.38 s end to end with it, 6.31 s without;
    ``benchmarks/predict_throughput.py``, docs/benchmarks.md), longer than predicting a few
    small images. The exit handlers still run first (log files,
    child processes, finalizers, temporary files), then the streams are flushed. Where another
    non-daemon thread is still running, or this Python has no way to run the handlers, the
    exit is the usual one."""
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if run_handlers is None or any(not t.daemon for t in others):
        sys.exit(code)
    run_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
