"""The skeleton graph of a structure mask (skan): branches between junctions and ends.

A branch is a pixel path between two nodes; a node is a free end (one skeleton neighbour) or
a junction (three or more). Neighbouring junction pixels form one junction, so a Y drawn with
thick strokes has one junction, not the two or three pixels skeletonisation leaves there.
Short spurs that skeletonisation grows inside thick parts (at bar ends and corners) are
pruned: an end branch no longer than the structure's half-width at its junction (times
:data:`SPUR_FACTOR`) lies inside the body and is not a branch of the structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi
from skimage.morphology import skeletonize

__all__ = [
    "SPUR_FACTOR",
    "Branch",
    "SkeletonGraph",
    "merge_graphs",
    "neighbour_count",
    "skeleton_graph",
]

SPUR_FACTOR = 1.5
_EIGHT = np.ones((3, 3), dtype=bool)


@dataclass
class Branch:
    """One skeleton branch: ``coords`` ``(n, 2)`` int (row, col) pixel path from node ``src``
    to node ``dst`` (the same node for a loop)."""

    coords: np.ndarray
    src: str
    dst: str
    closed: bool
    free_ends: list[tuple[int, int]] = field(default_factory=list)

    @property
    def junctions(self) -> int:
        return sum(node.startswith("j") for node in {self.src, self.dst} if not self.closed)


@dataclass
class SkeletonGraph:
    """Skeleton, branches and nodes. ``nodes`` maps a node id (``"j3"`` junction 3, ``"e17"``
    end 17) to its ``(row, col)`` (junctions: the mean of their pixels)."""

    skeleton: np.ndarray
    branches: list[Branch]
    nodes: dict[str, tuple[float, float]]
    junction_labels: np.ndarray
    end_points: np.ndarray


def neighbour_count(skeleton: np.ndarray) -> np.ndarray:
    """Number of 8-neighbours of every skeleton pixel (0 off the skeleton)."""
    sk = skeleton.astype(np.uint8)
    return (ndi.convolve(sk, _EIGHT.astype(np.uint8), mode="constant") - 1) * sk


def _paths(skeleton: np.ndarray) -> list[np.ndarray]:
    import skan  # numba compiles on first use: import only when a skeleton is analysed

    if skeleton.sum() < 2:
        return []
    graph = skan.Skeleton(skeleton.astype(bool))
    return [np.asarray(graph.path_coordinates(i), dtype=np.int64) for i in range(graph.n_paths)]


def _node(pixel: np.ndarray, junctions: np.ndarray, ends: dict[tuple[int, int], int]) -> str:
    r, c = int(pixel[0]), int(pixel[1])
    if junctions[r, c]:
        return f"j{junctions[r, c]}"
    return f"e{ends.setdefault((r, c), len(ends) + 1)}"


def _build(skeleton: np.ndarray) -> SkeletonGraph:
    degree = neighbour_count(skeleton)
    junctions, count = ndi.label(degree >= 3, structure=_EIGHT)
    end_mask = degree == 1
    ends: dict[tuple[int, int], int] = {}
    branches = []
    for path in _paths(skeleton):
        if junctions[path[:, 0], path[:, 1]].all():
            # skan links the pixels of a junction to each other; they are one junction here,
            # and such a link (1-2 px, from the junction to itself) is no branch.
            continue
        closed = len(path) > 2 and np.array_equal(path[0], path[-1])
        src, dst = _node(path[0], junctions, ends), _node(path[-1], junctions, ends)
        free = [tuple(int(v) for v in p) for p in (path[0], path[-1]) if end_mask[p[0], p[1]]]
        branches.append(Branch(path, src, dst, closed, free if not closed else []))
    for r, c in np.argwhere(skeleton & (degree == 0)):  # a dot: one pixel, both ends free
        node = _node(np.array([r, c]), junctions, ends)
        branches.append(Branch(np.array([[r, c]]), node, node, False, [(int(r), int(c))] * 2))
    nodes = {f"e{i}": (float(r), float(c)) for (r, c), i in ends.items()}
    if count:
        centres = ndi.center_of_mass(np.ones_like(junctions), junctions, range(1, count + 1))
        nodes.update({f"j{i + 1}": (float(r), float(c)) for i, (r, c) in enumerate(centres)})
    return SkeletonGraph(skeleton, branches, nodes, junctions, np.argwhere(end_mask))


def _spurs(graph: SkeletonGraph, distance: np.ndarray) -> list[np.ndarray]:
    """Pixels of end branches short enough to lie inside the body at their junction."""
    found = []
    for branch in graph.branches:
        ends_at = [n for n in (branch.src, branch.dst) if n.startswith("j")]
        if branch.closed or len(ends_at) != 1 or len(branch.free_ends) != 1:
            continue
        junction = branch.coords[0] if branch.src.startswith("j") else branch.coords[-1]
        if len(branch.coords) - 1 <= SPUR_FACTOR * distance[junction[0], junction[1]]:
            inner = branch.coords[1:] if branch.src.startswith("j") else branch.coords[:-1]
            found.append(inner)
    return found


def skeleton_graph(
    mask: np.ndarray, distance: np.ndarray | None = None, prune: bool = True
) -> SkeletonGraph:
    """The skeleton graph of a binary ``(H, W)`` mask; ``distance`` is its Euclidean distance
    transform (computed when None), used to recognise spurs."""
    mask = np.asarray(mask).astype(bool)
    skeleton = skeletonize(mask)
    graph = _build(skeleton)
    if not prune:
        return graph
    if distance is None:
        distance = ndi.distance_transform_edt(mask)
    spurs = _spurs(graph, distance)
    if not spurs:
        return graph
    pruned = skeleton.copy()
    for pixels in spurs:
        pruned[pixels[:, 0], pixels[:, 1]] = False
    # Removing a spur can leave a 2-3 pixel knot where the junction was: thin it again.
    return _build(skeletonize(pruned))


def _renamed(node: str, junctions: int, ends: int) -> str:
    """Node id ``node`` of a graph merged after others with ``junctions`` and ``ends``."""
    return f"{node[0]}{int(node[1:]) + (junctions if node[0] == 'j' else ends)}"


def merge_graphs(graphs: list[SkeletonGraph]) -> SkeletonGraph:
    """One graph of the graphs of non-overlapping masks of the same size, their junctions and
    ends renumbered after those of the graphs before them."""
    if len(graphs) == 1:
        return graphs[0]
    skeleton = np.zeros_like(graphs[0].skeleton)
    junction_labels = np.zeros_like(graphs[0].junction_labels)
    branches, nodes, junctions, ends = [], {}, 0, 0
    for graph in graphs:
        skeleton |= graph.skeleton
        junction_labels += np.where(graph.junction_labels > 0, graph.junction_labels + junctions, 0)
        nodes.update({_renamed(k, junctions, ends): v for k, v in graph.nodes.items()})
        for b in graph.branches:
            src, dst = _renamed(b.src, junctions, ends), _renamed(b.dst, junctions, ends)
            branches.append(Branch(b.coords, src, dst, b.closed, b.free_ends))
        junctions += int(graph.junction_labels.max(initial=0))
        ends += sum(node.startswith("e") for node in graph.nodes)
    end_points = np.concatenate([g.end_points for g in graphs]).reshape(-1, 2)
    return SkeletonGraph(skeleton, branches, nodes, junction_labels, end_points)
