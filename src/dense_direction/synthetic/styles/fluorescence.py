"""Fluorescence microscopy: bright labelled structures on a dark background.

The signal is the structure coverage with uneven labelling along it, plus out-of-focus haze
(a wide blur of the structures and a few dim cell-sized blobs) and bright puncta that are not
in the mask, over weak autofluorescence. After the optics, photon shot noise (Poisson, photon
count from the drawn noise level) and a little read noise; shown through one of the usual
lookup colours.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import fractal_noise
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.finish import blur, encode

__all__ = ["fluorescence"]

# Gray, green (GFP), red, magenta, cyan: the lookup tables microscopes display.
_LUTS = np.array(
    [[1, 1, 1], [0.15, 1, 0.25], [1, 0.2, 0.1], [1, 0.25, 1], [0.15, 0.9, 1]], dtype=np.float32
)
# Photon count at which Poisson noise has the drawn relative spread: noise 0.04 -> ~40 photons
# at full brightness (grainy), 0.005 -> 2500 (clean).
_PHOTON_SCALE = 0.25


def _spots(
    rng: np.random.Generator, shape: tuple[int, int], count: int, sigma: tuple[float, float]
) -> np.ndarray:
    """``count`` Gaussian spots of random size and brightness at random places."""
    points = np.zeros(shape, dtype=np.float32)
    rows, cols = rng.integers(0, shape[0], count), rng.integers(0, shape[1], count)
    points[rows, cols] = rng.uniform(0.3, 1.0, count)
    spread = rng.uniform(*sigma)
    return ndimage.gaussian_filter(points, spread) * (2 * np.pi * spread**2)


def _haze(rng: np.random.Generator, coverage: np.ndarray) -> np.ndarray:
    """Light from out of the focal plane: the structures widely blurred, plus dim cells."""
    wide = ndimage.gaussian_filter(coverage, rng.uniform(3, 10)) * rng.uniform(0.1, 0.5)
    cells = _spots(rng, coverage.shape, int(rng.integers(0, 6)), (6, 16))
    return wide + rng.uniform(0.05, 0.2) * cells


def fluorescence(layers: Layers, rng: np.random.Generator, settings: RenderSettings) -> np.ndarray:
    """An RGB uint8 fluorescence-like image of ``layers`` (bright structures on dark)."""
    shape, coverage = layers.mask.shape, layers.coverage
    labelling = 0.55 + 0.45 * fractal_noise(rng, shape)  # uneven dye uptake along structures
    brightness = 0.2 + settings.draw("contrast", rng)
    background = rng.uniform(0.01, 0.06) + rng.uniform(0, 0.05) * fractal_noise(rng, shape)
    puncta = rng.uniform(0.2, 0.6) * _spots(rng, shape, int(rng.integers(0, 40)), (0.7, 1.5))
    signal = background + brightness * (coverage * labelling + _haze(rng, coverage)) + puncta
    signal = np.clip(blur(signal, rng, settings), 0, None)
    photons = (_PHOTON_SCALE / settings.draw("noise", rng)) ** 2
    counts = rng.poisson(signal * photons) / photons
    counts = counts + rng.normal(0, 0.005, size=shape)
    lut = _LUTS[rng.integers(len(_LUTS))]
    return encode(counts[..., None] * lut, rng, settings)
