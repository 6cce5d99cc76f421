"""How a setting is named in an error message: as the caller wrote it.

The same check serves the command line and the Python API, so its message names the value
either way: ``--scales 1 0.5`` (a flag, ``name`` starting with ``--``, values as typed) or
``scales=[1.0, 0.5]`` (an argument)."""

from __future__ import annotations

from typing import Any

__all__ = ["as_given"]


def as_given(name: str, value: Any) -> str:
    """``value`` of the setting ``name`` as its caller wrote it: ``--tile 64``, ``--smooth
    0.3``, ``--scales 1 0.5`` for a flag; ``tile=64``, ``scales=[1.0, 0.5]`` for an
    argument (a list or tuple shown as Python writes it)."""
    sequence = isinstance(value, (list, tuple))
    if not name.startswith("--"):
        return f"{name}={value!r}" if sequence else f"{name}={value}"
    values = value if sequence else [value]
    return " ".join([name, *(f"{v:g}" if isinstance(v, float) else str(v) for v in values)])
