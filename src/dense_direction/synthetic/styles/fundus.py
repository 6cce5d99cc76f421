"""Fundus photographs of the retina.

An orange-red disc (the camera's field of view) with vignetting and choroid texture on a dark
surround, a bright yellowish optic disc and a darker macula as distractors, and vessels darker
than the tissue, most of all in green (haemoglobin absorbs green light). The disc is large
(radius 0.55-0.63 of the shorter side) so only the image corners fall in the surround: 2-11 %
of a square image, where structures stay in the mask but cannot be seen.
"""

from __future__ import annotations

import numpy as np

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import fractal_noise
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import blur, encode, sensor_noise

__all__ = ["fundus", "fundus_field"]

# How much darker a vessel is per channel, relative to the drawn contrast (R, G, B).
_VESSEL_ABSORPTION = np.array([0.55, 1.0, 0.8], dtype=np.float32)


def fundus_field(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The field of view: ``(inside, radius)`` where ``inside`` is 1 in the disc, 0 outside
    (anti-aliased edge) and ``radius`` is the disc-relative radius of every pixel."""
    h, w = shape
    side = min(h, w)
    cy = h / 2 + rng.uniform(-0.03, 0.03) * side
    cx = w / 2 + rng.uniform(-0.03, 0.03) * side
    radius = rng.uniform(0.55, 0.63) * side
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    distance = np.hypot(rows - cy, cols - cx)
    inside = np.clip(radius - distance + 0.5, 0, 1)
    return inside.astype(np.float32), (distance / radius).astype(np.float32)


def _blob(shape: tuple[int, int], centre: np.ndarray, radius: float, power: float) -> np.ndarray:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    distance = np.hypot(rows - centre[0], cols - centre[1]) / radius
    return np.exp(-(distance**power)).astype(np.float32)


def _landmarks(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A flat-topped bright optic disc and a soft dark macula on opposite sides of the centre."""
    side = min(shape)
    angle = rng.uniform(0, 2 * np.pi)
    offset = rng.uniform(0.15, 0.35) * side * np.array([np.sin(angle), np.cos(angle)])
    centre = np.array(shape, dtype=np.float64) / 2
    disc = _blob(shape, centre + offset, rng.uniform(0.06, 0.1) * side, power=4)
    macula = _blob(shape, centre - offset, rng.uniform(0.08, 0.14) * side, power=2)
    return disc, macula


def fundus(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """An RGB uint8 fundus-like image of ``layers`` (vessels dark on orange-red)."""
    shape = layers.mask.shape
    inside, radius = fundus_field(rng, shape)
    vignette = np.clip(1 - rng.uniform(0.3, 0.6) * radius**2, 0.2, 1)
    choroid = 1 + (fractal_noise(rng, shape) - 0.5) * rng.uniform(0.1, 0.3)
    tissue = np.array(
        [rng.uniform(0.78, 0.95), rng.uniform(0.3, 0.45), rng.uniform(0.06, 0.16)], np.float32
    )
    rgb = (vignette * choroid)[..., None] * tissue
    disc, macula = _landmarks(rng, shape)
    rgb = rgb * (1 - rng.uniform(0.1, 0.3) * macula[..., None])
    pale = np.array([1.0, 0.85, 0.55], dtype=np.float32) * rng.uniform(0.9, 1.1)
    rgb = rgb + (pale - rgb) * (rng.uniform(0.6, 0.9) * disc)[..., None]
    absorbed = settings.draw("contrast", rng) * layers.coverage[..., None] * _VESSEL_ABSORPTION
    rgb = rgb * (1 - absorbed)
    surround = rng.uniform(0.0, 0.04)
    rgb = surround + (rgb - surround) * inside[..., None]
    return encode(sensor_noise(blur(rgb, rng, settings), rng, settings), rng, settings)
