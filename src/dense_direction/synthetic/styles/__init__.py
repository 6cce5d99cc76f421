"""Rendering styles: how the ground-truth layers become pixels, one imaging domain each.

A style is a function ``(layers, rng, settings) -> (H, W, 3) uint8 RGB``. It reads the layers
(coverage, mask) and draws everything else from ``rng``; it never changes the ground truth.
``photo`` is the original photo-like renderer (:func:`render_image`); the others resemble the
domains users bring and end with the shared blur, noise and optional JPEG step
(:mod:`.finish`), drawn from the :class:`RenderSettings` given (training or held out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dense_direction.synthetic.raster import Layers
from dense_direction.synthetic.render import render_image
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles.aerial import aerial
from dense_direction.synthetic.styles.concrete import concrete
from dense_direction.synthetic.styles.drawing import drawing
from dense_direction.synthetic.styles.fluorescence import fluorescence
from dense_direction.synthetic.styles.fundus import fundus
from dense_direction.synthetic.styles.sem import sem

__all__ = ["ALL_STYLES", "STYLES", "Style", "parse_styles"]

Style = Callable[[Layers, np.random.Generator, RenderSettings], np.ndarray]

STYLES: dict[str, Style] = {
    "photo": render_image,
    "concrete": concrete,
    "fundus": fundus,
    "fluorescence": fluorescence,
    "aerial": aerial,
    "sem": sem,
    "drawing": drawing,
}

#: The name that stands for every style, one drawn at random per sample.
ALL_STYLES = "all"


def parse_styles(style: str | Sequence[str]) -> tuple[str, ...]:
    """A tuple of style names from one name, several, or ``"all"`` (every style)."""
    names = (style,) if isinstance(style, str) else tuple(style)
    if ALL_STYLES in names:
        return tuple(STYLES)
    unknown = [name for name in names if name not in STYLES]
    if not names or unknown:
        raise ValueError(
            f"unknown style(s) {unknown or names!r}; choose from {tuple(STYLES)} or {ALL_STYLES!r}"
        )
    return names
