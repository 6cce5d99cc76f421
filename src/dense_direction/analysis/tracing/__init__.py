"""Streamlines through a direction field, and GeoJSON / GraphML export."""

from dense_direction.analysis.tracing.export import geojson_lines, skeleton_networkx, write_graphml
from dense_direction.analysis.tracing.streamlines import (
    grid_seeds,
    skeleton_seeds,
    trace_streamlines,
)

__all__ = [
    "geojson_lines",
    "grid_seeds",
    "skeleton_networkx",
    "skeleton_seeds",
    "trace_streamlines",
    "write_graphml",
]
