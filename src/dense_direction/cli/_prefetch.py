"""The image of ``dense-direction predict --input FILE`` read while the program starts.

The program spends its first second or so importing torch and SciPy, on one core, holding
Python's lock most of the time; decoding an image releases it. So the ``dense-direction``
program (:func:`dense_direction.cli.main.entry`) starts reading the one image a ``predict``
names before it imports them (this module and :mod:`dense_direction.io` need NumPy and
Pillow only), and ``predict`` takes the result for its first image. A 4000x3000
``predict --no-tta`` took 6.72 -> 6.57 s (median of six, ``benchmarks/predict_before_after.py
--before-bundled``, docs/benchmarks.md). Folders and patterns are left
to ``predict``'s own read-ahead, which lists them with its messages about what it skips.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

__all__ = ["start_reading", "take_read"]

_read: tuple[Path, Future] | None = None


def start_reading(argv: Sequence[str]) -> None:
    """Where ``argv`` (the program's arguments) is ``predict`` with ``--input`` naming a
    file, start reading it in a daemon thread; otherwise do nothing."""
    global _read
    path = _single_input(argv)
    if path is None:
        return
    from dense_direction.io import read_image_and_no_data

    future: Future = Future()

    def read() -> None:
        try:
            future.set_result(read_image_and_no_data(path))
        except BaseException as err:  # handed to predict, which reports it
            future.set_exception(err)

    threading.Thread(target=read, name="predict-first-read", daemon=True).start()
    _read = (path.resolve(), future)


def take_read(path: str | Path) -> Future | None:
    """The read started for ``path`` (its future, once: of
    :func:`dense_direction.io.read_image_and_no_data`), or None where none was."""
    global _read
    if _read is None or _read[0] != Path(path).resolve():
        return None
    future, _read = _read[1], None
    return future


def _single_input(argv: Sequence[str]) -> Path | None:
    """The file ``predict --input FILE`` (or ``--input=FILE``) names, else None."""
    if not argv or argv[0] != "predict":
        return None
    value = None
    for i, arg in enumerate(argv[1:], start=1):
        if arg == "--input" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--input="):
            value = arg.split("=", 1)[1]
    path = None if value is None else Path(value)
    return path if path is not None and path.is_file() else None
