"""predict's run record (`cli/_run_record.py`): written whole, and at a cost that stays a
share of the run however many images it lists."""

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

import dense_direction.cli._run_record as run_record
from dense_direction.prediction import RUN_RECORD, read_run_record


class Clock:
    """A stand-in for ``time.monotonic``: time passes only when the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(run_record, "time", clock)
    return clock


def _record(out: Path, monkeypatch) -> run_record.RunRecord:
    import dense_direction.cli._model as model

    monkeypatch.setattr(model, "model_identity", lambda args: {"model": "m", "sha256": "0"})
    monkeypatch.setattr(model, "resolved_options", lambda options, estimator: {})
    args = argparse.Namespace(out=out, threshold=0.5, quiver=False)
    estimator = SimpleNamespace(seg_channels=1, dir_classes=(1,))
    out.mkdir(exist_ok=True)
    return run_record.RunRecord(args, estimator, {}, [])


def test_the_record_is_written_at_a_cost_bounded_by_the_run_and_lists_all_at_close(
    tmp_path, monkeypatch, clock
):
    # Each write takes 10 ms, each image 1 ms of prediction. Writing after every image made
    # 1,000 writes (10,000 images took 179 s of writes alone: each write holds every image).
    # Written again only WRITE_SPACING (20) times as long as a write after the last one:
    # every 200 ms + 10 ms, i.e. about 1,000 ms / 210 ms = 5 writes for 1,000 images.
    writes = []
    replace = run_record.os.replace

    def slow_replace(source, target):
        clock.now += 0.010
        writes.append(clock.now)
        replace(source, target)

    monkeypatch.setattr(run_record.os, "replace", slow_replace)
    with _record(tmp_path, monkeypatch) as record:
        for i in range(1000):
            clock.now += 0.001
            record.add(f"im{i:04d}")
        assert 3 <= len(writes) <= 8
        assert len(read_run_record(tmp_path)["images"]) < 1000  # the last ones not yet
    assert len(read_run_record(tmp_path)["images"]) == 1000  # listed at close
    assert not list(tmp_path.glob("*.partial"))


def test_a_run_killed_while_writing_the_record_keeps_the_one_before(tmp_path, monkeypatch, clock):
    record = _record(tmp_path, monkeypatch)
    record.add("a")
    clock.now += 1.0
    assert read_run_record(tmp_path)["images"] == ["a"]
    write_text = Path.write_text

    def killed_half_way(self, text, *args, **kwargs):
        write_text(self, text[: len(text) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", killed_half_way)
    with pytest.raises(KeyboardInterrupt):
        record.add("b")
    monkeypatch.undo()
    # A half-written record was unreadable: the next run took the folder for unrecorded.
    assert json.loads((tmp_path / RUN_RECORD).read_text())["images"] == ["a"]


def test_runs_of_one_model_into_one_folder_at_once_add_up(tmp_path, monkeypatch, clock):
    # Two runs of a job array, same model and options, one --out: each wrote its own list,
    # and the last to write dropped the other's images.
    first, second = _record(tmp_path, monkeypatch), _record(tmp_path, monkeypatch)
    for i in range(3):
        clock.now += 1.0
        first.add(f"a{i}")
        clock.now += 1.0
        second.add(f"b{i}")
    first.close()
    second.close()
    assert read_run_record(tmp_path)["images"] == ["a0", "a1", "a2", "b0", "b1", "b2"]
