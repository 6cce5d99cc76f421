"""Polylines as GeoJSON and the skeleton graph as GraphML.

Positions in both are image coordinates (:data:`COORDINATES`): ``x`` = column, ``y`` = row, in
pixels whatever the tables' unit, pixel centres at whole numbers (as NumPy, scikit-image and
napari index pixels), y growing **down**. Tools that put pixel corners at whole numbers
(ImageJ, QuPath) need 0.5 added to both; QGIS, which shows an image without georeference
over y from 0 to -height, needs ``(x + 0.5, -(y + 0.5))``. These are not geographic
coordinates (GeoJSON's default is WGS84 longitude/latitude). Directions in the tables use y
up; these are positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from dense_direction.analysis._collector import collector_paused
from dense_direction.analysis.objects.skeleton import SkeletonGraph

__all__ = ["COORDINATES", "geojson_lines", "skeleton_networkx", "write_graphml"]

#: What the positions in the exported files are, written into each (GeoJSON: the foreign
#: member ``coordinate_system`` of the FeatureCollection, not ``coordinates``, which RFC
#: 7946 section 7.1 forbids there; GraphML and networkx: a graph attribute).
COORDINATES = (
    "image pixels: x = column (right), y = row (down), pixel centres at whole numbers, in px "
    "whatever the unit of the lengths; not geographic coordinates"
)


def _feature(line: np.ndarray, properties: dict[str, Any]) -> dict[str, Any]:
    coords = np.round(np.asarray(line)[:, ::-1], 2).tolist()
    # A dot's one position is a Point: a LineString of one position repeated is invalid.
    geometry = (
        {"type": "Point", "coordinates": coords[0]}
        if len(coords) == 1
        else {"type": "LineString", "coordinates": coords}
    )
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson_lines(
    lines: Sequence[np.ndarray], properties: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """A FeatureCollection of LineStrings (a Point for a single position) from ``(n, 2)``
    (row, col) polylines; its ``coordinate_system`` member says what they are."""
    with collector_paused():
        features = [_feature(line, dict(p)) for line, p in zip(lines, properties, strict=True)]
    return {"type": "FeatureCollection", "coordinate_system": COORDINATES, "features": features}


def _plain(value: Any) -> Any:
    """GraphML holds str/int/float/bool only; NaN becomes an absent attribute."""
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


def node_kinds(graph: SkeletonGraph) -> dict[str, str]:
    """The ``kind`` of every node: ``junction``, ``end`` (a skeleton pixel with one
    neighbour: what the tables' ``ends`` count) or ``point``: the one pixel of a dot's
    skeleton, or where a ring without junctions is cut open (neither is an end)."""
    ends = {(float(r), float(c)) for r, c in graph.end_points.tolist()}
    return {
        node: "junction" if node.startswith("j") else "end" if at in ends else "point"
        for node, at in graph.nodes.items()
    }


def skeleton_networkx(graph: SkeletonGraph, branches: pd.DataFrame) -> Any:
    """A networkx ``MultiGraph``: nodes are junctions, ends and points (``x``, ``y`` image
    coordinates, ``kind``: :func:`node_kinds`), edges the branches with their table columns
    as attributes."""
    import networkx as nx

    result = nx.MultiGraph(coordinates=COORDINATES)
    kinds = node_kinds(graph)
    for node, (row, col) in graph.nodes.items():
        result.add_node(node, x=float(col), y=float(row), kind=kinds[node])
    for record in branches.to_dict("records"):
        attributes = {k: _plain(v) for k, v in record.items() if k not in ("src", "dst")}
        attributes = {k: v for k, v in attributes.items() if v is not None}
        result.add_edge(record["src"], record["dst"], key=int(record["branch"]), **attributes)
    return result


def _graphml_value(value: Any) -> tuple[str, str] | None:
    """GraphML type and text of a value; None for NaN/None (the attribute is left out)."""
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean", str(value).lower()
    if isinstance(value, int):
        return "long", str(value)
    if isinstance(value, float):
        return "double", repr(value)
    return "string", escape(str(value), {'"': "&quot;"})


def _data(attributes: dict[str, Any], keys: dict[str, str]) -> str:
    parts = []
    for name, value in attributes.items():
        typed = _graphml_value(value)
        if typed is not None:
            keys.setdefault(name, typed[0])
            parts.append(f'<data key="{name}">{typed[1]}</data>')
    return "".join(parts)


def write_graphml(graph: SkeletonGraph | None, branches: pd.DataFrame, path: str | Path) -> None:
    """The skeleton graph as GraphML (what :func:`skeleton_networkx` holds; networkx reads
    it back); ``None``, an image without structure: a graph without nodes, so that every
    image has its file. Written directly: networkx's writer takes about a second for the 3000
    branches of a dense 512² fibre image."""
    keys: dict[str, str] = {}
    kinds = node_kinds(graph) if graph is not None else {}
    nodes = [
        f'<node id="{n}">' + _data({"x": c, "y": r, "kind": kinds[n]}, keys) + "</node>"
        for n, (r, c) in (graph.nodes.items() if graph is not None else ())
    ]
    edges = []
    for record in branches.to_dict("records"):
        attributes = {k: v for k, v in record.items() if k not in ("src", "dst")}
        edges.append(
            f'<edge id="b{record["branch"]}" source="{record["src"]}" '
            f'target="{record["dst"]}">' + _data(attributes, keys) + "</edge>"
        )
    node_keys = {"x", "y", "kind"}
    header = [
        '<key id="coordinates" for="graph" attr.name="coordinates" attr.type="string"/>',
        *(
            f'<key id="{name}" for="{"node" if name in node_keys else "edge"}" '
            f'attr.name="{name}" attr.type="{kind}"/>'
            for name, kind in keys.items()
        ),
    ]
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        + "\n".join(header)
        + '\n<graph edgedefault="undirected">\n'
        + f'<data key="coordinates">{escape(COORDINATES)}</data>\n'
        + "\n".join(nodes + edges)
        + "\n</graph>\n</graphml>\n"
    )
    Path(path).write_text(text, encoding="utf-8")
