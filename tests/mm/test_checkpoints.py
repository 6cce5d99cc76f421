"""The checkpoint rule: weights-only loading everywhere; full unpickling only for trusted
files (the run's own work_dir, or files named with --trust-checkpoint)."""

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from dense_direction.mm import checkpoints


class Payload:
    """Anything beyond tensors and plain types makes a file need full unpickling."""

    def __init__(self):
        self.value = 3


@pytest.fixture(autouse=True)
def clean_trust():
    yield
    checkpoints._TRUSTED_DIRS.clear()
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


def test_files_in_a_trusted_work_dir_load(tmp_path):
    run_dir = tmp_path / "work_dirs" / "run"
    run_dir.mkdir(parents=True)
    torch.save({"extra": Payload()}, run_dir / "iter_3.pth")
    checkpoints.trust_directory(tmp_path / "work_dirs")
    with pytest.warns(UserWarning):
        assert CheckpointLoader.load_checkpoint(str(run_dir / "iter_3.pth"))["extra"].value == 3


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"checkpoint not found: .*nope\.pth"):
        CheckpointLoader.load_checkpoint(str(tmp_path / "nope.pth"))
