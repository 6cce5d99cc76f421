"""Shapes with known directions, shared by the tests (MISSION angle convention: y up)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    """``../shared/reference`` beside the repository (or $DENSE_DIRECTION_REFERENCE)."""
    override = os.environ.get("DENSE_DIRECTION_REFERENCE")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "reference"


def line_mask(
    size: int, angle: float, width: float, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """``(size, size)`` mask of a straight band of ``width`` px through the centre at ``angle``
    radians (counter-clockwise from x, y up)."""
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    y = -coords.view(-1, 1)  # rows grow downward, y grows upward
    x = coords.view(1, -1)
    distance = torch.abs(-x * math.sin(angle) + y * math.cos(angle))
    return (distance <= width / 2).to(dtype)


def pixelwise_estimator(constant: bool = False):
    """A float32 ``DirectionEstimator`` of a 1x1 convolution: one structure logit and one
    ``(x, y)`` vector per pixel, each a function of that pixel alone (so any tiling gives the
    whole image's outputs). Weights drawn from seed 0, or with ``constant`` all 0.01 with
    bias 1 (a field and a confidence defined and non-zero everywhere)."""
    from dense_direction.inference import DirectionEstimator

    network = torch.nn.Conv2d(3, 3, 1)
    if constant:
        torch.nn.init.constant_(network.weight, 0.01)
        torch.nn.init.constant_(network.bias, 1.0)
    else:
        generator = torch.Generator().manual_seed(0)
        network.weight.data.copy_(torch.randn(3, 3, 1, 1, generator=generator))
    return DirectionEstimator(
        network,
        dir_classes=(1,),
        mean=(0, 0, 0),
        std=(255, 255, 255),
        seg_channels=1,
        divisor=1,
        precision="float32",
    )


def two_field_estimator():
    """Direction classes 1 and 2 on a 1x1 convolution with zero weights: the biases make field
    1 the vector (-1, 0), i.e. theta = ((atan2(0, -1) + pi) / 2) mod pi = 0 (horizontal), and
    field 2 the vector (1, 0), theta = (0 + pi) / 2 = pi/2 (vertical), at every pixel."""
    from dense_direction.inference import DirectionEstimator

    network = torch.nn.Conv2d(3, 7, 1)  # 3 structure logits, then (x, y) of fields 1 and 2
    torch.nn.init.zeros_(network.weight)
    network.bias.data = torch.tensor([0.0, 0.0, 0.0, -1.0, 0.0, 1.0, 0.0])
    return DirectionEstimator(
        network,
        dir_classes=(1, 2),
        mean=(0, 0, 0),
        std=(255, 255, 255),
        seg_channels=3,
        divisor=1,
        precision="float32",
    )


def uniform_field(angle: float, shape: tuple[int, ...]) -> torch.Tensor:
    """Vectors ``(*shape[:-2], 2, H, W)``-style field for one angle; ``shape`` is (N, K, H, W)."""
    n, k, h, w = shape
    vec = torch.tensor([-math.cos(2 * angle), -math.sin(2 * angle)])
    return vec.view(1, 1, 2, 1, 1).expand(n, k, 2, h, w).clone()


def random_masks(n: int, k: int, size: int, seed: int = 0, density: float = 0.35) -> torch.Tensor:
    """``(n, k, 1, size, size)`` blobby binary masks: thresholded smoothed noise."""
    gen = torch.Generator().manual_seed(seed)
    noise = torch.rand(n * k, 1, size, size, generator=gen)
    smooth = torch.nn.functional.avg_pool2d(noise, 5, stride=1, padding=2)
    threshold = torch.quantile(smooth.flatten(), 1 - density)
    return (smooth > threshold).float().view(n, k, 1, size, size)


def modules_after(body: str) -> set[str]:
    """Top-level names in ``sys.modules`` after running ``body`` in a fresh Python."""
    script = textwrap.dedent(body) + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    return {name.split(".")[0] for name in done.stdout.split()}
