"""The images, truth and scored pixels of ``dense-direction evaluate``, from its folders."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dense_direction.evaluation import local_width, scored_pixels
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_labels,
    files_by_stem,
    image_size,
    read_binary_mask,
    read_mask,
)
from dense_direction.io.directions import read_direction_map

__all__ = ["PATH_FLAGS", "Item", "items_from_args"]


@dataclass(frozen=True)
class Item:
    """One evaluation image: its path, the true angles, the pixels to score; where known,
    each pixel's class (label ids: which field of a model with several scores it, and the
    group of the per-class table, named by ``class_names``) and the width of the structure
    it lies in (twice the distance to the background, from the structure mask: the width
    band table)."""

    name: str
    image: Path
    direction: np.ndarray
    select: np.ndarray
    classes: np.ndarray | None = None
    width: np.ndarray | None = None
    class_names: dict[int, str] | None = None


PATH_FLAGS = ("data", "images", "directions", "centerlines", "masks", "crossings", "classes")


def _check_path_flags(args: argparse.Namespace) -> None:
    """Every path given must be an existing folder (a misspelt --centerlines would otherwise
    score other pixels); --data replaces the others."""
    given = {f: getattr(args, f, None) for f in PATH_FLAGS}
    for flag, value in given.items():
        if value is not None and not Path(value).is_dir():
            raise FileNotFoundError(f"--{flag} {value}: no such folder")
    others = [f"--{f}" for f, v in given.items() if v is not None and f != "data"]
    if given["data"] is not None and others:
        raise ValueError(f"--data names every folder itself; drop {', '.join(others)}")


def _same_size(path: str | Path, shape: tuple, direction_path: str | Path, truth: tuple) -> None:
    """A ``ValueError`` naming both files unless ``path``'s size is the direction map's
    (numpy would fail later with a broadcasting error that names neither)."""
    if tuple(shape[:2]) != tuple(truth[:2]):
        raise ValueError(
            f"{path} is {shape[1]}x{shape[0]} (WxH) but its direction map {direction_path} is "
            f"{truth[1]}x{truth[0]}: every file of an image must have the image's size"
        )


def items_from_args(args: argparse.Namespace) -> list[Item]:
    _check_path_flags(args)
    if args.data is not None:
        from dense_direction.synthetic.dataset import missing_split, split_folders

        split = args.split or "test"
        layout = split_folders(args.data, split)
        if not layout["images"].is_dir():
            raise FileNotFoundError(missing_split(args.data, split, layout["images"]))
        wanted = ("images", "directions", "centerlines", "crossings", "classes")
        folders = {k: layout[k] for k in wanted}
        folders["masks"] = None  # centre-lines are scored; the masks give the widths
        widths = layout["masks"] if layout["masks"].is_dir() else None
        names = _kind_names(args.data)
    elif args.images is not None and any((args.directions, args.centerlines, args.masks)):
        if args.split is not None:
            raise ValueError(
                f"--split {args.split} picks a split of --data; --images and the truth's "
                "folders are folders already: point them at that split's and leave --split out"
            )
        folders = {flag: getattr(args, flag) for flag in PATH_FLAGS if flag != "data"}
        widths, names = args.masks, None
    else:
        raise ValueError(
            "give --data DIR, or --images DIR with the truth: --directions DIR (direction "
            "maps), or --centerlines DIR or --masks DIR (the directions derived from them)"
        )
    images = files_by_stem(folders["images"], IMAGE_SUFFIXES, "image", report=print)
    # Direction maps are required; the synthetic layout's centre-line and crossing folders are
    # used when present; a folder given by a flag exists (checked above).
    found = {
        k: files_by_stem(v, (".npy",) if k == "directions" else IMAGE_SUFFIXES, k[:-1])
        for k, v in folders.items()
        if k != "images" and v is not None and (k == "directions" or v.is_dir())
    }
    if widths is not None:
        found["widths"] = files_by_stem(widths, IMAGE_SUFFIXES, "mask")
        folders["widths"] = widths
    items = []
    for stem, image in images.items():
        missing = [k for k, files in found.items() if stem not in files]
        if missing:
            raise ValueError(
                f"{image} has no file in {', '.join(str(folders[k]) for k in missing)}"
            )
        if "directions" in found:
            direction_path = found["directions"][stem]
            direction = read_direction_map(direction_path)
            _same_size(image, image_size(image), direction_path, direction.shape)
        else:  # checked against the image's size, which the truth takes
            direction_path, direction = image, np.zeros(image_size(image), np.float32)
        read = _reader({k: files[stem] for k, files in found.items()}, direction_path, direction)
        region = np.ones(direction.shape, bool)
        for key in ("centerlines", "masks"):
            if key in found:
                region &= read(key) > 0
        if "directions" not in found:
            region, direction = _derived_truth(read)
        select = scored_pixels(region, read("crossings"), direction)
        classes = read("classes")
        width = None
        if "widths" in found:
            width = local_width(read("widths") > 0).astype(np.float32)
        items.append(Item(stem, Path(image), direction, select, classes, width, names))
    return items


def _reader(paths: dict[str, str], direction_path: str, direction: np.ndarray):
    """``read(key)``: the file of ``key`` of one image (a binary mask; for ``classes`` the
    label ids), checked to have the direction map's size; None where there is no such file.
    Each file is read once (``--masks`` both restricts the pixels and gives the widths)."""
    done: dict[tuple[bool, str], np.ndarray] = {}

    def read(key: str) -> np.ndarray | None:
        path = paths.get(key)
        if path is None:
            return None
        labels = key == "classes"
        if (labels, path) not in done:
            array = check_labels(read_mask(path), path) if labels else read_binary_mask(path)
            _same_size(path, array.shape, direction_path, direction.shape)
            done[labels, path] = array
        return done[labels, path]

    return read


#: Integration scale (px) of the structure tensor that derives the truth from centre-lines.
#: The staircase of a rasterised line is the tensor's error: on skeletons of bars 3-15 px
#: wide it averaged 0.85 deg at 30 deg and 1.15 at 10 deg with train's 2 px, 0.47 and 0.93
#: with 4 px; on a ring of radius 60, 1.67 against 0.95 (6 px: 0.44, 0.91, 0.73;
#: ``benchmarks/derived_truth.py``).
DERIVED_RHO = 4.0


def _derived_truth(read) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Without direction maps: the centre-lines (given, else the skeleton of the mask) and
    their directions by the structure tensor (:data:`DERIVED_RHO`; as ``train
    --val-centerlines`` derives them, :func:`~dense_direction.transforms.centerline_directions`);
    the centre-line pixels are scored (within the mask, where both are given), but for those
    near a junction (:func:`_near_junctions`)."""
    from dense_direction.transforms import centerline_directions, mask_centerline

    centerline = read("centerlines")
    mask = read("masks")
    lines = (centerline > 0) if centerline is not None else mask_centerline(mask) > 0
    if mask is not None:
        lines &= mask > 0
    direction = centerline_directions(lines.astype(np.uint8), (1,), 1.0, DERIVED_RHO)[0]
    return lines & ~_near_junctions(lines, mask), direction


def _near_junctions(lines: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The pixels within a junction's reach (the half-width of the structure there, from
    ``mask``, plus 2 px) of its nearest centre-line junction (a pixel of 3 or more
    neighbours): where structures meet, a skeleton's branches bend into each other and
    bridge them, and the structure tensor sees several directions at once."""
    from scipy import ndimage as ndi

    from dense_direction.analysis.objects.skeleton import neighbour_count

    junctions = lines & (neighbour_count(lines) >= 3)
    if not junctions.any():
        return np.zeros(lines.shape, bool)
    distance, (rows, cols) = ndi.distance_transform_edt(~junctions, return_indices=True)
    half = 0 if mask is None else ndi.distance_transform_edt(mask > 0)[rows, cols]
    return distance <= half + 2


def _kind_names(data: Path) -> dict[int, str] | None:
    """The structure kind of each class id of a ``synth`` dataset (its ``meta.json``)."""
    meta = data / "meta.json"
    if not meta.is_file():
        return None
    kinds = json.loads(meta.read_text()).get("kinds") or []
    return {index: kind for index, kind in enumerate(kinds, start=1)}
