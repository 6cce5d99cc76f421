"""Per-branch and per-object geometry: length, width, tortuosity, curvature, junctions, ends.

Units are pixels and radians; :mod:`dense_direction.analysis.report.tables` converts them.

* Length: along the smoothed centre-line (:mod:`.centerline`), plus, at each free end, the
  distance from the end pixel to the structure's edge (skeletonisation stops about a
  half-width short of the tip; a 1-px line gains the half pixel beyond its last centre).
* Mean width: the area of the pixels nearest to the branch (or of the object) over its
  length, the crack-width estimate that counts every pixel once and has no bias with angle.
* Local width at a skeleton pixel p: with d the distance transform (distance to the nearest
  background pixel centre) and n the centre-line normal, w = d(p) + max(d(p+n), d(p−n)).
  Across a band d is a tent, R − |x − c|, whose peak c lies between pixel centres for even
  widths; the two samples on the peak's sides add up to 2R − 1, the edge-to-edge width of
  an axis-aligned band (oblique bands come out up to ~0.5 px narrow: the nearest background
  pixel centre lies closer than half a pixel beyond the edge). The maximum width is the
  largest local width over the branch's own pixels (not those within a junction's
  half-width, which read the structure it joins), and never less than the mean width.
* Tortuosity: centre-line length over chord (NaN for loops); curvature: mean |dθ/ds|.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from dense_direction.analysis.objects.batched import branch_shapes
from dense_direction.analysis.objects.skeleton import Branch, SkeletonGraph

__all__ = ["branch_regions", "local_widths", "measure_branches", "measure_objects"]


def local_widths(
    distance: np.ndarray,
    coords: np.ndarray,
    normals: np.ndarray,
    objects: np.ndarray | None = None,
) -> np.ndarray:
    """Edge-to-edge width at the skeleton pixels ``coords`` (formula in the module doc). With
    ``objects`` (a label image), the samples beside a pixel read only its own label's
    distances: where two labels touch, ``distance`` (the sum of each label's own) holds the
    neighbour's next door, which is not this structure's width."""
    coords = np.asarray(coords)
    centre = distance[coords[:, 0], coords[:, 1]]
    own = None if objects is None else objects[coords[:, 0], coords[:, 1]]
    sides = [_bilinear(distance, coords + sign * normals, objects, own) for sign in (1, -1)]
    return centre + np.maximum(*sides)


def _bilinear(
    values: np.ndarray, points: np.ndarray, labels: np.ndarray | None, own: np.ndarray | None
) -> np.ndarray:
    """``values`` interpolated linearly at ``points`` ``(n, 2)`` (row, col), 0 outside the
    image and, with ``labels``, at the pixels whose label is not ``own`` (one per point)."""
    base = np.floor(points).astype(np.int64)
    frac = points - base
    height, width = values.shape
    total = np.zeros(len(points))
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
        rows, cols = base[:, 0] + dr, base[:, 1] + dc
        weight = (frac[:, 0] if dr else 1 - frac[:, 0]) * (frac[:, 1] if dc else 1 - frac[:, 1])
        inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
        rows, cols = rows.clip(0, height - 1), cols.clip(0, width - 1)
        if labels is not None:
            inside &= labels[rows, cols] == own
        total += np.where(inside, weight * values[rows, cols], 0.0)
    return total


def _end_extension(distance: np.ndarray, ends: list[tuple[int, int]]) -> float:
    return float(sum(max(distance[r, c] - 0.5, 0.0) for r, c in ends))


def _max_widths(
    graph: SkeletonGraph, distance: np.ndarray, normals: list[np.ndarray], objects: np.ndarray
) -> list:
    """Largest local width of every branch, sampled for all branches in one call, over its
    own pixels: those within a junction's half-width of it (:func:`_beyond_junctions`) lie
    in the structure it joins, whose width they read (a 4-px branch of a 10-px vessel had a
    maximum width of 10)."""
    if not normals:
        return []
    coords = np.concatenate([b.coords for b in graph.branches])
    widths = local_widths(distance, coords, np.concatenate(normals), objects)
    own = np.concatenate([_beyond_junctions(b, graph.nodes, distance) for b in graph.branches])
    starts = np.cumsum([0] + [len(b.coords) for b in graph.branches[:-1]])
    # A branch that lies all inside its junctions (a stub) keeps all its pixels.
    all_near = np.logical_or.reduceat(own, starts) == 0
    kept = np.where(own | np.repeat(all_near, np.diff([*starts, len(coords)])), widths, 0.0)
    return np.maximum.reduceat(kept, starts).tolist()


def _beyond_junctions(
    branch: Branch, nodes: dict[str, tuple[float, float]], distance: np.ndarray
) -> np.ndarray:
    """Whether each pixel of ``branch`` lies farther from each of its junctions than the
    half-width there (the distance to the edge at the junction's centre, plus a pixel for
    the fillet where the branch leaves the wider structure)."""
    keep = np.ones(len(branch.coords), bool)
    for node in {branch.src, branch.dst}:
        if not node.startswith("j"):
            continue
        centre = np.asarray(nodes[node])
        row, col = np.round(centre).astype(int)
        reach = distance[row, col] + 1.0
        keep &= np.hypot(*(branch.coords - centre).T) > reach
    return keep


def measure_branches(
    graph: SkeletonGraph, distance: np.ndarray, objects: np.ndarray, regions: np.ndarray
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """One row per branch (``branch`` numbered from 1, ``object`` = the label in ``objects``
    at the branch's middle pixel; ``regions`` from :func:`branch_regions`) and the smoothed
    centre-lines ``(n, 2)`` (row, col)."""
    branches = graph.branches
    if not branches:
        return pd.DataFrame(), []
    areas = np.bincount(regions.ravel(), minlength=len(branches) + 1)[1:]
    shapes = branch_shapes([b.coords for b in branches], [b.closed for b in branches])
    closed = np.array([b.closed for b in branches])
    chord = np.where(closed, 0.0, shapes.chord)
    middle = np.array([b.coords[len(b.coords) // 2] for b in branches])
    with np.errstate(divide="ignore", invalid="ignore"):
        length = shapes.path_length + [_end_extension(distance, b.free_ends) for b in branches]
        # Under a pixel of centre-line (a loop around a one-pixel hole, which smoothing
        # shrinks to a point) area / length is no width: it read 20,970 px for 10 pixels.
        width_mean = np.where(length >= 1, areas / length, math.nan)
        tortuosity = np.where(chord >= 2, shapes.path_length / chord, math.nan)
    widest = np.asarray(_max_widths(graph, distance, shapes.normals, objects))
    table = pd.DataFrame(
        {
            "path_length": shapes.path_length,
            "chord": chord,
            "tortuosity": tortuosity,
            "curvature_mean": shapes.curvature,
            "branch": np.arange(1, len(branches) + 1),
            "object": objects[middle[:, 0], middle[:, 1]].astype(np.int64),
            "length": length,
            "area": areas.astype(np.int64),
            "width_mean": width_mean,
            "width_max": np.maximum(widest, np.nan_to_num(width_mean)),
            "junctions": [b.junctions for b in branches],
            "ends": [len(b.free_ends) if len(b.coords) > 1 else 0 for b in branches],
            "src": [b.src for b in branches],
            "dst": [b.dst for b in branches],
            "closed": closed,
        }
    )
    return table, shapes.lines


def branch_regions(
    graph: SkeletonGraph, mask: np.ndarray, objects: np.ndarray | None = None
) -> np.ndarray:
    """``(H, W)`` int: the branch number (from 1) of the nearest skeleton branch at every mask
    pixel (0 elsewhere), so field statistics can be taken per branch over its whole width.

    With ``objects`` (the label image), a pixel only goes to a branch of its own object: the
    edge of a wide structure can lie nearer to a thin neighbour's centre-line than to its own
    (a 21-px bar 2 px from a 1-px line: its outer 4 rows), and would otherwise count towards
    the neighbour's area, width and directions."""
    # int32 and no distances (only the nearest pixel is needed): 4 and 20-odd bytes a pixel
    # less at the analysis' peak, on images of hundreds of megapixels.
    labels = np.zeros(mask.shape, dtype=np.int32 if len(graph.branches) < 2**31 else np.int64)
    for index, branch in enumerate(graph.branches, start=1):
        labels[branch.coords[:, 0], branch.coords[:, 1]] = index
    if not labels.any():
        return labels
    nearest = ndi.distance_transform_edt(labels == 0, return_distances=False, return_indices=True)
    regions = np.where(mask, labels[nearest[0], nearest[1]], 0)
    if objects is not None:
        _own_object_regions(regions, labels, np.where(mask, objects, 0))
    return regions


def _own_object_regions(regions: np.ndarray, labels: np.ndarray, objects: np.ndarray) -> None:
    """Reassign, in place, the pixels of ``regions`` whose branch (``labels``: the skeleton's
    branch numbers) lies in another object to the nearest branch of their own object, found
    within that object's bounding box (which holds all of its skeleton)."""
    owner = np.zeros(int(labels.max()) + 1, dtype=objects.dtype)
    skeleton = labels > 0
    owner[labels[skeleton]] = objects[skeleton]
    wrong = (objects > 0) & (owner[regions] != objects)
    if not wrong.any():
        return
    for label in np.unique(objects[wrong]):
        (box,) = ndi.find_objects((objects == label).view(np.uint8))  # one label: id 1
        own = np.where(owner[labels[box]] == label, labels[box], 0)
        fix = wrong[box] & (objects[box] == label)
        if not own.any():  # no branch of its own (a blob too small for a skeleton branch)
            regions[box][fix] = 0
            continue
        _, nearest = ndi.distance_transform_edt(own == 0, return_indices=True)
        regions[box][fix] = own[nearest[0][fix], nearest[1][fix]]


def _count_per_object(pixels: np.ndarray, objects: np.ndarray, count: int) -> np.ndarray:
    if not len(pixels):
        return np.zeros(count, dtype=np.int64)
    owners = objects[pixels[:, 0], pixels[:, 1]]
    return np.bincount(owners, minlength=count + 1)[1 : count + 1]


def measure_objects(
    branches: pd.DataFrame, graph: SkeletonGraph, objects: np.ndarray
) -> pd.DataFrame:
    """One row per object label ``1..objects.max()``: branch geometry aggregated (lengths
    summed, mean width = area / length, largest local width, tortuosity = Σ path / Σ chord of the
    open branches, curvature weighted by path length over the branches that have one),
    junctions and ends counted."""
    count = int(objects.max()) if objects.size else 0
    table = pd.DataFrame({"object": np.arange(1, count + 1)})
    table["area"] = np.bincount(objects.ravel(), minlength=count + 1)[1:]
    found, first = np.unique(graph.junction_labels.ravel(), return_index=True)
    junction_pixels = np.stack(np.unravel_index(first[found > 0], objects.shape), axis=1)
    table["junctions"] = _count_per_object(junction_pixels, objects, count)
    table["ends"] = _count_per_object(graph.end_points, objects, count)
    table["branches"] = 0
    if branches.empty:
        return table.assign(
            length=0.0,
            width_mean=np.nan,
            width_max=np.nan,
            tortuosity=np.nan,
            curvature_mean=np.nan,
        )
    b = branches.assign(
        open_path=np.where(branches["closed"], 0.0, branches["path_length"]),
        # Curvature is weighted by the path length of the branches that have one: a branch of
        # under 4 centre-line points has none (NaN), and counting its length with no bend
        # would pull a dense network's curvature towards 0.
        bend=branches["curvature_mean"].fillna(0) * branches["path_length"],
        curved_path=branches["path_length"].where(branches["curvature_mean"].notna(), 0.0),
    )
    grouped = b.groupby("object").agg(
        branches=("branch", "size"),
        length=("length", "sum"),
        path=("path_length", "sum"),
        open_path=("open_path", "sum"),
        chord=("chord", "sum"),
        width_max=("width_max", "max"),
        bend=("bend", "sum"),
        curved_path=("curved_path", "sum"),
    )
    table = table.drop(columns="branches").merge(
        grouped, left_on="object", right_index=True, how="left"
    )
    table["length"] = table["length"].fillna(0.0)
    table["branches"] = table["branches"].fillna(0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["width_mean"] = np.where(table["length"] > 0, table["area"] / table["length"], np.nan)
    table["width_max"] = np.fmax(table["width_max"], table["width_mean"])
    table["tortuosity"] = np.where(table["chord"] >= 2, table["open_path"] / table["chord"], np.nan)
    curved = table["curved_path"] > 0
    table["curvature_mean"] = np.where(curved, table["bend"] / table["curved_path"], np.nan)
    return table.drop(columns=["path", "open_path", "chord", "bend", "curved_path"])
