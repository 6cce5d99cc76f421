"""Every object measured on its own pixels, also where two labels touch.

Skeletonisation and the distance transform see a binary mask, in which two labels that touch
are one shape: the skeleton of a line split between labels 7 and 9 would run across the
boundary, and the whole branch (its length) would go to one label. Labels that do not touch
(no two pixels 8-adjacent) cannot change each other's skeleton or distances: the nearest pixel
outside a label is never inside a label that does not touch it (a step from it towards the
label would be closer and still outside). So the labels are split into *layers* of labels that
do not touch one another, each layer is measured in one pass, and the passes are merged.
Connected components never touch: they are one layer, as without labels.
"""

from __future__ import annotations

import numpy as np

from dense_direction.analysis.objects.measure import branch_regions
from dense_direction.analysis.objects.skeleton import (
    SkeletonGraph,
    edge_distance,
    merge_graphs,
    skeleton_graph,
)

__all__ = ["label_layers", "object_geometry", "touching_pairs"]

# The four neighbour offsets that, with their opposites, make up 8-adjacency:
# right, down, down-right, down-left (as slices of the pixel and of its neighbour).
_SHIFTS = (
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None))),
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1))),
)


def touching_pairs(objects: np.ndarray) -> np.ndarray:
    """``(n, 2)`` distinct pairs ``(a, b)``, ``a < b``, of non-zero labels with 8-adjacent
    pixels."""
    found = []
    for here, there in _SHIFTS:
        a, b = objects[here], objects[there]
        differ = (a != b) & (a > 0) & (b > 0)
        found.append(np.stack((a[differ], b[differ]), axis=1))
    pairs = np.sort(np.concatenate(found), axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)


def label_layers(objects: np.ndarray) -> list[np.ndarray]:
    """Boolean masks that together cover ``objects > 0``, each holding whole labels of which
    no two touch (greedy colouring of the touching graph: a few layers at most in practice)."""
    pairs = touching_pairs(objects)
    if not len(pairs):
        return [objects > 0]
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs.tolist():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    layer = np.ones(int(objects.max()) + 1, dtype=np.int64)  # labels that touch none: layer 1
    layer[0] = 0
    for label in sorted(neighbours):
        taken = {layer[n] for n in neighbours[label] if n < label}
        layer[label] = next(k for k in range(1, len(taken) + 2) if k not in taken)
    layers = layer[objects]
    return [layers == k for k in range(1, int(layer.max()) + 1)]


def object_geometry(objects: np.ndarray) -> tuple[SkeletonGraph, np.ndarray, np.ndarray]:
    """The skeleton graph, distance transform and branch regions (see
    :func:`~dense_direction.analysis.objects.measure.branch_regions`) of the label image
    ``objects``, each label measured on its own pixels."""
    layers = label_layers(objects)
    if len(layers) == 1:  # connected components, or labels that do not touch: nothing to merge
        distance = edge_distance(layers[0])
        graph = skeleton_graph(layers[0], distance)
        return graph, distance, branch_regions(graph, layers[0], objects)
    graphs, distance, regions = [], np.zeros(objects.shape), np.zeros(objects.shape, np.int64)
    for mask in layers:
        layer_distance = edge_distance(mask)
        graph = skeleton_graph(mask, layer_distance)
        layer_regions = branch_regions(graph, mask, objects)
        offset = sum(len(g.branches) for g in graphs)
        regions += np.where(layer_regions > 0, layer_regions + offset, 0)
        distance += layer_distance  # the layers do not overlap
        graphs.append(graph)
    return merge_graphs(graphs), distance, regions
