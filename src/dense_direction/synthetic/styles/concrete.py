"""Concrete and asphalt surfaces, as in crack-inspection photographs.

Gray aggregate texture (scikit-image's bundled gravel photograph or fractal noise) with
stone-like speckles, a light concrete or a dark asphalt level, uneven light, then the photo
style's distractors (shadow edges, faint scratches, stains). Cracks are mostly darker (open
cracks are shadows) and sometimes brighter (sealed or filled cracks).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import distractors, fractal_noise, texture_patch
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import (
    blur,
    encode,
    sensor_noise,
    toward,
    uneven_light,
)

__all__ = ["concrete"]


def _aggregate(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Stones of a few pixels: smoothed white noise kept above a threshold, in [0, 1]."""
    speckle = ndimage.gaussian_filter(rng.random(shape, dtype=np.float32), rng.uniform(0.8, 2.0))
    speckle = (speckle - speckle.mean()) / max(float(speckle.std()), 1e-6)
    return np.clip(speckle - rng.uniform(0.3, 1.2), 0, 1.5) / 1.5


def _surface(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    base = texture_patch(rng, "gravel", shape) if rng.random() < 0.5 else fractal_noise(rng, shape)
    asphalt = rng.random() < 0.4
    level = rng.uniform(0.15, 0.35) if asphalt else rng.uniform(0.45, 0.72)
    # Asphalt shows bright stones in dark binder; concrete shows stones either way.
    stone_sign = 1.0 if asphalt else rng.choice([-1.0, 1.0])
    gray = level + (base - base.mean()) * rng.uniform(0.1, 0.35)
    gray = gray + stone_sign * rng.uniform(0.05, 0.2) * _aggregate(rng, shape)
    gray = gray * uneven_light(rng, shape, rng.uniform(0.0, 0.6))
    return np.clip(gray, 0, 1).astype(np.float32)


def concrete(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """An RGB uint8 image of ``layers`` on a concrete or asphalt surface."""
    shape = layers.mask.shape
    background = distractors(rng, _surface(rng, shape))
    target = toward(background, settings.draw("contrast", rng), dark=rng.random() < 0.85)
    gray = background + (target - background) * layers.coverage
    # Near-neutral: a slightly warm or cool cast, as white balance leaves it.
    tint = 1 + rng.uniform(-0.05, 0.05, size=3)
    rgb = blur(gray, rng, settings)[..., None] * tint
    return encode(sensor_noise(rgb, rng, settings), rng, settings)
