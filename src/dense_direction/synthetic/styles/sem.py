"""Scanning electron microscopy: grayscale, edge-bright structures, scan-line noise.

Secondary-electron yield rises where the surface slopes, so structures show bright rims (the
edge halo) around a body that is raised (brighter) or a trench (darker). The substrate is
fractal topography with fine grain and a few charging blobs. The beam scans row by row:
every row gets its own gain and offset, and a few rows glitch harder.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import fractal_noise
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import blur, encode, sensor_noise

__all__ = ["sem"]


def _edge_halo(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bright rims: the slope of the (smoothed) structure height, spread a little, in [0, 1]."""
    height = ndimage.gaussian_filter(coverage, rng.uniform(0.6, 1.2))
    slope = ndimage.gaussian_gradient_magnitude(height, 0.8)
    halo = ndimage.gaussian_filter(slope, rng.uniform(0.5, 1.5))
    return halo / max(float(halo.max()), 1e-6)


def _substrate(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    grain = ndimage.gaussian_filter(rng.normal(size=shape).astype(np.float32), 0.7)
    topography = fractal_noise(rng, shape) - 0.5
    gray = rng.uniform(0.2, 0.45) + rng.uniform(0.1, 0.3) * topography
    gray = gray + rng.uniform(0.02, 0.08) * grain / max(float(grain.std()), 1e-6)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    for _ in range(int(rng.integers(0, 3))):  # bright smooth patches where charge builds up
        cy, cx, spread = rng.uniform(0, shape[0]), rng.uniform(0, shape[1]), rng.uniform(5, 20)
        patch = np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * spread**2))
        gray = gray + rng.uniform(0.1, 0.35) * patch
    return gray


def _scan_lines(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    rows = gray.shape[0]
    gain = 1 + rng.normal(0, rng.uniform(0.01, 0.05), size=(rows, 1))
    offset = rng.normal(0, rng.uniform(0.005, 0.02), size=(rows, 1))
    glitch = rng.random((rows, 1)) < rng.uniform(0, 0.02)
    offset = offset + glitch * rng.uniform(-0.15, 0.15, size=(rows, 1))
    return gray * gain + offset


def sem(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """A gray (R = G = B) uint8 SEM-like image of ``layers``."""
    coverage = layers.coverage
    contrast = settings.draw("contrast", rng)
    raised = 1.0 if rng.random() < 0.6 else -1.0  # fibres stand up; cracks are trenches
    body = raised * contrast * 0.6 * coverage
    halo = contrast * rng.uniform(0.5, 1.0) * _edge_halo(coverage, rng)
    gray = blur(_substrate(rng, coverage.shape) + body + halo, rng, settings)
    gray = sensor_noise(_scan_lines(gray, rng), rng, settings)
    return encode(gray, rng, settings)
