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

from dense_direction.analysis._collector import collector_paused

__all__ = [
    "SPUR_FACTOR",
    "Branch",
    "SkeletonGraph",
    "edge_distance",
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
        """Its junction nodes: 0-2, and 1 for a loop that starts and ends at a junction (a
        lasso's ring; a ring without junction has a point node)."""
        return sum(node.startswith("j") for node in {self.src, self.dst})


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


def _paths(skeleton: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """skan's paths of ``skeleton``: the ``(n, 2)`` int (row, col) pixels of all paths end to
    end, and where each path starts in them (plus the total: ``len(paths) + 1`` offsets)."""
    import skan  # numba compiles on first use: import only when a skeleton is analysed

    if skeleton.sum() < 2:
        return np.zeros((0, 2), np.int64), np.zeros(1, np.int64)
    graph = skan.Skeleton(skeleton.astype(bool))
    # The paths' pixel indices straight from skan's sparse matrix (one array for all paths;
    # path_coordinates(i) makes two small arrays per path).
    pixels = np.asarray(graph.coordinates, dtype=np.int64)[graph.paths.indices]
    return pixels, np.asarray(graph.paths.indptr, dtype=np.int64)


def _build(skeleton: np.ndarray) -> SkeletonGraph:
    degree = neighbour_count(skeleton)
    junctions, count = ndi.label(degree >= 3, structure=_EIGHT)
    end_mask = degree == 1
    pixels, starts = _paths(skeleton)
    first, last = pixels[starts[:-1]], pixels[starts[1:] - 1]
    # skan links the pixels of a junction to each other; they are one junction here, and such
    # a link (1-2 px, from the junction to itself) is no branch.
    on_junction = junctions[pixels[:, 0], pixels[:, 1]] > 0
    inside = np.logical_and.reduceat(on_junction, starts[:-1]) if len(first) else first[:, 0]
    closed = (np.diff(starts) > 2) & (first == last).all(axis=1)
    keep = np.flatnonzero(~inside.astype(bool))
    first, last, closed = first[keep], last[keep], closed[keep]
    ends: dict[tuple[int, int], int] = {}

    def node(junction: int, pixel: tuple[int, int]) -> str:
        return f"j{junction}" if junction else f"e{ends.setdefault(pixel, len(ends) + 1)}"

    def free(pixel: tuple[int, int], is_end: bool) -> list[tuple[int, int]]:
        return [pixel] if is_end else []

    # Flat columns, one value per kept path, and the collector paused: thousands of paths make
    # thousands of small objects (analysis._collector).
    columns = [*first.T, *last.T, starts[keep], starts[keep + 1], closed]
    columns += [junctions[first[:, 0], first[:, 1]], junctions[last[:, 0], last[:, 1]]]
    columns += [end_mask[first[:, 0], first[:, 1]], end_mask[last[:, 0], last[:, 1]]]
    branches = []
    with collector_paused():
        for ra, ca, rb, cb, begin, stop, loop, ja, jb, fa, fb in zip(
            *(column.tolist() for column in columns), strict=True
        ):
            a, b = (ra, ca), (rb, cb)
            ends_free = [] if loop else free(a, fa) + free(b, fb)
            path = pixels[begin:stop]
            branches.append(Branch(path, node(ja, a), node(jb, b), loop, ends_free))
        for r, c in np.argwhere(skeleton & (degree == 0)).tolist():  # a dot: both ends free
            dot = node(0, (r, c))
            branches.append(Branch(np.array([[r, c]]), dot, dot, False, [(r, c)] * 2))
    nodes = {f"e{i}": (float(r), float(c)) for (r, c), i in ends.items()}
    nodes.update({f"j{i + 1}": centre for i, centre in enumerate(_centres(junctions, count))})
    return SkeletonGraph(skeleton, branches, nodes, junctions, np.argwhere(end_mask))


def _centres(labels: np.ndarray, count: int) -> list[tuple[float, float]]:
    """The mean (row, col) of the pixels of each label 1..``count`` (all present)."""
    rows, cols = np.nonzero(labels)
    ids = labels[rows, cols]
    size = np.bincount(ids, minlength=count + 1)[1:]
    mean_rows = np.bincount(ids, rows, minlength=count + 1)[1:] / size
    mean_cols = np.bincount(ids, cols, minlength=count + 1)[1:] / size
    return list(zip(mean_rows.tolist(), mean_cols.tolist(), strict=True))


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


def edge_distance(mask: np.ndarray) -> np.ndarray:
    """``(H, W)`` float: each pixel's Euclidean distance to the nearest background pixel centre,
    the outside of the image counted as background, as ``skeletonize`` counts it: a band along
    the frame measures as wide as the same band inside the image (scipy's transform alone
    would see it continue beyond the frame)."""
    padded = np.pad(np.asarray(mask, dtype=bool), 1)
    return ndi.distance_transform_edt(padded)[1:-1, 1:-1]


def skeleton_graph(
    mask: np.ndarray, distance: np.ndarray | None = None, prune: bool = True
) -> SkeletonGraph:
    """The skeleton graph of a binary ``(H, W)`` mask; ``distance`` is its
    :func:`edge_distance` (computed when None), used to recognise spurs."""
    mask = np.asarray(mask).astype(bool)
    skeleton = skeletonize(mask)
    graph = _build(skeleton)
    if not prune:
        return graph
    if distance is None:
        distance = edge_distance(mask)
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
