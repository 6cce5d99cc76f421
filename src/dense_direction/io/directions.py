"""Reading a true direction map (``.npy``): radians in [0, π), y up, NaN where there is no
truth; one ``(H, W)`` map, or ``(K, H, W)`` for a model with K direction classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dense_direction.analysis.conventions import check_radians

__all__ = ["read_direction_map"]


def read_direction_map(path: str | Path, stacked: bool = False) -> np.ndarray:
    """The direction map in ``path`` as float32: ``(H, W)``, or with ``stacked`` also
    ``(K, H, W)``. An unreadable file, another shape or values that are not radians (degrees
    would be scored as nonsense) are errors that name the file."""
    try:
        direction = np.load(path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read direction map {path}: {err}") from err
    shapes = "(H, W) or (K, H, W)" if stacked else "(H, W)"
    if direction.ndim not in ((2, 3) if stacked else (2,)) or not np.issubdtype(
        direction.dtype, np.number
    ):
        raise ValueError(
            f"{path}: a direction map must be one numeric {shapes} array of radians, "
            f"got {direction.dtype} of shape {direction.shape}"
        )
    check_radians(direction, path)
    return direction.astype(np.float32)
