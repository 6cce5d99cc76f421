"""tools/run.py end to end on generated data with a tiny CPU config: train, evaluate with
CenterlineDirectionMetric, save, kill, resume, test; two-process (gloo) training."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.synthetic.dataset import write_dataset
from helpers import REPO_ROOT

pytestmark = pytest.mark.slow
RUN = REPO_ROOT / "tools" / "run.py"
CONFIG = """
_base_ = ["{base}"]
data_root = "{data}"
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
train_cfg = dict(max_iters={iters}, val_interval={val})
param_scheduler = [dict(type="OneCycleLR", eta_max=0.003, total_steps={steps}, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval=3), logger=dict(interval=1))
randomness = dict(seed=0)
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("lines")
    write_dataset(root, 12, "cracks", 160, seed=1, fractions=(0.5, 0.25, 0.25))
    return root


def _config(
    tmp_path, data, iters=6, val=3, steps=6, base="configs/dir/unet_synthetic_lines_cpu.py"
):
    path = tmp_path / f"cfg_{iters}_{steps}.py"
    path.write_text(
        CONFIG.format(base=REPO_ROOT / base, data=data, iters=iters, val=val, steps=steps)
    )
    return path


def _run(*args, check=True, **kwargs):
    out = subprocess.run(
        [sys.executable, str(RUN), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )
    if check and out.returncode != 0:
        raise AssertionError(
            f"run.py failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        )
    return out


def _scalars(work_dir):
    """Logged scalars of the latest run in ``work_dir`` (run folders are timestamps)."""
    log = sorted(Path(work_dir).glob("*/vis_data/scalars.json"))[-1]
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_train_evaluate_and_test(tmp_path, data):
    work = tmp_path / "work"
    out = _run("--config", _config(tmp_path, data), "--work-dir", work, "--phase", "both")
    log = out.stdout + out.stderr
    assert "dir_eval/mean_error" in log and "Iter(test)" in log
    assert (work / "iter_6.pth").exists() and list(work.glob("best_dir_eval_mean_error_*.pth"))
    evals = [s for s in _scalars(work) if "dir_eval/mean_error" in s]
    assert len(evals) >= 2 and all(0 <= s["dir_eval/mean_error"] <= 90 for s in evals)
    assert evals[0]["dir_eval/num_pixels"] > 100
    # A second run into the same work dir would mix with this one (its test loaded the
    # earlier run's best checkpoint, of a higher iteration): refused unless --overwrite.
    again = ("--config", _config(tmp_path, data, iters=2, val=1, steps=2), "--work-dir", work)
    out = _run(*again, "--phase", "train", check=False)
    assert out.returncode == 2 and "already holds checkpoints of an earlier run" in out.stderr
    assert (work / "iter_6.pth").exists()  # nothing of it lost
    out = _run(*again, "--phase", "both", "--overwrite")
    assert "deleted" in out.stdout and not (work / "iter_6.pth").exists()
    assert "Iter(test)" in out.stdout + out.stderr


def test_killed_run_resumes_with_its_iteration_optimizer_and_schedule(tmp_path, data):
    # Reference: 12 uninterrupted iterations of a schedule planned for 1000.
    reference = tmp_path / "reference"
    _run(
        "--config",
        _config(tmp_path, data, iters=12, val=1000, steps=1000),
        "--work-dir",
        reference,
        "--phase",
        "train",
    )
    # Same schedule, planned to run long; killed (SIGKILL) right after its first checkpoint.
    killed = tmp_path / "killed"
    cfg = _config(tmp_path, data, iters=1000, val=1000, steps=1000)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(RUN),
            "--config",
            str(cfg),
            "--work-dir",
            str(killed),
            "--phase",
            "train",
            "--cfg-options",
            "default_hooks.checkpoint.max_keep_ckpts=100",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = killed / "last_checkpoint"  # mmengine writes it once a checkpoint is complete
    deadline = time.time() + 300
    while not marker.exists():
        assert proc.poll() is None and time.time() < deadline, "training stopped early"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = int(Path(marker.read_text().strip()).stem.split("_")[1])
    assert saved <= 9, "the run got too far before the kill"

    out = _run(
        "--config",
        cfg,
        "--work-dir",
        killed,
        "--phase",
        "train",
        "--resume",
        "--cfg-options",
        f"train_cfg.max_iters={saved + 3}",
    )
    assert f"resumed epoch: 0, iter: {saved}" in out.stdout + out.stderr
    # The optimizer continued: Adam has taken saved + 3 steps, not 3.
    state = torch.load(killed / f"iter_{saved + 3}.pth", map_location="cpu", weights_only=False)
    steps = {int(s["step"]) for s in state["optimizer"]["state"].values()}
    assert steps == {saved + 3}
    # The schedule continued: the resumed iterations' learning rates equal the reference's.
    lr_ref = {s["iter"]: s["lr"] for s in _scalars(reference) if "lr" in s}
    resumed = [s for s in _scalars(killed) if "lr" in s and s["iter"] > saved]
    assert resumed and all(s["lr"] == pytest.approx(lr_ref[s["iter"]]) for s in resumed)


def test_two_process_gloo_training(tmp_path, data):
    work = tmp_path / "dist"
    # --standalone: torchrun's own rendezvous on localhost picks a free port and holds it (a
    # port found free by binding and closing a socket here could be taken before it binds).
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(RUN),
        "--config",
        str(_config(tmp_path, data, iters=3, val=3, steps=3)),
        "--work-dir",
        str(work),
        "--phase",
        "train",
        "--launcher",
        "pytorch",
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, "\n".join(
        line
        for line in log.splitlines()
        if "mmengine - INFO - Iter" in line or "terminate" in line or "Error" in line
    )
    assert "dir_eval/mean_error" in log
    # The set-up preamble is in the work dir's log file, not on the console.
    assert "Distributed training: True" in next(work.glob("*/*.log")).read_text()
    assert (work / "iter_3.pth").exists()


def test_segmentation_and_direction_config_trains(tmp_path, data):
    work = tmp_path / "segdir"
    out = _run(
        "--config",
        _config(
            tmp_path,
            data,
            iters=3,
            val=3,
            steps=3,
            base="configs/seg_dir/unet_synthetic_lines_cpu.py",
        ),
        "--work-dir",
        work,
        "--phase",
        "both",
    )
    log = out.stdout + out.stderr
    assert "decode.seg.loss_ce" in log and "decode.dir.loss_dir" in log and "mDice" in log


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["model.decode_head.dir_classes=[3]"],
            r"dir_classes \[3\] are not label ids of SyntheticLinesDataset \(0: background, "
            r"1: structure\); set model.decode_head.dir_classes",
        ),
        (["model.decode_head.type=LinearDirectionHed"], "LinearDirectionHed is not in the"),
    ],
)
def test_config_errors_say_what_to_change(tmp_path, data, options, message):
    out = _run(
        "--config",
        _config(tmp_path, data, iters=1, val=1, steps=1),
        "--work-dir",
        tmp_path / "bad",
        "--phase",
        "train",
        "--cfg-options",
        *options,
        check=False,
    )
    assert out.returncode != 0
    import re

    assert re.search(message, out.stdout + out.stderr), (out.stdout + out.stderr)[-2000:]


def test_resume_without_checkpoint_and_missing_config(tmp_path, data):
    out = _run(
        "--config",
        _config(tmp_path, data),
        "--work-dir",
        tmp_path / "empty",
        "--resume",
        check=False,
    )
    assert out.returncode == 2 and "nothing to resume: no checkpoint in" in out.stderr
    out = _run("--config", tmp_path / "nope.py", check=False)
    assert out.returncode == 2 and "config not found" in out.stderr
