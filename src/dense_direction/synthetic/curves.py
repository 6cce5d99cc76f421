"""Curve families for synthetic linear structures, with exact tangents.

Every curve is built by integrating a heading function in small steps (at most 0.5 px), so its
tangent at every sample is the heading itself: known by construction, not estimated from
pixels. Headings ``h`` are in image coordinates (x = column to the right, row downward); the
stored angle is the package convention (y up, modulo pi): ``theta = (-h) mod pi``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CURVE_KINDS", "Curve", "crack_curves", "fibre_curves", "road_curves", "vessel_curves"]

STEP = 0.5  # px between samples


@dataclass(frozen=True)
class Curve:
    """A sampled centre-line.

    Attributes:
        points: ``(P, 2)`` float64 ``(x, row)`` pixel coordinates, at most ``STEP`` apart.
        angles: ``(P,)`` tangent direction, radians in ``[0, pi)``, y up.
        radii: ``(P,)`` half-widths in pixels (> 0).
    """

    points: np.ndarray
    angles: np.ndarray
    radii: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.points)
        if self.points.shape != (n, 2) or self.angles.shape != (n,) or self.radii.shape != (n,):
            raise ValueError(
                f"inconsistent curve arrays: points {self.points.shape}, angles "
                f"{self.angles.shape}, radii {self.radii.shape}"
            )


def _trace(start: np.ndarray, headings: np.ndarray, radii: np.ndarray) -> Curve:
    """Integrate ``headings`` (one per step of ``STEP`` px) from ``start``."""
    steps = STEP * np.stack((np.cos(headings), np.sin(headings)), axis=1)
    points = start + np.concatenate(([[0.0, 0.0]], np.cumsum(steps[:-1], axis=0)))
    return Curve(points=points, angles=np.mod(-headings, math.pi), radii=radii)


def _clip_to_view(curve: Curve, shape: tuple[int, int], margin: float) -> Curve | None:
    """The longest run of samples inside the image (plus ``margin``), or None if too short."""
    h, w = shape
    x, y = curve.points[:, 0], curve.points[:, 1]
    inside = (x >= -margin) & (x <= w - 1 + margin) & (y >= -margin) & (y <= h - 1 + margin)
    if not inside.any():
        return None
    edges = np.diff(np.concatenate(([0], inside.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(ends - starts))
    run = slice(starts[longest], ends[longest])
    if ends[longest] - starts[longest] < 8:
        return None
    return Curve(curve.points[run], curve.angles[run], curve.radii[run])


def _smooth_headings(
    rng: np.random.Generator, count: int, start: float, bend: float, memory: float = 0.995
) -> np.ndarray:
    """Headings whose curvature is a smooth random process (std ``bend`` rad/px)."""
    noise = rng.standard_normal(count) * bend * math.sqrt(1 - memory**2)
    curvature = np.empty(count)
    value = rng.standard_normal() * bend
    for i in range(count):  # AR(1): correlated curvature gives gently winding curves
        value = memory * value + noise[i]
        curvature[i] = value
    return start + np.cumsum(curvature) * STEP


def _border_start(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """A point on the border and a heading into the image (within +-45 deg of the normal)."""
    h, w = shape
    side = int(rng.integers(4))
    along = rng.uniform(0.1, 0.9)
    start, inward = {
        0: ((along * (w - 1), 0.0), math.pi / 2),
        1: ((w - 1.0, along * (h - 1)), math.pi),
        2: ((along * (w - 1), h - 1.0), -math.pi / 2),
        3: ((0.0, along * (h - 1)), 0.0),
    }[side]
    return np.array(start), inward + rng.uniform(-math.pi / 4, math.pi / 4)


def _steps(length: float) -> int:
    return max(2, int(length / STEP))


# ---------------------------------------------------------------------------- kinds


def crack_curves(rng: np.random.Generator, shape: tuple[int, int]) -> list[Curve]:
    """Jagged, branching cracks 1-6 px wide: straight pieces 6-18 px long with abrupt turns."""
    h, w = shape
    curves: list[Curve] = []
    for _ in range(int(rng.integers(1, 3))):
        start, heading = _border_start(rng, shape)
        length = rng.uniform(0.8, 1.5) * max(h, w)
        main = _jagged(rng, start, heading, length, rng.uniform(0.5, 3))
        curves.append(main)
        for _ in range(int(rng.integers(0, 4))):
            count = len(main.points)
            at = int(rng.integers(count // 5, max(count // 5 + 1, 4 * count // 5)))
            step = main.points[min(at + 1, count - 1)] - main.points[max(at - 1, 0)]
            side = rng.choice([-1.0, 1.0])
            h0 = math.atan2(step[1], step[0]) + side * rng.uniform(
                math.radians(25), math.radians(70)
            )
            length = rng.uniform(0.15, 0.5) * max(h, w)
            curves.append(_jagged(rng, main.points[at], h0, length, max(0.5, 0.6 * main.radii[at])))
    return [c for c in (_clip_to_view(c, shape, 2.0) for c in curves) if c is not None]


def _jagged(
    rng: np.random.Generator, start: np.ndarray, heading: float, length: float, radius: float
) -> Curve:
    headings, drift = [], heading
    while len(headings) * STEP < length:
        drift += rng.normal(0, 0.08)
        piece = rng.uniform(6, 18)
        headings += [drift + rng.normal(0, 0.3)] * _steps(piece)
    headings_arr = np.array(headings)
    wobble = 1 + 0.3 * np.sin(np.linspace(0, rng.uniform(1, 4) * math.pi, len(headings_arr)))
    radii = np.clip(radius * wobble, 0.5, 3.0)
    return _trace(np.asarray(start, dtype=np.float64), headings_arr, radii)


def vessel_curves(rng: np.random.Generator, shape: tuple[int, int]) -> list[Curve]:
    """Smooth branching trees, tapering from up to 12 px wide down to 1 px."""
    h, w = shape
    curves: list[Curve] = []
    for _ in range(int(rng.integers(1, 3))):
        start, heading = _border_start(rng, shape)
        _grow_vessel(rng, start, heading, rng.uniform(2.5, 6.0), max(h, w), 0, curves)
    return [c for c in (_clip_to_view(c, shape, 2.0) for c in curves) if c is not None]


def _grow_vessel(
    rng: np.random.Generator,
    start: np.ndarray,
    heading: float,
    radius: float,
    scale: float,
    depth: int,
    out: list[Curve],
) -> None:
    length = scale * rng.uniform(0.5, 1.0) * (0.75**depth)
    count = _steps(length)
    headings = _smooth_headings(rng, count, heading, bend=0.012)
    radii = np.linspace(radius, max(0.5, radius * 0.35), count)
    vessel = _trace(np.asarray(start, dtype=np.float64), headings, radii)
    out.append(vessel)
    if depth >= 3 or radius < 1.0:
        return
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.integers(count // 6, count - count // 6))
        side = rng.choice([-1.0, 1.0])
        child_heading = headings[at] + side * rng.uniform(math.radians(25), math.radians(65))
        child_radius = max(0.5, radii[at] * rng.uniform(0.5, 0.8))
        _grow_vessel(rng, vessel.points[at], child_heading, child_radius, scale, depth + 1, out)


def road_curves(rng: np.random.Generator, shape: tuple[int, int]) -> list[Curve]:
    """Smooth networks of roads 8-44 px wide crossing the image border to border."""
    h, w = shape
    curves = []
    for _ in range(int(rng.integers(2, 5))):
        start, heading = _border_start(rng, shape)
        count = _steps(2.0 * max(h, w))
        headings = _smooth_headings(rng, count, heading, bend=0.004, memory=0.998)
        radii = np.full(count, rng.uniform(4.0, 22.0))
        curves.append(_trace(start, headings, radii))
    return [c for c in (_clip_to_view(c, shape, 23.0) for c in curves) if c is not None]


def fibre_curves(rng: np.random.Generator, shape: tuple[int, int]) -> list[Curve]:
    """Dense, crossing, nearly straight fibres 1-4 px wide, with a shared preferred direction."""
    h, w = shape
    preferred = rng.uniform(0, math.pi)
    spread = rng.uniform(0.2, 1.2)
    density = h * w / 256**2
    curves = []
    # At least one: below about 66 x 66 px the density alone would give none (the sample
    # could then never hold a fibre, and generating it failed).
    for _ in range(max(1, int(rng.integers(15, 35) * density))):
        centre = rng.uniform((0, 0), (w - 1, h - 1))
        heading = preferred + rng.normal(0, spread)
        length = rng.uniform(0.3, 1.0) * max(h, w)
        count = _steps(length)
        headings = _smooth_headings(rng, count, heading, bend=0.002)
        start = centre - STEP * count / 2 * np.array([math.cos(heading), math.sin(heading)])
        curves.append(_trace(start, headings, np.full(count, rng.uniform(0.5, 2.0))))
    return [c for c in (_clip_to_view(c, shape, 2.0) for c in curves) if c is not None]


CURVE_KINDS: dict[str, Callable[[np.random.Generator, tuple[int, int]], list[Curve]]] = {
    "cracks": crack_curves,
    "vessels": vessel_curves,
    "roads": road_curves,
    "fibres": fibre_curves,
}
