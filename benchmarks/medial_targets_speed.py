"""Cost of the medial direction targets per training sample (``MaskToMedialDirections``).

Two tables, both timing the transform as ``train`` runs it (a random flip, the guided crop of
128², the targets), per sample, in one process:

1. **Image size**: label maps of all four kinds at 256² to 2048² (one image per size, a
   fresh sample each time so that no cache helps: a dataset of large images does not fit in
   one). ``whole mask`` computes the targets of the whole map before the crop (the order of
   the presets until 2026-12-07, and what a cache miss costs); ``crop window`` computes them
   right after the crop from the mask within ``margin`` (48) px of it (today's order).
2. **Cache** (``--data DIR``, a ``dense-direction synth`` folder such as the 900 images of
   ``make pretrained``): the whole training pipeline of ``train``'s default preset over
   ``--samples`` draws, the medial step's mean time and how often it computed the targets
   (cache misses), both over the second half of the draws (by then nearly every label map
   has been drawn once: the steady state of a long training), with the targets
   cached as float32 (before) or as uint16 codes (today), 256 MB per process either way.

    python benchmarks/medial_targets_speed.py [--data work/pre/data] [--samples 20000]
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (256, 512, 1024, 2048)
CROP = 128


def _label_map(size: int, seed: int) -> np.ndarray:
    from dense_direction.synthetic import KINDS, generate_sample

    return (generate_sample(list(KINDS), size, seed=seed).mask > 0).astype(np.uint8)


def _sample_seconds(label: np.ndarray, medial_first: bool, repeats: int) -> float:
    """Median seconds of flip + crop + targets on ``label``, the targets computed anew."""
    from mmseg.registry import TRANSFORMS

    crop = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=CROP))
    times = []
    for i in range(repeats):
        np.random.seed(i)
        medial = TRANSFORMS.build(dict(type="MaskToMedialDirections", cache_mb=0))
        flipped = np.ascontiguousarray(label[:, ::-1] if i % 2 else label)
        image = np.zeros((*flipped.shape, 3), np.uint8)
        results = dict(gt_seg_map=flipped, seg_fields=["gt_seg_map"], img=image)
        start = time.perf_counter()
        steps = (medial, crop) if medial_first else (crop, medial)
        for step in steps:
            results = step(results)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def size_table(repeats: int) -> None:
    print("| image | whole mask (ms/sample) | crop window (ms/sample) | ratio |")
    print("|---|---|---|---|")
    for size in SIZES:
        label = _label_map(size, seed=size)
        whole = _sample_seconds(label, medial_first=True, repeats=repeats)
        window = _sample_seconds(label, medial_first=False, repeats=repeats)
        print(f"| {size}² | {whole * 1e3:.1f} | {window * 1e3:.1f} | {whole / window:.1f}x |")


@contextmanager
def _float32_cache() -> Any:
    """The transform's cache as it was: float32 angles, no packing."""
    import dense_direction.mm.transforms as mm_transforms

    saved = mm_transforms.pack_angles, mm_transforms.unpack_angles
    mm_transforms.pack_angles = mm_transforms.unpack_angles = lambda a: a.copy()
    try:
        yield
    finally:
        mm_transforms.pack_angles, mm_transforms.unpack_angles = saved


def _pipeline_run(data: Path, samples: int) -> tuple[float, float]:
    """(mean ms of the medial step per sample, share of the samples whose targets it had to
    compute: cache misses) over ``samples`` draws of the default preset's training pipeline
    on ``data``."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    from dense_direction.cli import train as train_cli
    from dense_direction.cli.main import build_parser

    args = build_parser().parse_args(["train", "--data", str(data), "--work-dir", "/tmp/x"])
    cfg = train_cli.build_config(args)
    init_default_scope("mmseg")
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    steps = dataset.pipeline.transforms
    medial = next(s for s in steps if type(s).__name__ == "MaskToMedialDirections")
    computed = []
    compute = medial._targets
    medial._targets = lambda labels: computed.append(1) or compute(labels)
    spent, rng, warm = 0.0, np.random.default_rng(0), samples // 2
    for i in range(samples):
        if i == warm:  # by then nearly every label map has been seen: the steady state
            spent, computed = 0.0, []
        np.random.seed(int(rng.integers(2**31)))
        results = dataset.get_data_info(int(rng.integers(len(dataset))))
        for step in steps:
            start = time.perf_counter()
            results = step(results)
            if step is medial:
                spent += time.perf_counter() - start
    return spent / (samples - warm) * 1e3, len(computed) / (samples - warm)


def cache_table(data: Path, samples: int) -> None:
    print("| targets cached as | medial step (ms/sample) | computed (cache misses) |")
    print("|---|---|---|")
    with _float32_cache():
        ms, rate = _pipeline_run(data, samples)
    print(f"| float32 (before) | {ms:.2f} | {rate * 100:.0f} % |")
    ms, rate = _pipeline_run(data, samples)
    print(f"| uint16 codes | {ms:.2f} | {rate * 100:.0f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="samples per image size")
    parser.add_argument("--data", type=Path, help="a synth folder for the cache table")
    parser.add_argument("--samples", type=int, default=20000, help="pipeline draws (cache)")
    args = parser.parse_args()
    import dense_direction.mm  # noqa: F401  (registers the transforms)

    size_table(args.repeats)
    if args.data:
        print()
        cache_table(args.data, args.samples)


if __name__ == "__main__":
    main()
