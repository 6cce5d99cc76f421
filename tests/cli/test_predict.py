"""`dense-direction predict` input collection (no model needed)."""

import numpy as np
import pytest
from PIL import Image

from dense_direction.cli.predict import collect_inputs


def test_colliding_names_are_refused_and_listed(tmp_path):
    image = np.zeros((4, 4, 3), np.uint8)
    for name in ("x.png", "x.jpg", "y.png"):
        Image.fromarray(image).save(tmp_path / name)
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        collect_inputs(str(tmp_path))
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        collect_inputs(str(tmp_path / "*"))
    (tmp_path / "x.jpg").unlink()
    assert [p.name for p in collect_inputs(str(tmp_path))] == ["x.png", "y.png"]
