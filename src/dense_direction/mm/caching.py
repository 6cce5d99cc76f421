"""Training reads every image many times; :class:`CachedLoading` decodes each file once.

On 2 CPU cores, decoding the PNG image and mask of every sample took most of the data time of
an iteration (35.8 of the data step's ms, 10.2 with this cache: ``benchmarks/train_throughput.py``),
for the same bytes each epoch.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmseg.registry import TRANSFORMS

from dense_direction.transforms import ArrayCache

__all__ = ["LOADING_STEPS", "CachedLoading", "cache_loading"]

#: Steps whose output depends on the sample's files only: safe to run once and replay.
LOADING_STEPS = (
    "LoadImage",
    "LoadImageFromFile",
    "LoadMask",
    "LoadAnnotations",
    "BinarizeAnnotations",
)


def _nbytes(values: dict[str, Any]) -> int:
    """Bytes the arrays among ``values`` hold (other values are small)."""
    return sum(v.nbytes for v in values.values() if isinstance(v, np.ndarray))


def _copied(values: dict[str, Any]) -> dict[str, Any]:
    """An independent copy: later steps of the pipeline may change arrays in place."""
    return {
        k: v.copy() if isinstance(v, np.ndarray) else copy.deepcopy(v) for k, v in values.items()
    }


def _snapshot(results: dict) -> dict[str, Any]:
    """Arrays by reference, the rest copied: steps append to lists such as ``seg_fields``."""
    return {k: v if isinstance(v, np.ndarray) else copy.deepcopy(v) for k, v in results.items()}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return old is new
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


@TRANSFORMS.register_module()
class CachedLoading(BaseTransform):
    """Run the loading ``transforms`` once per sample and replay what they added afterwards,
    keeping up to ``cache_mb`` per process (least recently used first out).

    A sample is known by its file paths (every ``*_path`` key) with each file's size and
    modification time, so a file changed on disk is read again. Only steps whose output
    depends on the files alone belong inside (:data:`LOADING_STEPS`); random ones do not.
    """

    def __init__(self, transforms: Sequence[dict], cache_mb: float = 512.0) -> None:
        if not cache_mb >= 0:
            raise ValueError(f"cache_mb must be >= 0, got {cache_mb}")
        self.transforms = Compose(list(transforms))
        self._cache = ArrayCache(int(cache_mb * 2**20))

    @staticmethod
    def _key(results: dict) -> str:
        files = []
        for name in sorted(k for k in results if k.endswith("_path")):
            path = results[name]
            if isinstance(path, (str, os.PathLike)):
                try:
                    stat = os.stat(path)
                except OSError:  # the loader itself reports a missing file
                    return ""
                files.append((name, os.fspath(path), stat.st_size, stat.st_mtime_ns))
        return repr(files) if files else ""

    def transform(self, results: dict) -> dict | None:
        key = self._key(results)
        added = self._cache.get(key) if key else None
        if added is not None:
            results.update(_copied(added))
            return results
        before = _snapshot(results)
        out = self.transforms(results)
        if out is None or not key:
            return out
        added = {k: v for k, v in out.items() if k not in before or not _same(before[k], v)}
        self._cache.put(key, _copied(added), _nbytes(added))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms!r})"


def cache_loading(pipeline: list[dict], cache_mb: float = 512.0) -> list[dict]:
    """``pipeline`` with its leading :data:`LOADING_STEPS` wrapped in one
    :class:`CachedLoading` (unchanged when it starts with none, or when ``cache_mb`` is 0)."""
    count = 0
    while count < len(pipeline) and pipeline[count]["type"] in LOADING_STEPS:
        count += 1
    if count == 0 or cache_mb == 0:
        return list(pipeline)
    wrapped = dict(type="CachedLoading", transforms=list(pipeline[:count]), cache_mb=cache_mb)
    return [wrapped, *pipeline[count:]]
