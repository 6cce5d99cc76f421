"""Progress in a log (not a terminal): whole lines, a few of them, never carriage returns."""

import io

from dense_direction.progress import Progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _report(total, seconds_per_unit, **options):
    stream, clock = io.StringIO(), Clock()
    progress = Progress(total, "train", stream=stream, interactive=False, clock=clock, **options)
    for _ in range(total):
        clock.now += seconds_per_unit
        progress.advance(1, postfix="loss=0.5")
    progress.close(complete=True)
    return stream.getvalue()


def test_a_log_gets_a_line_every_few_percent_and_no_carriage_returns():
    text = _report(1000, 0.1, step=5.0, interval=60.0)
    lines = text.splitlines()
    assert "\r" not in text and text.endswith("\n")
    assert len(lines) == 20  # 5 %, 10 %, ..., 100 %
    assert lines[0] == "train:   5% 50/1000 it, 00:05 elapsed, 01:35 left, loss=0.5"
    assert lines[-1].startswith("train: 100% 1000/1000 it") and lines[-1].endswith("loss=0.5")


def test_a_slow_job_gets_a_line_every_interval():
    lines = _report(10, 100.0, step=50.0, interval=60.0).splitlines()
    assert len(lines) == 10  # each unit takes longer than the interval
    assert "01:40 elapsed, 15:00 left" in lines[0]


def test_a_time_budget_sets_the_fraction_and_its_end_is_100_percent():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(1000, "train", stream=stream, interactive=False, clock=clock)
    for used in (0.25, 0.5, 0.97):
        clock.now += 10
        progress.advance(1, fraction=used)
    progress.close(complete=True)
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["25%", "50%", "97%", "100%"]
    assert lines[-1].startswith("train: 100% 3/1000 it")


def test_an_interrupted_job_is_not_shown_complete():
    stream = io.StringIO()
    progress = Progress(10, "job", stream=stream, interactive=False, step=50.0)
    progress.advance(3)
    progress.close()
    assert stream.getvalue().splitlines()[-1].startswith("job:  30% 3/10 it")


def test_track_reports_each_item_in_lines(capsys):
    """predict, synth and demo report per image through track / Progress."""
    from dense_direction.progress import track

    assert list(track(["a", "b", "c", "d"], "predict")) == ["a", "b", "c", "d"]
    out = capsys.readouterr().out
    assert "\r" not in out and out.splitlines()[-1].startswith("predict: 100% 4/4 img")
