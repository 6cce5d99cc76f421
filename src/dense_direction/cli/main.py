"""``dense-direction SUBCOMMAND ...``; each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dense_direction.cli import analyze, demo, evaluate, predict, synth, train

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
    args = build_parser().parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].run(args)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError) as err:
        print(f"dense-direction {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
