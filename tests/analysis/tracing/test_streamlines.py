"""Streamlines follow the field and stay inside the structure."""

import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import ndimage as ndi

from analysis_shapes import capsule, ring, segment, tangent_field, y_junction
from dense_direction.analysis.objects.measure import branch_regions, measure_branches
from dense_direction.analysis.objects.skeleton import skeleton_graph
from dense_direction.analysis.tracing import (
    geojson_lines,
    grid_seeds,
    trace_streamlines,
    write_graphml,
)


def test_streamline_runs_along_a_straight_bar():
    # Bar at 30° (y up) through (150.5, 150.5); the field is the bar's own direction.
    mask = capsule((301, 301), *segment(200, 30), 7)
    angles = np.full(mask.shape, math.radians(30))
    (line,) = trace_streamlines(angles, mask, np.array([[150.5, 150.5]]), max_length=60)
    # 60 px each way at 1 px steps: 121 points, all on the line: distance to it
    # |(r - 150.5) cos30 + (c - 150.5) sin30| (normal of a y-up direction in row/col).
    assert len(line) == 121
    normal = np.array([math.cos(math.radians(30)), math.sin(math.radians(30))])
    assert np.abs((line - 150.5) @ normal).max() < 1e-6
    assert np.hypot(*(line[-1] - line[0])) == pytest.approx(120, abs=1e-6)


def test_streamline_stops_at_the_end_of_the_structure():
    mask = capsule((101, 101), (50, 20), (50, 80), 5)
    (line,) = trace_streamlines(np.zeros(mask.shape), mask, np.array([[50.0, 50.0]]))
    assert line[:, 1].min() >= 17 and line[:, 1].max() <= 83
    assert np.all(mask[np.round(line[:, 0]).astype(int), np.round(line[:, 1]).astype(int)])


def test_streamline_follows_a_circle():
    mask = ring((121, 121), (60, 60), 40, 6)
    angles = tangent_field(mask.shape, (60, 60))
    seeds = grid_seeds(mask, 40)
    lines = trace_streamlines(angles, mask, seeds, max_length=50)
    for line in lines:
        radius = np.hypot(line[:, 0] - 60, line[:, 1] - 60)
        assert np.abs(radius - np.hypot(*(line[len(line) // 2] - 60))).max() < 1.0
        assert len(line) > 60


def test_geojson_and_graphml(tmp_path):
    mask = y_junction(width=5)
    distance = ndi.distance_transform_edt(mask)
    graph = skeleton_graph(mask, distance)
    branches, lines = measure_branches(
        graph, distance, mask.astype(int), branch_regions(graph, mask)
    )
    collection = geojson_lines(lines, [{"branch": i} for i in range(len(lines))])
    text = json.dumps(collection)  # serialisable
    # RFC 7946 7.1: a FeatureCollection has no "coordinates" member (GIS readers refuse or
    # misread it); what the positions are is a foreign member of another name.
    assert "coordinates" not in collection and "image pixels" in collection["coordinate_system"]
    first = json.loads(text)["features"][0]["geometry"]
    assert first["type"] == "LineString"
    # [x, y] = [column, row]: the first point is the first (row, col) swapped.
    assert first["coordinates"][0] == pytest.approx(lines[0][0][::-1].tolist(), abs=0.01)
    write_graphml(graph, branches, tmp_path / "g.graphml")
    loaded = nx.read_graphml(tmp_path / "g.graphml")
    assert loaded.number_of_nodes() == 4 and loaded.number_of_edges() == 3
    assert sorted(d["kind"] for _, d in loaded.nodes(data=True)) == ["end"] * 3 + ["junction"]
    assert all(float(d["length"]) > 60 for *_, d in loaded.edges(data=True))


def test_graph_nodes_that_are_no_ends_are_points(tmp_path):
    # A dot (a disc of radius 2: its skeleton is 1 pixel) and a ring without junctions
    # each have one node, which GraphML called an "end" while the tables count 0 ends there;
    # a bar has two ends. Ends in the graph = ends in the tables: 2.
    mask = np.zeros((120, 120), bool)
    rr, cc = np.ogrid[:120, :120]
    mask |= (rr - 10) ** 2 + (cc - 10) ** 2 <= 4
    mask |= ring((120, 120), (60, 60), 30, 4)
    mask |= capsule((120, 120), (110, 20), (110, 100), 2)
    distance = ndi.distance_transform_edt(mask)
    graph = skeleton_graph(mask, distance)
    branches, _ = measure_branches(graph, distance, mask.astype(int), branch_regions(graph, mask))
    write_graphml(graph, branches, tmp_path / "g.graphml")
    kinds = sorted(d["kind"] for _, d in nx.read_graphml(tmp_path / "g.graphml").nodes(data=True))
    assert kinds == ["end", "end", "point", "point"]
    assert branches["ends"].sum() == 2
    # The dot's one position is a GeoJSON Point (a LineString of one position twice is
    # invalid to GEOS); each file says what its positions are (QGIS placed them mirrored,
    # nothing said they were image pixels, y down).
    lines = [np.array([[10.0, 10.0]]), np.array([[110.0, 20.0], [110.0, 100.0]])]
    collection = geojson_lines(lines, [{}, {}])
    assert [f["geometry"]["type"] for f in collection["features"]] == ["Point", "LineString"]
    assert collection["features"][0]["geometry"]["coordinates"] == [10.0, 10.0]
    assert "y = row (down)" in collection["coordinate_system"]
    loaded = nx.read_graphml(tmp_path / "g.graphml")
    assert "pixel centres at whole numbers" in loaded.graph["coordinates"]


def test_an_image_without_structure_gets_an_empty_graph_file(tmp_path):
    # Every other per-image file was written for it, the GraphML was not.
    write_graphml(None, pd.DataFrame(), tmp_path / "none.graphml")
    loaded = nx.read_graphml(tmp_path / "none.graphml")
    assert loaded.number_of_nodes() == 0 and "image pixels" in loaded.graph["coordinates"]


@pytest.mark.parametrize("enabled", [True, False])
def test_geojson_leaves_the_garbage_collector_as_it_found_it(enabled):
    # The GeoJSON is built with the cyclic collector paused (speed); it must come back on
    # afterwards, also when building fails, and stay off for a caller who had turned it off.
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        geojson_lines([np.array([[1.0, 2.0], [3.0, 4.0]])], [{"seed": 1}])
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):  # more lines than properties
            geojson_lines([np.zeros((2, 2))] * 2, [{}])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
