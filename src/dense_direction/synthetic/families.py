"""Test shapes of one known width: straight lines, arcs, sinusoids, branching trees, crossings.

The structure kinds of :mod:`dense_direction.synthetic.curves` mix widths the way real cracks,
vessels, roads and fibres do. To see how a method behaves *as a function of width*, the width
benchmark needs images where every structure has one nominal width ``w``; these families give
them, with exact tangents (every curve is an integrated heading, as in ``curves``), rendered
with the same photo-like renderer and distractors.

Headings are in image coordinates (x right, row down), as in ``curves``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dense_direction.synthetic.curves import STEP, Curve, _clip_to_view, _steps, _trace
from dense_direction.synthetic.raster import rasterize
from dense_direction.synthetic.sample import SyntheticSample, parse_size, sample_from_layers

__all__ = ["BENCHMARK_WIDTHS", "FAMILIES", "generate_width_sample"]

#: Widths (pixels) the width benchmark renders: from 1-px cracks to 48-px roads.
BENCHMARK_WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)


def _through(point: np.ndarray, headings: np.ndarray, at: int, radius: float) -> Curve:
    """A curve with ``headings`` whose sample ``at`` lies on ``point``."""
    steps = STEP * np.stack((np.cos(headings), np.sin(headings)), axis=1)
    offset = np.cumsum(steps[:-1], axis=0)[at - 1] if at > 0 else np.zeros(2)
    return _trace(point - offset, headings, np.full(len(headings), radius))


def _centre_point(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    return rng.uniform((0.3 * w, 0.3 * h), (0.7 * w, 0.7 * h))


def _line(rng: np.random.Generator, shape: tuple[int, int], radius: float, heading: float):
    count = _steps(2.2 * max(shape))
    return _through(_centre_point(rng, shape), np.full(count, heading), count // 2, radius)


def straight(rng: np.random.Generator, shape: tuple[int, int], width: float) -> list[Curve]:
    """One to three straight lines at random angles (one when wide)."""
    count = 1 if width >= 12 else int(rng.integers(1, 4))
    return [_line(rng, shape, width / 2, rng.uniform(0, math.pi)) for _ in range(count)]


def arcs(rng: np.random.Generator, shape: tuple[int, int], width: float) -> list[Curve]:
    """A circular arc of radius 30-160 px (at least 3 widths), up to 3/4 of a turn."""
    radius = rng.uniform(max(30.0, 3 * width), max(160.0, 4 * width))
    count = _steps(1.5 * math.pi * radius)
    sign = rng.choice([-1.0, 1.0])
    headings = rng.uniform(0, 2 * math.pi) + sign * np.arange(count) * STEP / radius
    return [_through(_centre_point(rng, shape), headings, count // 2, width / 2)]


def sinusoids(rng: np.random.Generator, shape: tuple[int, int], width: float) -> list[Curve]:
    """Meanders: heading = h0 + A sin(2 pi s / L), bending no tighter than 2 widths."""
    amplitude = rng.uniform(0.3, 0.8)
    # The tightest radius of curvature is L / (2 pi A); keep it >= 2 widths and >= 10 px.
    wavelength = rng.uniform(1.0, 1.5) * max(60.0, 2 * math.pi * amplitude * max(2 * width, 10))
    count = _steps(2.2 * max(shape))
    s = np.arange(count) * STEP
    headings = rng.uniform(0, math.pi) + amplitude * np.sin(2 * math.pi * s / wavelength)
    return [_through(_centre_point(rng, shape), headings, count // 2, width / 2)]


def trees(rng: np.random.Generator, shape: tuple[int, int], width: float) -> list[Curve]:
    """A gently bending trunk with one to three branches of the same width at 25-65 deg."""
    count = _steps(2.2 * max(shape))
    bend = rng.normal(0, 0.002, size=count).cumsum() * STEP
    headings = rng.uniform(0, 2 * math.pi) + bend
    trunk = _through(_centre_point(rng, shape), headings, count // 2, width / 2)
    curves = [trunk]
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.integers(int(0.35 * count), int(0.65 * count)))
        side = rng.choice([-1.0, 1.0])
        heading = headings[at] + side * rng.uniform(math.radians(25), math.radians(65))
        length = _steps(rng.uniform(0.4, 0.8) * max(shape))
        child = np.full(length, heading) + rng.normal(0, 0.002, size=length).cumsum() * STEP
        curves.append(_through(trunk.points[at], child, 0, width / 2))
    return curves


def crossings(rng: np.random.Generator, shape: tuple[int, int], width: float) -> list[Curve]:
    """Two straight lines crossing near the centre at 30-90 deg."""
    first = rng.uniform(0, math.pi)
    second = first + rng.choice([-1.0, 1.0]) * rng.uniform(math.radians(30), math.radians(90))
    point = _centre_point(rng, shape)
    count = _steps(2.2 * max(shape))
    return [
        _through(point, np.full(count, heading), count // 2, width / 2)
        for heading in (first, second)
    ]


FAMILIES: dict[str, Callable[[np.random.Generator, tuple[int, int], float], list[Curve]]] = {
    "straight": straight,
    "arcs": arcs,
    "sinusoids": sinusoids,
    "trees": trees,
    "crossings": crossings,
}


def generate_width_sample(
    family: str, width: float, size: int | tuple[int, int] = 256, seed: int = 0
) -> SyntheticSample:
    """One rendered image of ``family`` (a name in :data:`FAMILIES`) with every structure
    ``width`` pixels wide; deterministic for ``(family, width, size, seed)``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose from {tuple(FAMILIES)}")
    if not width > 0:
        raise ValueError(f"width must be > 0 pixels, got {width!r}")
    shape = parse_size(size)
    rng = np.random.default_rng([seed, round(width * 100), tuple(FAMILIES).index(family)])
    # Curves run far past the border, so a structure's rounded end never shows in the image
    # (an oblique band cut near its end would show a cap, whose shape is not the band's).
    margin = 1.5 * width + 4
    curves = [c for c in FAMILIES[family](rng, shape, width) if c is not None]
    curves = [c for c in (_clip_to_view(c, shape, margin) for c in curves) if c is not None]
    return sample_from_layers(rasterize(curves, shape), rng, (family,))
