"""mmcv transforms: thin wrappers that move arrays between the results dict and
:mod:`dense_direction.transforms`.

Type names and constructor arguments follow the published reference; additions are optional
keyword arguments with backward-compatible defaults.

Layout in the results dict: ``img`` is ``(H, W, 3)``, 2-D maps (``gt_seg_map``,
``gt_centerline``, ``gt_crossings``) are ``(H, W)`` and listed in ``seg_fields`` so mmseg's
geometric transforms move them with the image, ``gt_directions`` is ``(K, H, W)`` float32
radians (NaN where undefined). ``gt_seg_map`` holds :data:`IGNORE_INDEX` where the label
is unknown (pixels of a float image with no value): no loss scores them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from dense_direction.io import (
    LOSSY_SUFFIXES,
    binarize_mask,
    read_binary_mask,
    read_image_and_no_data,
    read_mask,
)
from dense_direction.io.directions import read_direction_map
from dense_direction.io.masks import check_ignore_label, check_mask_rule, ignored_pixels
from dense_direction.losses.medial import check_medial_options
from dense_direction.mm.flip import DIRECTIONS_GRID_KEY, check_directions_grid, mark_grid
from dense_direction.transforms import (
    ArrayCache,
    centerline_directions,
    check_same_size,
    crop_array,
    grow_box,
    guided_crop_box,
    label_medial_directions,
    mask_centerline,
    pack_angles,
    unpack_angles,
)

__all__ = [
    "IGNORE_INDEX",
    "BinarizeAnnotations",
    "CenterlineToDirections",
    "LoadDirectionAnnotations",
    "LoadImage",
    "MaskGuidedRandomCrop",
    "MaskToCenterline",
    "PackCustomInputs",
]

CHANNELS_FIRST_KEYS = ("gt_directions",)
#: mmseg's label for pixels that no loss scores (its losses' and heads' ``ignore_index``).
IGNORE_INDEX = 255
#: ``(H, W)`` bool from :class:`LoadImage`: pixels of a float image with no value (NaN, inf).
NO_DATA_KEY = "img_no_data"
#: Set by :class:`MaskGuidedRandomCrop`: its box ``(top, left, height, width)`` and the label
#: maps of ``seg_fields`` before it cut them, so that :class:`MaskToMedialDirections` after
#: it can read the mask around the crop (consumed there).
CROP_BOX_KEY = "crop_box"
UNCROPPED_KEY = "uncropped_seg_maps"


def _sample_name(results: dict) -> str:
    return str(results.get("img_path", results.get("sample_idx", "<unnamed sample>")))


def _check_sizes(results: dict) -> None:
    """Every dense key must match the image; the error names the file and both sizes."""
    if "img" not in results:
        return
    keys = [*results.get("seg_fields", []), "gt_seg_map", *CHANNELS_FIRST_KEYS]
    arrays = {k: results[k] for k in dict.fromkeys(keys) if k in results}
    try:
        check_same_size(results["img"].shape[:2], arrays, CHANNELS_FIRST_KEYS)
    except ValueError as err:
        raise ValueError(f"{_sample_name(results)}: {err}") from err


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """``img_path`` -> ``img`` by the package's image contract
    (:func:`dense_direction.io.read_image`: any bit depth, float TIFFs, gray/RGBA, 16-bit and
    float scaled by the image's own range), so training sees the pixels prediction sees.
    Stored as ``(H, W, 3)`` uint8 **BGR**, mmseg's pipeline convention (the data
    preprocessor's ``bgr_to_rgb`` undoes it), with ``img_shape`` and ``ori_shape``: a drop-in
    for mmcv's ``LoadImageFromFile``. Pixels of a float image with no value (NaN, inf; read
    as the median of the others) are kept in ``img_no_data``, which
    :class:`BinarizeAnnotations` turns into unknown labels.
    """

    def __init__(self, to_float32: bool = False) -> None:
        self.to_float32 = to_float32

    def transform(self, results: dict) -> dict:
        rgb, missing = read_image_and_no_data(results["img_path"])
        image = np.ascontiguousarray(rgb[..., ::-1])
        if self.to_float32:
            image = image.astype(np.float32)
        results["img"] = image
        if missing is not None:
            results[NO_DATA_KEY] = missing
        results["img_shape"] = results["ori_shape"] = image.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadMask(BaseTransform):
    """``seg_map_path`` -> ``gt_seg_map`` with the values as stored
    (:func:`dense_direction.io.read_mask`: 16-bit, float TIFF, labels above 255, colour), for
    :class:`BinarizeAnnotations` to binarise by the package's mask rule, as the check before
    training and ``evaluate`` read masks. mmseg's ``LoadAnnotations`` casts to uint8 first: a
    16-bit mask of 0/256 became empty, label 300 became 44 and a float mask of 0/0.8 empty,
    without a word.
    """

    def transform(self, results: dict) -> dict:
        results["gt_seg_map"] = read_mask(results["seg_map_path"])
        fields = results.setdefault("seg_fields", [])
        if "gt_seg_map" not in fields:
            fields.append("gt_seg_map")
        return results


@TRANSFORMS.register_module()
class BinarizeAnnotations(BaseTransform):
    """``gt_seg_map`` -> 0/1 uint8 by the mask rule of :func:`dense_direction.io.binarize_mask`:
    any non-zero value (any channel) is structure; JPEG masks (``seg_map_path``) above half
    range. The reference accepted only 0/255 masks; ``threshold`` (a fraction of the type's
    range), ``invert`` and ``positive_labels`` (label values that are structure, in
    single-channel label masks) are optional additions, as is ``ignore_label``: pixels of
    that value (mmseg's 255) become :data:`IGNORE_INDEX`, learned from by no loss.

    Where :class:`LoadImage` found no value in the image (``img_no_data``) the label becomes
    :data:`IGNORE_INDEX`: the mask cannot say what an image without values shows, so neither
    the segmentation nor the direction losses learn from those pixels (a mask drawn 0 there
    would otherwise teach that the filled-in area is background). Put it before any
    geometric transform, as the presets do.
    """

    def __init__(
        self,
        threshold: float | None = None,
        invert: bool = False,
        positive_labels: Sequence[int] | None = None,
        ignore_label: int | None = None,
    ) -> None:
        self.threshold, self.invert = threshold, invert
        self.positive = None if positive_labels is None else tuple(positive_labels)
        check_mask_rule(threshold, self.positive)  # in the config, not at the first sample
        check_ignore_label(ignore_label, self.positive)
        self.ignore_label = ignore_label

    def transform(self, results: dict) -> dict:
        _check_sizes(results)
        lossy = Path(str(results.get("seg_map_path", ""))).suffix.lower() in LOSSY_SUFFIXES
        try:
            mask = results["gt_seg_map"]
            # (the ignored pixels become IGNORE_INDEX below, whatever the rule made them)
            binary = binarize_mask(mask, self.threshold, self.invert, lossy, self.positive)
            ignored = ignored_pixels(mask, self.ignore_label)
        except ValueError as err:
            raise ValueError(f"{_sample_name(results)}: {err}") from err
        if ignored is not None:
            binary[ignored] = IGNORE_INDEX
        missing = results.pop(NO_DATA_KEY, None)
        if missing is not None:
            if missing.shape != binary.shape:
                raise ValueError(
                    f"{_sample_name(results)}: the image's no-data map is {missing.shape} and "
                    f"the mask {binary.shape}: put BinarizeAnnotations before any transform "
                    f"that resizes or crops"
                )
            binary[missing] = IGNORE_INDEX
        results["gt_seg_map"] = binary
        return results


@TRANSFORMS.register_module()
class MaskGuidedRandomCrop(BaseTransform):
    """Random crop of ``crop_size`` centred near a structure pixel of ``gt_seg_map``.

    Crops ``img``, every key in ``seg_fields`` and ``gt_directions``. With ``by_index`` only
    those label values count as structure. An image smaller than the crop raises an error that
    names the file; an image without structure gets a uniformly random crop. Records its box
    and the uncropped maps (``crop_box``, ``uncropped_seg_maps``) for
    :class:`MaskToMedialDirections` right after it.
    """

    def __init__(
        self,
        crop_size: int | Sequence[int],
        min_ratio: float = 0.0,
        max_ratio: float = 1.0,
        max_attempts: int = 100,
        ignore_index: int = IGNORE_INDEX,
        by_index: Sequence[int] | int | None = None,
    ) -> None:
        size = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        if len(size) != 2 or any(not isinstance(s, int) or s < 1 for s in size):
            raise ValueError(f"crop_size must be an int or (height, width), got {crop_size!r}")
        if not 0 <= min_ratio <= max_ratio <= 1:
            raise ValueError(
                f"need 0 <= min_ratio <= max_ratio <= 1, got {min_ratio} and {max_ratio}"
            )
        self.crop_size = size
        self.min_ratio, self.max_ratio, self.max_attempts = min_ratio, max_ratio, max_attempts
        self.ignore_index = ignore_index  # unknown labels: neither structure nor background
        self.by_index = [by_index] if isinstance(by_index, int) else by_index

    def transform(self, results: dict) -> dict:
        _check_sizes(results)
        # Seeded from numpy's global state, which mmengine seeds: runs are reproducible.
        rng = np.random.default_rng(np.random.randint(2**31))
        labels = results["gt_seg_map"]
        if self.by_index is None and (labels == self.ignore_index).any():
            labels = np.where(labels == self.ignore_index, 0, labels)  # not structure to aim at
        try:
            box = guided_crop_box(
                labels,
                self.crop_size,
                rng,
                self.min_ratio,
                self.max_ratio,
                self.max_attempts,
                self.by_index,
            )
        except ValueError as err:
            raise ValueError(f"{_sample_name(results)}: {err}") from err
        results["img"] = crop_array(results["img"], box, channels_first=False)
        uncropped = {}
        for key in results.get("seg_fields", ["gt_seg_map"]):
            uncropped[key] = results[key]
            results[key] = crop_array(results[key], box, channels_first=False)
        results[CROP_BOX_KEY], results[UNCROPPED_KEY] = box, uncropped
        for key in CHANNELS_FIRST_KEYS:
            if key in results:
                results[key] = crop_array(results[key], box, channels_first=True)
        if DIRECTIONS_GRID_KEY in results:
            mark_grid(results)  # the targets were cut with the maps
        results["img_shape"] = results["img"].shape[:2]
        return results


@TRANSFORMS.register_module()
class MaskToCenterline(BaseTransform):
    """``gt_seg_map`` (0/1) -> ``gt_centerline`` by thinning, for datasets without
    centre-lines; keeps an existing ``gt_centerline`` unless ``overwrite``."""

    def __init__(self, overwrite: bool = False) -> None:
        self.overwrite = overwrite

    def transform(self, results: dict) -> dict:
        if "gt_centerline" not in results or self.overwrite:
            results["gt_centerline"] = mask_centerline(results["gt_seg_map"])
            fields = results.setdefault("seg_fields", [])
            if "gt_centerline" not in fields:
                fields.append("gt_centerline")
        return results


@TRANSFORMS.register_module()
class CenterlineToDirections(BaseTransform):
    """Direction ground truth from centre-lines, by the structure tensor (y-up convention).

    Reads the label map ``source_key`` (default ``gt_seg_map``, as in the reference; use
    ``gt_centerline`` with :class:`LoadDirectionAnnotations`) and writes ``(K, H, W)`` float32
    angles to ``result_key``, one channel per id in ``dir_classes``.
    """

    def __init__(
        self,
        sigma_blur: float = 1.0,
        sigma_integration: float = 2.0,
        dir_classes: Sequence[int] | None = None,
        result_key: str = "gt_directions",
        source_key: str = "gt_seg_map",
    ) -> None:
        self.sigma_blur, self.sigma_integration = sigma_blur, sigma_integration
        self.dir_classes = tuple(dir_classes) if dir_classes is not None else (1,)
        self.result_key, self.source_key = result_key, source_key

    def transform(self, results: dict) -> dict:
        if self.source_key not in results:
            raise KeyError(
                f"{_sample_name(results)}: CenterlineToDirections needs '{self.source_key}' "
                f"in the results; load it first"
            )
        results[self.result_key] = centerline_directions(
            results[self.source_key], self.dir_classes, self.sigma_blur, self.sigma_integration
        )
        mark_grid(results, self.result_key)
        return results


@TRANSFORMS.register_module()
class MaskToMedialDirections(BaseTransform):
    """Direction targets inside structures from the mask's distance transform (the medial
    directions of :mod:`dense_direction.losses.medial`), for training from masks only.

    Reads the label map ``source_key`` (default ``gt_seg_map``) and writes ``(K, H, W)``
    float32 angles to ``result_key`` (one channel per id in ``dir_classes``), NaN where there
    is no target: off the structure, where the coherence is below ``min_coherence``
    (crossings, junctions), near the image border and near unknown labels
    (``IGNORE_INDEX``: no-data pixels), which, like the border, are no edge. Put it after
    any flip (it does not mirror angles) and **right after** :class:`MaskGuidedRandomCrop`:
    the targets of the crop are then computed from the mask around it, ``margin`` pixels on
    every side, so that the crop's border has the targets of the whole image (exactly, for
    structures up to about ``2 (margin - 12)`` px wide) and large images cost no more than
    small ones. Images of less than twice the area of a crop grown by ``margin`` get the
    whole image's targets instead, kept per label map (keyed by a hash of its bytes; 2 bytes
    per pixel and class) up to ``cache_mb`` per process: training sees every image many
    times.
    Before a crop, or without one, it computes the targets of the map it is given (cached).
    ``SupervisedDirectionLoss`` in the head then learns from them.
    """

    def __init__(
        self,
        sigma: float = 1.0,
        rho: float = 2.0,
        min_coherence: float = 0.5,
        dir_classes: Sequence[int] | None = None,
        result_key: str = "gt_directions",
        source_key: str = "gt_seg_map",
        cache_mb: float = 256.0,
        margin: int = 48,
    ) -> None:
        check_medial_options(sigma, rho, min_coherence)
        if not isinstance(margin, int) or margin < 0:
            raise ValueError(f"margin must be a whole number of pixels >= 0, got {margin!r}")
        self.sigma, self.rho, self.min_coherence = sigma, rho, min_coherence
        self.dir_classes = tuple(dir_classes) if dir_classes is not None else (1,)
        self.result_key, self.source_key, self.margin = result_key, source_key, margin
        self._cache = ArrayCache(int(cache_mb * 2**20))

    def transform(self, results: dict) -> dict:
        if self.source_key not in results:
            raise KeyError(
                f"{_sample_name(results)}: MaskToMedialDirections needs '{self.source_key}' "
                f"in the results; load it first"
            )
        labels = np.ascontiguousarray(results[self.source_key])
        box = results.pop(CROP_BOX_KEY, None)
        uncropped = (results.pop(UNCROPPED_KEY, None) or {}).get(self.source_key)
        if box is None or uncropped is None:
            results[self.result_key] = self._whole(labels)
            mark_grid(results, self.result_key)
            return results
        if not np.array_equal(crop_array(uncropped, box, channels_first=False), labels):
            raise ValueError(
                f"{_sample_name(results)}: the label map changed between MaskGuidedRandomCrop "
                f"and MaskToMedialDirections; put MaskToMedialDirections right after the crop"
            )
        window = grow_box(box, self.margin, uncropped.shape)
        # Whether the image is small beside a window (unclipped: the same answer for every
        # crop of the image, so that all of them use the cached whole-image targets).
        if 2 * (box[2] + 2 * self.margin) * (box[3] + 2 * self.margin) >= uncropped.size:
            angles = self._whole(np.ascontiguousarray(uncropped))
        else:
            angles = self._targets(crop_array(uncropped, window, channels_first=False))
            box = (box[0] - window[0], box[1] - window[1], box[2], box[3])
        results[self.result_key] = np.ascontiguousarray(crop_array(angles, box, True))
        mark_grid(results, self.result_key)
        return results

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        return label_medial_directions(
            labels, self.dir_classes, self.sigma, self.rho, self.min_coherence, IGNORE_INDEX
        )

    def _whole(self, labels: np.ndarray) -> np.ndarray:
        """The targets of the whole map ``labels``, from the cache when it holds them."""
        key = hashlib.blake2b(labels.tobytes(), digest_size=16)
        key.update(repr((labels.shape, labels.dtype.str)).encode())
        codes = self._cache.get(key.hexdigest())
        if codes is not None:
            return unpack_angles(codes)
        # Returned as stored, so that a miss and a later hit give the same numbers.
        codes = pack_angles(self._targets(labels))
        self._cache.put(key.hexdigest(), codes)
        return unpack_angles(codes)


@TRANSFORMS.register_module()
class LoadDirectionAnnotations(BaseTransform):
    """Load the extra ground truth a dataset lists per sample.

    ``centerline_path`` -> ``gt_centerline`` (0/1 ``(H, W)``), ``crossing_path`` ->
    ``gt_crossings`` (0/1 ``(H, W)``), ``direction_path`` (``.npy`` angles ``(H, W)`` or
    ``(K, H, W)``) -> ``gt_directions`` ``(K, H, W)`` float32. A path the dataset lists but
    that cannot be read is an error naming the file; a sample without the path is skipped
    only for keys not in ``required``.
    """

    def __init__(self, required: Sequence[str] = ()) -> None:
        unknown = set(required) - {"centerline", "crossing", "direction"}
        if unknown:
            raise ValueError(f"unknown required annotations {sorted(unknown)}")
        self.required = tuple(required)

    def transform(self, results: dict) -> dict:
        for name in self.required:
            if f"{name}_path" not in results:
                raise KeyError(f"{_sample_name(results)}: the dataset lists no {name}_path")
        seg_fields = results.setdefault("seg_fields", [])
        for name, key in (("centerline", "gt_centerline"), ("crossing", "gt_crossings")):
            if f"{name}_path" in results:
                results[key] = read_binary_mask(results[f"{name}_path"])
                if key not in seg_fields:
                    seg_fields.append(key)
        if "direction_path" in results:
            angles = read_direction_map(results["direction_path"], stacked=True)
            results["gt_directions"] = angles[None] if angles.ndim == 2 else angles
            mark_grid(results)
        return results


@TRANSFORMS.register_module()
class PackCustomInputs(PackSegInputs):
    """:class:`mmseg PackSegInputs` plus extra dense keys as ``PixelData`` fields of the data
    sample (``(H, W)`` maps become ``(1, H, W)``).

    A key in ``additional_data_keys`` missing from the results is an error (the reference
    warned and dropped it).
    """

    def __init__(
        self,
        additional_data_keys: Sequence[str] = ("gt_directions",),
        meta_keys: Sequence[str] | None = None,
    ) -> None:
        if meta_keys is None:
            super().__init__()
        else:
            super().__init__(meta_keys=tuple(meta_keys))
        self.additional_data_keys = tuple(additional_data_keys)

    def transform(self, results: dict) -> dict:
        _check_sizes(results)
        check_directions_grid(results, _sample_name(results))
        packed = super().transform(results)
        sample = packed["data_samples"]
        for key in self.additional_data_keys:
            if key not in results:
                raise KeyError(
                    f"{_sample_name(results)}: PackCustomInputs found no '{key}'; add a "
                    f"transform that produces it or remove it from additional_data_keys"
                )
            array = np.asarray(results[key])
            data = torch.from_numpy(np.ascontiguousarray(array[None] if array.ndim == 2 else array))
            sample.set_field(PixelData(data=data), key)
        return packed
