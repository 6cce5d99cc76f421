"""Reference-style configs build through the OpenMMLab registries (every registered type's
contract: test_registry_contract.py)."""

import pytest

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from mmengine.registry import FUNCTIONS
from mmseg.registry import MODELS

from dense_direction import kernels
from dense_direction.mm import REGISTERED_KERNELS


@pytest.mark.parametrize("name", REGISTERED_KERNELS)
def test_kernels_are_registered_functions(name):
    assert FUNCTIONS.get(name) is getattr(kernels, name)


def test_unknown_type_names_the_registry():
    with pytest.raises(KeyError, match="not in the"):
        MODELS.build({"type": "EfficientDirectionalLos"})
