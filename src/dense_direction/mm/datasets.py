"""Datasets: synthetic lines written by ``dense-direction synth``, Concrete Cracks and Ottawa
Roads. CHASE-DB1 and DRIVE use mmseg's own dataset classes (see ``configs/_base_/datasets``).

Unlike the reference, user arguments (``data_prefix``, suffixes, ``indices``) override the
defaults instead of being overwritten by them.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from dense_direction.io import (
    IMAGE_SUFFIXES,
    empty_masks,
    files_by_stem,
    listing,
    mask_rule,
    mismatched_sizes,
    paired_files,
)
from dense_direction.io.directions import read_direction_map
from dense_direction.notices import DenseDirectionWarning
from dense_direction.synthetic.dataset import LAYOUT, layout_path, missing_split, split_folders

__all__ = [
    "ConcreteCracksDataset",
    "ImageMaskFolderDataset",
    "OttawaRoadsDataset",
    "SyntheticLinesDataset",
]

PHASES = ("train", "val", "test")
BINARY_PALETTE = [[65, 65, 129], [128, 64, 128]]


def _check_phase(phase: str | None, cls: type) -> None:
    if phase is not None and phase not in PHASES:
        raise ValueError(f"{cls.__name__}: phase must be one of {PHASES} or None, got {phase!r}")


def _check_root(data_root: str, what: str, hint: str) -> None:
    if not Path(data_root).is_dir():
        raise FileNotFoundError(f"{what} not found at {data_root!r}; {hint}")


@DATASETS.register_module()
class SyntheticLinesDataset(BaseSegDataset):
    """A folder written by ``dense-direction synth`` (see ``docs/data.md``).

    Each sample lists ``img_path`` and ``seg_map_path`` (the 0/1 mask) and, when present on
    disk, ``centerline_path``, ``direction_path`` and ``crossing_path`` for
    :class:`~dense_direction.mm.transforms.LoadDirectionAnnotations`.
    """

    METAINFO: ClassVar[dict] = dict(classes=("background", "structure"), palette=BINARY_PALETTE)

    def __init__(self, data_root: str, phase: str = "train", **kwargs: Any) -> None:
        _check_phase(phase, type(self))
        if phase is None:  # each split has folders of its own (docs/data.md)
            raise ValueError(
                f"{type(self).__name__}: phase must be one of {PHASES}: the synth layout keeps "
                f"each split in its own folders, got None"
            )
        _check_root(data_root, "synthetic dataset", "write one with `dense-direction synth`")
        self.phase = phase
        kwargs.setdefault("img_suffix", LAYOUT["images"])
        kwargs.setdefault("seg_map_suffix", LAYOUT["masks"])
        folders = split_folders("", phase)  # relative to data_root, as mmseg expects
        kwargs.setdefault(
            "data_prefix",
            dict(img_path=str(folders["images"]), seg_map_path=str(folders["masks"])),
        )
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> list[dict]:
        image_dir = Path(self.data_prefix["img_path"])
        if not image_dir.is_dir():
            raise FileNotFoundError(missing_split(Path(self.data_root), self.phase, image_dir))
        data_list = super().load_data_list()
        for info in data_list:
            stem = Path(info["img_path"]).stem
            for key, folder in (
                ("centerline_path", "centerlines"),
                ("direction_path", "directions"),
                ("crossing_path", "crossings"),
            ):
                path = layout_path(self.data_root, folder, self.phase, stem)
                if path.exists():
                    info[key] = str(path)
            if not Path(info["seg_map_path"]).exists():
                raise FileNotFoundError(f"{info['img_path']} has no mask {info['seg_map_path']}")
        return data_list

    @staticmethod
    def read_meta(data_root: str) -> dict:
        """The generator's ``meta.json`` (kinds, size, seed, splits)."""
        return json.loads((Path(data_root) / "meta.json").read_text())


def _split_indices(phase: str | None, bounds: tuple[int, int, int]) -> list[int] | None:
    train, val, total = bounds
    return {
        None: None,
        "train": list(range(train)),
        "val": list(range(train, val)),
        "test": list(range(val, total)),
    }[phase]


class _SplitByIndex(BaseSegDataset):
    """A public dataset split by index (``SPLITS``: the ends of train, val and test): its
    folder must hold exactly that many images, else the split would be a bare IndexError (too
    few) or silently take the wrong images (too many)."""

    SPLITS: ClassVar[tuple[int, int, int]]
    expected: int | None  # SPLITS[-1] where the split is by index, else None

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        expected = self.expected
        if expected is not None and len(data_list) != expected:
            folder = Path(self.data_root) / self.data_prefix.get("img_path", "")
            raise ValueError(
                f"{type(self).__name__}: found {len(data_list)} images in {folder}, but its "
                f"{'/'.join(map(str, self.SPLITS))} split by index expects {expected}: use the "
                f"dataset as published (docs/data.md), phase=None for all images, or "
                f"ImageMaskFolderDataset for your own folders"
            )
        return data_list


@DATASETS.register_module()
class ConcreteCracksDataset(_SplitByIndex):
    """Concrete Crack Segmentation Dataset: ``rgb/*.jpg`` images, ``BW/*.jpg`` masks, 458
    images split 278 / 90 / 90 by index (as in the reference)."""

    METAINFO: ClassVar[dict] = dict(classes=("background", "crack"), palette=BINARY_PALETTE)
    SPLITS = (278, 368, 458)

    def __init__(
        self,
        data_root: str = "./data/concreteCrackSegmentationDataset",
        phase: str | None = None,
        **kwargs: Any,
    ) -> None:
        _check_phase(phase, type(self))
        _check_root(data_root, "Concrete Cracks dataset", "see docs/data.md for the layout")
        # The count is checked where the split is by index (not given indices of one's own).
        self.expected = None if phase is None or "indices" in kwargs else self.SPLITS[-1]
        kwargs.setdefault("img_suffix", ".jpg")
        kwargs.setdefault("seg_map_suffix", ".jpg")
        kwargs.setdefault("reduce_zero_label", False)
        kwargs.setdefault("data_prefix", dict(img_path="rgb", seg_map_path="BW"))
        kwargs.setdefault("indices", _split_indices(phase, self.SPLITS))
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class OttawaRoadsDataset(_SplitByIndex):
    """Ottawa Roads (after ``tools/datasets/ottawa_roads.py``): ``images/*.tif``,
    ``masks/*.png`` and ``centerline/*.png``, 20 images split 12 / 4 / 4 by index."""

    METAINFO: ClassVar[dict] = dict(classes=("background", "road"), palette=BINARY_PALETTE)
    SPLITS = (12, 16, 20)

    def __init__(
        self,
        data_root: str = "./data/Ottawa-Dataset",
        phase: str | None = None,
        **kwargs: Any,
    ) -> None:
        _check_phase(phase, type(self))
        _check_root(
            data_root, "Ottawa Roads dataset", "convert the zip with tools/datasets/ottawa_roads.py"
        )
        self.expected = None if phase is None or "indices" in kwargs else self.SPLITS[-1]
        kwargs.setdefault("img_suffix", ".tif")
        kwargs.setdefault("seg_map_suffix", ".png")
        kwargs.setdefault("reduce_zero_label", False)
        kwargs.setdefault("data_prefix", dict(img_path="images", seg_map_path="masks"))
        kwargs.setdefault("indices", _split_indices(phase, self.SPLITS))
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()  # (checks the count)
        centerlines = Path(self.data_root) / "centerline"
        for info in data_list:
            path = centerlines / f"{Path(info['img_path']).stem}.png"
            if path.exists():
                info["centerline_path"] = str(path)
        return data_list


@DATASETS.register_module()
class ImageMaskFolderDataset(BaseSegDataset):
    """Images and masks in two folders, paired by file name (any common image format).
    Masks follow the rule of :func:`dense_direction.io.binarize_mask`: any non-zero value, in
    any channel, is structure (JPEG masks: above 127). Optional folders of direction maps
    (``.npy``), centre-lines and crossings, paired the same way. ``names`` restricts it to
    those file stems.

    Nothing is skipped silently: files without a partner, and images whose mask has another
    size (read from the file headers), are an error that lists them; masks without any
    structure pixel are listed in a warning, and when every mask is empty the dataset is an
    error (``check_masks=False`` skips these checks). ``positive_labels``: label values that
    are structure, for these checks; give the pipeline's ``BinarizeAnnotations`` the same.
    ``data_root``: the folder relative ``images``, ``masks`` and the others are in (as
    mmseg's ``data_prefix``). Pairing is by file name, so mmseg's ``img_suffix``,
    ``seg_map_suffix`` and ``data_prefix`` are refused, not ignored.
    """

    METAINFO: ClassVar[dict] = dict(classes=("background", "structure"), palette=BINARY_PALETTE)

    def __init__(
        self,
        images: str,
        masks: str,
        directions: str | None = None,
        centerlines: str | None = None,
        crossings: str | None = None,
        names: list[str] | None = None,
        check_masks: bool = True,
        positive_labels: Sequence[int] | None = None,
        data_root: str = "",
        **kwargs: Any,
    ) -> None:
        ignored = sorted(set(kwargs) & {"img_suffix", "seg_map_suffix", "data_prefix"})
        if ignored:
            raise ValueError(
                f"ImageMaskFolderDataset pairs images and masks by file name (x.png with "
                f"x.png, x.jpg or x.tif), so it takes no {', '.join(ignored)}: name each mask "
                f"as its image, or use mmseg's BaseSegDataset, which pairs by suffix"
            )
        folders = dict(
            images=images,
            masks=masks,
            directions=directions,
            centerlines=centerlines,
            crossings=crossings,
        )
        self.folders = {
            key: None if value is None else str(Path(data_root) / value)
            for key, value in folders.items()
        }
        self.names = None if names is None else list(names)
        self.check_masks = check_masks
        self.positive = None if positive_labels is None else tuple(positive_labels)
        prefix = dict(img_path=self.folders["images"], seg_map_path=self.folders["masks"])
        super().__init__(data_root="", data_prefix=prefix, **kwargs)

    def load_data_list(self) -> list[dict]:
        images, masks = paired_files(self.folders["images"], self.folders["masks"])
        stems = sorted(images) if self.names is None else self.names
        extras = {}
        for key, folder, suffixes in (
            ("direction_path", "directions", (".npy",)),
            ("centerline_path", "centerlines", IMAGE_SUFFIXES),
            ("crossing_path", "crossings", IMAGE_SUFFIXES),
        ):
            if self.folders[folder] is not None:
                found = files_by_stem(self.folders[folder], suffixes, folder[:-1])
                missing = [s for s in stems if s not in found]
                if missing:
                    raise ValueError(
                        f"{len(missing)} images have no file in {folder} "
                        f"{self.folders[folder]}: {listing(missing)}"
                    )
                extras[key] = found
        data_list = []
        for stem in stems:
            if stem not in images:
                raise ValueError(f"no image named {stem!r} in {self.folders['images']}")
            info = dict(
                img_path=images[stem],
                seg_map_path=masks[stem],
                label_map=None,
                reduce_zero_label=False,
                seg_fields=[],
            )
            info.update({key: found[stem] for key, found in extras.items()})
            data_list.append(info)
        for key in extras:  # validation truth of another size would fail at the first validation
            mismatched = mismatched_sizes((info["img_path"], info[key]) for info in data_list)
            if mismatched:
                raise ValueError(
                    f"{len(mismatched)} of {len(data_list)} images and their "
                    f"{key.removesuffix('_path')} files differ in size: {listing(mismatched, 4)}"
                )
        if "direction_path" in extras:  # degrees would validate as nonsense (about 40 deg off)
            for info in data_list:
                read_direction_map(info["direction_path"], stacked=True)
        if self.check_masks:
            pairs = [(info["img_path"], info["seg_map_path"]) for info in data_list]
            mismatched = mismatched_sizes(pairs)
            if mismatched:
                raise ValueError(
                    f"{len(mismatched)} of {len(data_list)} images and their masks differ in "
                    f"size: {listing(mismatched, 4)}"
                )
            empty = empty_masks((i["seg_map_path"] for i in data_list), positive=self.positive)
            if empty:
                warnings.warn(
                    f"{len(empty)} of {len(data_list)} masks have no structure pixel "
                    f"({mask_rule(positive=self.positive)}): {listing(empty)}",
                    DenseDirectionWarning,
                    stacklevel=2,
                )
        return data_list
