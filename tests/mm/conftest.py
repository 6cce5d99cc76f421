import pytest

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from mmengine.registry import init_default_scope

import dense_direction.mm  # noqa: F401  (registers everything)
from dense_direction.synthetic.dataset import write_dataset

init_default_scope("mmseg")  # as the Runner does with default_scope="mmseg"


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory):
    """A small synthetic dataset: 10 samples of 64x64 cracks, split 6/2/2."""
    root = tmp_path_factory.mktemp("synth")
    write_dataset(root, 10, "cracks", 64, seed=0, fractions=(0.6, 0.2, 0.2))
    return root
