"""dense_direction.mm.runner without training: where a config's runs go, the schedule's length,
which checkpoint a test loads, and the dir_classes advice (fake runners stand in for
mmengine's where only its message hub and loading are used)."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from dense_direction.cli._presets import config_root
from dense_direction.mm import runner as mm_runner
from dense_direction.mm.runner import DirectionClassesCheckHook, load_config, run

SHIPPED = config_root() / "dir" / "unet_synthetic_lines_cpu.py"


def _child(tmp_path: Path, body: str = "", name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(f'_base_ = ["{SHIPPED}"]\n{body}')
    return path


def test_a_config_that_inherits_its_work_dir_gets_its_own(tmp_path):
    # A child of a shipped config took the shipped work dir (./work_dirs/unet_synthetic_..):
    # its test loaded the other config's best checkpoint. As in mmseg, work_dirs/<name>.
    assert load_config(_child(tmp_path)).work_dir == str(Path("work_dirs") / "mine")
    own = _child(tmp_path, 'work_dir = "runs/here"\n', "own.py")
    assert load_config(own).work_dir == "runs/here"
    assert load_config(SHIPPED).work_dir == "./work_dirs/unet_synthetic_lines_cpu"
    given = load_config(_child(tmp_path), {"work_dir": "w2"})
    assert given.work_dir == "w2" and load_config(own, work_dir="w3").work_dir == "w3"


def _total_steps(cfg) -> int:
    return cfg.param_scheduler[0]["total_steps"]


def test_the_one_cycle_schedule_follows_a_run_length_given_apart_from_it(tmp_path, monkeypatch):
    said = []  # the log lines (the current MMLogger may be any test's, writing anywhere)
    monkeypatch.setattr(mm_runner, "print_log", lambda message, *a, **k: said.append(message))
    # The shipped schedule has total_steps = 600 fixed when the config is read. Before,
    # --cfg-options train_cfg.max_iters=2000 stopped at step 601 ("Tried to step 602
    # times"), and max_iters=20 ended warming up, never annealed.
    for iters in (2000, 20):
        cfg = load_config(SHIPPED, {"train_cfg.max_iters": iters})
        assert _total_steps(cfg) == iters
    both = {"train_cfg.max_iters": 20, "param_scheduler.0.total_steps": 1000}
    assert _total_steps(load_config(SHIPPED, both)) == 1000  # given together: as given
    # A config file that sets a run shorter than its schedule keeps it, with a warning...
    short = _child(tmp_path, "train_cfg = dict(max_iters=12)\n", "short.py")
    assert _total_steps(load_config(short)) == 600
    assert any("total_steps 600 but train_cfg.max_iters 12" in line for line in said)
    # ...and one longer than its schedule, which cannot run, is fitted.
    long = _child(tmp_path, "train_cfg = dict(max_iters=900)\n", "long.py")
    assert _total_steps(load_config(long)) == 900


class _FakeRunner:
    """What run() uses of mmengine's Runner: train, test, load_checkpoint, message hub."""

    def __init__(self, work_dir: Path, hub: dict, load_from: str | None = None) -> None:
        self.work_dir, self.loaded, self._has_loaded = str(work_dir), [], False
        self.cfg = {"load_from": load_from}
        self.message_hub = SimpleNamespace(get_info=hub.get)

    def train(self) -> None:
        pass

    def load_checkpoint(self, path: str) -> None:
        self.loaded.append(Path(path).name)

    def test(self) -> dict:
        return {"tested_after": list(self.loaded), "load_from_skipped": self._has_loaded}


def test_after_training_the_run_tests_its_own_checkpoint(tmp_path):
    # An earlier run's best_..._iter_30.pth lay beside this run's iter_5 best: the test
    # picked the highest iteration, the other run's, and reported it as this run's result.
    for name in ("best_dir_eval_mean_error_iter_30.pth", "best_dir_eval_mean_error_iter_5.pth"):
        (tmp_path / name).write_bytes(b"")
    own = str(tmp_path / "best_dir_eval_mean_error_iter_5.pth")
    result = run(_FakeRunner(tmp_path, {"best_ckpt": own}), "both")
    assert result["tested_after"] == ["best_dir_eval_mean_error_iter_5.pth"]
    last = tmp_path / "iter_10.pth"
    last.write_bytes(b"")
    assert run(_FakeRunner(tmp_path, {"last_ckpt": str(last)}), "both")["tested_after"] == [
        "iter_10.pth"
    ]
    assert run(_FakeRunner(tmp_path / "none", {}), "both")["tested_after"] == []  # as trained


def test_testing_alone_falls_back_to_load_from_and_keeps_what_it_loaded(tmp_path):
    # --phase test with load_from (bundled://general) and no checkpoint in the work dir was
    # "no checkpoint to test"; and whatever run() loads must not be replaced by load_from
    # when Runner.test() calls load_or_resume.
    result = run(_FakeRunner(tmp_path, {}, load_from="bundled://general"), "test")
    assert result == {"tested_after": ["general"], "load_from_skipped": True}
    with pytest.raises(FileNotFoundError, match="pass --checkpoint, set load_from"):
        run(_FakeRunner(tmp_path, {}), "test")


def test_the_dir_classes_advice_names_the_key_of_a_joint_head():
    # DualDecodeHead takes dir_classes in dir_head_config; the advice named
    # model.decode_head.dir_classes, which then failed as an unexpected keyword.
    dataset = SimpleNamespace(metainfo={"classes": ("background", "line")})
    for head, key in (
        (SimpleNamespace(dir_classes=[2]), "model.decode_head.dir_classes"),
        (
            SimpleNamespace(dir_classes=[2], dir_head=object()),
            "model.decode_head.dir_head_config.dir_classes",
        ),
    ):
        fake = SimpleNamespace(model=SimpleNamespace(decode_head=head))
        with pytest.raises(ValueError, match=f"set {re.escape(key)} to ids"):
            DirectionClassesCheckHook._check(fake, dataset)
    assert mm_runner.PHASES == ("train", "test", "both")
