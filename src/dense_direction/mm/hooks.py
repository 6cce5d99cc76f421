"""Training hooks for the command line: a time budget and a progress bar."""

from __future__ import annotations

import time
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from tqdm import tqdm

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

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        loop = runner.train_loop
        if loop.stop_training or time.monotonic() - self.start < 60 * self.minutes:
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
    """A progress bar with the iteration, ETA and loss (main process only)."""

    priority = "LOW"

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def before_train(self, runner: Any) -> None:
        if is_main_process():
            self.bar = tqdm(
                total=runner.max_iters,
                initial=runner.iter,
                desc="train",
                unit="it",
                dynamic_ncols=True,
            )

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if outputs and "loss" in outputs:
                self.bar.set_postfix(loss=f"{float(outputs['loss']):.4f}", refresh=False)

    def after_train(self, runner: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
