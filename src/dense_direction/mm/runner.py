"""Build and run mmengine's Runner for train / test / both: the one path that ``tools/run.py``
and the ``dense-direction`` command use."""

from __future__ import annotations

import ast
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.logging import MMLogger, print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from mmengine.runner import Runner

import dense_direction.mm  # noqa: F401  (registers the components)
from dense_direction.mm._startup import complete_optimizer_registry
from dense_direction.mm.checkpoints import (
    BUNDLED_PREFIX,
    best_or_latest_checkpoint,
    checkpoint_is_complete,
    latest_complete_checkpoint,
    trust_file,
)
from dense_direction.mm.console import ConsoleHook, log_file, quiet_setup
from dense_direction.mm.run_record import record_checkpoint
from dense_direction.models import bundled_model

__all__ = [
    "DenseDirectionRunner",
    "DirectionClassesCheckHook",
    "build_runner",
    "close_distributed",
    "load_config",
    "match_schedule_length",
    "run",
]

PHASES = ("train", "test", "both")


def load_config(
    config: str | Path,
    options: dict | None = None,
    work_dir: str | Path | None = None,
    launcher: str = "none",
) -> Config:
    """Read a config file, apply ``--cfg-options`` style overrides, set work_dir/launcher."""
    path = Path(config)
    if not path.is_file():
        raise FileNotFoundError(f"config not found: {path}")
    cfg = Config.fromfile(str(path))
    if options:
        cfg.merge_from_dict(options)
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    elif not cfg.get("work_dir") or not (_sets_work_dir(path) or "work_dir" in (options or {})):
        # A config's own runs go to work_dirs/<its name>, as in mmseg, also where it inherits
        # a base's work_dir: one that derives from a shipped config would test and resume
        # the checkpoints of the shipped config's runs.
        cfg.work_dir = str(Path("work_dirs") / path.stem)
    options = options or {}
    length_changed = "train_cfg.max_iters" in options or "train_cfg" in options
    match_schedule_length(cfg, length_changed and not _names_scheduler(options))
    cfg.launcher = launcher
    hooks = list(cfg.get("custom_hooks", []))
    if not any(h.get("type") == "DirectionClassesCheckHook" for h in hooks):
        cfg.custom_hooks = [*hooks, dict(type="DirectionClassesCheckHook")]
    return cfg


def _sets_work_dir(path: Path) -> bool:
    """Whether the config file itself assigns ``work_dir`` (not only a base it inherits)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", 0)]
        if any(isinstance(t, ast.Name) and t.id == "work_dir" for t in targets):
            return True
    return False


def _names_scheduler(options: dict) -> bool:
    return any(str(key).split(".")[0] == "param_scheduler" for key in options)


def match_schedule_length(cfg: Config, length_changed: bool = True) -> None:
    """Fit one-cycle learning-rate schedules (``total_steps``) to the run's length,
    ``train_cfg.max_iters``. The config fixes ``total_steps`` when it is read, so a length
    changed later (``--cfg-options train_cfg.max_iters=2000``, ``train --iters``) does not
    reach it by itself: a schedule shorter than the run stopped it with mmengine's "Tried to
    step N times", a longer one never annealed. A shorter schedule is always fitted; a longer
    one where ``length_changed`` (the length given apart from the schedule), else it is
    kept, as a config that sets both may mean, with a warning that it will not anneal."""
    iters = (cfg.get("train_cfg") or {}).get("max_iters")
    schedulers = cfg.get("param_scheduler") or []
    for scheduler in [schedulers] if isinstance(schedulers, dict) else schedulers:
        steps = scheduler.get("total_steps") if isinstance(scheduler, dict) else None
        if not iters or steps is None or steps == iters:
            continue
        name = scheduler.get("type", "scheduler")
        if steps < iters or length_changed:
            print_log(f"{name}: total_steps {steps} -> {iters} (train_cfg.max_iters)", "current")
            scheduler["total_steps"] = iters
        else:
            print_log(
                f"{name}: total_steps {steps} but train_cfg.max_iters {iters}: the run ends "
                f"before the learning rate anneals",
                "current",
                level=logging.WARNING,
            )


def _prepare_cpu_distributed(cfg: Config) -> None:
    """mmengine's pytorch launcher calls ``torch.cuda.set_device`` and wraps the model with
    ``device_ids=[LOCAL_RANK]``; a CPU-only torch supports neither. On such machines start the
    process group here (gloo, which mmengine then uses) and wrap with ``device_ids=None``."""
    if cfg.launcher != "pytorch" or torch.cuda.is_available():
        return
    backend = cfg.get("env_cfg", {}).get("dist_cfg", {}).get("backend", "gloo")
    if backend != "gloo":
        print_log(f"no CUDA: distributed backend {backend!r} replaced by 'gloo'", logger="current")
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend="gloo")
    if cfg.get("model_wrapper_cfg") is None:
        cfg.model_wrapper_cfg = dict(
            type="MMDistributedDataParallel",
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get("find_unused_parameters", False),
        )


class DenseDirectionRunner(Runner):
    """mmengine's Runner, which lists every checkpoint it saves in the run record
    (:mod:`dense_direction.mm.run_record`: what makes the file trusted later) and keeps its
    set-up preamble in the log file, off the console (:mod:`dense_direction.mm.console`)."""

    def build_logger(self, *args: Any, **kwargs: Any) -> MMLogger:
        logger = super().build_logger(*args, **kwargs)
        levels = quiet_setup(logger)
        if levels:
            print(f"log: {log_file(logger)} (set-up details, config and environment)")
            self._console_hook = ConsoleHook(levels)
        return logger

    def build_optim_wrapper(self, *args: Any, **kwargs: Any) -> Any:
        complete_optimizer_registry()  # transformers' Adafactor (dense_direction.mm._startup)
        return super().build_optim_wrapper(*args, **kwargs)

    def register_hooks(self, *args: Any, **kwargs: Any) -> None:
        super().register_hooks(*args, **kwargs)
        if getattr(self, "_console_hook", None) is not None:
            self.register_hook(self._console_hook)

    def load_or_resume(self) -> None:
        self._open_console()  # which checkpoint a run resumes or starts from is for the user
        super().load_or_resume()

    def load_checkpoint(self, filename: str, *args: Any, **kwargs: Any) -> Any:
        """mmengine's, except that a bundled model (``bundled://NAME``: ``train --init``) must
        fit the model exactly instead of loading in part."""
        self._open_console()
        if not str(filename).startswith(BUNDLED_PREFIX):
            return super().load_checkpoint(filename, *args, **kwargs)
        try:
            return super().load_checkpoint(filename, *args, **{**kwargs, "strict": True})
        except RuntimeError as err:
            if "do not match" not in str(err):
                raise
            name = filename.removeprefix(BUNDLED_PREFIX)
            raise ValueError(
                f"the bundled model {name!r} is another network than this config's: train with "
                f"the preset or config it was built from ({bundled_model(name).config}). "
                f"{str(err).strip()}"
            ) from err

    def _open_console(self) -> None:
        if getattr(self, "_console_hook", None) is not None:
            self._console_hook.open()

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, *args: Any, **kwargs: Any) -> None:
        super().save_checkpoint(out_dir, filename, *args, **kwargs)
        path = Path(out_dir) / filename
        if path.is_file():  # a local file (not a remote backend's URI)
            record_checkpoint(path)


def build_runner(
    cfg: Config, resume: str | bool | None = None, trusted_checkpoints: Sequence[str] = ()
) -> Runner:
    """A :class:`DenseDirectionRunner` for ``cfg``. ``resume``: True/"auto" continues from the
    latest checkpoint in work_dir, a path from that file. ``trusted_checkpoints`` may be fully
    unpickled (``--trust-checkpoint``); the run's own checkpoints are trusted by its record."""
    _prepare_cpu_distributed(cfg)
    for path in trusted_checkpoints:
        trust_file(path)
    if resume:
        cfg.resume = True
        cfg.load_from = _resume_from(cfg.work_dir, resume)
    return DenseDirectionRunner.from_cfg(cfg)


def _resume_from(work_dir: str, resume: str | bool) -> str:
    """The checkpoint to resume: ``resume`` itself if a path, else the latest complete one in
    ``work_dir``; a truncated newer file is skipped, and the message says which was used."""
    if isinstance(resume, str) and resume != "auto":
        if Path(resume).is_file() and not checkpoint_is_complete(resume):
            raise ValueError(f"cannot resume from {resume}: the file is truncated or corrupt")
        return resume
    latest, skipped = latest_complete_checkpoint(work_dir)
    if latest is None:
        what = f"only incomplete checkpoints ({', '.join(skipped)})" if skipped else "no checkpoint"
        # Without --resume a work dir that holds checkpoint files is refused: say both steps.
        start = "replace --resume with --overwrite" if skipped else "drop --resume"
        raise FileNotFoundError(
            f"nothing to resume: {what} in {work_dir}; {start} to start a new run there"
        )
    if skipped:
        print_log(
            f"resume: {', '.join(skipped)} truncated or corrupt (an interrupted save?); "
            f"resuming from {latest}, the latest complete checkpoint",
            logger="current",
            level=logging.WARNING,
        )
    return latest


def run(runner: Runner, phase: str = "both", checkpoint: str | None = None) -> dict[str, Any]:
    """Train and/or test. Testing uses ``checkpoint``; else after training this run's best
    checkpoint, else its last one, else the weights it ends with (never a file an earlier run
    left in work_dir); else (test alone) the best or latest checkpoint in work_dir, else the
    config's ``load_from``."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
    results: dict[str, Any] = {}
    if phase in ("train", "both"):
        runner.train()
    if phase in ("test", "both"):
        weights = checkpoint or (
            _own_checkpoint(runner)
            if phase == "both"
            else best_or_latest_checkpoint(runner.work_dir) or runner.cfg.get("load_from")
        )
        if weights is None and phase == "test":
            raise FileNotFoundError(
                f"no checkpoint to test: pass --checkpoint, set load_from, or train into "
                f"{runner.work_dir} first"
            )
        if weights is not None:
            runner.load_checkpoint(weights)
            # Else Runner.test() loads the config's load_from over them (a fine-tune's
            # starting weights, tested as its result).
            runner._has_loaded = True
        results = runner.test()
    return results


def _own_checkpoint(runner: Runner) -> str | None:
    """The best checkpoint the run just ended saved, else its last one, else None (its
    CheckpointHook records both in the message hub)."""
    for key in ("best_ckpt", "last_ckpt"):
        path = runner.message_hub.get_info(key)
        if path and Path(path).is_file():
            return str(path)
    return None


def close_distributed() -> None:
    """Tear the process group down before exit: gloo aborts the process when its threads are
    still alive at interpreter shutdown."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def _unwrap(model: Any) -> Any:
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class DirectionClassesCheckHook(Hook):
    """Before training or testing: every ``dir_classes`` id must be a label of the dataset."""

    def before_train(self, runner: Runner) -> None:
        self._check(runner, runner.train_dataloader.dataset)

    def before_test(self, runner: Runner) -> None:
        self._check(runner, runner.test_dataloader.dataset)

    @staticmethod
    def _check(runner: Runner, dataset: Any) -> None:
        head = getattr(_unwrap(runner.model), "decode_head", None)
        dir_classes = getattr(head, "dir_classes", None)
        classes = dataset.metainfo.get("classes") if hasattr(dataset, "metainfo") else None
        if dir_classes is None or not classes:
            return
        unknown = [c for c in dir_classes if not 0 <= c < len(classes)]
        if unknown:
            labels = ", ".join(f"{i}: {name}" for i, name in enumerate(classes))
            # A joint head (DualDecodeHead) takes them in the config of its direction head.
            key = "dir_head_config.dir_classes" if hasattr(head, "dir_head") else "dir_classes"
            raise ValueError(
                f"dir_classes {unknown} are not label ids of {type(dataset).__name__} "
                f"({labels}); set model.decode_head.{key} to ids from that list"
            )
