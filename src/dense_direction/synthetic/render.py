"""Render ground-truth layers into an image that resembles a photograph.

Layers, bottom to top: a textured background (scikit-image's bundled brick, grass and gravel
photographs, or fractal noise), uneven illumination, distractors that are *not* in the mask
(shadow edges, faint scratches, stains), the structures themselves (darker or brighter than the
background: both polarities), then colour tint, blur and sensor noise.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.curves import crack_curves, fibre_curves
from dense_direction.synthetic.raster import Layers, rasterize
from dense_direction.synthetic.settings import TRAINING, RenderSettings

__all__ = [
    "TEXTURES",
    "distractors",
    "fractal_noise",
    "illumination",
    "render_image",
    "texture_patch",
]

TEXTURES = ("brick", "grass", "gravel")


@lru_cache(maxsize=len(TEXTURES))
def _texture(name: str) -> np.ndarray:
    from skimage import data  # bundled images, nothing is downloaded

    return getattr(data, name)().astype(np.float32) / 255.0


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    out = np.zeros(shape, dtype=np.float32)
    for octave in range(1, 6):
        cells = 2**octave
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        up = ndimage.zoom(grid, (h / cells, w / cells), order=3, mode="nearest")[:h, :w]
        out += up / 1.6**octave
    return (out - out.min()) / max(float(np.ptp(out)), 1e-6)


def texture_patch(rng: np.random.Generator, name: str, shape: tuple[int, int]) -> np.ndarray:
    """A random crop (rotated by a multiple of 90 deg, mirrored-tiled where the image is
    smaller) of scikit-image's bundled photograph ``name``, gray in [0, 1]."""
    h, w = shape
    tex = np.rot90(_texture(name), int(rng.integers(4)))
    reps = (math.ceil(h / tex.shape[0]) + 1, math.ceil(w / tex.shape[1]) + 1)
    tiled = np.pad(
        tex, [(0, (r - 1) * s) for r, s in zip(reps, tex.shape, strict=True)], mode="symmetric"
    )
    top, left = rng.integers(tiled.shape[0] - h + 1), rng.integers(tiled.shape[1] - w + 1)
    return tiled[top : top + h, left : left + w]


def _background(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    choice = rng.integers(len(TEXTURES) + 2)  # textures, or fractal noise (2 chances)
    if choice < len(TEXTURES):
        base = texture_patch(rng, TEXTURES[choice], shape)
    else:
        base = fractal_noise(rng, shape)
    level, strength = rng.uniform(0.35, 0.75), rng.uniform(0.15, 0.6)
    return np.clip(level + (base - base.mean()) * strength, 0, 1).astype(np.float32)


def illumination(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(angle) * cols / w + np.sin(angle) * rows / h) * rng.uniform(0, 0.5)
    blob = fractal_noise(rng, shape) * rng.uniform(0, 0.4)
    field = 1 + ramp + blob
    return (field / field.mean()).astype(np.float32)


def distractors(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    h, w = image.shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(0, 3))):  # shadow edges
        angle = rng.uniform(0, 2 * math.pi)
        offset = rng.uniform(0.2, 0.8) * (np.cos(angle) * w + np.sin(angle) * h)
        signed = np.cos(angle) * cols + np.sin(angle) * rows - offset
        softness = rng.uniform(0.5, 4.0)
        # Far on the dark side exp overflows to inf and the shadow term to 0, its limit:
        # no warning for that (synth printed one for most images).
        with np.errstate(over="ignore"):
            image = image * (1 - rng.uniform(0.1, 0.3) / (1 + np.exp(-signed / softness)))
    faint = fibre_curves(rng, (h, w))[: int(rng.integers(0, 4))]
    faint += crack_curves(rng, (h, w))[: int(rng.integers(0, 2))]
    if faint:  # scratches and lines that the mask does not contain
        coverage = rasterize(faint, (h, w)).coverage
        image = image + rng.choice([-1, 1]) * rng.uniform(0.04, 0.12) * coverage
    for _ in range(int(rng.integers(0, 4))):  # stains
        # At least 5 px: below 25 px the upper end would fall under the lower (an error).
        largest = max(5.0, 0.2 * max(h, w))
        cy, cx, radius = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(5, largest)
        spot = np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * radius**2))
        image = image + rng.uniform(-0.15, 0.15) * spot
    return np.clip(image, 0, 1)


def render_image(
    layers: Layers, rng: np.random.Generator, settings: RenderSettings = TRAINING
) -> np.ndarray:
    """An RGB ``(H, W, 3)`` uint8 image of the structures in ``layers`` (the "photo" style).

    Contrast, blur and noise come from ``settings``; no JPEG step, so with the default
    settings the images are the same as before styles existed.
    """
    shape = layers.mask.shape
    background = distractors(rng, _background(rng, shape) * illumination(rng, shape))
    contrast = settings.draw("contrast", rng)
    dark = rng.random() < 0.5
    target = background * (1 - contrast) if dark else background + contrast * (1 - background)
    alpha = layers.coverage
    gray = background * (1 - alpha) + target * alpha
    gray = ndimage.gaussian_filter(gray, settings.draw("blur", rng))
    tint = rng.uniform(0.75, 1.0, size=3).astype(np.float32)
    rgb = gray[..., None] * tint / tint.max() + rng.uniform(-0.05, 0.05, size=3)
    rgb = rgb + rng.normal(0, settings.draw("noise", rng), size=rgb.shape)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
