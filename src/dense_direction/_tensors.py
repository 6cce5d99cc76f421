"""NumPy arrays into torch tensors, for any view a user may pass."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["from_array"]


def from_array(array: np.ndarray) -> torch.Tensor:
    """``torch.from_numpy`` of ``array``, copied first where a stride is negative (a flipped
    or turned view such as ``image[:, ::-1]`` or ``np.rot90(image)``, which torch refuses to
    share: "At least one stride in the given numpy array is negative")."""
    array = np.asarray(array)
    if any(stride < 0 for stride in array.strides):
        array = array.copy()
    return torch.from_numpy(array)
