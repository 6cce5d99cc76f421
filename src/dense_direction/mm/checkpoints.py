"""Which checkpoint files may be fully unpickled.

The rule: every checkpoint is first loaded with ``torch.load(weights_only=True)``, allowing
only tensors and the plain types mmengine's training state needs (its safe-globals list, plus
the OneCycle schedule, whose state names its annealing function: :func:`safe_globals`), so
the ``iter_N.pth`` / ``best_*.pth`` this project's training writes load anywhere.
A file that needs more is unpickled only if it is *trusted*: this project's training wrote it
(it is listed, with its current SHA-256, in the run record ``checkpoints.json`` next to it:
:mod:`dense_direction.mm.run_record`), or it was named with ``--trust-checkpoint``
(:func:`trust_file`). Where a file lies does not matter: anything else, such as downloaded
weights passed to ``load_from`` or a ``.pth`` dropped into a work dir, is refused with an error
that says how to opt in.

``bundled://NAME`` names a model shipped with the package (:mod:`dense_direction.models`):
``load_from = "bundled://general"`` in a config (``train --init general``) starts from its
verified weights (weights-only, with a fresh optimizer and schedule).

This replaces mmengine's default for local files, which falls back to full unpickling for any
file that fails weights-only loading.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from pickle import UnpicklingError
from typing import Any

import torch
from mmengine.config import Config
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
from mmengine.runner import find_latest_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, get_torch_safe_globals

from dense_direction.io import listing
from dense_direction.mm.run_record import RECORD_NAME, recorded
from dense_direction.models import bundled_model
from dense_direction.notices import DenseDirectionWarning

__all__ = [
    "BUNDLED_PREFIX",
    "UntrustedCheckpointError",
    "best_checkpoint",
    "best_or_latest_checkpoint",
    "check_checkpoint_format",
    "checkpoint_is_complete",
    "checkpoint_iteration",
    "find_checkpoint",
    "latest_complete_checkpoint",
    "load_from_bundled",
    "load_local_checkpoint",
    "prepare_work_dir",
    "run_checkpoint_files",
    "safe_globals",
    "trust_file",
    "trusted",
]

_TRUSTED_FILES: set[Path] = set()
#: ``load_from`` prefix of a bundled model's weights.
BUNDLED_PREFIX = "bundled://"


def trust_file(path: str | Path) -> None:
    """Allow full unpickling of the checkpoint ``path``."""
    _TRUSTED_FILES.add(Path(path).resolve())


def trusted(path: str | Path) -> bool:
    """Named with :func:`trust_file`, or listed unchanged in its run record."""
    return Path(path).resolve() in _TRUSTED_FILES or recorded(path)


def checkpoint_iteration(path: str | Path) -> int:
    """The iteration (or epoch) number a checkpoint file names: 20 for ``iter_20.pth`` and
    ``best_dir_eval_mean_error_iter_20.pth``; -1 when the name holds none."""
    match = re.search(r"(?:iter|epoch)_(\d+)\.pth$", Path(path).name)
    return int(match.group(1)) if match else -1


def _by_iteration(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: (checkpoint_iteration(p), p.name))


def best_checkpoint(work_dir: str | Path) -> str | None:
    """The ``best_*.pth`` of the highest iteration in ``work_dir`` (by number: iter_8 comes
    before iter_20), else None."""
    best = _by_iteration(Path(work_dir).glob("best_*.pth"))
    return str(best[-1]) if best else None


def best_or_latest_checkpoint(work_dir: str | Path) -> str | None:
    """The one rule for picking a run's checkpoint: :func:`best_checkpoint`, else the latest
    checkpoint mmengine recorded (``last_checkpoint``), else the highest ``iter_N.pth``
    (by number), else None."""
    best = best_checkpoint(work_dir)
    if best is not None:
        return best
    latest = _recorded_latest(work_dir)
    if latest is not None:
        return latest
    iters = _by_iteration(Path(work_dir).glob("iter_*.pth"))
    return str(iters[-1]) if iters else None


def find_checkpoint(path: str | Path) -> Path:
    """``path`` itself if a file; in a work dir the best checkpoint, else the latest."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"checkpoint or work dir not found: {path}")
    found = best_or_latest_checkpoint(path)
    if found is None:
        raise FileNotFoundError(f"no checkpoint (best_*.pth, last_checkpoint) in {path}")
    return Path(found)


def checkpoint_is_complete(path: str | Path) -> bool:
    """Whether ``path`` is a whole checkpoint: a zip archive (``torch.save``'s format) whose
    members all pass their CRC check. A file cut short by a kill or a full disk is not."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def _recorded_latest(work_dir: str | Path) -> str | None:
    """The checkpoint mmengine recorded in ``work_dir/last_checkpoint``, else None (asked only
    where the record exists: mmengine logs "Did not find last_checkpoint to be resumed."
    otherwise, a line that means nothing to someone who is predicting)."""
    if not (Path(work_dir) / "last_checkpoint").is_file():
        return None
    return find_latest_checkpoint(str(work_dir))


def latest_complete_checkpoint(work_dir: str | Path) -> tuple[str | None, list[str]]:
    """The checkpoint to resume ``work_dir`` from, and the newer files skipped on the way.

    The candidates are the one mmengine recorded (``last_checkpoint``), then ``iter_N.pth`` /
    ``epoch_N.pth`` from the highest number down; the first complete one
    (:func:`checkpoint_is_complete`) wins. (None, skipped) when none is complete."""
    work_dir = Path(work_dir)
    numbered = [*work_dir.glob("iter_*.pth"), *work_dir.glob("epoch_*.pth")]
    recorded = _recorded_latest(work_dir)
    candidates = [Path(recorded)] if recorded else []
    seen = {p.resolve() for p in candidates}
    candidates += [p for p in reversed(_by_iteration(numbered)) if p.resolve() not in seen]
    skipped: list[str] = []
    for path in candidates:
        if checkpoint_is_complete(path):
            return str(path), skipped
        skipped.append(str(path))
    return None, skipped


def schedule_length(path: str | Path) -> int | None:
    """The run length a training checkpoint's one-cycle learning-rate schedule anneals by
    (the shortest, with several), or None when it holds no such schedule. A run fitted to a
    time budget has its fitted length here (the loop's own length is not saved)."""
    state = load_local_checkpoint(str(path), map_location="cpu")
    schedulers = state.get("param_schedulers") if isinstance(state, dict) else None
    if isinstance(schedulers, dict):  # one list per optimizer
        schedulers = [s for group in schedulers.values() for s in group]
    totals = [s.get("total_steps") for s in schedulers or [] if isinstance(s, dict)]
    totals = [int(t) for t in totals if t]
    return min(totals) if totals else None


def resumed_length(work_dir: str | Path) -> int | None:
    """The length of the run a resume of ``work_dir`` continues: its latest complete
    checkpoint's one-cycle schedule length (:func:`schedule_length`; a time budget's fitted
    length included), else the ``max_iters`` of the ``config.py`` the run saved; None when
    neither is found (no checkpoint: the runner says so)."""
    latest, _ = latest_complete_checkpoint(work_dir)
    length = schedule_length(latest) if latest else None
    saved = Path(work_dir) / "config.py"
    if length is None and latest and saved.is_file():
        length = Config.fromfile(str(saved)).train_cfg.get("max_iters")
    return length


def run_checkpoint_files(work_dir: str | Path) -> list[Path]:
    """What a training run leaves in ``work_dir`` for picking, resuming and trusting: ``*.pth``
    (including ``best_*``), ``last_checkpoint`` and the run record."""
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        return []
    found = [*work_dir.glob("*.pth"), work_dir / "last_checkpoint", work_dir / RECORD_NAME]
    return sorted(p for p in found if p.is_file())


def prepare_work_dir(work_dir: Path, resume: bool, overwrite: bool) -> None:
    """A new run must not mix with an earlier one: checkpoints already in ``work_dir`` are an
    error unless resuming them (``--resume``) or deleting them (``--overwrite``)."""
    if resume and overwrite:
        raise ValueError("--resume and --overwrite contradict each other; give one")
    old = run_checkpoint_files(work_dir)
    if not old or resume:
        return
    if not overwrite:
        raise FileExistsError(
            f"{work_dir} already holds checkpoints of an earlier run "
            f"({listing([p.name for p in old], 4)}): pass --resume to continue it, "
            f"--overwrite to delete them and start afresh, or choose another --work-dir"
        )
    for path in old:
        path.unlink()
    print(f"--overwrite: deleted {len(old)} checkpoint files of the earlier run in {work_dir}")


def safe_globals() -> list:
    """What weights-only loading accepts beyond tensors and plain containers: mmengine's list
    and ``OneCycleParamScheduler``, which a OneCycle schedule's state names for its annealing
    function (``getattr(OneCycleParamScheduler, '_annealing_cos')``: the weights-only
    unpickler can look the function up but never call it)."""
    return [*get_torch_safe_globals(), OneCycleParamScheduler]


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint needs full unpickling and is not trusted (see the module docstring)."""


# torch.save's zip format since torch 1.6; before it, a pickle (protocol 2 and up: 0x80).
_ZIP_MAGIC, _PICKLE_MAGIC = b"PK\x03\x04", b"\x80"


def check_checkpoint_format(path: Path) -> None:
    """A ``ValueError`` naming ``path`` unless it starts as ``torch.save`` writes a file: an
    empty file, or an image or text file given as ``--checkpoint``, would otherwise fail
    inside the unpickler with a bare ``EOFError`` or a pickle opcode number."""
    with path.open("rb") as file:
        head = file.read(4)
    if not head:
        raise ValueError(f"checkpoint {path} is empty (0 bytes): a copy or download cut short?")
    if not (head.startswith(_ZIP_MAGIC) or head.startswith(_PICKLE_MAGIC)):
        raise ValueError(
            f"{path} is not a PyTorch checkpoint (it starts with {head!r}, not as torch.save "
            f"writes a file): give a .pth that training wrote, or its work dir"
        )


def load_local_checkpoint(filename: str, map_location: Any = None) -> Any:
    """Load a local checkpoint under the rule in the module docstring. An empty file, a file
    that is not a checkpoint, and a truncated or corrupt one are each a ``ValueError`` naming
    it."""
    path = Path(filename).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    check_checkpoint_format(path)
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except UnpicklingError as err:
        if not trusted(path):
            raise UntrustedCheckpointError(
                f"{path} holds objects beyond tensors and training-state types, and it is not "
                f"listed unchanged in the run record ({RECORD_NAME}) that this project's "
                f"training writes next to its checkpoints, so it is not unpickled (unpickling "
                f"runs code from the file). If you trust it, pass --trust-checkpoint (predict, "
                f"evaluate; tools/run.py: --trust-checkpoint {path}), or call "
                f"dense_direction.mm.checkpoints.trust_file()"
            ) from err
        warnings.warn(
            f"{path}: full unpickling of a trusted checkpoint ({err})",
            DenseDirectionWarning,
            stacklevel=2,
        )
        return torch.load(path, map_location=map_location, weights_only=False)
    except RuntimeError as err:
        if checkpoint_is_complete(path):
            raise
        raise ValueError(f"checkpoint {path} is truncated or corrupt ({err})") from err


# Replace mmengine's loader for local paths (the '' prefix) with the rule above.
CheckpointLoader.register_scheme(prefixes="", force=True)(load_local_checkpoint)


@CheckpointLoader.register_scheme(prefixes=BUNDLED_PREFIX)
def load_from_bundled(filename: str, map_location: Any = None) -> dict[str, Any]:
    """``bundled://NAME``: the bundled model's verified weights, as a checkpoint holding only a
    ``state_dict``."""
    bundle = bundled_model(filename.removeprefix(BUNDLED_PREFIX))
    return {"state_dict": bundle.load_state_dict(map_location or "cpu")}
