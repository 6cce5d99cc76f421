"""Measured curvature of drawn lines and arcs against the truth, through ``analyze_image``.

Straight lines have curvature 0 and arcs of radius r have 1/r; a skeleton's pixel staircase
adds turning that the smoothing of the centre-line (3 px) does not take out entirely, so the
mean |dθ/ds| has a floor. This prints, for 5-px bands drawn on a 1200² canvas (true masks and
directions, no model), the measured curvature: straight lines of 300 px at several angles,
and arcs of 400 px length at several radii, as measured / true.

    python benchmarks/curvature_floor.py
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from dense_direction.analysis import analyze_image

SIZE = 1200
WIDTH = 5.0


def _band(points: np.ndarray) -> np.ndarray:
    """A band ``WIDTH`` px wide along the polyline ``points`` ``(n, 2)`` (row, col): the pixels
    whose centre lies within ``WIDTH / 2`` of the line sampled every 0.1 px."""
    from scipy import ndimage

    steps = [
        np.linspace(a, b, max(int(np.hypot(*(b - a)) * 10), 2))
        for a, b in itertools.pairwise(points)
    ]
    fine = np.concatenate(steps)
    # Each pixel near the line is measured to the nearest sample by a k-d tree.
    from scipy.spatial import cKDTree

    rows, cols = np.mgrid[:SIZE, :SIZE]
    near = ndimage.binary_dilation(
        np.bincount(
            np.ravel_multi_index(np.round(fine).astype(int).T.clip(0, SIZE - 1), (SIZE, SIZE)),
            minlength=SIZE * SIZE,
        ).reshape(SIZE, SIZE)
        > 0,
        iterations=int(WIDTH),
    )
    candidates = np.stack([rows[near], cols[near]], 1)
    distance, _ = cKDTree(fine).query(candidates)
    mask = np.zeros((SIZE, SIZE), bool)
    mask[near] = distance < WIDTH / 2
    return mask


def _curvature(points: np.ndarray, angles: np.ndarray) -> float:
    mask = _band(points)
    result = analyze_image(np.where(mask, angles, np.nan).astype(np.float32), mask=mask)
    return float(result.objects["curvature_mean"].iloc[0])


def line(angle_deg: float, length: float = 300.0) -> float:
    a = math.radians(angle_deg)
    centre = np.array([SIZE / 2, SIZE / 2])
    half = np.array([-math.sin(a), math.cos(a)]) * length / 2
    points = np.stack([centre - half, centre + half])
    return _curvature(points, np.full((SIZE, SIZE), a % math.pi))


def arc(radius: float, length: float = 400.0) -> float:
    centre = np.array([SIZE / 2 + radius - 200, SIZE / 2])
    sweep = length / radius
    theta = np.linspace(-sweep / 2, sweep / 2, max(int(length), 8)) + math.pi
    points = np.stack([centre[0] + radius * np.cos(theta), centre[1] + radius * np.sin(theta)], 1)
    rows, cols = np.mgrid[:SIZE, :SIZE]
    tangent = np.mod(np.arctan2(-(rows - centre[0]), cols - centre[1]) + math.pi / 2, math.pi)
    return _curvature(points, tangent)


def main() -> None:
    print("| shape | true curvature (1/px) | measured | measured / true |")
    print("|---|---|---|---|")
    for angle in (0, 10, 30, 45, 60):
        print(f"| line 300 px at {angle}° | 0 | {line(angle):.4f} | - |")
    for radius in (50, 150, 300, 600, 1000):
        measured = arc(radius)
        ratio = measured * radius
        print(f"| arc r={radius} px | {1 / radius:.4f} | {measured:.4f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
