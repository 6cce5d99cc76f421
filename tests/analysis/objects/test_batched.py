"""All branches at once (analysis.objects.batched) against the per-path functions of
analysis.objects.centerline, which the hand-derived tests in test_centerline.py pin down."""

import math

import numpy as np
import pytest

from dense_direction.analysis.objects.batched import branch_shapes
from dense_direction.analysis.objects.centerline import (
    chord_length,
    mean_curvature,
    polyline_length,
    smooth_centerline,
    tangent_normals,
)


def _pixel_path(rng, n):
    """An 8-connected random walk of n pixels with a drift (a wiggly fibre)."""
    steps = rng.integers(-1, 2, size=(n - 1, 2))
    steps[:, 1] = np.where(rng.random(n - 1) < 0.8, 1, steps[:, 1])  # mostly to the right
    return np.vstack(([0, 0], np.cumsum(steps, axis=0))) + 50


def _ring(radius):
    angles = np.linspace(0, 2 * math.pi, round(2 * math.pi * radius), endpoint=False)
    points = np.round(np.stack((radius * np.sin(angles), radius * np.cos(angles)), 1) + 60)
    return np.vstack((points, points[:1])).astype(int)  # a loop repeats its first point


def test_every_path_gets_what_the_per_path_functions_give():
    # Lengths 1..40 (1 and 2 are not smoothed, < 4 have no curvature, short arcs round to
    # fewer than 4 resampled points), straight pieces, and two loops, in one call.
    rng = np.random.default_rng(0)
    paths = [_pixel_path(rng, n) for n in (*range(1, 41), 60, 200)]
    paths += [np.array([[5, 5], [5, 6], [5, 7], [5, 8]]), _ring(12), _ring(30)]
    closed = [False] * (len(paths) - 2) + [True, True]
    shapes = branch_shapes(paths, closed)
    for i, (path, loop) in enumerate(zip(paths, closed, strict=True)):
        line = smooth_centerline(path, loop)
        np.testing.assert_allclose(shapes.lines[i], line, rtol=0, atol=1e-12)
        np.testing.assert_allclose(shapes.normals[i], tangent_normals(line), atol=1e-12)
        curvature = mean_curvature(line, loop)
        if math.isnan(curvature):
            assert math.isnan(shapes.curvature[i]), i
        else:
            assert shapes.curvature[i] == pytest.approx(curvature, abs=1e-12), i
        assert shapes.path_length[i] == pytest.approx(polyline_length(line), abs=1e-9)
        assert shapes.chord[i] == pytest.approx(chord_length(line), abs=1e-12)
    assert np.isfinite(shapes.curvature[5:]).all() and np.isnan(shapes.curvature[:3]).all()


def test_no_paths():
    shapes = branch_shapes([], [])
    assert shapes.lines == [] and shapes.normals == [] and len(shapes.curvature) == 0
