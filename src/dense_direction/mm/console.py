"""What OpenMMLab prints to the console, and what only goes to the run's log file.

* Importing this module imports ``mmseg.datasets``, which prints "Could not import OneDL"
  twice (a debug note about an optional package, printed with ``print``); that note goes to
  the ``dense_direction`` logger at DEBUG level instead of stdout.
* :func:`quiet_setup` holds back the runner's INFO lines from the console while it is being
  set up (environment, the whole config, hook order, weight initialisation: ~450 lines); they
  still go to the work dir's log file, whose path is printed instead. mmengine's warnings
  about its own deprecated internals go to the file only, for the whole run. :class:`ConsoleHook`
  lets INFO lines through again once a checkpoint is loaded or resumed, or training,
  validation or testing starts. Warnings and errors always reach the console.
"""

from __future__ import annotations

import contextlib
import io
import logging
from typing import Any

from mmengine.hooks import Hook

__all__ = ["ConsoleHook", "log_file", "quiet_setup"]

_NOTES = {"Could not import OneDL"}


def _import_mmseg_quietly() -> None:
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        import mmseg.datasets  # noqa: F401
    for line in captured.getvalue().splitlines():
        if line.strip() in _NOTES:
            logging.getLogger("dense_direction").debug(line)
        else:
            print(line)


_import_mmseg_quietly()


def _console_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if type(h) is logging.StreamHandler]


def log_file(logger: logging.Logger) -> str | None:
    """The file the logger writes to, if any."""
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    return files[0].baseFilename if files else None


#: Notes mmengine gives about its own internals, which nobody using it can act on (its
#: checkpoint hook still builds the deprecated FileClient on every run; which storage backend
#: loads a resumed checkpoint, whose file the resume line already names): log file only.
_INTERNAL_NOTES = (
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias of "LocalBackend"',
    "Loads checkpoint by ",
)


class _LogFileOnly(logging.Filter):
    """Keeps mmengine's notes about its own internals off the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_INTERNAL_NOTES)


def quiet_setup(logger: logging.Logger) -> dict[logging.Handler, int]:
    """Raise ``logger``'s console handlers to WARNING, and keep mmengine's notes about its
    internals off them for good; returns the levels to restore."""
    levels = {}
    for handler in _console_handlers(logger):
        if not any(isinstance(f, _LogFileOnly) for f in handler.filters):
            handler.addFilter(_LogFileOnly())
        if handler.level < logging.WARNING:
            levels[handler] = handler.level
            handler.setLevel(logging.WARNING)
    return levels


class ConsoleHook(Hook):
    """Restores the console levels :func:`quiet_setup` raised when the first training
    iteration, validation or test starts (the set-up is over)."""

    priority = "HIGHEST"

    def __init__(self, levels: dict[logging.Handler, int]) -> None:
        self.levels = levels

    def open(self, *_: Any, **__: Any) -> None:
        """Let INFO lines reach the console again (any hook arguments are ignored)."""
        for handler, level in self.levels.items():
            handler.setLevel(level)
        self.levels = {}

    before_train_iter = before_val_epoch = before_test_epoch = open
