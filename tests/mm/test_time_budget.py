"""A time budget shortens the run so that the one-cycle schedule anneals to its end."""

import logging
import time
from types import SimpleNamespace

import pytest
import torch
from mmengine.optim.scheduler import OneCycleLR

from dense_direction.mm.hooks import TimeBudgetHook, fit_one_cycle

PEAK = 0.01  # OneCycleLR's eta_max; it starts at PEAK / 25 and ends at PEAK / 25 / 1e4


def _scheduler(total: int) -> tuple[torch.optim.Optimizer, OneCycleLR]:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    return optimizer, OneCycleLR(optimizer, eta_max=PEAK, total_steps=total, by_epoch=False)


def _lrs(optimizer, scheduler, steps: int) -> list[float]:
    """The learning rate used at each of ``steps`` iterations (the scheduler steps after
    each, as mmengine's ParamSchedulerHook does)."""
    seen = []
    for _ in range(steps):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return seen


def test_a_fitted_schedule_is_the_schedule_of_the_new_length():
    # Shrinking 1000 steps to 400 at step 0 must give exactly a 400-step one-cycle schedule:
    # warm-up to the peak at 30 % (step 119), cosine down to PEAK / 25 / 1e4 at step 399.
    optimizer, fitted = _scheduler(1000)
    assert fit_one_cycle([fitted, object()], 400) == [fitted]
    reference_optimizer, reference = _scheduler(400)
    got = _lrs(optimizer, fitted, 400)
    expected = _lrs(reference_optimizer, reference, 400)
    assert got == pytest.approx(expected, rel=1e-9)
    assert max(got) == pytest.approx(PEAK) and got.index(max(got)) == 119
    assert got[-1] == pytest.approx(PEAK / 25 / 1e4)


def test_fitting_mid_warm_up_still_ends_annealed():
    optimizer, scheduler = _scheduler(1000)
    before = _lrs(optimizer, scheduler, 50)
    fit_one_cycle([scheduler], 300)
    after = _lrs(optimizer, scheduler, 250)
    assert before[-1] < max(after) == pytest.approx(PEAK, rel=1e-3)
    assert after[-1] == pytest.approx(PEAK / 25 / 1e4)


def test_a_schedule_stretched_past_the_runs_planned_end_still_anneals():
    # mmengine's runner builds the scheduler with end = the planned max_iters (100 here),
    # after which it stops changing the rate: stretched to 400 steps, the rate stayed at its
    # value of step 100 (near the peak) for the other 300.
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    scheduler = OneCycleLR(optimizer, eta_max=PEAK, total_steps=100, by_epoch=False, end=100)
    fit_one_cycle([scheduler], 400)
    reference_optimizer, reference = _scheduler(400)
    got = _lrs(optimizer, scheduler, 400)
    assert got == pytest.approx(_lrs(reference_optimizer, reference, 400), rel=1e-9)
    assert got[-1] == pytest.approx(PEAK / 25 / 1e4)


class _Loop(SimpleNamespace):
    """What the hook uses of mmengine's IterBasedTrainLoop: ``max_iters`` reads ``_max_iters``."""

    @property
    def max_iters(self) -> int:
        return self._max_iters


def _runner(max_iters: int, scheduler):
    loop = _Loop(_max_iters=max_iters, stop_training=False, val_interval=10**9)
    runner = SimpleNamespace(
        train_loop=loop,
        iter=0,
        param_schedulers=[scheduler],
        logger=logging.getLogger("dense_direction.test_time_budget"),
    )
    return runner


def _after(hook: TimeBudgetHook, runner, done: int, seconds: float) -> None:
    """The hook's view after ``done`` iterations that took ``seconds``."""
    hook.before_train(runner)
    hook.start = time.monotonic() - seconds
    runner.iter = done - 1
    hook.after_train_iter(runner, done - 1)


def test_the_hook_shortens_the_run_to_what_the_budget_affords():
    # 10 iterations in 6 s of a 60 s budget (10 % spent): the other 54 s afford 90 more at
    # that speed, 81 with the 0.9 margin, so the run ends after iteration 10 + 81 = 91.
    _, scheduler = _scheduler(1000)
    runner = _runner(1000, scheduler)
    _after(TimeBudgetHook(minutes=1.0), runner, done=10, seconds=6.0)
    assert runner.train_loop._max_iters == pytest.approx(91, abs=1)  # clock jitter: +-1
    assert scheduler.total_steps == runner.train_loop._max_iters
    assert not runner.train_loop.stop_training


def test_a_budget_that_affords_the_whole_run_changes_nothing():
    _, scheduler = _scheduler(100)
    runner = _runner(100, scheduler)
    # 30 iterations in 10 % of the budget: 30 + 0.9 * 270 = 273 afforded, more than planned.
    _after(TimeBudgetHook(minutes=1.0), runner, done=30, seconds=6.0)
    assert runner.train_loop._max_iters == 100 and scheduler.total_steps == 100


def test_no_fit_without_fit_schedule_and_a_resumed_run_keeps_its_fitted_length():
    _, scheduler = _scheduler(1000)
    runner = _runner(1000, scheduler)
    _after(TimeBudgetHook(minutes=1.0, fit_schedule=False), runner, done=10, seconds=6.0)
    assert runner.train_loop._max_iters == 1000
    # A run resumed from a checkpoint whose schedule a budget fitted to 400 steps.
    fit_one_cycle([scheduler], 400)
    resumed = _runner(1000, scheduler)
    TimeBudgetHook(minutes=5.0).before_train(resumed)
    assert resumed.train_loop._max_iters == 400


def _later(hook: TimeBudgetHook, runner, done: int, seconds: float) -> None:
    """The hook's view, without a new start, after ``done`` iterations in ``seconds``."""
    hook.start = time.monotonic() - seconds
    runner.iter = done - 1
    hook.after_train_iter(runner, done - 1)


def _three_fits(hook: TimeBudgetHook, runner) -> list[int]:
    """The run's end after each of the three fits of a 60 s budget, 1000 iterations planned
    or fewer: 10 iterations in the first 6 s (the slow warm-up), then 200 per budget."""
    ends = []
    _after(hook, runner, done=10, seconds=6.0)
    ends.append(runner.train_loop._max_iters)
    _later(hook, runner, done=30, seconds=12.0)  # 20 %: no fit due
    assert runner.train_loop._max_iters == ends[-1]
    _later(hook, runner, done=40, seconds=15.0)
    ends.append(runner.train_loop._max_iters)
    _later(hook, runner, done=110, seconds=36.0)
    ends.append(runner.train_loop._max_iters)
    _later(hook, runner, done=150, seconds=48.0)  # no fourth fit
    assert runner.train_loop._max_iters == ends[-1]
    return ends


def test_later_fits_give_back_what_a_slow_warm_up_took():
    # First fit (10 %) as above: 10 + 81 = 91. Second (25 %, 15 s): 30 iterations in the 15 %
    # since, i.e. 200 per budget; the 45 s left afford 0.75 * 200 * 0.97 = 145.5 -> 40 + 145
    # = 185. Third (60 %, 36 s): 70 in the 35 % since, 200 per budget again; 0.4 * 200 * 0.95
    # = 76 -> 110 + 76 = 186. The one-cycle schedule follows each.
    _, scheduler = _scheduler(1000)
    runner = _runner(1000, scheduler)
    ends = _three_fits(TimeBudgetHook(minutes=1.0), runner)
    assert ends == pytest.approx([91, 185, 186], abs=1)  # clock jitter: +-1
    assert scheduler.total_steps == runner.train_loop._max_iters


def test_a_later_fit_never_plans_beyond_the_run_asked_for():
    # Same speeds, but only 100 iterations asked for: 91, then 100 (not 185), then 100.
    _, scheduler = _scheduler(100)
    runner = _runner(100, scheduler)
    ends = _three_fits(TimeBudgetHook(minutes=1.0), runner)
    assert ends == pytest.approx([91, 100, 100], abs=1) and ends[1:] == [100, 100]
    assert scheduler.total_steps == 100


def test_with_extend_the_budget_decides_the_length_both_ways():
    # 100 planned, but --time-budget without --iters: the fits follow the budget alone,
    # fewer than planned at first (91), then more (185, 186), as in the 1000-iteration case.
    _, scheduler = _scheduler(100)
    runner = _runner(100, scheduler)
    ends = _three_fits(TimeBudgetHook(minutes=1.0, extend=True), runner)
    assert ends == pytest.approx([91, 185, 186], abs=1)
    assert scheduler.total_steps == runner.train_loop._max_iters
    # Resumed with the command's 100 planned: it ends where the stretched schedule does;
    # without extend it keeps the loop's 100.
    resumed = _runner(100, scheduler)
    TimeBudgetHook(minutes=5.0, extend=True).before_train(resumed)
    assert resumed.train_loop._max_iters == scheduler.total_steps
    kept = _runner(100, scheduler)
    TimeBudgetHook(minutes=5.0).before_train(kept)
    assert kept.train_loop._max_iters == 100


def test_a_resumed_run_is_never_lengthened_by_its_budget():
    # train --resume --time-budget without --iters: a 200-iteration run killed at 40 was
    # refitted to 399 and its annealing rate raised again; the documented rule is that a
    # resumed run may be shortened, not lengthened. 40 done, then 20 iterations in the first
    # 6 s of a 60 s budget: 60 + 0.9 * 200 * 0.9 = 222 afforded, the run keeps its 200; one
    # iteration in 6 s affords 41 + int(0.9 * 10 * 0.9) = 49: a slow budget still shortens.
    for per_six_seconds, end in ((20, 200), (1, 49)):
        _, scheduler = _scheduler(200)
        runner = _runner(200, scheduler)
        runner.iter = 40
        hook = TimeBudgetHook(minutes=1.0, extend=True)
        hook.before_train(runner)
        _later(hook, runner, done=40 + per_six_seconds, seconds=6.0)
        assert runner.train_loop._max_iters == pytest.approx(end, abs=1)
        assert scheduler.total_steps == runner.train_loop._max_iters


def test_a_run_at_an_early_fits_end_is_fitted_again_instead_of_ending():
    # The first fit (10 iterations in 6 s of 60: the slow warm-up) ends the run at 91. At
    # 9 s, 15 % of the budget and before the 25 % fit, it reaches 91 at the steady speed:
    # 81 iterations in 0.05 of the budget, 1620 per budget; the rest affords
    # 91 + int(0.85 * 1620 * 0.97) = 1426 (the second fit's margin), where it stopped at 91.
    _, scheduler = _scheduler(1000)
    runner = _runner(1000, scheduler)
    hook = TimeBudgetHook(minutes=1.0, extend=True)
    _after(hook, runner, done=10, seconds=6.0)
    assert runner.train_loop._max_iters == pytest.approx(91, abs=1)
    _later(hook, runner, done=runner.train_loop._max_iters, seconds=9.0)
    assert runner.train_loop._max_iters == pytest.approx(1426, rel=0.03)  # clock jitter
    assert scheduler.total_steps == runner.train_loop._max_iters and hook.fits_done == 2


def test_a_run_fitted_short_still_validates_and_saves_five_times():
    # The first plan's intervals (500 of 4,000) validated and saved a run fitted to 91
    # only at its end: a kill left nothing to resume. Fitted to 91: every 91 // 5 = 18.
    from mmengine.hooks import CheckpointHook

    _, scheduler = _scheduler(4000)
    runner = _runner(4000, scheduler)
    runner.train_loop.val_interval, runner.train_loop.dynamic_intervals = 500, [500]
    saver = CheckpointHook(interval=500, by_epoch=False)
    runner.hooks = [saver]
    _after(TimeBudgetHook(minutes=1.0), runner, done=10, seconds=6.0)
    assert runner.train_loop._max_iters == pytest.approx(91, abs=1)
    assert runner.train_loop.val_interval == runner.train_loop._max_iters // 5 == saver.interval
    assert runner.train_loop.dynamic_intervals == [saver.interval]
