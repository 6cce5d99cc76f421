"""Per-image pictures: axial rose plot, overlay with object ids, misorientation map."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage as ndi

from dense_direction.analysis.report.inputs import consecutive_labels
from dense_direction.visualization import add_legend, direction_overlay, legend_box

__all__ = ["label_positions", "misorientation_picture", "object_overlay", "rose_plot"]


def rose_plot(
    counts: np.ndarray, edges: np.ndarray, path: str | Path, title: str = "", convention: str = ""
) -> None:
    """Mirrored polar histogram: each bin over [0, π) drawn at θ and θ + π (a direction is a
    line), 0° to the right, counter-clockwise (y up), wedge radius ∝ weighted share (the
    largest bin reaches the rim; :func:`rim_label`, written in a corner, says what share).
    Drawn with Pillow: matplotlib's polar axes cost ~0.4 s a picture, too slow for a hundred
    images."""
    size, rim = 240, 100
    centre = size / 2
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for fraction in (1 / 3, 2 / 3, 1):
        r = rim * fraction
        draw.ellipse((centre - r, centre - r, centre + r, centre + r), outline=(210, 210, 210))
    peak = counts.max() if len(counts) and counts.max() > 0 else 1.0
    for count, low, high in zip(counts, edges[:-1], edges[1:], strict=True):
        r = rim * count / peak
        for offset in (0.0, 180.0):  # Pillow measures angles clockwise: negate for y up
            start, stop = -math.degrees(high) - offset, -math.degrees(low) - offset
            draw.pieslice(
                (centre - r, centre - r, centre + r, centre + r),
                start,
                stop,
                fill=(31, 119, 180),
                outline="white",
            )
    labels = (
        ("0°", "45°", "90°", "-45°")
        if convention == "orientationj"
        else ("0°", "45°", "90°", "135°")
    )
    for k, label in enumerate(labels):
        a = math.radians(45 * k)
        draw.text(
            (centre + 112 * math.cos(a), centre - 112 * math.sin(a)),
            label,
            fill="black",
            anchor="mm",
        )
    draw.text((4, 4), title, fill="black")
    draw.text((4, size - 4), rim_label(counts, edges), fill=(90, 90, 90), anchor="ld")
    image.save(path)


def rim_label(counts: np.ndarray, edges: np.ndarray) -> str:
    """What the rim of a rose plot stands for, ``rim = 12.5 % per 5° bin``: the largest bin's
    share of the weight (each plot is scaled to its own largest bin, so without it two plots
    could not be compared)."""
    total = float(np.sum(counts))
    if not len(counts) or total <= 0:
        return "no weight"
    width = math.degrees(float(edges[1] - edges[0]))
    return f"rim = {100 * float(np.max(counts)) / total:.1f} % per {width:g}° bin"


def label_positions(
    objects: np.ndarray, avoid: tuple[slice, slice] | None = None
) -> dict[int, tuple[int, int]]:
    """Where to write each object's number: the ``(row, col)`` of its pixel nearest to its
    centre of mass, on the object even where the centre is not (an arc, a branching tree),
    and outside the ``avoid`` box (the legend) where the object has pixels outside it."""
    allowed = np.ones(objects.shape, bool)
    if avoid is not None:
        allowed[avoid] = False
    positions = {}
    # Renumbered 1, 2, 3 ...: find_objects lists every number up to the largest (user
    # labels may skip numbers, 7 and 9, or run to millions).
    compact, ids = consecutive_labels(objects)
    for index, box in enumerate(ndi.find_objects(compact)):
        if box is None:
            continue
        offset = np.array([box[0].start, box[1].start])
        pixels = np.argwhere(compact[box] == index + 1) + offset
        centre = pixels.mean(axis=0)
        outside = allowed[pixels[:, 0], pixels[:, 1]]
        pixels = pixels[outside] if outside.any() else pixels
        distance = ((pixels - centre) ** 2).sum(axis=1)
        row, col = pixels[np.argmin(distance)].tolist()
        positions[int(ids[index + 1])] = (row, col)
    return positions


def object_overlay(
    background: np.ndarray, angles: np.ndarray, structure: np.ndarray, objects: np.ndarray
) -> np.ndarray:
    """``background`` (RGB or gray) with direction colours on the structure, each object's
    number written on it (:func:`label_positions`), and the colour-wheel legend;
    ``(H, W, 3)`` uint8."""
    picture = add_legend(direction_overlay(background, angles, structure), copy=False)
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    for number, (row, col) in label_positions(objects, legend_box(picture.shape)).items():
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
    black off the structure; its scale, a bar from 0° to 90° with those labels, in the
    top-right corner where the overlays have their colour wheel (:func:`legend_box`; none in
    pictures too small for it). ``(H, W, 3)`` uint8."""
    from matplotlib import colormaps

    magma = colormaps["magma"]
    shown = np.isfinite(misorientation)
    level = np.where(shown, misorientation / (math.pi / 2), 0.0)
    rgb = magma(np.clip(level, 0, 1))[..., :3]
    rgb[~shown] = 0
    picture = (rgb * 255 + 0.5).astype(np.uint8)
    box = legend_box(picture.shape)
    if box is None:
        return picture
    rows, cols = box
    width, height = cols.stop - cols.start, max(4, (rows.stop - rows.start) // 4)
    ramp = magma(np.linspace(0, 1, width))[:, :3]
    picture[rows.start : rows.start + height, cols] = (ramp * 255 + 0.5).astype(np.uint8)
    canvas = Image.fromarray(picture)
    draw = ImageDraw.Draw(canvas)
    below = rows.start + height + 1
    font = ImageFont.load_default(size=max(10, height))  # readable beside the bar
    label = {"fill": (255, 255, 255), "stroke_width": 1, "stroke_fill": (0, 0, 0), "font": font}
    draw.text((cols.start, below), "0°", **label)
    draw.text((cols.stop, below), "90°", anchor="ra", **label)
    return np.asarray(canvas).copy()
