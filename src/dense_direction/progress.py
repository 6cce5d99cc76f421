"""Progress of a long job, for a person at a terminal and for a log file.

At a terminal (stdout and stderr both TTYs) :class:`Progress` draws a tqdm bar on stderr.
Anywhere else (output redirected to a file, a pipe, a CI log) it prints whole lines to stdout
instead of carriage-return frames: one each ``step`` percent or each ``interval`` seconds,
whichever comes first, and one at the end, so other log lines never get glued to it.

The fraction done is ``done / total`` unless the caller gives its own (a time budget:
``max(done / total, elapsed / budget)``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO, TypeVar

from tqdm import tqdm

__all__ = ["Progress", "is_interactive", "track"]

T = TypeVar("T")


def is_interactive() -> bool:
    """Whether a person watches the output: stdout and stderr are both terminals."""
    return all(getattr(s, "isatty", lambda: False)() for s in (sys.stdout, sys.stderr))


def _clock_text(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class Progress:
    """A progress report of ``total`` ``unit`` s named ``desc``.

    Args:
        total: the size of the job (iterations, images).
        desc: the name shown first on each line (``train``).
        initial: units already done (a resumed run).
        stream: where to write; ``None``: stderr at a terminal, else stdout.
        interactive: a tqdm bar (True) or lines (False); ``None``: :func:`is_interactive`.
        step: in line mode, a line at each multiple of this many percent.
        interval: in line mode, a line at least this often (seconds) while the job advances.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(
        self,
        total: int,
        desc: str,
        unit: str = "it",
        initial: int = 0,
        stream: TextIO | None = None,
        interactive: bool | None = None,
        step: float = 5.0,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.desc, self.unit = max(int(total), 1), desc, unit
        self.done, self.fraction, self.postfix = int(initial), initial / max(total, 1), ""
        self.interactive = is_interactive() if interactive is None else interactive
        self.stream = stream or (sys.stderr if self.interactive else sys.stdout)
        self.step, self.interval, self.clock = step, interval, clock
        self.start = self.last_time = clock()
        self.last_percent = self._percent()
        self.bar = None
        if self.interactive:
            bar_format = "{desc}: {percentage:3.0f}%|{bar}| {postfix}"
            self.bar = tqdm(total=100.0, desc=desc, file=self.stream, bar_format=bar_format)
            self.bar.update(self._percent())

    def _percent(self) -> float:
        return 100.0 * min(max(self.fraction, 0.0), 1.0)

    def status(self) -> str:
        """``"12/40 it, 00:31 elapsed, 01:20 left, loss=0.4"``: the text after the percentage."""
        elapsed = self.clock() - self.start
        text = f"{self.done}/{self.total} {self.unit}, {_clock_text(elapsed)} elapsed"
        if 0 < self.fraction < 1:
            text += f", {_clock_text(elapsed * (1 - self.fraction) / self.fraction)} left"
        return f"{text}, {self.postfix}" if self.postfix else text

    def advance(self, n: int = 1, fraction: float | None = None, postfix: str = "") -> None:
        """``n`` more units done; ``fraction``: the share of the job done, if not
        ``done / total``; ``postfix``: shown after the counts (``loss=0.42``)."""
        self.done += n
        self.fraction = self.done / self.total if fraction is None else fraction
        self.postfix = postfix or self.postfix
        if self.bar is not None:
            self.bar.set_postfix_str(self.status(), refresh=False)
            self.bar.update(self._percent() - self.bar.n)
            return
        now, percent = self.clock(), self._percent()
        crossed = int(percent // self.step) > int(self.last_percent // self.step)
        if crossed or now - self.last_time >= self.interval:
            self._line(now, percent)

    def _line(self, now: float, percent: float) -> None:
        self.stream.write(f"{self.desc}: {percent:3.0f}% {self.status()}\n")
        self.stream.flush()
        self.last_time, self.last_percent = now, percent

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self, complete: bool = False) -> None:
        """End the report; ``complete``: the job finished (a time budget's end counts), so it
        shows 100 %."""
        if complete:
            self.fraction = 1.0
        if self.bar is not None:
            self.bar.set_postfix_str(self.status(), refresh=False)
            self.bar.update(self._percent() - self.bar.n)
            self.bar.close()
            self.bar = None
        elif self._percent() != self.last_percent:
            self._line(self.clock(), self._percent())


def track(items: Sequence[T], desc: str, unit: str = "img") -> Iterator[T]:
    """``items`` one by one, with a :class:`Progress` report of them named ``desc``."""
    with Progress(len(items), desc, unit) as progress:
        for item in items:
            yield item
            progress.advance()
