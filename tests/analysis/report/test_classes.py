"""Direction classes of a multi-class prediction (dense_direction.analysis.report.classes)."""

import numpy as np
import pytest

from dense_direction.analysis.report.classes import (
    item_name,
    prediction_classes,
    selected_classes,
)


def _angle_file(folder, shape, class_ids):
    np.save(folder / "a_angles.npy", np.zeros(shape, "f4"))
    for class_id in class_ids:
        (folder / f"a_confidence_class{class_id}.png").write_bytes(b"")  # only names are read
    return folder / "a_angles.npy"


def test_classes_come_from_the_record_else_from_the_files_in_id_order(tmp_path):
    path = _angle_file(tmp_path, (3, 4, 4), (10, 2, 7))
    assert prediction_classes(path) == [2, 7, 10]  # by number, not by name ("10" < "2")
    assert prediction_classes(path, recorded=[7, 10, 2]) == [7, 10, 2]
    with pytest.raises(ValueError, match="record lists 2, 7, 11"):
        prediction_classes(path, recorded=[2, 7, 11])


@pytest.mark.parametrize("shape", [(4, 4), (1, 4, 4)])
def test_a_single_map_is_one_unnamed_class(tmp_path, shape):
    assert prediction_classes(_angle_file(tmp_path, shape, ())) == [None]


def test_selection_keeps_the_map_order_and_names_what_is_missing():
    assert selected_classes([2, 1], None, "--class-id", "p") == [2, 1]
    assert selected_classes([2, 1, 3], [3, 2], "--class-id", "p") == [2, 3]
    with pytest.raises(ValueError, match=r"p has no direction class 4, 5: its classes are 2, 1"):
        selected_classes([2, 1], [4, 1, 5], "--class-id", "p")
    assert item_name("a", 2) == "a_class2" and item_name("a", None) == "a"
