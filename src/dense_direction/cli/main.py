"""``dense-direction SUBCOMMAND ...``; each subcommand lives in its own module, imported when
its parser is built (:data:`SUBCOMMANDS`; a command builds only its own): this module imports
neither torch nor SciPy, so the program starts reading ``predict``'s image first
(:mod:`dense_direction.cli._prefetch`)."""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import ModuleType


class _Subcommands(Mapping[str, ModuleType]):
    """Subcommand name -> its module (``add_parser``, ``run``, ``HELP``), imported on first
    use."""

    NAMES = ("synth", "train", "predict", "evaluate", "demo", "analyze")

    def __getitem__(self, name: str) -> ModuleType:
        if name not in self.NAMES:
            raise KeyError(name)
        return importlib.import_module(f"dense_direction.cli.{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


SUBCOMMANDS = _Subcommands()
#: The commands that predict images, which keep freed memory for reuse
#: (:func:`dense_direction.hardware.reuse_freed_memory`); training returns it.
PREDICTING = frozenset({"predict", "evaluate", "analyze"})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The program's parser; with ``command`` (a subcommand's name) only that subcommand's,
    so that ``predict`` does not import what ``synth`` or ``train`` need (SciPy, the synthetic
    renderer: 0.3 s of every run); else every subcommand's, for the program's help."""
    parser = argparse.ArgumentParser(
        prog="dense-direction",
        description="Dense direction estimation of thin linear structures.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names = [command] if command in SUBCOMMANDS.NAMES else list(SUBCOMMANDS.NAMES)
    for name in names:
        module = SUBCOMMANDS[name]
        module.add_parser(commands.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from dense_direction.hardware import choose_huge_pages

    choose_huge_pages()  # before torch allocates its first large tensor
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    shown = warnings.formatwarning
    warnings.formatwarning = _warning_line(args.command, shown)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError) as err:
        print(f"dense-direction {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        # The disk full, a folder made read-only during the run: a line, not a traceback.
        print(f"dense-direction {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C: a line that says what was kept, not a traceback through the runner.
        print(f"\ndense-direction {args.command}: interrupted{_after(args)}", file=sys.stderr)
        return 130  # the shell's code for a command ended by SIGINT
    finally:
        warnings.formatwarning = shown


def _warning_line(command: str, other: Callable) -> Callable:
    """How warnings print while ``command`` runs: this package's
    (:class:`~dense_direction.notices.DenseDirectionWarning`) as one line that names the
    command (they speak to the user: an image's EXIF rotation, its pixels without a value),
    not as Python's ``file:line: UserWarning:`` followed by a line of source code; other
    packages' as ``other`` prints them."""
    from dense_direction.notices import DenseDirectionWarning

    def line(message, category, filename, lineno, source=None) -> str:  # noqa: ANN001
        if issubclass(category, DenseDirectionWarning):
            return f"dense-direction {command}: warning: {message}\n"
        return other(message, category, filename, lineno, source)

    return line


def _after(args: argparse.Namespace) -> str:
    """What an interrupted command leaves: a training run can be continued."""
    if args.command == "train":
        # --resume refuses --init (a fine-tune continues from its own checkpoints).
        leave_out = " and --init" if getattr(args, "init", None) else ""
        return (
            f"; its checkpoints stay in {args.work_dir}: continue it by running the same "
            f"command with --resume (without --overwrite{leave_out})"
        )
    return ""


def entry() -> None:
    """The ``dense-direction`` program: ``predict``'s image read while the rest loads
    (:func:`dense_direction.cli._prefetch.start_reading`), freed memory kept for reuse by
    the commands that predict (:func:`dense_direction.hardware.reuse_freed_memory`),
    :func:`main`, then :func:`leave` with its exit code."""
    from dense_direction.cli._prefetch import start_reading

    argv = sys.argv[1:]
    # The first image may be read (and warned about) before main sets this.
    warnings.formatwarning = _warning_line(argv[0] if argv else "", warnings.formatwarning)
    start_reading(argv)
    if argv and argv[0] in PREDICTING:
        from dense_direction.hardware import reuse_freed_memory

        reuse_freed_memory()  # before the first image's arrays
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
