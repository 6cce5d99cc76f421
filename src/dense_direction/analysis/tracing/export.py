"""Polylines as GeoJSON and the skeleton graph as GraphML.

GeoJSON coordinates are image coordinates: ``[x, y]`` = ``[column, row]`` in pixels, pixel
centres at integers, y growing **down** the image as in image viewers and GIS tools that open
an image without a map projection. (Directions in the tables use y up; these are positions.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dense_direction.analysis.objects.skeleton import SkeletonGraph

__all__ = ["geojson_lines", "skeleton_networkx", "write_graphml"]


def _feature(line: np.ndarray, properties: dict[str, Any]) -> dict[str, Any]:
    coords = np.round(np.asarray(line)[:, ::-1], 2).tolist()
    if len(coords) == 1:  # a LineString needs two positions
        coords = coords * 2
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": properties,
    }


def geojson_lines(
    lines: Sequence[np.ndarray], properties: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """A FeatureCollection of LineStrings from ``(n, 2)`` (row, col) polylines."""
    return {
        "type": "FeatureCollection",
        "features": [_feature(line, dict(p)) for line, p in zip(lines, properties, strict=True)],
    }


def _plain(value: Any) -> Any:
    """GraphML holds str/int/float/bool only; NaN becomes an absent attribute."""
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


def skeleton_networkx(graph: SkeletonGraph, branches: pd.DataFrame) -> Any:
    """A networkx ``MultiGraph``: nodes are junctions and ends (``x``, ``y`` image
    coordinates, ``kind``), edges the branches with their table columns as attributes."""
    import networkx as nx

    result = nx.MultiGraph()
    for node, (row, col) in graph.nodes.items():
        kind = "junction" if node.startswith("j") else "end"
        result.add_node(node, x=float(col), y=float(row), kind=kind)
    for record in branches.to_dict("records"):
        attributes = {k: _plain(v) for k, v in record.items() if k not in ("src", "dst")}
        attributes = {k: v for k, v in attributes.items() if v is not None}
        result.add_edge(record["src"], record["dst"], key=int(record["branch"]), **attributes)
    return result


def write_graphml(graph: SkeletonGraph, branches: pd.DataFrame, path: str | Path) -> None:
    """The skeleton graph (:func:`skeleton_networkx`) as a GraphML file."""
    import networkx as nx

    nx.write_graphml(skeleton_networkx(graph, branches), str(path))
