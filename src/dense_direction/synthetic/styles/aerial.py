"""Aerial and satellite imagery: patchy land cover, roads brighter or darker, cast shadows.

Land cover is a warped Voronoi partition into fields, forest, bare soil, built-up land and
water, each with its own colour and texture (ploughed fields get stripes). Roads are a uniform
gray surface (concrete brighter, asphalt darker than the surroundings). Trees and buildings
stand off the roads; their shadows, cast in one sun direction, may fall across them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import fractal_noise
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import (
    blur,
    encode,
    sensor_noise,
    toward,
    uneven_light,
)

__all__ = ["aerial"]

# Typical colours (RGB in [0, 1]): green field, dry field, forest, bare soil, built-up, water.
_LAND_COVER = np.array(
    [
        [0.33, 0.45, 0.22],
        [0.62, 0.56, 0.36],
        [0.13, 0.25, 0.12],
        [0.50, 0.40, 0.30],
        [0.52, 0.52, 0.50],
        [0.12, 0.20, 0.28],
    ],
    dtype=np.float32,
)


def _patches(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Patch index per pixel: nearest of 6-20 random seeds on a noise-warped grid."""
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = 0.15 * max(h, w)
    rows = rows + warp * (fractal_noise(rng, shape) - 0.5)
    cols = cols + warp * (fractal_noise(rng, shape) - 0.5)
    seeds = rng.uniform((0, 0), (h, w), size=(int(rng.integers(6, 21)), 2)).astype(np.float32)
    distance = (rows[None] - seeds[:, :1, None]) ** 2 + (cols[None] - seeds[:, 1:, None]) ** 2
    return np.argmin(distance, axis=0)


def _stripes(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(3, 8)
    return np.sin(2 * np.pi * (np.cos(angle) * cols + np.sin(angle) * rows) / period)


def _land(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    labels = _patches(rng, shape)
    count = int(labels.max()) + 1
    colours = _LAND_COVER[rng.integers(len(_LAND_COVER), size=count)]
    # Mostly brightness jitter: a strong per-channel one would turn gray roofs pink.
    jitter = rng.uniform(0.8, 1.2, size=(count, 1)) * rng.uniform(0.93, 1.07, size=(count, 3))
    colours = colours * jitter.astype(np.float32)
    texture = 1 + rng.uniform(0.1, 0.4, size=count)[labels] * (fractal_noise(rng, shape) - 0.5)
    striped = (rng.random(count) < 0.3)[labels]  # ploughed or mown fields
    texture = texture + striped * rng.uniform(0.03, 0.1) * _stripes(rng, shape)
    return colours[labels] * texture[..., None]


def _objects(
    rng: np.random.Generator, free: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tree crowns and building roofs on pixels in ``free`` (away from the structures), and
    the shadow they cast: ``(crowns, roofs, shadow)``, each in [0, 1]."""
    shape = free.shape
    seeds = np.zeros(shape, dtype=np.float32)
    seeds[rng.integers(0, shape[0], 60), rng.integers(0, shape[1], 60)] = 1
    crowns = ndimage.grey_dilation(seeds * (rng.random(shape) < 0.5), size=int(rng.integers(3, 8)))
    roofs = ndimage.grey_dilation(seeds * (rng.random(shape) < 0.15), size=int(rng.integers(5, 14)))
    keep = rng.uniform(0.2, 1.0)  # how wooded and built-up this scene is
    crowns = crowns * free * (rng.random() < keep)
    roofs = roofs * free * (rng.random() < keep)
    angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(2, 6)
    shift = (length * np.sin(angle), length * np.cos(angle))
    shadow = ndimage.shift(np.maximum(crowns, roofs), shift, order=1)
    return crowns, roofs, ndimage.gaussian_filter(shadow, 1.0)


def aerial(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """An RGB uint8 aerial-like image of ``layers`` (roads on land cover)."""
    shape, coverage = layers.mask.shape, layers.coverage
    land = _land(rng, shape)
    surface = float(land.mean())
    road = toward(np.float32(surface), settings.draw("contrast", rng), dark=rng.random() < 0.5)
    road_rgb = road * (1 + rng.uniform(-0.06, 0.06, size=3)).astype(np.float32)
    road_rgb = road_rgb * (1 + 0.1 * (fractal_noise(rng, shape)[..., None] - 0.5))
    rgb = land + (road_rgb - land) * coverage[..., None]
    free = ~ndimage.binary_dilation(layers.mask, iterations=3)
    crowns, roofs, shadow = _objects(rng, free)
    rgb = rgb + (np.array([0.1, 0.2, 0.08], np.float32) - rgb) * crowns[..., None]
    rgb = rgb + (rng.uniform(0.45, 0.8, size=3).astype(np.float32) - rgb) * roofs[..., None]
    rgb = rgb * (1 - rng.uniform(0.3, 0.6) * shadow * (1 - np.maximum(crowns, roofs)))[..., None]
    rgb = rgb * uneven_light(rng, shape, rng.uniform(0.0, 0.3))[..., None]
    return encode(sensor_noise(blur(rgb, rng, settings), rng, settings), rng, settings)
