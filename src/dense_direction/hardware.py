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
    "choose_huge_pages",
    "cpu_has_bfloat16_units",
    "data_workers",
    "resolve_device",
    "resolve_precision",
    "reuse_freed_memory",
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
#: NumPy's switch for asking transparent huge pages for its large arrays (read at import;
#: on by default on Linux); NumPy can also change it at run time.
NUMPY_HUGE_PAGES_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


def choose_huge_pages() -> None:
    """Back torch's large CPU tensors with transparent huge pages (Linux) and NumPy's large
    arrays with ordinary pages, unless the environment already says otherwise
    (``THP_MEM_ALLOC_ENABLE=0`` keeps torch's off, ``NUMPY_MADVISE_HUGEPAGE=1`` NumPy's on).

    Why: a 4000x3000 prediction allocates tensors and arrays of hundreds of MB, and the kernel
    maps each page on first touch. torch's tensors (the network's activations, the tiles'
    sums) are large and long-lived, and 2 MB pages take 512 times fewer faults. NumPy's large
    arrays are mostly short-lived temporaries of the smoothing and the outputs, which are
    freed and mapped afresh again and again, and there huge pages cost more than they save
    on this project's 2-core machine: ``predict --no-tta`` of a 4000x3000 image took
    6.61-6.86 s with torch's on and NumPy's off, 7.05-7.16 s with both on (NumPy's default),
    7.03-7.55 s with torch's off (``benchmarks/page_sizes.py``, docs/benchmarks.md); in a
    later run of the script NumPy's setting made almost no difference (6.20-6.44 against
    6.31-6.50 s), torch's still did (6.27-7.22 s off). Must run before torch's first large
    allocation (the ``dense-direction`` program calls it first thing); elsewhere it changes
    only NumPy's later arrays."""
    os.environ.setdefault(HUGE_PAGES_VARIABLE, "1")
    if NUMPY_HUGE_PAGES_VARIABLE not in os.environ:
        _numpy_huge_pages(False)


#: glibc's environment settings for the two options :func:`reuse_freed_memory` sets: where
#: either is given, the user's choice stands and nothing is changed.
GLIBC_MALLOC_VARIABLES = ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt's parameter numbers (malloc.h)


def reuse_freed_memory() -> bool:
    """Let glibc's ``malloc`` serve large blocks from its heap and keep freed memory for the
    next ones, instead of mapping every block of 32 MB or more afresh and returning it to the
    system when freed (``mallopt``: no ``mmap`` blocks, trim threshold 2 GB). Returns
    whether it applied: on Linux with glibc, where no ``MALLOC_MMAP_MAX_``,
    ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES`` is set.

    Why: a 4000x3000 prediction allocates and frees arrays of 12-144 MB again and again
    (the smoothing's temporaries, the outputs); each new mapping is faulted in 4 KB pages and
    zeroed by the kernel: 552,140 faults per ``predict --no-tta``, 297,311 reused. Medians
    of three alternated runs in two runs of ``benchmarks/page_sizes.py``: 6.37 -> 6.13 s and
    6.24 -> 6.16 s (docs/benchmarks.md), a small gain. The peak memory is higher (1209 ->
    1349 MB in ``benchmarks/predict_throughput.py``, across this and the early read), and
    the process keeps its peak memory until it ends, so the ``dense-direction``
    program sets it for the commands that predict (``predict``, ``evaluate``, ``analyze``),
    not for training."""
    if not sys.platform.startswith("linux") or any(v in os.environ for v in GLIBC_MALLOC_VARIABLES):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))


def _numpy_huge_pages(enabled: bool) -> bool | None:
    """Set whether NumPy asks huge pages for its large arrays; the previous setting, or None
    where this NumPy has no such switch."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # NumPy 1.x
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            return None
    return _set_madvise_hugepage(enabled)
