"""Tiles with blended overlaps, so images of any size are predicted in bounded memory.

The tiles are fitted to the image (:func:`tile_span`: the fewest of at most the tile size).
Direction vectors (doubled angles) and probabilities average meaningfully, so overlapping
tiles are blended with weights that fall off as the cube of the distance into the overlap
towards each tile's inner borders (:data:`BLEND_POWER`; image borders keep full weight): no
seams, and every pixel's weights sum to a positive value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dense_direction.given import as_given

__all__ = [
    "BLEND_POWER",
    "DEFAULT_BORDER",
    "DEFAULT_OVERLAP",
    "DEFAULT_TILE",
    "MAX_BORDER",
    "MIN_CLI_TILE",
    "Tile",
    "blend_weights",
    "check_border",
    "check_tiling",
    "tile_span",
    "tiles",
]

#: The largest tile side (px) the network sees at once when predicting.
DEFAULT_TILE = 512
#: Overlap (px) of neighbouring tiles, blended by :func:`blend_weights`. 32 px with the cubic
#: ramp (:data:`BLEND_POWER`) against 64 px with a linear one before: 12 % fewer tile pixels
#: on a 4000x3000 image, and predictions as close to those of one whole-image tile (mean
#: difference 0.09 deg vs 0.13 deg on structure; ``benchmarks/tile_seams.py``).
DEFAULT_OVERLAP = 32
#: Blending weights rise as the cube of the distance into the overlap: a tile's cut edge,
#: which the network reads as an edge of whatever crosses it, counts little for the pixels
#: near it, where the neighbouring tile sees them in context.
BLEND_POWER = 3
#: The smallest tile the command line accepts: 128-px tiles already differ from one tile over
#: the whole image by 3.0 deg on average (p99 33 deg) where 512-px ones differ by 0.09 deg
#: (``benchmarks/tile_seams.py``). The API accepts any tile (toy networks, tests).
MIN_CLI_TILE = 128
#: Padding (px) around an image before it is tiled, so that structures leaving the frame do
#: not end at it (``DirectionEstimator.predict``; how: :func:`dense_direction.borders.continued`).
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


def tile_span(length: int, tile: int, overlap: int, multiple: int = 1) -> tuple[int, list[int]]:
    """The side and the starts of the fewest tiles of at most ``tile`` pixels that cover
    ``length`` pixels with neighbours overlapping by at least ``overlap``: ``n = ceil((length
    - overlap) / (tile - overlap))`` tiles of the smallest side that reaches, rounded up to a
    ``multiple`` (the network's divisor: a tile of another side is padded to one inside the
    network, work spent on copies of its edge), evenly spaced, the last flush with the end.

    Worked case: 3032 px (3000 and a border of 16 on each side), tiles of at most 768
    overlapping by 64, multiple 16: ``n = ceil(2968 / 704) = 5`` tiles of
    ``(3032 + 4 * 64) / 5 = 657.6`` -> 672 px, starts ``floor(i * 2360 / 4)`` = 0, 590, 1180,
    1770, 2360 (overlaps 82). Tiles of 768 laid from the start with steps of 704, the last
    flush with the end, would be five too, each 768 px: 14 % more pixels on this axis."""
    if length <= tile:
        return length, [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    side = math.ceil((length + (count - 1) * overlap) / count)
    side = min(tile, -(-side // multiple) * multiple)
    # Floors of evenly spaced starts: steps differ by at most 1 and none exceeds
    # side - overlap, since side >= (length + (count - 1) * overlap) / count.
    return side, [i * (length - side) // (count - 1) for i in range(count)]


def check_tiling(
    tile: int, overlap: int, smallest: int = 1, names: tuple[str, str] = ("tile", "overlap")
) -> None:
    """A ``ValueError`` (``TypeError`` for a value that is not a whole number) unless
    ``tile >= smallest`` (at least 1) and ``0 <= overlap < tile``, naming the value at
    fault as ``names`` spell them (the command line passes its flags)."""
    tile_name, overlap_name = names
    for name, value in ((tile_name, tile), (overlap_name, overlap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be a whole number of pixels, got {value!r}")
    if tile < 1:
        raise ValueError(f"{tile_name} must be >= 1 pixel, got {as_given(tile_name, tile)}")
    if tile < smallest:
        raise ValueError(
            f"{tile_name} must be >= {smallest} pixels, got {as_given(tile_name, tile)}: smaller "
            f"tiles hold too little of the image for the network to read structures across "
            f"them (seams of tens of degrees); the default is {DEFAULT_TILE}"
        )
    if not 0 <= overlap < tile:
        raise ValueError(
            f"{overlap_name} must be >= 0 and below the tile size, got "
            f"{as_given(overlap_name, overlap)} with {as_given(tile_name, tile)}: lower the "
            f"overlap or raise the tile"
        )


def check_border(border: int, name: str = "border") -> None:
    """A ``ValueError`` unless the padding ``border`` is a whole number of pixels in
    ``[0, MAX_BORDER]``; ``name`` names it in messages (the command-line flag, say)."""
    if isinstance(border, bool) or not isinstance(border, int) or border < 0:
        raise ValueError(f"{name} must be an integer >= 0 pixels, got {border!r}")
    if border > MAX_BORDER:
        raise ValueError(
            f"{name} must be at most {MAX_BORDER} pixels, got {border}: it only continues "
            f"structures across the frame (the default {DEFAULT_BORDER} does), and a wider one "
            f"adds copies of the edge at the cost of memory and time"
        )


def tiles(height: int, width: int, tile: int, overlap: int, multiple: int = 1) -> Iterator[Tile]:
    """The fewest tiles of at most ``tile`` x ``tile`` that cover the image with neighbours
    overlapping by at least ``overlap`` pixels, fitted to it (:func:`tile_span` per axis;
    ``multiple``: the network's size divisor)."""
    check_tiling(tile, overlap)
    side_y, tops = tile_span(height, tile, overlap, multiple)
    side_x, lefts = tile_span(width, tile, overlap, multiple)
    for top in tops:
        for left in lefts:
            yield Tile(top, left, side_y, side_x)


def blend_weights(
    tile: Tile, height: int, width: int, overlap: int, power: int = BLEND_POWER
) -> np.ndarray:
    """``(tile.height, tile.width)`` float32 weights: 1 inside, falling over the ``overlap``
    pixels next to borders shared with other tiles as ``t ** power``, ``t = (i + 1) /
    (overlap + 1)`` for the pixel ``i`` pixels in from such a border (never to 0). Image
    borders keep full weight. The weights of the two tiles at a pixel are normalised when
    blending (:class:`dense_direction.inference.DirectionEstimator`), so only their ratio
    matters: ``power`` 1 is the linear ramp of earlier releases."""

    def ramp(size: int, start: int, total: int) -> np.ndarray:
        weights = np.ones(size, dtype=np.float32)
        if overlap <= 0:
            return weights
        rise = ((np.arange(overlap, dtype=np.float32) + 1) / (overlap + 1)) ** power
        n = min(overlap, size)
        if start > 0:  # a neighbour before this tile
            weights[:n] = np.minimum(weights[:n], rise[:n])
        if start + size < total:  # a neighbour after
            weights[-n:] = np.minimum(weights[-n:], rise[:n][::-1])
        return weights

    return np.outer(ramp(tile.height, tile.top, height), ramp(tile.width, tile.left, width))
