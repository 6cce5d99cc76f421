"""What training prints: the set-up preamble only in the log file, progress as whole lines in a
log, and a time budget's end shown as 100 %."""

import io
import logging
import subprocess
import sys
import time
from types import SimpleNamespace

from dense_direction.mm.console import ConsoleHook, log_file, quiet_setup
from dense_direction.mm.hooks import ProgressBarHook, TimeBudgetHook


def test_importing_the_adapter_prints_nothing():
    """mmseg prints "Could not import OneDL" twice on import; that is a debug note."""
    code = "import dense_direction.mm"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "OneDL" not in result.stdout + result.stderr


def test_the_setup_preamble_goes_only_to_the_log_file(tmp_path):
    logger = logging.getLogger("dense_direction.test_console")
    logger.setLevel(logging.INFO)
    stream = io.StringIO()
    console = logging.StreamHandler(stream)
    file = logging.FileHandler(tmp_path / "run.log")
    logger.handlers = [console, file]
    try:
        hook = ConsoleHook(quiet_setup(logger))
        logger.info("Config: (hundreds of lines)")
        logger.warning("a warning during set-up")
        hook.before_train_iter(runner=None, batch_idx=0)
        # mmengine's own deprecation notes, as its checkpoint hook logs them on every run:
        logger.warning('"FileClient" will be deprecated in future. Please use io functions')
        logger.warning('"HardDiskBackend" is the alias of "LocalBackend" and the former ...')
        logger.info("Loads checkpoint by local backend from path: work/iter_40.pth")  # resume
        logger.info("Iter(train) [50/2000] loss: 0.1")
    finally:
        file.close()
        logger.handlers = []
    assert stream.getvalue().splitlines() == [
        "a warning during set-up",
        "Iter(train) [50/2000] loss: 0.1",
    ]
    in_file = (tmp_path / "run.log").read_text()
    assert "Config: (hundreds of lines)" in in_file and '"FileClient" will be' in in_file
    assert log_file(SimpleNamespace(handlers=[file])) == str(tmp_path / "run.log")


def _runner(iters, budget=None):
    hooks = [] if budget is None else [budget]
    logger = logging.getLogger("dense_direction.test_progress_hook")
    return SimpleNamespace(hooks=hooks, max_iters=iters, iter=0, logger=logger)


def _train(hook, runner, iters):
    hook.before_train(runner)
    for i in range(iters):
        runner.iter = i
        hook.after_train_iter(runner, i, outputs=dict(loss=0.25))
    hook.after_train(runner)


def test_progress_in_a_log_is_whole_lines(capsys):
    _train(ProgressBarHook(), _runner(40), 40)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 20 and all(line.startswith("train: ") for line in lines)
    assert lines[-1].startswith("train: 100% 40/40 it") and lines[-1].endswith("loss=0.2500")


def test_the_bar_follows_the_time_budget_and_ends_at_100_percent(capsys):
    """Half the budget spent after 2 of 1000 iterations: the bar says 50 %, not 0 %; when the
    budget stops the run it says 100 %."""
    budget = TimeBudgetHook(minutes=1.0)
    budget.start = time.monotonic() - 30
    _train(ProgressBarHook(), _runner(1000, budget), 2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("train:  50% 1/1000 it")
    assert lines[-1].startswith("train: 100% 2/1000 it")


def test_the_bar_counts_to_the_length_a_budget_fitted(capsys):
    """A budget that shortens the run from 1000 to 4 iterations: the lines count to 4."""
    budget = TimeBudgetHook(minutes=1.0)
    runner = _runner(1000, budget)
    hook = ProgressBarHook()
    hook.before_train(runner)
    budget.start = time.monotonic()
    runner.max_iters = 4  # what TimeBudgetHook._fit leaves in the loop
    for i in range(4):
        runner.iter = i
        hook.after_train_iter(runner, i, outputs=dict(loss=0.5))
    hook.after_train(runner)
    assert capsys.readouterr().out.splitlines()[-1].startswith("train: 100% 4/4 it")


def test_a_validation_metric_is_logged_as_it_is_not_averaged_with_earlier_ones():
    """Three validations whose directional loss is 0.5953, 0.5928, 0.5588: the log line of the
    third shows 0.5588. mmengine averages the last 10 values of every name holding "loss"
    or "time", and showed the running mean, (0.5953 + 0.5928 + 0.5588) / 3 = 0.5823, beside
    "best checkpoint 0.5588". Training's per-iteration times are still averaged."""
    from mmengine.logging import MessageHub
    from mmengine.registry import LOG_PROCESSORS

    from dense_direction.mm.runner import load_config

    cfg = load_config("configs/seg_dir/unet_synthetic_lines_cpu.py")
    processor = LOG_PROCESSORS.build(dict(type="LogProcessor", **cfg.log_processor))
    hub = MessageHub.get_instance("test_validation_metric_log")
    for loss, seconds in ((0.5953, 1.0), (0.5928, 2.0), (0.5588, 3.0)):
        hub.update_scalar("val/directional_loss/loss", loss)
        hub.update_scalar("val/time", seconds)
        hub.update_scalar("val/data_time", 0.0)
    runner = SimpleNamespace(message_hub=hub, val_loop=SimpleNamespace(dataloader=[0, 0]))
    tag, line = processor.get_log_after_epoch(runner, 2, "val")
    assert tag["directional_loss/loss"] == 0.5588 and "directional_loss/loss: 0.5588" in line
    for name in ("loss", "decode.dir.loss_dir", "time", "data_time", "grad_norm"):
        assert processor.mean_pattern.search(name), name  # training's values: averaged
    assert not processor.mean_pattern.search("directional_loss/loss")
