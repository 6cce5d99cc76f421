"""The ``dense-direction`` program's exit: quick, but nothing that a normal exit does is lost."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest


def _program(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    """Run ``body`` in a fresh Python, then the program as the console script does. Output
    to the pipe is block-buffered, as for a user's redirected output (unless the environment
    says otherwise, as some CI machines do: not here)."""
    script = textwrap.dedent(body) + "\nentry()\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env,
    )


def test_exit_handlers_run_streams_flush_and_the_exit_code_is_kept(tmp_path):
    marker = tmp_path / "handler_ran"
    done = _program(
        tmp_path,
        f"""
        import atexit, sys
        from pathlib import Path
        from dense_direction.cli.main import entry
        atexit.register(lambda: Path({str(marker)!r}).write_text("ran"))
        sys.stdout.write("buffered, no newline")  # stays in the buffer unless flushed
        sys.argv = ["dense-direction", "predict", "--input", "missing.png", "--out", "out"]
        """,
    )
    assert done.returncode == 2, done.stderr  # no such input: the command's own exit code
    assert "no file matches 'missing.png'" in done.stderr
    assert done.stdout.startswith("buffered, no newline")
    assert marker.read_text() == "ran"


def test_a_running_thread_gets_the_usual_exit(tmp_path):
    """A non-daemon thread still working when the command ends is waited for, as Python's
    normal exit does: here it writes its file after a short sleep."""
    marker = tmp_path / "thread_done"
    done = _program(
        tmp_path,
        f"""
        import sys, threading, time
        from pathlib import Path
        from dense_direction.cli.main import entry
        def late():
            time.sleep(1.0)
            Path({str(marker)!r}).write_text("done")
        threading.Thread(target=late).start()
        sys.argv = ["dense-direction", "predict", "--input", "missing.png", "--out", "out"]
        """,
    )
    assert done.returncode == 2
    assert marker.read_text() == "done"


@pytest.mark.parametrize(
    "command",
    [
        ["predict", "--input", "{image}", "--out", "{file}"],
        ["synth", "--out", "{file}", "--num", "2"],
        ["train", "--data", "{tmp}", "--work-dir", "{file}/run"],
        ["demo", "--out", "{file}"],
        ["analyze", "--predictions", "{tmp}", "--out", "{file}"],
        ["evaluate", "--data", "{tmp}", "--out", "{file}"],
    ],
)
def test_an_output_folder_that_is_a_file_is_a_message_naming_the_flag(tmp_path, capsys, command):
    from dense_direction.cli.main import main

    (tmp_path / "taken").write_text("a file, not a folder")
    (tmp_path / "x.png").write_bytes(b"")  # never read: the --out check comes first
    names = dict(image=tmp_path / "x.png", file=tmp_path / "taken", tmp=tmp_path)
    assert main([part.format(**names) for part in command]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Errno" not in err
    # A broken link (a cluster's scratch folder purged): "[Errno 17] File exists: 'taken'",
    # after the model had loaded.
    (tmp_path / "taken").unlink()
    (tmp_path / "taken").symlink_to(tmp_path / "purged")
    assert main([part.format(**names) for part in command]) == 2
    err = capsys.readouterr().err
    assert "is a broken link (to " in err and "Errno" not in err


def test_an_error_writing_the_outputs_is_one_line(tmp_path, capsys, monkeypatch):
    # A full disk or a folder made read-only during the run ended in a 19-70 line traceback.
    from dense_direction.cli import main as cli_main

    def disk_full(args):
        raise OSError(28, "No space left on device", str(tmp_path / "o" / "x_overlay.png"))

    monkeypatch.setattr(cli_main.SUBCOMMANDS["predict"], "run", disk_full)
    argv = ["predict", "--input", str(tmp_path), "--out", str(tmp_path / "o")]
    assert cli_main.main(argv) == 1
    said = capsys.readouterr().err
    assert said.startswith("dense-direction predict: error: [Errno 28] No space left")
    assert "x_overlay.png" in said and "Traceback" not in said


@pytest.mark.parametrize("command", ["train", "predict"])
def test_ctrl_c_is_one_line_that_says_what_was_kept(tmp_path, capsys, monkeypatch, command):
    # Ctrl-C in train printed a 33-line KeyboardInterrupt traceback through the runner.
    from dense_direction.cli import main as cli_main

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main.SUBCOMMANDS[command], "run", interrupted)
    argv = {
        "train": ["train", "--data", str(tmp_path), "--work-dir", str(tmp_path / "w")],
        "predict": ["predict", "--input", str(tmp_path), "--out", str(tmp_path / "o")],
    }[command]
    assert cli_main.main(argv) == 130
    said = capsys.readouterr().err
    assert f"dense-direction {command}: interrupted" in said and "Traceback" not in said
    assert ("--resume" in said) is (command == "train")
    if command == "train":  # a fine-tune is continued without --init (--resume refuses it)
        assert "(without --overwrite)" in said
        assert cli_main.main([*argv, "--init", "general"]) == 130
        assert "(without --overwrite and --init)" in capsys.readouterr().err


def test_the_packages_warnings_are_one_line_naming_the_command(tmp_path):
    """A JPEG whose EXIF says "rotate me", predicted as a single file (read before the
    command starts, in the program's first thread): the warning is one line that begins
    with the command. Python's format printed "…/io/images.py:46: UserWarning: …" and then
    the line of source code that raised it."""
    from PIL import Image

    image = Image.fromarray(np.zeros((40, 60, 3), np.uint8))
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    image.save(tmp_path / "turned.jpg", exif=exif)
    stderr = _predict_warnings(tmp_path / "turned.jpg", tmp_path / "out", "EXIF")
    assert "read_pixels" not in stderr


def test_a_warning_from_the_reading_thread_is_one_line_too(tmp_path):
    """The second image of a folder is read in a worker thread: its warning (transparent
    pixels) came from concurrent/futures/thread.py, which the formatter did not recognise as
    the package's, and printed as "…/thread.py:58: UserWarning: … result = self.fn(...)"."""
    from PIL import Image

    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(tmp_path / "a.png")
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[:, 30:, 3] = 255  # the left half transparent
    Image.fromarray(rgba).save(tmp_path / "b.png")
    stderr = _predict_warnings(tmp_path, tmp_path / "out", "transparent")
    assert "thread.py" not in stderr


def _predict_warnings(given, out, about: str) -> str:
    """``predict --input given`` in a process of its own: its stderr, checked to hold one
    warning line ``about`` something, in the package's one-line form."""
    argv = ["predict", "--input", str(given), "--out", str(out), "--no-tta"]
    command = [sys.executable, "-m", "dense_direction.cli.main", *argv]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if about in line]
    assert len(lines) == 1 and lines[0].startswith("dense-direction predict: warning: "), lines
    assert "UserWarning" not in done.stderr
    return done.stderr
