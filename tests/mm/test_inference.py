"""DirectionEstimator's arguments: the device is checked before anything is loaded."""

import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.mm.inference import DirectionEstimator, resolve_device


def test_a_cuda_device_without_cuda_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    for name in ("cuda", "cuda:1"):
        with pytest.raises(ValueError, match=r"no CUDA GPU is usable here .* use cpu"):
            resolve_device(name)
    with pytest.raises(ValueError, match=r"unknown device 'gpu'"):
        resolve_device("gpu")
    # Before the checkpoint is even looked for.
    with pytest.raises(ValueError, match="no CUDA GPU"):
        DirectionEstimator.from_checkpoint(tmp_path / "missing.pth", device="cuda")
