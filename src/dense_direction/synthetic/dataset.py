"""Write synthetic samples as an mmseg-style dataset folder with train/val/test splits.

Layout (``NNNNN`` is the sample index; every split has the same sub-folders)::

    OUT/
      images/{train,val,test}/NNNNN.png       RGB uint8
      masks/{split}/NNNNN.png                 0/1 uint8 (mmseg binary labels)
      centerlines/{split}/NNNNN.png           0/1 uint8
      directions/{split}/NNNNN.npy            float32 angle in [0, pi), y up; NaN off the mask
      crossings/{split}/NNNNN.png             0/1 uint8, overlapping structures
      classes/{split}/NNNNN.png               0 = background, i = kinds[i - 1] (mixed kinds only)
      meta.json                               how it was made, and the conventions

Sample ``i`` is generated from the seed sequence ``(seed, i)`` (``(seed, i, 1)`` for a held-out
set, see :func:`sample_seed`), so any sample can be regenerated alone, and a larger dataset
with the same seed extends a smaller one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from dense_direction.synthetic.sample import (
    SyntheticSample,
    generate_sample,
    parse_kinds,
    parse_size,
)
from dense_direction.synthetic.settings import RenderSettings, settings_for
from dense_direction.synthetic.styles import parse_styles

__all__ = [
    "FRACTIONS",
    "LAYOUT",
    "check_dataset_options",
    "clear_dataset",
    "layout_path",
    "missing_split",
    "read_split",
    "sample_seed",
    "split_counts",
    "split_folders",
    "split_of",
    "write_dataset",
    "write_sample",
]

#: The default shares of the train, val and test splits.
FRACTIONS = (0.7, 0.15, 0.15)

LAYOUT = {
    "images": ".png",
    "masks": ".png",
    "centerlines": ".png",
    "directions": ".npy",
    "crossings": ".png",
    "classes": ".png",
}
SPLITS = ("train", "val", "test")


def split_folders(root: str | Path, split: str) -> dict[str, Path]:
    """The folder of every layout entry for ``split``: ``root/<entry>/<split>``."""
    return {folder: Path(root) / folder / split for folder in LAYOUT}


def missing_split(root: str | Path, split: str, folder: str | Path) -> str:
    """The message for a ``split`` of the dataset ``root`` whose ``folder`` is missing: when
    ``meta.json`` counts no sample in it (too few samples for its share), that and what to
    do."""
    meta = Path(root) / "meta.json"
    counts = json.loads(meta.read_text()).get("splits", {}) if meta.is_file() else {}
    if counts.get(split) == 0:
        listed = ", ".join(f"{k} {v}" for k, v in counts.items())
        return (
            f"{root} has no {split} samples ({meta.name}: {listed}): write more with "
            f"dense-direction synth --num, or give the split a larger share with --splits"
        )
    if not meta.is_file():  # not a dataset synth wrote (e.g. predict's output folder)
        return (
            f"{root} is not a dataset that dense-direction synth wrote (no {meta.name}, no "
            f"{folder}): --data takes synth's layout; give other images with --images and "
            f"their masks or truth (see the command's --help)"
        )
    return f"no {folder} (split {split!r} missing); see {meta}"


def clear_dataset(root: str | Path) -> int:
    """Delete what :func:`write_dataset` wrote into ``root`` (the sample files of every layout
    folder and split, ``meta.json``, the folders left empty), and nothing else; the number of
    files deleted. Writing over a dataset without this would leave the earlier samples that
    the new one does not rewrite: a test split holding samples the new one trains on, or a
    split that meta.json counts as empty still read from disk."""
    root = Path(root)
    removed = 0
    for folder, suffix in LAYOUT.items():
        for split in SPLITS:
            directory = root / folder / split
            if not directory.is_dir():
                continue
            for path in directory.glob(f"[0-9][0-9][0-9][0-9][0-9]{suffix}"):
                path.unlink()
                removed += 1
            _remove_if_empty(directory)
        _remove_if_empty(root / folder)
    meta = root / "meta.json"
    if meta.is_file():
        meta.unlink()
        removed += 1
    return removed


def _remove_if_empty(directory: Path) -> None:
    if directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()


def layout_path(root: str | Path, folder: str, split: str, stem: str) -> Path:
    """The file of sample ``stem`` in layout entry ``folder`` (e.g. "directions") of ``split``."""
    return split_folders(root, split)[folder] / f"{stem}{LAYOUT[folder]}"


def split_of(index: int, num: int, fractions: Sequence[float]) -> str:
    """The split of sample ``index`` of ``num``: the first ``round(fractions[0] * num)`` go to
    train, up to ``round((fractions[0] + fractions[1]) * num)`` to val, the rest to test."""
    bounds = np.round(np.cumsum(fractions) * num)
    return SPLITS[int(np.searchsorted(bounds, index, side="right"))]


def sample_seed(seed: int, index: int, held_out: bool = False) -> np.random.SeedSequence:
    """The seed of sample ``index`` of a dataset made with ``seed``. A held-out set gets its
    own stream (a third entry), so even the same ``seed`` never repeats a training sample."""
    return np.random.SeedSequence([seed, index, 1] if held_out else [seed, index])


def _check_fractions(fractions: Sequence[float]) -> None:
    # NaN passed "abs(sum - 1) > 1e-6" (every comparison with it is false) and wrote NaN,
    # which is not JSON, into meta.json.
    finite = len(fractions) == 3 and all(math.isfinite(f) and f >= 0 for f in fractions)
    if not finite or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(
            f"split fractions must be 3 non-negative numbers (train, val, test) summing to 1, "
            f"got {tuple(fractions)}"
        )


def write_sample(out: Path, split: str, name: str, sample: SyntheticSample) -> None:
    """Write one sample's files under ``out`` (see the module doc for the layout)."""
    arrays = {
        "images": sample.image,
        "masks": sample.mask,
        "centerlines": sample.centerline,
        "directions": sample.direction,
        "crossings": sample.crossing,
    }
    if len(sample.kinds) > 1:
        arrays["classes"] = sample.classes
    for folder, array in arrays.items():
        path = out / folder / split / f"{name}{LAYOUT[folder]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if LAYOUT[folder] == ".npy":
            np.save(path, array)
        else:
            Image.fromarray(array).save(path)


def check_dataset_options(
    num: int,
    kind: str | Sequence[str] = "cracks",
    size: int | Sequence[int] = 256,
    fractions: Sequence[float] = FRACTIONS,
    style: str | Sequence[str] = "photo",
    jobs: int = 1,
) -> tuple[tuple[str, ...], tuple[int, int], tuple[str, ...]]:
    """What :func:`write_dataset` refuses, checked before anything is written, for callers
    that must know before they delete an earlier dataset (``synth --overwrite``) or start
    other work (``demo``); the parsed kinds, shape and styles."""
    if not isinstance(num, int) or num < 1:
        raise ValueError(f"num must be a positive int, got {num!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, got {jobs!r}")
    kinds, shape, styles = parse_kinds(kind), parse_size(size), parse_styles(style)
    _check_fractions(fractions)
    return kinds, shape, styles


def split_counts(num: int, fractions: Sequence[float]) -> dict[str, int]:
    """How many of ``num`` samples each split gets (:func:`split_of`)."""
    counts = dict.fromkeys(SPLITS, 0)
    for index in range(num):
        counts[split_of(index, num, fractions)] += 1
    return counts


def write_dataset(
    out: str | Path,
    num: int,
    kind: str | Sequence[str] = "cracks",
    size: int | Sequence[int] = 256,
    seed: int = 0,
    fractions: Sequence[float] = FRACTIONS,
    progress: Callable[[int], None] | None = None,
    style: str | Sequence[str] = "photo",
    held_out: bool = False,
    jobs: int = 1,
    empty: float = 0.0,
    settings: RenderSettings | None = None,
) -> dict:
    """Generate ``num`` samples into ``out``; returns the metadata written to ``meta.json``.

    ``style``, ``held_out``, ``empty`` and ``settings`` are as in :func:`generate_sample`
    (``held_out`` also picks the held-out seed stream, :func:`sample_seed`); with several
    styles each sample draws one, and ``meta["sample_styles"]`` lists them by index.
    ``progress``, if given, is called with 1 after each sample (e.g. ``tqdm.update``).
    ``jobs``: processes that generate samples side by side; every sample has its own seed, so
    the files are the same for any number.
    """
    kinds, shape, styles = check_dataset_options(num, kind, size, fractions, style, jobs)
    out = Path(out)
    make = partial(
        _write_one,
        out=out,
        num=num,
        kinds=kinds,
        shape=shape,
        seed=seed,
        fractions=tuple(fractions),
        styles=styles,
        held_out=held_out,
        empty=empty,
        settings=settings,
    )
    counts = dict.fromkeys(SPLITS, 0)
    drawn = []
    with _executor(min(jobs, num)) as pool:
        for split, drawn_style in pool.map(make, range(num), chunksize=chunk_size(num, jobs)):
            counts[split] += 1
            drawn.append(drawn_style)
            if progress is not None:
                progress(1)
    meta = {
        "kinds": list(kinds),
        "size": list(shape),
        "seed": seed,
        "num": num,
        "splits": counts,
        "fractions": list(fractions),
        "layout": {k: f"{k}/{{split}}/NNNNN{v}" for k, v in LAYOUT.items()},
        "direction_convention": "radians in [0, pi), counter-clockwise from the x-axis, y up; "
        "NaN outside the mask",
        "classes": {str(i): k for i, k in enumerate(kinds, start=1)} if len(kinds) > 1 else None,
        "styles": list(styles),
        "held_out": held_out,
        "empty": empty,
        "render_settings": (settings or settings_for(held_out)).to_json(),
    }
    if len(styles) > 1:
        meta["sample_styles"] = drawn
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def _write_one(
    index: int,
    out: Path,
    num: int,
    kinds: tuple[str, ...],
    shape: tuple[int, int],
    seed: int,
    fractions: tuple[float, ...],
    styles: tuple[str, ...],
    held_out: bool,
    empty: float,
    settings: RenderSettings | None,
) -> tuple[str, str]:
    """Generate and write sample ``index``; its split and the style it drew."""
    split = split_of(index, num, fractions)
    seeds = sample_seed(seed, index, held_out)
    sample = generate_sample(
        kinds, shape, seeds, style=styles, held_out=held_out, empty=empty, settings=settings
    )
    write_sample(out, split, f"{index:05d}", sample)
    return split, sample.style


class _InProcess:
    """What :func:`write_dataset` uses of an executor, run in this process (``jobs=1``)."""

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def map(self, fn: Callable, items: Iterator | range, chunksize: int = 1) -> Iterator:
        return map(fn, items)


def chunk_size(num: int, jobs: int) -> int:
    """Samples handed to a worker at once: up to 4 (fewer hand-overs for small images), but
    never so many that a worker is left idle or the progress arrives in a few jumps: at most
    a quarter of each worker's share. ``--num 4 --size 2048`` was one chunk of 4 on one
    core, its progress all at the end."""
    return max(1, min(4, num // (4 * jobs)))


def _executor(jobs: int) -> ProcessPoolExecutor | _InProcess:
    return ProcessPoolExecutor(jobs) if jobs > 1 else _InProcess()


def read_split(root: str | Path, split: str) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
    """``(name, arrays)`` for every sample of ``split`` in a folder :func:`write_dataset`
    wrote; ``arrays`` has one entry per folder of the layout that exists (images RGB)."""
    image_dir = split_folders(root, split)["images"]
    images = sorted(image_dir.glob(f"*{LAYOUT['images']}"))
    if not images:
        raise FileNotFoundError(f"no {split} images in {image_dir}")
    for image in images:
        arrays = {}
        for folder, suffix in LAYOUT.items():
            path = layout_path(root, folder, split, image.stem)
            if path.is_file():
                arrays[folder] = np.load(path) if suffix == ".npy" else np.asarray(Image.open(path))
        yield image.stem, arrays
