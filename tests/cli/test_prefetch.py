"""predict's image read while the program starts: only for one named file, handed over once,
with the pixels read_image gives and its errors; nothing on the way imports torch."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from dense_direction.cli import _prefetch
from dense_direction.io import read_image


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(np.arange(24 * 32 * 3, dtype=np.uint8).reshape(24, 32, 3)).save(path)
    yield path
    _prefetch._read = None  # nothing left for another test


@pytest.mark.parametrize("form", [["--input", "{}"], ["--input={}"]])
def test_the_named_file_is_read_and_handed_over_once(image, tmp_path, form):
    argv = ["predict", *[part.format(image) for part in form], "--out", str(tmp_path / "o")]
    _prefetch.start_reading(argv)
    assert _prefetch.take_read(tmp_path / "other.png") is None  # another file: not this read
    future = _prefetch.take_read(image)
    rgb, missing = future.result(timeout=30)
    np.testing.assert_array_equal(rgb, read_image(image))
    assert missing is None  # an 8-bit PNG has a value at every pixel
    assert _prefetch.take_read(image) is None  # once


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--input", "{image}"],  # not predict
        ["predict", "--input", "{folder}"],  # a folder: predict's own listing and read-ahead
        ["predict", "--input", "{folder}/*.png"],  # a pattern
        ["predict", "--input", "{folder}/missing.png"],
        ["predict", "--out", "o"],
        [],
    ],
)
def test_nothing_is_read_for_anything_else(image, argv):
    names = {"image": image, "folder": image.parent}
    _prefetch.start_reading([part.format(**names) for part in argv])
    assert _prefetch._read is None


def test_a_file_that_cannot_be_read_hands_over_the_error(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    _prefetch.start_reading(["predict", "--input", str(bad)])
    with pytest.raises(ValueError, match=r"bad\.png"):
        _prefetch.take_read(bad).result(timeout=30)


START = """
import sys
import dense_direction
from dense_direction.cli import main, _prefetch
_prefetch.start_reading(["predict", "--input", sys.argv[1]])
_prefetch.take_read(sys.argv[1]).result(timeout=30)
heavy = sorted(m for m in ("torch", "scipy") if m in sys.modules)
assert not heavy, heavy
"""


def test_the_program_reads_before_it_imports_torch(image):
    # The read overlaps torch's import only if nothing before it imports torch: the package,
    # the command-line module and the read itself.
    result = subprocess.run(
        [sys.executable, "-c", START, str(image)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_entry_starts_the_read_before_main(monkeypatch):
    from dense_direction import hardware
    from dense_direction.cli import main as cli_main

    calls = []
    monkeypatch.setattr(_prefetch, "start_reading", lambda argv: calls.append(("read", argv)))
    monkeypatch.setattr(hardware, "reuse_freed_memory", lambda: calls.append(("memory",)))
    monkeypatch.setattr(cli_main, "main", lambda: calls.append(("main",)) or 0)
    monkeypatch.setattr(cli_main, "leave", lambda code: calls.append(("leave", code)))
    monkeypatch.setattr(sys, "argv", ["dense-direction", "predict", "--input", "x.png"])
    cli_main.entry()
    assert calls == [
        ("read", ["predict", "--input", "x.png"]),
        ("memory",),  # predicting: freed memory kept for reuse
        ("main",),
        ("leave", 0),
    ]
    calls.clear()
    monkeypatch.setattr(sys, "argv", ["dense-direction", "train", "--data", "d"])
    cli_main.entry()
    assert ("memory",) not in calls  # training returns freed memory
