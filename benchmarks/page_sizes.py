"""Memory settings of the ``dense-direction`` program: ``predict --no-tta`` of the 4000x3000
mosaic (``predict_throughput.py``'s) end to end, runs alternated, in the four settings of
``THP_MEM_ALLOC_ENABLE`` (torch's huge pages) and ``NUMPY_MADVISE_HUGEPAGE`` (NumPy's), and
with glibc's own ``malloc`` settings instead of freed memory kept for reuse.

The program's defaults (``dense_direction.hardware.choose_huge_pages`` and
``reuse_freed_memory``) are torch's huge pages on, NumPy's off, freed memory reused; an
explicit variable overrides each, which is how each setting is chosen here
(``GLIBC_TUNABLES=glibc.malloc.perturb=0`` for glibc's own behaviour: setting
``MALLOC_MMAP_MAX_`` or ``MALLOC_TRIM_THRESHOLD_`` to anything, even glibc's default value,
turns off glibc's adjustment of its mmap threshold, which costs about 2 s here).

    .venv/bin/python benchmarks/page_sizes.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
from pathlib import Path

from dense_direction.hardware import GLIBC_MALLOC_VARIABLES
from predict_before_after import predict_seconds
from predict_throughput import mosaic

# (torch huge pages, NumPy huge pages, freed memory reused)
SETTINGS = [
    ("1", "0", True),
    ("1", "0", False),
    ("1", "1", False),
    ("0", "1", False),
    ("0", "0", False),
]


def run_once(
    image: Path, out: Path, torch_pages: str, numpy_pages: str, reuse: bool
) -> tuple[float, int]:
    """Seconds and page faults (minor: pages mapped on first touch) of one ``predict
    --no-tta`` in a fresh process with these settings."""
    env = dict(os.environ, THP_MEM_ALLOC_ENABLE=torch_pages, NUMPY_MADVISE_HUGEPAGE=numpy_pages)
    for name in GLIBC_MALLOC_VARIABLES:
        env.pop(name, None)
    if not reuse:
        # Any glibc malloc variable makes the program leave malloc alone; this tunable is at
        # its default and, unlike MALLOC_MMAP_MAX_ & co., keeps glibc's dynamic threshold.
        env["GLIBC_TUNABLES"] = "glibc.malloc.perturb=0"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    seconds = predict_seconds(None, image, out, None, env=env)
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "mosaic.png"
        mosaic(image, 3000, 4000)
        runs: dict[tuple[str, str, bool], list[tuple[float, int]]] = {s: [] for s in SETTINGS}
        for _ in range(args.repeats):
            for setting in SETTINGS:
                runs[setting].append(run_once(image, Path(tmp) / "out", *setting))
    print(f"`predict --no-tta`, 4000x3000, {args.repeats} alternated runs each:\n")
    header = ["torch huge pages", "NumPy huge pages", "freed memory reused", "seconds", "median"]
    print("| " + " | ".join([*header, "page faults (median)"]) + " |")
    print("|---|---|---|---|---|---|")
    on = {"1": "on", "0": "off", True: "yes", False: "no (glibc's default)"}
    for (torch_pages, numpy_pages, reuse), measured in runs.items():
        seconds = [s for s, _ in measured]
        faults = statistics.median(f for _, f in measured)
        each = ", ".join(f"{s:.2f}" for s in seconds)
        cells = f"{on[torch_pages]} | {on[numpy_pages]} | {on[reuse]}"
        print(f"| {cells} | {each} | {statistics.median(seconds):.2f} | {faults:,.0f} |")


if __name__ == "__main__":
    main()
