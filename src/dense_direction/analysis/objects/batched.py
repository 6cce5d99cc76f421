"""The centre-line measures of :mod:`.centerline` for all branches of an image at once.

A dense 512² fibre image has thousands of skeleton branches, most of them a few pixels long,
and one NumPy call per branch and measure added up to a large part of ``analyze``'s time
(benchmarks/analysis_speed.py, docs/analysis.md). Here the paths are
laid end to end in one array, each in a *segment* padded so that a Gaussian of radius ``R``
never reaches the next one: one filter call then smooths every path, as filtering each path
on its own with the same padding would (the values agree to float rounding; tests compare
both). Loops, and paths too short to smooth, keep the per-path functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from dense_direction.analysis.objects.centerline import (
    CURVATURE_SMOOTHING,
    SMOOTHING,
    mean_curvature,
    smooth_centerline,
    tangent_normals,
)

__all__ = ["BranchShapes", "branch_shapes"]

#: scipy's Gaussian reaches ``int(TRUNCATE * sigma + 0.5)`` samples either side.
TRUNCATE = 4.0


def _radius(sigma: float) -> int:
    return int(TRUNCATE * sigma + 0.5)


def _starts(lengths: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of ``lengths`` begins."""
    return np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)


class _Segments:
    """Paths of ``lengths`` samples laid end to end, each padded by ``margin`` samples on both
    sides. For every segment sample: ``path`` (the path's index) and ``k`` (the offset from
    the path's first sample; negative in the front padding, >= the length in the back);
    ``inside`` marks the paths' own samples; ``starts`` is where each path begins in the
    concatenation of the paths without padding."""

    def __init__(self, lengths: np.ndarray, margin: int) -> None:
        self.starts = _starts(lengths)
        sizes = lengths + 2 * margin
        self.path = np.repeat(np.arange(len(lengths)), sizes)
        self.k = np.arange(int(sizes.sum())) - np.repeat(_starts(sizes), sizes) - margin
        self.inside = (self.k >= 0) & (self.k < lengths[self.path])

    def filtered(self, values: np.ndarray, sigma: float) -> np.ndarray:
        """``values`` (one per segment sample) Gaussian-filtered along the paths, at the
        paths' own samples only (concatenated)."""
        return gaussian_filter1d(values, sigma, axis=0)[self.inside]


def _smooth_open(points: np.ndarray, lengths: np.ndarray, sigma: float) -> np.ndarray:
    """:func:`smooth_centerline` of open paths of >= 3 points, concatenated: each path is
    point-reflected by ``min(ceil(4 sigma), n - 1)`` samples at both ends and held at its
    outermost reflected sample beyond (the per-path filter's ``mode="nearest"``)."""
    pad = np.minimum(math.ceil(4 * sigma), lengths - 1)
    seg = _Segments(lengths, max(_radius(sigma), int(pad.max(initial=0))))
    n, p, start = lengths[seg.path], pad[seg.path], seg.starts[seg.path]
    head = np.maximum(seg.k, -p)  # before the path: 2 P[0] - P[-k], held beyond -pad
    tail = np.minimum(seg.k - n, p - 1)  # after it: 2 P[n-1] - P[n-2-i], held beyond pad
    inside = points[start + np.clip(seg.k, 0, n - 1)]
    before = 2 * points[start] - points[start + np.clip(-head, 0, n - 1)]
    after = 2 * points[start + n - 1] - points[start + np.clip(n - 2 - tail, 0, n - 1)]
    values = np.where((seg.k < 0)[:, None], before, np.where((seg.k >= n)[:, None], after, inside))
    return seg.filtered(values, sigma)


def _resampled(lines: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each polyline (>= 2 points, concatenated) at 1-px arc-length spacing, end points kept
    (:func:`.centerline.resample`), concatenated; and the new lengths."""
    path = np.repeat(np.arange(len(lengths)), lengths)
    steps = np.hypot(*np.diff(lines, axis=0).T)
    steps[np.cumsum(lengths)[:-1] - 1] = 0.0  # no step from one path to the next
    arc = np.concatenate(([0.0], np.cumsum(steps)))
    starts = _starts(lengths)
    arc -= arc[starts][path]  # arc length from each path's start
    total = arc[starts + lengths - 1]
    count = np.maximum(2, np.round(total).astype(np.int64) + 1)
    new_path = np.repeat(np.arange(len(lengths)), count)
    new_starts = _starts(count)
    fraction = (np.arange(int(count.sum())) - new_starts[new_path]) / (count - 1)[new_path]
    where = fraction * total[new_path]
    # One interpolation for all: every path's arc shifted past the one before it.
    shift = np.concatenate(([0.0], np.cumsum(total + 1.0)[:-1]))
    knots, queries = arc + shift[path], where + shift[new_path]
    out = np.stack([np.interp(queries, knots, lines[:, i]) for i in range(2)], axis=1)
    return out, count


def _curvatures_open(lines: np.ndarray, lengths: np.ndarray, sigma: float) -> np.ndarray:
    """:func:`mean_curvature` of open polylines of >= 4 points whose length is >= 2.5 px
    (so that the resampled path has >= 4 points), concatenated; one value per path."""
    uniform, count = _resampled(lines, lengths)
    starts = _starts(count)
    steps = np.diff(uniform, axis=0)
    keep = np.ones(len(steps), bool)
    keep[starts[1:] - 1] = False  # the step across two paths
    steps = steps[keep]
    step_lengths = np.hypot(*steps.T)
    heading = np.arctan2(steps[:, 0], steps[:, 1])
    turning = np.diff(heading)
    keep = np.ones(len(turning), bool)
    keep[np.cumsum(count - 1)[:-1] - 1] = False  # the turn across two paths
    turning = (turning[keep] + math.pi) % (2 * math.pi) - math.pi
    turns = count - 2  # per path
    seg = _Segments(turns, _radius(sigma))
    values = turning[seg.starts[seg.path] + np.clip(seg.k, 0, turns[seg.path] - 1)]
    smooth = np.abs(seg.filtered(values, sigma))
    turn_sums = np.add.reduceat(smooth, seg.starts)
    # the lengths of the first ``turns`` steps of each path (count - 1 steps in all)
    step_starts = _starts(count - 1)
    first = np.arange(len(step_lengths)) - np.repeat(step_starts, count - 1) < np.repeat(
        turns, count - 1
    )
    length_sums = np.bincount(
        np.repeat(np.arange(len(count)), count - 1)[first], step_lengths[first], len(count)
    )
    return turn_sums / length_sums


def _normals_open(lines: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`tangent_normals` of polylines of >= 2 points, concatenated: central differences
    inside a path, one-sided at its ends (``np.gradient``)."""
    path = np.repeat(np.arange(len(lengths)), lengths)
    starts = _starts(lengths)[path]
    ends = starts + lengths[path] - 1
    index = np.arange(len(lines))
    forward, backward = np.minimum(index + 1, ends), np.maximum(index - 1, starts)
    tangent = (lines[forward] - lines[backward]) / (forward - backward)[:, None]
    norm = np.hypot(*tangent.T)[:, None]
    tangent = np.divide(tangent, norm, out=np.tile([0.0, 1.0], (len(lines), 1)), where=norm > 0)
    return np.stack((tangent[:, 1], -tangent[:, 0]), axis=1)


@dataclass(frozen=True)
class BranchShapes:
    """Smoothed centre-lines of paths and their measures (see :func:`branch_shapes`)."""

    lines: list[np.ndarray]  # (n, 2) float (row, col) per path
    curvature: np.ndarray  # mean |dθ/ds| per path (NaN where it has none)
    normals: list[np.ndarray]  # (n, 2) unit normals (row, col) per path
    path_length: np.ndarray  # polyline_length of each line
    chord: np.ndarray  # chord_length of each line


def _joined(parts: list[np.ndarray], which: np.ndarray) -> np.ndarray:
    return np.concatenate([parts[i] for i in which])


def _split(flat: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return np.split(flat, np.cumsum(lengths)[:-1])


def branch_shapes(paths: list[np.ndarray], closed: list[bool]) -> BranchShapes:
    """For every pixel path (``(n, 2)`` int; ``closed`` for loops) what
    :func:`smooth_centerline`, :func:`mean_curvature` (of the smoothed line) and
    :func:`tangent_normals` (of the smoothed line) give; the open paths all at once."""
    if not len(paths):
        return BranchShapes([], np.zeros(0), [], np.zeros(0), np.zeros(0))
    lengths = np.array([len(p) for p in paths], np.int64)
    loop = np.asarray(closed, bool)
    lines = [np.asarray(p, np.float64).copy() for p in paths]  # < 3 points: as they are
    smooth = np.flatnonzero(~loop & (lengths >= 3))
    if len(smooth):
        flat = _smooth_open(_joined(lines, smooth), lengths[smooth], SMOOTHING)
        for i, line in zip(smooth, _split(flat, lengths[smooth]), strict=True):
            lines[i] = line
    for i in np.flatnonzero(loop):
        lines[i] = smooth_centerline(paths[i], True)
    # mean_curvature's own test: >= 4 points, and >= 4 after resampling at 1 px
    arcs = _arcs(lines)
    curved = ~loop & (lengths >= 4) & (np.round(arcs) >= 3)
    curvature = np.full(len(paths), math.nan)
    several = np.flatnonzero(curved)
    if len(several):
        curvature[several] = _curvatures_open(
            _joined(lines, several), lengths[several], CURVATURE_SMOOTHING
        )
    for i in np.flatnonzero(loop):
        curvature[i] = mean_curvature(lines[i], True)
    sizes = np.array([len(line) for line in lines])
    normals = [tangent_normals(line) if len(line) < 2 else None for line in lines]
    two = np.flatnonzero(sizes >= 2)
    if len(two):
        flat = _normals_open(_joined(lines, two), sizes[two])
        for i, part in zip(two, _split(flat, sizes[two]), strict=True):
            normals[i] = part
    return BranchShapes(lines, curvature, normals, arcs, _chords(lines))


def _arcs(lines: list[np.ndarray]) -> np.ndarray:
    """The length of each polyline (0 for a single point); ``lines`` not empty."""
    sizes = np.array([len(line) for line in lines])
    steps = np.hypot(*np.diff(np.concatenate(lines), axis=0).T)
    steps = np.append(steps, 0.0)
    steps[np.cumsum(sizes) - 1] = 0.0  # from a path's last point to the next path's first
    return np.add.reduceat(steps, _starts(sizes))


def _chords(lines: list[np.ndarray]) -> np.ndarray:
    """The distance from the first to the last point of each polyline."""
    first = np.array([line[0] for line in lines])
    last = np.array([line[-1] for line in lines])
    return np.hypot(*(last - first).T)
