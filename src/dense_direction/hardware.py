"""What the hardware is and computes fast: the one place that decides the device a model runs
on, the precision it computes in and how many data-loading processes run beside it.

Autocasting convolutions to bfloat16 about halves a training step where the hardware has
bfloat16 units (CUDA GPUs from Ampere on; x86 CPUs with AMX or AVX512-BF16, i.e. Intel Xeon
from Cooper Lake / Sapphire Rapids on, AMD Zen 4 on). Elsewhere bfloat16 is emulated and
slower than float32, so "auto" keeps float32 there.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import torch

__all__ = [
    "DEFAULT_INFERENCE_PRECISION",
    "PRECISIONS",
    "check_precision",
    "cpu_has_bfloat16_units",
    "data_workers",
    "prefer_huge_pages",
    "resolve_device",
    "resolve_precision",
    "usable_cores",
]

#: Accepted ``precision`` values: "auto" picks bfloat16 where it is fast, float32 elsewhere.
PRECISIONS = ("auto", "float32", "bfloat16")
#: Inference precision unless one is chosen. bfloat16 inference changed no band of the width
#: benchmark by more than 0.02 degrees (docs/benchmarks.md), so it is used where it is fast.
DEFAULT_INFERENCE_PRECISION = "auto"

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


def check_precision(precision: str, owner: str = "precision") -> None:
    """A ``ValueError`` naming ``owner`` unless ``precision`` is one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise ValueError(f"{owner} must be one of {', '.join(PRECISIONS)}; got {precision!r}")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device``, or CUDA when available else the CPU. A name torch does not know, a device
    type other than cpu and cuda (torch knows mps, xpu, meta, ...; this project runs on neither),
    or a CUDA device this machine lacks, is a ``ValueError`` that says so."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"unknown device {device!r}: use cpu, cuda or cuda:N") from err
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device {device!r}: Dense Direction runs on cpu or cuda (cuda:N), not on "
            f"{resolved.type!r} devices"
        )
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(
                f"device {device!r}: no CUDA GPU is usable here (torch {torch.__version__}, "
                f"torch.cuda.is_available() is False); use cpu"
            )
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(f"device {device!r}: only {count} CUDA GPU(s) here")
    return resolved


def resolve_precision(precision: str, device: str | torch.device) -> torch.dtype:
    """The dtype to autocast to on ``device``: ``torch.bfloat16`` or ``torch.float32``.

    ``"auto"`` is bfloat16 where the device has bfloat16 units (see the module docstring);
    ``"bfloat16"`` is honoured anywhere bfloat16 runs, even if slowly.
    """
    check_precision(precision)
    if precision == "float32":
        return torch.float32
    if precision == "bfloat16":
        return torch.bfloat16
    kind = torch.device(device).type
    if kind == "cuda":
        fast = torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    else:
        fast = kind == "cpu" and cpu_has_bfloat16_units()
    return torch.bfloat16 if fast else torch.float32


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def data_workers(cores: int | None = None) -> int:
    """Data-loading processes for training on ``cores`` (default: :func:`usable_cores`).

    None on 2 cores or fewer: the network's maths needs both, and a worker beside it costs
    more than it saves (measured on 2 cores, default preset: 5.87 it/s without a worker, 5.20
    with one; docs/benchmarks.md). On more cores, a quarter of them, at most 4.
    """
    cores = usable_cores() if cores is None else cores
    return 0 if cores <= 2 else min(4, cores // 4)


#: torch's switch for transparent huge pages in its CPU allocator (read once, at the first
#: allocation of 2 MB or more).
HUGE_PAGES_VARIABLE = "THP_MEM_ALLOC_ENABLE"


def prefer_huge_pages() -> None:
    """Let torch back its large CPU tensors with transparent huge pages (Linux), unless the
    environment already says otherwise (``THP_MEM_ALLOC_ENABLE=0`` keeps them off).

    Why: a 4000x3000 prediction allocates tensors of hundreds of MB, and the kernel maps each
    4 KB page of them on first touch; 2 MB pages take 512 times fewer faults. ``predict
    --no-tta`` on a 4000x3000 image went from 8.3 to 7.2 s on 2 CPU cores (docs/benchmarks.md),
    for ~20 MB more peak memory. Must run before torch's first large allocation (the
    ``dense-direction`` program calls it first thing); elsewhere it changes nothing."""
    os.environ.setdefault(HUGE_PAGES_VARIABLE, "1")
