"""Tiles with blended overlaps, so images of any size are predicted in bounded memory.

Direction vectors (doubled angles) and probabilities average meaningfully, so overlapping
tiles are blended with weights that fall off linearly towards each tile's inner borders
(image borders keep full weight): no seams, and every pixel's weights sum to a positive value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_BORDER",
    "DEFAULT_OVERLAP",
    "DEFAULT_TILE",
    "MAX_BORDER",
    "Tile",
    "blend_weights",
    "check_border",
    "check_tiling",
    "tiles",
]

#: Tile side (px) the network sees at once when predicting.
DEFAULT_TILE = 512
#: Overlap (px) of neighbouring tiles, blended by :func:`blend_weights`.
DEFAULT_OVERLAP = 64
#: Edge-replicated padding (px) around an image before it is tiled, so that structures
#: leaving the frame do not end at it (``DirectionEstimator.predict``).
DEFAULT_BORDER = 16
#: The widest border accepted (``--border 100000`` asked for 112 GiB before it was refused).
MAX_BORDER = 1024


@dataclass(frozen=True)
class Tile:
    """A window ``[top, top + height) x [left, left + width)`` of the image."""

    top: int
    left: int
    height: int
    width: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.top + self.height), slice(self.left, self.left + self.width)


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    return [*starts, length - tile]


def check_tiling(tile: int, overlap: int) -> None:
    """A ``ValueError`` (``TypeError`` for a value that is not a whole number) unless
    ``tile >= 1`` and ``0 <= overlap < tile``, naming the value at fault."""
    for name, value in (("tile", tile), ("overlap", overlap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be a whole number of pixels, got {value!r}")
    if tile < 1:
        raise ValueError(f"tile must be >= 1 pixel, got tile={tile}")
    if not 0 <= overlap < tile:
        raise ValueError(
            f"overlap must be >= 0 and below the tile size, got overlap={overlap} with "
            f"tile={tile}: lower the overlap or raise the tile"
        )


def check_border(border: int) -> None:
    """A ``ValueError`` unless the padding ``border`` is a whole number of pixels in
    ``[0, MAX_BORDER]``."""
    if isinstance(border, bool) or not isinstance(border, int) or border < 0:
        raise ValueError(f"border must be an integer >= 0 pixels, got {border!r}")
    if border > MAX_BORDER:
        raise ValueError(
            f"border must be at most {MAX_BORDER} pixels, got {border}: it only continues "
            f"structures across the frame (the default {DEFAULT_BORDER} does), and a wider one "
            f"adds copies of the edge at the cost of memory and time"
        )


def tiles(height: int, width: int, tile: int, overlap: int) -> Iterator[Tile]:
    """Tiles of at most ``tile`` x ``tile`` covering the image, neighbours overlapping by at
    least ``overlap`` pixels."""
    check_tiling(tile, overlap)
    for top in _starts(height, tile, overlap):
        for left in _starts(width, tile, overlap):
            yield Tile(top, left, min(tile, height), min(tile, width))


def blend_weights(tile: Tile, height: int, width: int, overlap: int) -> np.ndarray:
    """``(tile.height, tile.width)`` float32 weights: 1 inside, ramping down over ``overlap``
    pixels towards borders shared with other tiles (never to 0)."""

    def ramp(size: int, start: int, total: int) -> np.ndarray:
        weights = np.ones(size, dtype=np.float32)
        if overlap <= 0:
            return weights
        rise = (np.arange(overlap, dtype=np.float32) + 1) / (overlap + 1)
        n = min(overlap, size)
        if start > 0:  # a neighbour before this tile
            weights[:n] = np.minimum(weights[:n], rise[:n])
        if start + size < total:  # a neighbour after
            weights[-n:] = np.minimum(weights[-n:], rise[:n][::-1])
        return weights

    return np.outer(ramp(tile.height, tile.top, height), ramp(tile.width, tile.left, width))
