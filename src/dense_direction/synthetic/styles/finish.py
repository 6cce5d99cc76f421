"""Steps every new style shares: structure compositing, optics, sensor noise, 8-bit encoding
with optional JPEG compression.

Each step takes the sample's generator and :class:`RenderSettings`, so the held-out ranges
reach every style through the same few draws.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from dense_direction.synthetic.settings import RenderSettings

__all__ = [
    "blur",
    "encode",
    "jpeg_compress",
    "sensor_noise",
    "toward",
    "uneven_light",
]


def toward(background: np.ndarray, contrast: float, dark: bool) -> np.ndarray:
    """``background`` moved a fraction ``contrast`` of the way to black (``dark``) or white:
    the intensity of a structure that is visible at the same relative contrast everywhere."""
    return background * (1 - contrast) if dark else background + contrast * (1 - background)


def uneven_light(rng: np.random.Generator, shape: tuple[int, int], strength: float) -> np.ndarray:
    """A smooth multiplicative light field with mean 1: a linear ramp plus a broad bump."""
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * (cols / w - 0.5) + np.sin(angle) * (rows / h - 0.5)
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    bump = np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * (0.4 * max(h, w)) ** 2))
    field = 1 + strength * (ramp + rng.uniform(-0.5, 0.5) * bump)
    return (field / field.mean()).astype(np.float32)


def blur(image: np.ndarray, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """Gaussian optics with sigma from ``settings``; colour channels are not mixed."""
    sigma = settings.draw("blur", rng)
    spatial = (sigma, sigma) + (0,) * (image.ndim - 2)
    return ndimage.gaussian_filter(image, spatial)


def sensor_noise(
    image: np.ndarray, rng: np.random.Generator, settings: RenderSettings, scale: float = 1.0
) -> np.ndarray:
    """Additive Gaussian read noise, ``scale`` times the level drawn from ``settings``."""
    return image + rng.normal(0, scale * settings.draw("noise", rng), size=image.shape)


def jpeg_compress(image: np.ndarray, quality: int) -> np.ndarray:
    """``image`` (uint8 RGB) after a JPEG round trip at ``quality`` (1-100), same shape:
    8x8 blocking, ringing at edges and 4:2:0 colour smearing, as in camera and web images."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def encode(rgb: np.ndarray, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """Float RGB (or gray) in [0, 1] to uint8 RGB; JPEG-compressed with the chance and quality
    ``settings`` give."""
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    image = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    if rng.random() < settings.jpeg_chance:
        image = jpeg_compress(image, round(settings.draw("jpeg_quality", rng)))
    return image
