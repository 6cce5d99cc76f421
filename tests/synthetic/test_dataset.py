import json

import numpy as np
import pytest
from PIL import Image

from dense_direction.synthetic import generate_sample
from dense_direction.synthetic.dataset import chunk_size, split_of, write_dataset


def test_split_assignment():
    # 10 samples at 0.6/0.2/0.2: indices 0-5 train, 6-7 val, 8-9 test.
    assert [split_of(i, 10, (0.6, 0.2, 0.2)) for i in range(10)] == (
        ["train"] * 6 + ["val"] * 2 + ["test"] * 2
    )


def test_writes_the_documented_layout(tmp_path):
    meta = write_dataset(tmp_path, 5, "vessels", 64, seed=3, fractions=(0.6, 0.2, 0.2))
    assert meta["splits"] == {"train": 3, "val": 1, "test": 1}
    assert json.loads((tmp_path / "meta.json").read_text()) == meta
    for folder, ext in (
        ("images", "png"),
        ("masks", "png"),
        ("centerlines", "png"),
        ("directions", "npy"),
        ("crossings", "png"),
    ):
        assert (tmp_path / folder / "test" / f"00004.{ext}").exists()
    assert not (tmp_path / "classes").exists()  # one kind: no class maps
    # Sample i is reproducible on its own from (seed, i).
    again = generate_sample("vessels", 64, seed=np.random.SeedSequence([3, 4]))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "images/test/00004.png")), again.image)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "masks/test/00004.png")), again.mask)
    direction = np.load(tmp_path / "directions/test/00004.npy")
    assert direction.dtype == np.float32
    assert np.array_equal(direction, again.direction, equal_nan=True)


def test_mixed_kinds_write_class_maps(tmp_path):
    meta = write_dataset(tmp_path, 2, ["cracks", "fibres"], 48, fractions=(1, 0, 0))
    assert meta["classes"] == {"1": "cracks", "2": "fibres"}
    assert (tmp_path / "classes" / "train" / "00001.png").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num": 0}, "num must be a positive int"),
        ({"num": 2, "fractions": (0.5, 0.6, 0.1)}, r"summing to 1, got \(0.5, 0.6, 0.1\)"),
        ({"num": 2, "jobs": 0}, "jobs must be a positive int, got 0"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_dataset(tmp_path, **kwargs)


def test_split_bounds_are_rounded():
    # 3 samples at 0.34/0.33/0.33: bounds round(1.02)=1, round(2.01)=2 -> one sample each.
    assert [split_of(i, 3, (0.34, 0.33, 0.33)) for i in range(3)] == ["train", "val", "test"]


def test_several_processes_write_the_same_files(tmp_path):
    """Every sample has its own seed: the number of processes changes nothing on disk, the
    per-sample styles and the progress calls included."""
    calls = []
    common = dict(num=7, kind=["cracks", "roads"], size=48, seed=4, style=["concrete", "sem"])
    one = write_dataset(tmp_path / "one", **common)
    two = write_dataset(tmp_path / "two", **common, jobs=3, progress=calls.append)
    assert one == two and calls == [1] * 7
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(files) == 1 + 7 * 6  # meta.json and six files per sample
    for name in files:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_every_worker_gets_samples_and_progress_comes_in_steps():
    # Chunks of 4 made --num 4 with 2 jobs one chunk for one worker (57 s on one core for
    # four 2048-px samples) with all progress at the end. A chunk is at most a quarter of a
    # worker's share: 4 samples / 2 jobs -> 1 each; 1000 / 2 -> 4 (the most); 40 / 2 -> 5,
    # capped at 4; 12 / 2 -> 1 (a quarter of 6 rounds down).
    assert [chunk_size(n, 2) for n in (1, 4, 12, 40, 1000)] == [1, 1, 1, 4, 4]
    assert chunk_size(16, 1) == 4 and chunk_size(15, 1) == 3
