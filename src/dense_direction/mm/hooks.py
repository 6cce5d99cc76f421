"""Training hooks for the command line: a time budget and a progress report."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from tqdm.contrib.logging import logging_redirect_tqdm

from dense_direction.progress import Progress

__all__ = ["ProgressBarHook", "TimeBudgetHook"]


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Stop training gracefully after ``minutes``: validate (so the best checkpoint is up to
    date), save a resumable checkpoint, then end the loop."""

    priority = "VERY_LOW"

    def __init__(self, minutes: float) -> None:
        if not minutes > 0:
            raise ValueError(f"the time budget must be > 0 minutes, got {minutes}")
        self.minutes = minutes
        self.start = 0.0

    def before_train(self, runner: Any) -> None:
        self.start = time.monotonic()

    def used(self) -> float:
        """The share of the budget spent since training started (> 1 past it)."""
        return (time.monotonic() - self.start) / (60 * self.minutes) if self.start else 0.0

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        loop = runner.train_loop
        if loop.stop_training or self.used() < 1:
            return
        done = runner.iter + 1
        runner.logger.info(
            f"time budget of {self.minutes:g} min reached after {done} "
            f"iterations: validating, saving and stopping"
        )
        loop.stop_training = True
        if runner.val_loop is not None and done % loop.val_interval != 0:
            runner.val_loop.run()
        name = f"iter_{done}.pth"
        runner.save_checkpoint(runner.work_dir, name, by_epoch=False)
        if is_main_process():  # so that --resume continues from here
            with open(f"{runner.work_dir}/last_checkpoint", "w") as f:
                f.write(f"{runner.work_dir}/{name}")


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Training progress with the iteration, time left and loss (main process only), by
    :class:`dense_direction.progress.Progress`: a bar at a terminal, whole lines in a log.
    With a :class:`TimeBudgetHook` the share done is the larger of iterations and budget
    spent, and a run the budget ends shows 100 %."""

    priority = "LOW"

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.budget: TimeBudgetHook | None = None
        self.redirect = contextlib.ExitStack()

    def before_train(self, runner: Any) -> None:
        if not is_main_process():
            return
        self.budget = next((h for h in runner.hooks if isinstance(h, TimeBudgetHook)), None)
        self.progress = Progress(runner.max_iters, "train", initial=runner.iter)
        if self.progress.interactive:  # log lines above the bar, not glued to it
            self.redirect.enter_context(logging_redirect_tqdm([runner.logger]))

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.progress is None:
            return
        fraction = None
        if self.budget is not None:
            fraction = max((runner.iter + 1) / runner.max_iters, self.budget.used())
        loss = (outputs or {}).get("loss")
        loss = getattr(loss, "detach", lambda: loss)()  # a tensor that needs no grad, or a float
        self.progress.advance(1, fraction, "" if loss is None else f"loss={float(loss):.4f}")

    def after_train(self, runner: Any) -> None:
        if self.progress is not None:
            self.progress.close(complete=True)
            self.progress = None
        self.redirect.close()
