"""The checkpoint rule: weights-only loading everywhere; full unpickling only for trusted
files (listed unchanged in the run record training writes, or named with --trust-checkpoint)."""

import json
import os

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from dense_direction.mm import checkpoints
from dense_direction.mm.run_record import RECORD_NAME, record_checkpoint, recorded


class Payload:
    """Anything beyond tensors and plain types makes a file need full unpickling."""

    def __init__(self):
        self.value = 3


@pytest.fixture(autouse=True)
def clean_trust():
    yield
    checkpoints._TRUSTED_FILES.clear()


def test_plain_checkpoints_load_from_anywhere(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": {"w": torch.ones(2)}, "meta": {"iter": 3}}, path)
    loaded = CheckpointLoader.load_checkpoint(str(path))  # mmengine's entry point
    assert loaded["meta"]["iter"] == 3


def test_foreign_pickles_are_refused_with_a_way_out(tmp_path):
    path = tmp_path / "downloaded.pth"
    torch.save({"state_dict": {}, "extra": Payload()}, path)
    with pytest.raises(RuntimeError, match=r"not unpickled .* pass --trust-checkpoint"):
        CheckpointLoader.load_checkpoint(str(path))
    checkpoints.trust_file(path)
    with pytest.warns(UserWarning, match="full unpickling of a trusted checkpoint"):
        assert CheckpointLoader.load_checkpoint(str(path))["extra"].value == 3


def test_files_the_run_recorded_load(tmp_path):
    """Training lists what it saves in the run record; those files are trusted wherever the
    work dir is moved to."""
    run_dir = tmp_path / "work_dirs" / "run"
    run_dir.mkdir(parents=True)
    torch.save({"extra": Payload()}, run_dir / "iter_3.pth")
    record_checkpoint(run_dir / "iter_3.pth")
    moved = tmp_path / "elsewhere"
    run_dir.rename(moved)
    assert recorded(moved / "iter_3.pth")
    with pytest.warns(UserWarning, match="full unpickling of a trusted checkpoint"):
        assert CheckpointLoader.load_checkpoint(str(moved / "iter_3.pth"))["extra"].value == 3


def test_a_foreign_file_in_the_work_dir_is_refused(tmp_path):
    """Lying in a work dir is not enough: a file the run did not record, or one changed after
    it was recorded, is refused, and the message names --trust-checkpoint."""
    torch.save({"extra": Payload()}, tmp_path / "iter_3.pth")
    record_checkpoint(tmp_path / "iter_3.pth")
    torch.save({"extra": Payload()}, tmp_path / "iter_9.pth")  # dropped in by someone else
    with pytest.raises(RuntimeError, match=rf"not listed .*{RECORD_NAME}.*--trust-checkpoint"):
        CheckpointLoader.load_checkpoint(str(tmp_path / "iter_9.pth"))
    torch.save({"extra": Payload(), "more": Payload()}, tmp_path / "iter_3.pth")  # replaced
    assert not recorded(tmp_path / "iter_3.pth")
    with pytest.raises(RuntimeError, match="--trust-checkpoint"):
        CheckpointLoader.load_checkpoint(str(tmp_path / "iter_3.pth"))


def test_the_record_lists_only_existing_files_and_ignores_garbage(tmp_path):
    for name in ("iter_1.pth", "iter_2.pth"):
        torch.save({"w": torch.ones(1)}, tmp_path / name)
        record_checkpoint(tmp_path / name)
    (tmp_path / "iter_1.pth").unlink()  # max_keep_ckpts removed it
    torch.save({"w": torch.ones(1)}, tmp_path / "iter_3.pth")
    record_checkpoint(tmp_path / "iter_3.pth")
    listed = json.loads((tmp_path / RECORD_NAME).read_text())["checkpoints"]
    assert sorted(listed) == ["iter_2.pth", "iter_3.pth"]
    (tmp_path / RECORD_NAME).write_text("not json")
    assert not recorded(tmp_path / "iter_3.pth")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"checkpoint not found: .*nope\.pth"):
        CheckpointLoader.load_checkpoint(str(tmp_path / "nope.pth"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"empty\.pth is empty \(0 bytes\)"),
        # A PNG's signature and a text file: neither a zip (torch.save) nor a pickle (0x80).
        (
            b"\x89PNG\r\n\x1a\n" + bytes(64),
            r"is not a PyTorch checkpoint \(it starts with b'\\x89PNG'",
        ),
        (b"hello world\n", r"is not a PyTorch checkpoint \(it starts with b'hell'"),
    ],
)
def test_files_that_are_not_checkpoints_are_named_not_unpickled(tmp_path, content, message):
    path = tmp_path / "empty.pth"
    path.write_bytes(content)
    checkpoints.trust_file(path)  # trust must not reach the unpickler with such a file either
    with pytest.raises(ValueError, match=message):
        CheckpointLoader.load_checkpoint(str(path))


def test_old_pickle_format_checkpoints_still_load(tmp_path):
    # torch.save's format before torch 1.6 is a plain pickle: its first byte is 0x80.
    path = tmp_path / "old.pth"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b"\x80"
    assert CheckpointLoader.load_checkpoint(str(path))["w"].sum() == 2


def _touch(path, mtime):
    path.write_bytes(b"x")
    os.utime(path, (mtime, mtime))


def test_checkpoints_are_picked_by_iteration_number_not_name_or_time(tmp_path):
    """iter_8 sorts after iter_20 as text and may be newer on disk (an earlier run's file);
    the pick is by number."""
    _touch(tmp_path / "best_dir_eval_mean_error_iter_20.pth", 1_000)
    _touch(tmp_path / "best_dir_eval_mean_error_iter_8.pth", 2_000)
    _touch(tmp_path / "iter_20.pth", 1_000)
    _touch(tmp_path / "iter_8.pth", 2_000)
    assert checkpoints.checkpoint_iteration("best_a_iter_20.pth") == 20
    assert checkpoints.checkpoint_iteration("weights.pth") == -1
    best = checkpoints.best_or_latest_checkpoint(tmp_path)
    assert best.endswith("best_dir_eval_mean_error_iter_20.pth")
    assert checkpoints.best_checkpoint(tmp_path) == best
    for path in tmp_path.glob("best_*"):
        path.unlink()
    assert checkpoints.best_or_latest_checkpoint(tmp_path).endswith("iter_20.pth")
    assert checkpoints.best_checkpoint(tmp_path) is None


def test_run_checkpoint_files(tmp_path):
    assert checkpoints.run_checkpoint_files(tmp_path / "missing") == []
    for name in ("iter_2.pth", "best_x_iter_2.pth", "last_checkpoint", "config.py", RECORD_NAME):
        (tmp_path / name).write_text("x")
    names = [p.name for p in checkpoints.run_checkpoint_files(tmp_path)]
    assert names == ["best_x_iter_2.pth", RECORD_NAME, "iter_2.pth", "last_checkpoint"]


def _save(path, iteration):
    torch.save({"state_dict": {"w": torch.ones(64)}, "meta": {"iter": iteration}}, path)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_resume_skips_a_truncated_last_checkpoint_and_says_so(tmp_path, monkeypatch):
    """A kill during saving leaves the newest file cut short: resume from the previous one."""
    from dense_direction.mm import runner
    from dense_direction.mm.runner import _resume_from

    said = []
    monkeypatch.setattr(runner, "print_log", lambda msg, **kw: said.append(msg))

    for it in (2, 4):
        _save(tmp_path / f"iter_{it}.pth", it)
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "iter_4.pth"))
    assert checkpoints.checkpoint_is_complete(tmp_path / "iter_4.pth")
    assert _resume_from(str(tmp_path), True) == str(tmp_path / "iter_4.pth")
    _truncate(tmp_path / "iter_4.pth")
    assert not checkpoints.checkpoint_is_complete(tmp_path / "iter_4.pth")
    assert checkpoints.latest_complete_checkpoint(tmp_path) == (
        str(tmp_path / "iter_2.pth"),
        [str(tmp_path / "iter_4.pth")],
    )
    assert _resume_from(str(tmp_path), True) == str(tmp_path / "iter_2.pth")
    assert "iter_4.pth truncated or corrupt" in said[-1]
    assert "resuming from " + str(tmp_path / "iter_2.pth") in said[-1]
    with pytest.raises(ValueError, match=r"iter_4\.pth: the file is truncated or corrupt"):
        _resume_from(str(tmp_path), str(tmp_path / "iter_4.pth"))
    _truncate(tmp_path / "iter_2.pth")
    # Dropping --resume alone would be refused (the dir holds checkpoint files).
    with pytest.raises(
        FileNotFoundError,
        match=r"nothing to resume: only incomplete.*replace --resume with --overwrite",
    ):
        _resume_from(str(tmp_path), True)


def test_this_projects_iteration_checkpoints_load_anywhere(tmp_path):
    """``iter_N.pth`` holds the OneCycle schedule's state, which names its annealing function;
    predict/evaluate (which trust no directory) must load it weights-only."""
    from mmengine.optim.scheduler import OneCycleLR

    weights = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.AdamW([weights], lr=1e-3)
    for strategy in ("cos", "linear"):
        schedule = OneCycleLR(optimizer, eta_max=3e-3, total_steps=10, anneal_strategy=strategy)
        path = tmp_path / f"iter_10_{strategy}.pth"
        torch.save(
            {
                "meta": {"iter": 10, "cfg": "model = dict()"},
                "state_dict": {"w": weights.detach()},
                "optimizer": optimizer.state_dict(),
                "param_schedulers": [schedule.state_dict()],
            },
            path,
        )
        loaded = CheckpointLoader.load_checkpoint(str(path))
        assert loaded["param_schedulers"][0]["anneal_func"] is schedule.anneal_func


def test_a_work_dir_without_mmengines_record_is_searched_without_a_log_line(tmp_path, capfd):
    # A folder of copied checkpoints has no last_checkpoint file: mmengine's lookup logged
    # "Did not find last_checkpoint to be resumed." to someone who was only predicting.
    (tmp_path / "iter_3.pth").write_bytes(b"")
    (tmp_path / "iter_12.pth").write_bytes(b"")
    capfd.readouterr()
    assert checkpoints.find_checkpoint(tmp_path).name == "iter_12.pth"
    printed = capfd.readouterr()
    assert "last_checkpoint" not in printed.out + printed.err
