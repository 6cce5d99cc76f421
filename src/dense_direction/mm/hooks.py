"""Training hooks for the command line: a time budget and a progress report."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.registry import HOOKS
from tqdm.contrib.logging import logging_redirect_tqdm

from dense_direction.progress import Progress

__all__ = ["ProgressBarHook", "TimeBudgetHook", "fit_one_cycle"]


def fit_one_cycle(schedulers: list[Any], total: int) -> list[Any]:
    """Stretch or shrink every one-cycle scheduler in ``schedulers`` to ``total`` steps,
    keeping the shares of its phases (warm-up, annealing); returns the ones changed.

    mmengine's ``OneCycleParamScheduler`` ends its phase ``i`` at step ``f_i * T - c_i``
    (``T`` its ``total_steps``); scaling ``end + 1`` by ``total / T`` keeps ``f_i`` and puts
    the last phase's end at ``total - 1``, where the value reaches its final minimum; the
    scheduler's ``end`` (past which it leaves the value alone) is moved to reach it."""
    changed = []
    for scheduler in schedulers:
        phases, old = (
            getattr(scheduler, "_schedule_phases", None),
            getattr(scheduler, "total_steps", None),
        )
        if not phases or not old or old == total:
            continue
        for phase in phases:
            phase["end_step"] = (phase["end_step"] + 1) * total / old - 1
        phases[-1]["end_step"] = float(total - 1)
        scheduler.total_steps = total
        # mmengine's runner gives a scheduler without an ``end`` the planned run's length,
        # after which it stops changing the value: stretched past it, the rate froze there.
        scheduler.end = max(scheduler.end, scheduler.begin + total)
        changed.append(scheduler)
    return changed


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Stop training gracefully after ``minutes``: end the loop at the current iteration,
    validate (so the best checkpoint is up to date), then save a resumable checkpoint.

    With ``fit_schedule`` (default) the run is also fitted to what the budget allows, so that
    a one-cycle learning-rate schedule anneals to its end instead of being cut at a high rate:
    at each share of the budget in ``FITS`` the iterations the rest of it affords at the speed
    measured since the previous fit (times that fit's margin, kept for the last validation and
    checkpoint) become the run's last iteration and every one-cycle scheduler's length: never
    more than planned, or as many as the budget affords with ``extend`` (the command line's
    ``--time-budget`` without ``--iters``). The first fit comes early, before a long run's end
    is far off; the speed it sees includes the warm-up (first batches, caches filling) and is
    low (3,070 iterations fitted where 4,180 fit), so a second fit at a quarter, on the steady
    speed since, gives back what the first one under-used while the learning rate is still
    near its peak (stretching the schedule later re-raises an annealed rate), and a third at
    60 % corrects what is left (margin 0.95: at 0.97 the clock once stopped a run 11
    iterations short of its fitted end). With one fit, 15-minute budgets ended after 12.5
    minutes."""

    priority = "VERY_LOW"
    #: (share of the budget spent, share of the time left that the fitted run may take).
    FITS = ((0.05, 0.9), (0.25, 0.97), (0.6, 0.95))

    def __init__(self, minutes: float, fit_schedule: bool = True, extend: bool = False) -> None:
        if not minutes > 0:
            raise ValueError(f"the time budget must be > 0 minutes, got {minutes}")
        self.minutes = minutes
        self.fit_schedule = fit_schedule
        self.extend = extend
        self.start = 0.0
        self.fits_done = 0
        self.mark = (0.0, 0)  # (budget share, iteration) where the speed is measured from
        self.planned = 0
        self.stopped_at: int | None = None  # the iteration the budget ended the run at

    @property
    def fitted(self) -> bool:
        """Whether the run has been fitted to the budget at least once."""
        return self.fits_done > 0

    def before_train(self, runner: Any) -> None:
        self.start = time.monotonic()
        self.mark = (0.0, runner.iter)
        self.planned = runner.train_loop.max_iters
        # A resumed run whose schedule an earlier budget fitted ends where that schedule does
        # (the loop's length is not in the checkpoint, the schedulers' are).
        totals = [getattr(s, "total_steps", None) for s in self._schedulers(runner)]
        shortest = min((t for t in totals if t), default=None)
        planned = self.planned
        if shortest is not None and (shortest < planned or (self.extend and shortest > planned)):
            runner.train_loop._max_iters = shortest
            self.fits_done = len(self.FITS)
        if runner.iter > 0:
            # Resumed: its schedule has a length (annealed or part-way through); the budget
            # may end it sooner, but a longer one would raise an annealing rate again.
            self.extend = False
            self.planned = runner.train_loop.max_iters

    def used(self) -> float:
        """The share of the budget spent since training started (> 1 past it)."""
        return (time.monotonic() - self.start) / (60 * self.minutes) if self.start else 0.0

    @staticmethod
    def _schedulers(runner: Any) -> list[Any]:
        schedulers = getattr(runner, "param_schedulers", None) or []
        if isinstance(schedulers, dict):  # one list per optimizer
            return [s for group in schedulers.values() for s in group]
        return list(schedulers)

    def _due(self) -> bool:
        """Whether the next fit in ``FITS`` is due."""
        return (
            self.fit_schedule
            and self.fits_done < len(self.FITS)
            and self.FITS[self.fits_done][0] <= self.used() < 1
        )

    def _ending_early(self, loop: Any, done: int) -> bool:
        """Whether the run is at the end an early fit gave it while later fits are still to
        come and most of the budget is left: that fit saw the slow warm-up (a 1-minute budget
        on large images was fitted to 21 iterations and ended after 22 s), so the next fit
        is made now instead of stopping."""
        return (
            self.fit_schedule
            and self.fits_done < len(self.FITS)
            and done >= loop.max_iters
            and self.used() < self.FITS[-1][0]
        )

    def _fit(self, runner: Any, done: int) -> None:
        """Fit the run to the iterations the rest of the budget affords (see the class)."""
        margin = self.FITS[self.fits_done][1]
        self.fits_done += 1
        used = self.used()
        since_share, since_iter = self.mark
        self.mark = (used, done)
        rate = (done - since_iter) / (used - since_share)  # iterations per whole budget
        affordable = done + max(0, int((1 - used) * rate * margin))
        if not self.extend:
            affordable = min(self.planned, affordable)
        loop = runner.train_loop
        if affordable == loop.max_iters:
            return
        loop._max_iters = affordable
        changed = fit_one_cycle(self._schedulers(runner), affordable)
        self._keep_saving(runner, affordable)
        runner.logger.info(
            f"time budget of {self.minutes:g} min affords about {affordable} iterations at "
            f"the speed so far: the run ends there"
            + (f" and its one-cycle schedule ({len(changed)}) anneals by then" if changed else "")
        )

    #: At least this many validations and saves in a fitted run, as ``train`` plans a run
    #: (every fifth of it, at most every 500 iterations).
    SAVES = 5

    def _keep_saving(self, runner: Any, total: int) -> None:
        """Validate and save at least :data:`SAVES` times in a run fitted to ``total``
        iterations: the intervals planned for a longer run (500 of the first plan's 4,000)
        validated and saved a run fitted to 300 only at its end, so a kill left nothing to
        resume. Intervals only shrink."""
        every = max(1, total // self.SAVES)
        loop = runner.train_loop
        if getattr(loop, "val_interval", 0) > every:
            loop.val_interval = every
            # mmengine's loop resets val_interval from these before each iteration.
            intervals = getattr(loop, "dynamic_intervals", None)
            if intervals:
                loop.dynamic_intervals = [min(i, every) for i in intervals]
        for hook in getattr(runner, "hooks", []):
            if isinstance(hook, CheckpointHook) and hook.interval > every:
                hook.interval = every

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        loop = runner.train_loop
        done = runner.iter + 1
        if self._due() or self._ending_early(loop, done):
            self._fit(runner, done)
        if loop.stop_training or self.used() < 1:
            return
        runner.logger.info(
            f"time budget of {self.minutes:g} min reached after {done} "
            f"iterations: validating, saving and stopping"
        )
        # The run now ends at this iteration and the loop validates after it, as at any run's
        # end, with runner.iter counting it: the best checkpoint is named after the
        # iterations done (validating from this hook named it one less, iter_0 after one
        # iteration) and the progress reads done of done (not 1/4000). The resumable
        # checkpoint follows the validation, so that it holds the best score.
        loop._max_iters = done
        self.stopped_at = done
        if runner.val_loop is None:
            self._save(runner, done)

    def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
        if self.stopped_at is not None and runner.iter == self.stopped_at:
            self._save(runner, self.stopped_at)

    def _save(self, runner: Any, done: int) -> None:
        """A resumable ``iter_<done>.pth``, which ``last_checkpoint`` names."""
        self.stopped_at = None
        name = f"iter_{done}.pth"
        # meta: after the loop counted the iteration, mmengine would record done + 1.
        runner.save_checkpoint(runner.work_dir, name, meta=dict(iter=done), by_epoch=False)
        if is_main_process():  # so that --resume continues from here
            with open(f"{runner.work_dir}/last_checkpoint", "w") as f:
                f.write(f"{runner.work_dir}/{name}")


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """Training progress with the iteration, time left and loss (main process only), by
    :class:`dense_direction.progress.Progress`: a bar at a terminal, whole lines in a log.
    With a :class:`TimeBudgetHook` the share done is the larger of iterations and budget
    spent, and a run the budget ends shows 100 %."""

    # After TimeBudgetHook (VERY_LOW): a run the budget fits or ends reads its new length.
    priority = "LOWEST"

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
            self.progress.total = runner.max_iters  # a budget may have shortened the run
            fraction = max((runner.iter + 1) / runner.max_iters, self.budget.used())
        loss = (outputs or {}).get("loss")
        loss = getattr(loss, "detach", lambda: loss)()  # a tensor that needs no grad, or a float
        self.progress.advance(1, fraction, "" if loss is None else f"loss={float(loss):.4f}")

    def after_train(self, runner: Any) -> None:
        if self.progress is not None:
            self.progress.close(complete=True)
            self.progress = None
        self.redirect.close()
