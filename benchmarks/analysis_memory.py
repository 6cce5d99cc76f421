"""Peak memory of ``analyze_image`` per stage, in bytes per pixel, on one large field.

A mosaic of ``--tiles`` × ``--tiles`` synthetic samples of 1024² (all four kinds; their exact
directions and masks, so no model is needed) is analysed as one image, with a confidence of
0.9 on the structure. Each stage's peak is what it allocates above what was allocated when it
began (NumPy's allocations, which ``tracemalloc`` sees; SciPy's and scikit-image's arrays are
NumPy's), and ``kept`` what it leaves allocated; the whole call's peak is above the inputs
(angles and confidence float32, 8 bytes a pixel). ``tracemalloc`` slows the run several times:
the seconds are not the analysis' speed (``benchmarks/analysis_speed.py`` measures that).

    python benchmarks/analysis_memory.py [--tiles 2]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

import dense_direction.analysis.report.image as image
from dense_direction.synthetic import KINDS, generate_sample

#: The stages of analyze_image, as the module calls them.
STAGES = (
    "structure_mask",
    "fill_small_holes",
    "_objects",
    "object_geometry",
    "measure_branches",
    "grouped_statistics",
    "measure_objects",
    "_image_row",
    "axial_histogram",
    "misorientation_map",
    "trace_streamlines",
)


def mosaic(tiles: int) -> tuple[np.ndarray, np.ndarray]:
    """Angles (float32 radians, 0.3 off the structure) and the structure mask."""
    samples = [generate_sample(list(KINDS), 1024, seed=70000 + i) for i in range(tiles**2)]
    rows = [samples[r * tiles : (r + 1) * tiles] for r in range(tiles)]
    mask = np.block([[s.mask > 0 for s in row] for row in rows])
    angles = np.block([[s.direction.astype(np.float32) for s in row] for row in rows])
    return np.where(mask, angles, np.float32(0.3)), mask


def measured(name: str, function: Callable, pixels: int, table: dict) -> Callable:
    def stage(*args, **kwargs):
        tracemalloc.reset_peak()
        before, start = tracemalloc.get_traced_memory()[0], time.perf_counter()
        result = function(*args, **kwargs)
        now, peak = tracemalloc.get_traced_memory()
        entry = table.setdefault(name, [0.0, 0.0, 0.0])
        entry[0] = max(entry[0], (peak - before) / pixels)
        entry[1] += (now - before) / pixels
        entry[2] += time.perf_counter() - start
        return result

    return stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=2, help="the mosaic's tiles per side")
    args = parser.parse_args()
    angles, mask = mosaic(args.tiles)
    confidence = mask.astype(np.float32) * np.float32(0.9)
    pixels = angles.size
    table: dict[str, list[float]] = {}
    for name in STAGES:
        setattr(image, name, measured(name, getattr(image, name), pixels, table))
    tracemalloc.start()
    image.analyze_image(angles, confidence=confidence)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{pixels / 1e6:.1f} megapixels, {mask.mean() * 100:.0f} % structure: "
          f"analyze_image's peak {peak / pixels:.1f} bytes a pixel above its inputs")  # fmt: skip
    print("\n| stage | peak (B/px) | kept (B/px) | seconds (traced) |")
    print("|---|---|---|---|")
    for name, (stage_peak, kept, seconds) in table.items():
        print(f"| {name} | {stage_peak:.1f} | {kept:.1f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
