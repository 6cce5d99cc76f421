"""Synthetic linear structures (cracks, vessels, roads, fibres) with exact direction truth.

Pure NumPy/SciPy; textures come from scikit-image's bundled images, so nothing is downloaded.
"""

from dense_direction.synthetic.curves import CURVE_KINDS, Curve
from dense_direction.synthetic.raster import Layers, rasterize
from dense_direction.synthetic.render import render_image
from dense_direction.synthetic.sample import KINDS, SyntheticSample, generate_sample
from dense_direction.synthetic.settings import HELD_OUT, TRAINING, RenderSettings
from dense_direction.synthetic.styles import STYLES

__all__ = [
    "CURVE_KINDS",
    "HELD_OUT",
    "KINDS",
    "STYLES",
    "TRAINING",
    "Curve",
    "Layers",
    "RenderSettings",
    "SyntheticSample",
    "generate_sample",
    "rasterize",
    "render_image",
]
