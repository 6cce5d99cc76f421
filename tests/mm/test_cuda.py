"""The package on a CUDA GPU gives what it gives on the CPU: the bundled model's field, with and
without test-time augmentation and over several tiles, and a training run that steps on the GPU
in the precision the hardware chooses. Skipped where no GPU is usable (the CI machine); the
whole suite also runs there, where every estimator and training without a device picks CUDA.
"""

from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

import dense_direction.models
from dense_direction.evaluation import angular_error, scored_pixels
from dense_direction.models import DEFAULT_MODEL
from dense_direction.synthetic import KINDS, generate_sample

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")

PACKAGE_MODELS = Path(dense_direction.models.__file__).parent


def _estimator(device: str, precision: str):
    from dense_direction.mm.inference import DirectionEstimator

    return DirectionEstimator.pretrained(
        DEFAULT_MODEL, device=device, precision=precision, root=PACKAGE_MODELS
    )


@pytest.fixture(scope="module")
def sample():
    # Larger than one 512-px tile in width, so the blending of overlapping tiles runs too.
    return generate_sample(list(KINDS), (320, 700), seed=424_243, style="concrete", held_out=True)


@pytest.fixture(scope="module")
def cpu_estimator():
    return _estimator("cpu", "float32")


@pytest.mark.parametrize("tta", [False, True])
def test_cuda_float32_predicts_the_cpu_field(sample, cpu_estimator, tta):
    cuda = _estimator("cuda", "float32")
    assert cuda.device.type == "cuda" and cuda.dtype == torch.float32
    assert next(cuda.model.parameters()).is_cuda
    select = scored_pixels(sample.centerline, sample.crossing, sample.direction)
    on_cpu = cpu_estimator.predict(sample.image, tta=tta)
    on_gpu = cuda.predict(sample.image, tta=tta)
    moved = angular_error(on_gpu.angles[0], on_cpu.angles[0], select)
    # Same weights, same maths: only the order of float additions differs (cuDNN's algorithms,
    # and TF32 where torch allows it for convolutions: a 10-bit mantissa, relative rounding
    # ~5e-4), so angles on the structure move by hundredths of a degree, not degrees.
    assert np.median(moved) < 0.05 and np.percentile(moved, 99) < 1.0
    assert np.abs(on_gpu.confidence - on_cpu.confidence).max() < 0.02
    truth = np.nan_to_num(sample.direction)
    cpu_error = angular_error(on_cpu.angles[0], truth, select).mean()
    gpu_error = angular_error(on_gpu.angles[0], truth, select).mean()
    assert abs(gpu_error - cpu_error) < 0.1  # degrees of mean error against the truth


def test_cuda_auto_precision_is_bfloat16_and_as_accurate(sample, cpu_estimator):
    """ "auto" computes in bfloat16 on GPUs with bfloat16 units (Ampere on); its error against
    the truth stays within 0.3° of the float32 CPU field's."""
    cuda = _estimator("cuda", "auto")
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported(False) else torch.float32
    assert cuda.dtype == expected
    select = scored_pixels(sample.centerline, sample.crossing, sample.direction)
    truth = np.nan_to_num(sample.direction)
    on_cpu = cpu_estimator.predict(sample.image, tta=False).angles[0]
    on_gpu = cuda.predict(sample.image, tta=False).angles[0]
    cpu_error = angular_error(on_cpu, truth, select).mean()
    gpu_error = angular_error(on_gpu, truth, select).mean()
    assert abs(gpu_error - cpu_error) < 0.3


def test_training_steps_on_the_gpu(tmp_path):
    """`train`'s runner puts the network, its batches and its losses on the GPU; a few steps
    change the weights and every loss stays finite."""
    import argparse

    from dense_direction.cli import train as train_cli
    from dense_direction.mm.runner import build_runner
    from dense_direction.synthetic.dataset import write_dataset

    data = tmp_path / "data"
    write_dataset(data, 8, ["cracks", "roads"], 96, seed=3, fractions=(0.75, 0.25, 0.0))
    parser = argparse.ArgumentParser()
    train_cli.add_parser(parser)
    small = ["--iters", "4", "--batch-size", "2", "--crop", "64", "--workers", "0"]
    args = parser.parse_args(["--data", str(data), "--work-dir", str(tmp_path / "work"), *small])
    runner = build_runner(train_cli.build_config(args))
    before = {k: v.detach().cpu().clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    parameters = list(runner.model.parameters())
    assert all(p.is_cuda for p in parameters)
    after = runner.model.state_dict()
    floats = [k for k in before if before[k].is_floating_point()]
    assert any(not torch.equal(before[k], after[k].cpu()) for k in floats)
    losses = {
        k: v.current()
        for k, v in runner.message_hub.log_scalars.items()
        if k.startswith("train/") and "loss" in k
    }
    assert losses and all(np.isfinite(v) for v in losses.values()), losses
