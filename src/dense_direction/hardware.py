"""What the hardware computes fast: the one place that decides training precision.

Autocasting convolutions to bfloat16 more than halves a training step where the hardware has
bfloat16 units (CUDA GPUs from Ampere on; x86 CPUs with AMX or AVX512-BF16, i.e. Intel Xeon
from Cooper Lake / Sapphire Rapids on, AMD Zen 4 on). Elsewhere bfloat16 is emulated and
slower than float32, so "auto" keeps float32 there.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import torch

__all__ = ["PRECISIONS", "cpu_has_bfloat16_units", "resolve_precision"]

#: Accepted ``precision`` values: "auto" picks bfloat16 where it is fast, float32 elsewhere.
PRECISIONS = ("auto", "float32", "bfloat16")

# /proc/cpuinfo flags of CPU instructions that compute in bfloat16 natively.
_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


@functools.cache
def cpu_has_bfloat16_units(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True where the CPU lists AMX-BF16 or AVX512-BF16 (read from Linux's ``cpuinfo``;
    False on other systems, where it cannot be read)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return not _BF16_FLAGS.isdisjoint(line.split(":", 1)[1].split())
    return False


def resolve_precision(precision: str, device: str | torch.device) -> torch.dtype:
    """The dtype to autocast to on ``device``: ``torch.bfloat16`` or ``torch.float32``.

    ``"auto"`` is bfloat16 where the device has bfloat16 units (see the module docstring);
    ``"bfloat16"`` is honoured anywhere bfloat16 runs, even if slowly.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "float32":
        return torch.float32
    kind = torch.device(device).type
    if precision == "bfloat16":
        return torch.bfloat16
    if kind == "cuda":
        fast = torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    else:
        fast = kind == "cpu" and cpu_has_bfloat16_units()
    return torch.bfloat16 if fast else torch.float32
