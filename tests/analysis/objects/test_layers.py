"""Labels that touch are measured on their own pixels: layers of labels that do not touch."""

import numpy as np

from analysis_shapes import y_junction
from dense_direction.analysis.objects.layers import label_layers, object_geometry, touching_pairs
from dense_direction.analysis.objects.skeleton import skeleton_graph


def test_touching_pairs_use_eight_adjacency():
    objects = np.array(
        [
            [1, 1, 0, 0],
            [0, 0, 2, 0],  # 2 touches 1 only diagonally
            [3, 0, 0, 4],  # 3 touches nothing, 4 touches 2 diagonally
        ]
    )
    assert touching_pairs(objects).tolist() == [[1, 2], [2, 4]]


def test_a_chain_of_touching_labels_needs_two_layers():
    # 1 | 2 | 3 side by side: 1 and 3 do not touch and share a layer, 2 gets its own.
    objects = np.repeat(np.repeat(np.array([[1, 2, 3]]), 4, axis=1), 3, axis=0)
    layers = label_layers(objects)
    assert [sorted(set(objects[m].tolist())) for m in layers] == [[1, 3], [2]]
    assert np.array_equal(np.logical_or.reduce(layers), objects > 0)


def test_labels_that_touch_nothing_are_one_layer_and_one_graph():
    # Connected components never touch: the merged result is the plain skeleton graph.
    mask = y_junction(width=5)
    (layer,) = label_layers(mask.astype(np.int64))
    assert np.array_equal(layer, mask)
    graph, distance, regions = object_geometry(mask.astype(np.int64))
    plain = skeleton_graph(mask)
    assert [(b.src, b.dst) for b in graph.branches] == [(b.src, b.dst) for b in plain.branches]
    assert set(np.unique(regions)) == {0, 1, 2, 3} and distance.max() > 0


def test_merged_graphs_number_nodes_after_the_earlier_layers():
    # Two bars side by side in different labels: each has its own two ends, e1-e2 and e3-e4,
    # and a junction-free path; the node ids do not collide.
    objects = np.zeros((20, 60), np.int64)
    objects[8:13, 5:30] = 1
    objects[8:13, 30:55] = 2
    graph, _, regions = object_geometry(objects)
    assert sorted((b.src, b.dst) for b in graph.branches) == [("e1", "e2"), ("e3", "e4")]
    assert set(graph.nodes) == {"e1", "e2", "e3", "e4"}
    assert graph.junction_labels.max() == 0 and len(graph.end_points) == 4
    # Every pixel's branch lies in its own label.
    for number, branch in enumerate(graph.branches, start=1):
        label = objects[tuple(branch.coords[0])]
        assert set(objects[regions == number].tolist()) == {label}
