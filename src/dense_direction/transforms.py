"""Array functions behind the data transforms (pure NumPy; the OpenMMLab wrappers in
:mod:`dense_direction.mm.transforms` only move arrays in and out of the results dict)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from dense_direction.classical import structure_tensor_direction
from dense_direction.io import binarize_mask  # the mask rule lives with the image contract
from dense_direction.losses.medial import medial_directions

__all__ = [
    "ArrayCache",
    "binarize_mask",
    "centerline_directions",
    "check_same_size",
    "crop_array",
    "grow_box",
    "guided_crop_box",
    "label_medial_directions",
    "mask_centerline",
    "pack_angles",
    "unpack_angles",
]


def guided_crop_box(
    mask: np.ndarray,
    crop_size: tuple[int, int],
    rng: np.random.Generator,
    min_ratio: float = 0.0,
    max_ratio: float = 1.0,
    max_attempts: int = 100,
    positive: Sequence[int] | None = None,
) -> tuple[int, int, int, int]:
    """A crop box ``(top, left, height, width)`` centred near a random structure pixel.

    Tries up to ``max_attempts`` structure pixels (``mask > 0``, or ``mask`` in ``positive``)
    and keeps the first box whose structure fraction lies in ``[min_ratio, max_ratio]``; when
    none does, the last box tried. An image without structure pixels gets a uniformly random
    box (documented fallback: the crop is still taken, it just holds no structure).

    Raises:
        ValueError: the image is smaller than the crop.
    """
    h, w = mask.shape[:2]
    ch, cw = crop_size
    if h < ch or w < cw:
        raise ValueError(
            f"image {w}x{h} (WxH) is smaller than the crop {cw}x{ch}; resize or pad first "
            f"(dense-direction train: a --crop of at most {min(h, w)}; a config: "
            f"dict(type='Pad', size=({ch}, {cw})) before the crop)"
        )
    hits = np.isin(mask, positive) if positive is not None else mask > 0
    rows, cols = np.nonzero(hits)
    if rows.size == 0:
        return int(rng.integers(h - ch + 1)), int(rng.integers(w - cw + 1)), ch, cw
    box = (0, 0, ch, cw)
    for _ in range(max_attempts):
        pick = int(rng.integers(rows.size))
        top = int(np.clip(rows[pick] - ch // 2, 0, h - ch))
        left = int(np.clip(cols[pick] - cw // 2, 0, w - cw))
        box = (top, left, ch, cw)
        ratio = float(hits[top : top + ch, left : left + cw].mean())
        if min_ratio <= ratio <= max_ratio:
            break
    return box


def crop_array(
    array: np.ndarray, box: tuple[int, int, int, int], channels_first: bool
) -> np.ndarray:
    """Crop ``(H, W, ...)`` arrays, or ``(C, H, W)`` arrays when ``channels_first``."""
    top, left, h, w = box
    if channels_first:
        return array[..., top : top + h, left : left + w]
    return array[top : top + h, left : left + w]


def grow_box(
    box: tuple[int, int, int, int], margin: int, shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    """``box`` ``(top, left, height, width)`` grown by ``margin`` pixels on every side and
    clipped to an array of ``shape`` ``(H, W)``."""
    top, left, h, w = box
    new_top, new_left = max(top - margin, 0), max(left - margin, 0)
    bottom, right = min(top + h + margin, shape[0]), min(left + w + margin, shape[1])
    return new_top, new_left, bottom - new_top, right - new_left


def label_medial_directions(
    labels: np.ndarray,
    dir_classes: Sequence[int],
    sigma: float,
    rho: float,
    min_coherence: float,
    unknown_label: int | None = None,
) -> np.ndarray:
    """Medial direction targets of each class of the label map ``labels (H, W)``:
    :func:`dense_direction.losses.medial.medial_directions` of ``labels == c`` for each id
    in ``dir_classes``, NaN where the coherence is below ``min_coherence``; pixels labelled
    ``unknown_label`` are unknown (no edge, no target). Returns ``(K, H, W)`` float32."""
    masks = np.stack([labels == c for c in dir_classes])
    unknown = None if unknown_label is None else labels == unknown_label
    angles, coherence = medial_directions(masks, sigma, rho, unknown)
    angles[coherence < min_coherence] = np.nan
    return angles


#: :func:`pack_angles`' code for NaN; angles in [0, pi) take the codes 0 .. NAN_CODE - 1.
NAN_CODE = 65535


def pack_angles(angles: np.ndarray) -> np.ndarray:
    """Angles in ``[0, pi)`` (radians, NaN allowed) as uint16 codes, half the bytes of
    float32, within ``pi / 65535 / 2`` rad (0.0014 deg) of the angle: a cache of training
    targets holds twice as many images."""
    finite = np.isfinite(angles)
    codes = np.rint(np.where(finite, angles, 0) * (NAN_CODE / np.pi)) % NAN_CODE
    return np.where(finite, codes, NAN_CODE).astype(np.uint16)


def unpack_angles(codes: np.ndarray) -> np.ndarray:
    """:func:`pack_angles`' codes as float32 radians in ``[0, pi)``, NaN where they were."""
    angles = codes.astype(np.float32) * np.float32(np.pi / NAN_CODE)
    angles[codes == NAN_CODE] = np.nan
    return angles


def centerline_directions(
    centerline: np.ndarray,
    dir_classes: Sequence[int] = (1,),
    sigma: float = 1.0,
    rho: float = 2.0,
) -> np.ndarray:
    """Direction of the centre-lines of each class, by the structure tensor of its map.

    Args:
        centerline: ``(H, W)`` label map of centre-lines (class ids, 0 background).
        dir_classes: class ids, one output channel each.
        sigma, rho: gradient and integration scales of the structure tensor (pixels).

    Returns:
        ``(K, H, W)`` float32 angles in ``[0, pi)`` (y up); meaningful on and near the lines.
    """
    if centerline.ndim != 2:
        raise ValueError(f"centre-line map must be (H, W), got shape {centerline.shape}")
    channels = [
        structure_tensor_direction((centerline == c).astype(np.float64), sigma, rho)[0]
        for c in dir_classes
    ]
    return np.stack(channels).astype(np.float32)


def mask_centerline(mask: np.ndarray) -> np.ndarray:
    """1-px centre-lines of a 0/1 mask by morphological thinning (for datasets that ship
    masks only). Returns ``(H, W)`` uint8 0/1."""
    from skimage.morphology import skeletonize

    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    return skeletonize(mask > 0).astype(np.uint8)


def check_same_size(
    reference: tuple[int, int], arrays: dict[str, np.ndarray], channels_first: Sequence[str] = ()
) -> None:
    """Raise if any array's spatial size differs from ``reference`` ``(H, W)``, naming both."""
    for name, array in arrays.items():
        size = tuple(array.shape[-2:]) if name in channels_first else tuple(array.shape[:2])
        if size != tuple(reference):
            height, width = reference
            raise ValueError(
                f"{name} is {size[1]}x{size[0]} (WxH) but the image is {width}x{height}"
            )


class ArrayCache:
    """Least-recently-used values up to ``max_bytes`` in total: arrays (their ``nbytes``), or
    any value whose size ``put`` is told."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.bytes = max_bytes, 0
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()

    def get(self, key: str) -> Any:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key][0]

    def put(self, key: str, value: Any, nbytes: int | None = None) -> None:
        size = value.nbytes if nbytes is None else nbytes
        if key in self._items:  # replaced, even by a value too large to keep
            self.bytes -= self._items.pop(key)[1]
        if size > self.max_bytes:
            return
        self._items[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self.bytes -= self._items.popitem(last=False)[1][1]
