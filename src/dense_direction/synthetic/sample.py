"""One synthetic sample: an image and its exact ground truth, deterministic for a seed."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dense_direction.synthetic.curves import CURVE_KINDS
from dense_direction.synthetic.raster import Layers, rasterize
from dense_direction.synthetic.settings import RenderSettings, settings_for
from dense_direction.synthetic.styles import STYLES, parse_styles

__all__ = [
    "KINDS",
    "SyntheticSample",
    "clear_part",
    "generate_sample",
    "parse_kinds",
    "parse_size",
    "sample_from_layers",
]

KINDS = tuple(CURVE_KINDS)
_MAX_TRIES = 20


@dataclass(frozen=True)
class SyntheticSample:
    """Arrays of one sample, all ``(H, W)`` unless stated.

    Attributes:
        image: ``(H, W, 3)`` uint8 RGB.
        mask: uint8, 1 inside a structure.
        centerline: uint8, 1 on centre-lines.
        direction: float32, the analytic tangent angle in ``[0, pi)`` (y up) in the mask,
            NaN outside.
        crossing: uint8, 1 where two or more structures overlap (direction ambiguous).
        classes: uint8, 1-based index into ``kinds`` per mask pixel, 0 outside.
        kinds: the structure kinds in this sample.
        style: the rendering style of ``image`` (a name in :data:`STYLES`).
    """

    image: np.ndarray
    mask: np.ndarray
    centerline: np.ndarray
    direction: np.ndarray
    crossing: np.ndarray
    classes: np.ndarray
    kinds: tuple[str, ...]
    style: str = "photo"


def parse_size(size: int | Sequence[int]) -> tuple[int, int]:
    """``(height, width)`` from an int or a pair; each at least 16."""
    shape = (size, size) if not isinstance(size, Sequence | np.ndarray) else tuple(size)
    whole = [isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in shape]
    if len(shape) != 2 or not all(whole) or any(s < 16 for s in shape):
        raise ValueError(f"size must be an int or (height, width), each >= 16, got {size!r}")
    return (int(shape[0]), int(shape[1]))


def parse_kinds(kind: str | Sequence[str]) -> tuple[str, ...]:
    """A tuple of known kind names from one name or several."""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    unknown = [k for k in kinds if k not in CURVE_KINDS]
    if not kinds or unknown:
        raise ValueError(f"unknown structure kind(s) {unknown or kinds!r}; choose from {KINDS}")
    return kinds


def generate_sample(
    kind: str | Sequence[str] = "cracks",
    size: int | Sequence[int] = 256,
    seed: int | np.random.SeedSequence = 0,
    style: str | Sequence[str] = "photo",
    held_out: bool = False,
    empty: float = 0.0,
    settings: RenderSettings | None = None,
) -> SyntheticSample:
    """Generate one sample of ``kind`` (one name from :data:`KINDS`, or several to mix).

    ``style`` is a name in :data:`STYLES`, several (one is drawn per sample) or ``"all"``.
    ``held_out`` draws contrast, blur, noise and JPEG quality from ranges training data never
    uses (:data:`~dense_direction.synthetic.settings.HELD_OUT`); ``settings`` gives other
    ranges (a :class:`~dense_direction.synthetic.settings.RenderSettings`) in place of
    either: each parameter takes one draw whatever its ranges, so one seed shows the same
    structures under any settings. The ground truth depends only
    on ``(kind, size, seed, empty)``; the same ``(kind, size, seed, style, held_out, empty)``
    always gives the same arrays.

    ``empty``: the probability that part of the image holds no structure (:func:`clear_part`:
    a random half-plane, or in a quarter of those samples the whole image), so that a model
    also sees what background alone looks like. Drawn from a stream of its own: with
    ``empty=0`` every sample is what it was before the option existed.
    """
    if not 0 <= empty <= 1:
        raise ValueError(f"empty must be a probability in [0, 1], got {empty!r}")
    kinds, shape, styles = parse_kinds(kind), parse_size(size), parse_styles(style)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed}")  # numpy's named none
    rng = np.random.default_rng(seed)
    for _ in range(_MAX_TRIES):  # a draw whose curves all leave the image is drawn again
        curves, labels = [], []
        for index, name in enumerate(kinds, start=1):
            made = CURVE_KINDS[name](rng, shape)
            curves += made
            labels += [index] * len(made)
        layers = rasterize(curves, shape, labels)
        if layers.mask.any():
            break
    else:
        raise RuntimeError(
            f"no {kinds} structure fell inside a {shape} image in {_MAX_TRIES} draws"
        )
    if empty:
        # A child stream: the draws below from ``rng`` stay as they were without the option.
        own = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
        if own.random() < empty:
            layers = clear_part(layers, own)
    return sample_from_layers(layers, rng, kinds, styles, held_out, settings)


def clear_part(layers: Layers, rng: np.random.Generator, whole: float = 0.25) -> Layers:
    """``layers`` without structure on one side of a random line (through a uniformly drawn
    pixel, at a uniform angle), or with probability ``whole`` everywhere. Structures crossing
    the line end at it, as a crack or a vessel ends."""
    h, w = layers.mask.shape
    if rng.random() < whole:
        cleared = np.ones((h, w), bool)
    else:
        y, x = rng.uniform(0, h), rng.uniform(0, w)
        angle = rng.uniform(0, 2 * np.pi)
        rows, cols = np.mgrid[:h, :w]
        cleared = (cols - x) * np.cos(angle) + (rows - y) * np.sin(angle) > 0
    keep = ~cleared
    return Layers(
        mask=layers.mask & keep,
        centerline=layers.centerline & keep,
        direction=np.where(keep, layers.direction, np.float32(np.nan)).astype(np.float32),
        crossing=layers.crossing & keep,
        coverage=np.where(keep, layers.coverage, 0).astype(np.float32),
        label=np.where(keep, layers.label, 0).astype(layers.label.dtype),
    )


def sample_from_layers(
    layers: Layers,
    rng: np.random.Generator,
    kinds: tuple[str, ...],
    style: str | Sequence[str] = "photo",
    held_out: bool = False,
    settings: RenderSettings | None = None,
) -> SyntheticSample:
    """Render ``layers`` with ``rng`` in ``style`` (one drawn if several) and package the
    ground truth as a sample; ``held_out`` and ``settings`` as in :func:`generate_sample`."""
    styles = parse_styles(style)
    # Drawn after the geometry, so every style of one seed shows the same structures.
    name = styles[int(rng.integers(len(styles)))] if len(styles) > 1 else styles[0]
    return SyntheticSample(
        image=STYLES[name](layers, rng, settings or settings_for(held_out)),
        mask=layers.mask.astype(np.uint8),
        centerline=layers.centerline.astype(np.uint8),
        direction=layers.direction,
        crossing=layers.crossing.astype(np.uint8),
        classes=layers.label,
        kinds=kinds,
        style=name,
    )
