"""README.md's examples work: every command line parses (nothing runs), and the loss snippet
executes on a small batch. A renamed flag or a changed import breaks this test, not users."""

from __future__ import annotations

import re
import shlex
import sys

import pytest
import torch

from helpers import REPO_ROOT, line_mask

README = (REPO_ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def _command_lines() -> list[list[str]]:
    """``$D sub ...`` (D is the dense-direction executable) and ``... tools/run.py ...``
    lines of the bash blocks, comments dropped, split as the shell would."""
    lines = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["$D"] or "tools/run.py" in words:
                lines.append(words)
    return lines


COMMANDS = _command_lines()


def test_the_readme_shows_every_subcommand():
    from dense_direction.cli.main import SUBCOMMANDS

    shown = {words[1] for words in COMMANDS if words[0] == "$D"}
    # analyze is documented in docs/analysis.md rather than in the README's short list.
    assert shown >= set(SUBCOMMANDS) - {"analyze"}, sorted(set(SUBCOMMANDS) - shown)


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(w[:2]) for w in COMMANDS])
def test_readme_command_lines_parse(words):
    pytest.importorskip("mmengine", reason="the CLI needs the OpenMMLab stack")
    if words[0] == "$D":
        from dense_direction.cli.main import build_parser

        args = build_parser().parse_args(words[1:])
        assert args.command == words[1]
    else:
        sys.path.insert(0, str(REPO_ROOT / "tools"))
        try:
            from run import parse_args
        finally:
            sys.path.pop(0)
        parse_args(words[words.index("tools/run.py") + 1 :])


def test_readme_loss_snippet_runs():
    (snippet,) = [b for b in _blocks("python") if "EfficientDirectionalLoss(" in b]
    # The snippet's pred and masks: a random field and a line, as its comment describes.
    pred = torch.randn(2, 1, 2, 48, 48, requires_grad=True)
    masks = line_mask(48, 0.7, 3).expand(2, 1, 1, 48, 48).clone()
    scope = {"pred": pred, "masks": masks}
    exec(compile(snippet, "README.md", "exec"), scope)
    assert scope["loss"].ndim == 0 and torch.isfinite(scope["loss"])
    scope["loss"].backward()
    assert pred.grad.abs().sum() > 0
    assert scope["angles"].shape == (2, 1, 48, 48)


def test_readme_own_network_snippet_runs():
    import numpy as np

    from dense_direction.inference import DirectionEstimator

    (snippet,) = [b for b in _blocks("python") if "my_network," in b]
    my_network = torch.nn.Conv2d(3, 3, 3, padding=1)  # 1 structure logit + 1 vector
    scope = {"DirectionEstimator": DirectionEstimator, "my_network": my_network}
    exec(compile(snippet, "README.md", "exec"), scope)
    result = scope["estimator"].predict(np.zeros((40, 56, 3), np.uint8), tta=False)
    assert result.angles.shape == (1, 40, 56) and result.structure.shape == (1, 40, 56)
