"""Skeleton graph and per-branch / per-object geometry of structure masks."""

from dense_direction.analysis.objects.centerline import (
    mean_curvature,
    polyline_length,
    smooth_centerline,
    tortuosity,
)
from dense_direction.analysis.objects.layers import label_layers, object_geometry
from dense_direction.analysis.objects.measure import (
    branch_regions,
    local_widths,
    measure_branches,
    measure_objects,
)
from dense_direction.analysis.objects.skeleton import (
    Branch,
    SkeletonGraph,
    merge_graphs,
    skeleton_graph,
)

__all__ = [
    "Branch",
    "SkeletonGraph",
    "branch_regions",
    "label_layers",
    "local_widths",
    "mean_curvature",
    "measure_branches",
    "measure_objects",
    "merge_graphs",
    "object_geometry",
    "polyline_length",
    "skeleton_graph",
    "smooth_centerline",
    "tortuosity",
]
