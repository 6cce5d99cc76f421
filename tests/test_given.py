"""Settings named in messages as their caller wrote them (dense_direction.given)."""

import numpy as np

from dense_direction.given import as_given


def test_a_flag_reads_as_typed_and_an_argument_as_python_writes_it():
    assert as_given("--scales", [1.0, 0.5]) == "--scales 1 0.5"
    assert as_given("--smooth", 0.3) == "--smooth 0.3"
    assert as_given("--tile", np.int64(64)) == "--tile 64"
    assert as_given("scales", [1.0, 0.5]) == "scales=[1.0, 0.5]"
    assert as_given("scales", (1,)) == "scales=(1,)"
    assert as_given("tile", np.int64(64)) == "tile=64"  # not np.int64(64)
