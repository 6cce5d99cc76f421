"""Drawings and scans: flat paper or screen, structures in ink of one tone.

Line drawings, scanned maps and crack sketches, figures, and segmentation masks saved as
pictures: a background of nearly one gray level (light paper, or a dark screen), with at most
a faint scanner shading and paper grain, and the structures filled with one ink tone, darker
on light paper, lighter on a dark screen. Nothing else in the image tells structure from
background, which textured styles never show: a model trained on those alone reads a flat
light area beside a wide dark band as the inside of a wide bright structure.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import blur, encode, sensor_noise, toward, uneven_light

__all__ = ["drawing"]


def _paper(rng: np.random.Generator, shape: tuple[int, int], light: bool) -> np.ndarray:
    level = rng.uniform(0.6, 0.97) if light else rng.uniform(0.02, 0.3)
    grain = ndimage.gaussian_filter(rng.normal(size=shape).astype(np.float32), 0.8)
    grain = grain / max(float(grain.std()), 1e-6) * rng.uniform(0.0, 0.015)
    shading = uneven_light(rng, shape, rng.uniform(0.0, 0.1))  # a scanner's, barely there
    return np.clip(level * shading + grain, 0, 1).astype(np.float32)


def drawing(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """A gray (R = G = B) uint8 image of ``layers`` drawn in one ink tone on flat paper."""
    light = rng.random() < 0.7  # dark ink on light paper; else light strokes on a dark screen
    background = _paper(rng, layers.mask.shape, light)
    ink = toward(background, settings.draw("contrast", rng), dark=light)
    gray = background + (ink - background) * layers.coverage
    gray = sensor_noise(blur(gray, rng, settings), rng, settings)
    return encode(gray, rng, settings)
