"""Python's cyclic garbage collector paused for blocks that make many small containers.

Analysing a dense image builds thousands of small objects (a list per streamline point, a
branch record per skeleton path) none of which form reference cycles. Each few hundred of
them set the collector off, and each of its full passes scans everything the process holds:
in ``analyze`` most of the time such a block took (benchmarks/analysis_speed.py times the
whole, docs/analysis.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block (as it was before, after it; nesting is safe)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
