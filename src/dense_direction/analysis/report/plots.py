"""Per-image pictures: axial rose plot, overlay with object ids, misorientation map."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from dense_direction.visualization import add_legend, direction_overlay

__all__ = ["misorientation_picture", "object_overlay", "rose_plot"]


def rose_plot(
    counts: np.ndarray, edges: np.ndarray, path: str | Path, title: str = "", convention: str = ""
) -> None:
    """Mirrored polar histogram: each bin over [0, π) drawn at θ and θ + π (a direction is a
    line), 0° to the right, counter-clockwise (y up), bar length = weighted share."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    share = counts / counts.sum() if counts.sum() > 0 else counts
    width = np.diff(edges)
    fig = plt.figure(figsize=(3.2, 3.2), dpi=90)
    ax = fig.add_subplot(projection="polar")
    for offset in (0.0, math.pi):
        ax.bar(
            edges[:-1] + offset,
            share,
            width=width,
            align="edge",
            color="tab:blue",
            edgecolor="white",
            linewidth=0.4,
        )
    if convention == "orientationj":
        ax.set_xticks(np.radians(np.arange(0, 360, 45)))
        ax.set_xticklabels(["0°", "45°", "90°", "-45°", "0°", "45°", "90°", "-45°"])
    ax.set_yticklabels([])
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def object_overlay(
    background: np.ndarray, angles: np.ndarray, structure: np.ndarray, objects: np.ndarray
) -> np.ndarray:
    """``background`` (RGB or gray) with direction colours on the structure, each object's
    number written at its centre of mass, and the colour-wheel legend; ``(H, W, 3)`` uint8."""
    picture = add_legend(direction_overlay(background, angles, structure))
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    count = int(objects.max())
    if count:
        centres = ndi.center_of_mass(np.ones_like(objects), objects, range(1, count + 1))
        for number, (row, col) in enumerate(centres, start=1):
            if np.isfinite(row):
                draw.text(
                    (col, row),
                    str(number),
                    fill=(255, 255, 255),
                    stroke_width=2,
                    stroke_fill=(0, 0, 0),
                    anchor="mm",
                )
    return np.asarray(image)


def misorientation_picture(misorientation: np.ndarray) -> np.ndarray:
    """Misorientation (radians, [0, π/2]) in the magma colour map, 0° dark, 90° bright;
    black off the structure. ``(H, W, 3)`` uint8."""
    from matplotlib import colormaps

    shown = np.isfinite(misorientation)
    level = np.where(shown, misorientation / (math.pi / 2), 0.0)
    rgb = colormaps["magma"](np.clip(level, 0, 1))[..., :3]
    rgb[~shown] = 0
    return (rgb * 255 + 0.5).astype(np.uint8)
