"""The run record: which checkpoint files this project's training wrote.

Every checkpoint a run saves (``iter_N.pth``, ``best_*.pth``, the time budget's last save) is
listed in ``checkpoints.json`` next to it, with its size and SHA-256. A file listed there with
the same digest is this project's own and may be fully unpickled
(:mod:`dense_direction.mm.checkpoints`); any other file, including one dropped into a work dir
or changed after training wrote it, is not.

Plain JSON and hashing, no OpenMMLab: :class:`dense_direction.mm.runner.DenseDirectionRunner`
calls :func:`record_checkpoint` after each save.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dense_direction.io import sha256

__all__ = ["RECORD_NAME", "record_checkpoint", "recorded", "sha256"]

#: The record's file name, in the folder of the checkpoints it lists.
RECORD_NAME = "checkpoints.json"
_FORMAT = 1


def _read(folder: Path) -> dict[str, dict]:
    """The entries of ``folder``'s record by file name; {} when there is none or it is not a
    record (an unreadable record trusts nothing)."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("format") != _FORMAT:
        return {}
    entries = record.get("checkpoints")
    return entries if isinstance(entries, dict) else {}


def record_checkpoint(path: str | Path) -> None:
    """List the checkpoint ``path`` (just written by training) in its folder's record; entries
    of files that no longer exist (removed by ``max_keep_ckpts``) are dropped. The record is
    replaced atomically."""
    path = Path(path)
    folder = path.parent
    entries = {name: e for name, e in _read(folder).items() if (folder / name).is_file()}
    entries[path.name] = dict(size=path.stat().st_size, sha256=sha256(path))
    temporary = folder / f".{RECORD_NAME}.tmp"
    temporary.write_text(json.dumps(dict(format=_FORMAT, checkpoints=entries), indent=1))
    os.replace(temporary, folder / RECORD_NAME)


def recorded(path: str | Path) -> bool:
    """Whether ``path`` is listed in its folder's record with its current size and digest."""
    path = Path(path).resolve()
    entry = _read(path.parent).get(path.name)
    if not isinstance(entry, dict) or not path.is_file():
        return False
    return entry.get("size") == path.stat().st_size and entry.get("sha256") == sha256(path)
