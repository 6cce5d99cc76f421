"""Pictures of direction fields (NumPy + matplotlib; no OpenMMLab).

Colour code: hue = direction. Angles live on [0, pi) and 0 and pi are the same direction, so
the hue wheel goes round once over pi: 0 (horizontal) is red, pi/4 yellow-green, pi/2
(vertical) cyan, 3pi/4 violet. Saturation and value are 1 where a direction is shown; the
overlay blends that colour with the photograph.
"""

from __future__ import annotations

import math

import numpy as np

_SLAB_ROWS = 256

__all__ = [
    "add_legend",
    "color_wheel",
    "comparison_row",
    "direction_colors",
    "direction_overlay",
    "error_histogram",
    "error_panel",
    "legend_box",
    "quiver_plot",
]


def direction_colors(angles: np.ndarray, strength: np.ndarray | None = None) -> np.ndarray:
    """``(H, W)`` angles in radians -> ``(H, W, 3)`` float RGB in [0, 1], hue = angle / pi.

    ``strength`` (``(H, W)`` in [0, 1], e.g. a confidence) scales the value channel.
    """
    # HSV with saturation 1, written out: with h = 6 * hue in [0, 6), red is
    # clip(|h - 3| - 1, 0, 1), green clip(2 - |h - 2|, 0, 1), blue clip(2 - |h - 4|, 0, 1)
    # (red 1 at h = 0, green 1 on [1, 3], blue on [3, 5]), times the value. The same numbers
    # as matplotlib's hsv_to_rgb (to 5e-7) about 10 times faster (benchmarks/predict_stages.py):
    # predict draws an overlay of every image.
    angles = np.asarray(angles)
    dtype = np.float32 if angles.dtype == np.float32 else np.float64
    h = np.mod(np.nan_to_num(angles, nan=0.0), math.pi).astype(dtype) * dtype(6 / math.pi)
    out = np.empty((*h.shape, 3), dtype)
    np.clip(np.abs(h - 3) - 1, 0, 1, out=out[..., 0])
    np.clip(2 - np.abs(h - 2), 0, 1, out=out[..., 1])
    np.clip(2 - np.abs(h - 4), 0, 1, out=out[..., 2])
    if strength is not None:
        out *= np.clip(strength, 0, 1)[..., None]
    return out


def direction_overlay(
    image: np.ndarray,
    angles: np.ndarray,
    mask: np.ndarray | None = None,
    alpha: float = 0.8,
    strength: np.ndarray | None = None,
) -> np.ndarray:
    """The photograph with direction colours blended in where ``mask`` is set (everywhere with
    a finite angle when None). ``image`` is ``(H, W)`` or ``(H, W, 3)``, uint8 or float in
    [0, 1]; returns ``(H, W, 3)`` uint8. Only the shown pixels are converted, so large images
    cost little beyond the output."""
    out = _picture_base(image, angles.shape)
    show = np.isfinite(angles) if mask is None else (np.asarray(mask) > 0) & np.isfinite(angles)
    pixels = out.reshape(-1, 3)  # a view: writing it writes out
    width = out.shape[1]
    for top in range(0, out.shape[0], _SLAB_ROWS):  # slabs bound the float temporaries
        # Flat indices of the shown pixels: take and an integer index are several times
        # faster than boolean masks over (rows, cols, 3) (0.09 s against 0.25 s for a
        # 4000x3000 overlay with a third of its pixels shown).
        rows = slice(top, top + _SLAB_ROWS)
        at = np.flatnonzero(show[rows]) + top * width
        if not at.size:
            continue
        shown = np.take(pixels, at, axis=0).astype(np.float32) / 255
        level = None if strength is None else np.take(strength, at)[None]
        colours = direction_colors(np.take(angles, at)[None], level)[0].astype(np.float32)
        pixels[at] = (((1 - alpha) * shown + alpha * colours) * 255 + 0.5).astype(np.uint8)
    return out


def _picture_base(image: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """A new ``(H, W, 3)`` uint8 copy of ``image`` (``(H, W)`` gray or ``(H, W, 3|4)``, uint8
    or float in [0, 1]) to draw on; a ``ValueError`` where it is not of ``size`` (H, W)."""
    base = np.asarray(image)
    if base.dtype != np.uint8:
        base = (np.clip(base, 0, 1) * 255 + 0.5).astype(np.uint8)
    if base.ndim == 2:
        base = np.repeat(base[..., None], 3, axis=2)
    if base.shape[:2] != tuple(size):
        raise ValueError(f"image {base.shape[:2]} and angles {tuple(size)} differ in size")
    return np.array(base[..., :3], order="C")  # a copy: the caller's image is left as it was


def color_wheel(size: int = 96) -> np.ndarray:
    """``(size, size, 4)`` uint8 RGBA legend: each direction drawn as its colour along a
    diameter, so a line at angle t through the centre has the colour of t (y up)."""
    coords = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(coords, -coords)  # y up
    radius = np.hypot(x, y)
    angles = np.mod(np.arctan2(y, x), math.pi)
    rgb = direction_colors(angles)
    outer = (size - 1) / 2
    alpha = np.clip(outer - radius, 0, 1) * (radius > 0.18 * outer)
    return np.concatenate((rgb * 255, alpha[..., None] * 255), axis=-1).astype(np.uint8)


def legend_box(
    shape: tuple[int, ...], size: int | None = None, margin: int = 4
) -> tuple[slice, slice] | None:
    """The (rows, cols) that :func:`add_legend` draws its wheel on in a picture of ``shape``
    (its top-right corner, a fifth of the shorter side), or None where the picture is too
    small for one."""
    h, w = shape[:2]
    size = size or max(24, min(h, w) // 5)
    if size + 2 * margin > min(h, w):
        return None
    return slice(margin, margin + size), slice(w - size - margin, w - margin)


def add_legend(
    picture: np.ndarray, size: int | None = None, margin: int = 4, copy: bool = True
) -> np.ndarray:
    """``picture`` (``(H, W, 3)`` uint8) with a colour wheel in its top-right corner
    (:func:`legend_box`): a copy, or with ``copy=False`` ``picture`` itself drawn on
    (predict's overlay, which it owns: no second 36 MB array for a 4000x3000 image)."""
    box = legend_box(picture.shape, size, margin)
    if box is None:
        return picture
    size = box[0].stop - box[0].start
    wheel = color_wheel(size).astype(np.float32) / 255
    out = picture.copy() if copy else picture
    top, left = box[0].start, box[1].start
    region = out[top : top + size, left : left + size].astype(np.float32) / 255
    a = wheel[..., 3:]
    blended = (1 - a) * region + a * wheel[..., :3]
    out[top : top + size, left : left + size] = (blended * 255 + 0.5).astype(np.uint8)
    return out


def quiver_plot(
    image: np.ndarray,
    angles: np.ndarray,
    mask: np.ndarray,
    step: int = 12,
    path: str | None = None,
) -> np.ndarray:
    """Short line segments along the directions on a grid of ``step`` pixels, drawn over the
    image in each direction's colour (hue = angle, as the overlay): ``0.8 * step`` long,
    centred on grid points where ``mask`` is set and the angle finite, ``max(1, step // 12)``
    px wide, anti-aliased. Angles are counter-clockwise with y up, so a segment at 45 deg
    runs from bottom-left to top-right of the picture. ``image``: as
    :func:`direction_overlay` takes it.

    Returns the ``(H, W, 3)`` uint8 picture (and writes it to ``path`` as a PNG if given).
    """
    import cv2

    from dense_direction.io.png import write_png

    out = _picture_base(image, angles.shape)
    h, w = angles.shape
    rows, cols = np.mgrid[step // 2 : h : step, step // 2 : w : step]
    keep = (np.asarray(mask)[rows, cols] > 0) & np.isfinite(angles[rows, cols])
    theta = angles[rows, cols][keep]
    half = 0.4 * step
    # Image rows grow downward: a direction (cos t, sin t) with y up is (cos t, -sin t) here.
    dx, dy = half * np.cos(theta), -half * np.sin(theta)
    colours = np.round(direction_colors(theta[None])[0] * 255).astype(int)
    thickness = max(1, step // 12)
    for x, y, ex, ey, colour in zip(cols[keep], rows[keep], dx, dy, colours, strict=True):
        start = (round(x - ex), round(y - ey))
        end = (round(x + ex), round(y + ey))
        cv2.line(out, start, end, tuple(int(c) for c in colour), thickness, cv2.LINE_AA)
    if path is not None:
        write_png(out, path)
    return out


def error_histogram(
    errors: dict[str, np.ndarray], path: str, bins: int = 45, title: str = "angular error"
) -> None:
    """Histograms of angular errors in degrees (0-90), one per named method, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
    edges = np.linspace(0, 90, bins + 1)
    for name, values in errors.items():
        values = np.asarray(values)
        label = f"{name} (mean {values.mean():.1f}°)" if values.size else name
        ax.hist(values, bins=edges, histtype="step", linewidth=1.6, density=True, label=label)
    ax.set_xlabel("angular error (degrees)")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def error_panel(rgb: np.ndarray, errors: np.ndarray, select: np.ndarray) -> np.ndarray:
    """Darkened gray photograph with the per-pixel error (0-45 degrees, inferno colour map) on
    the ``select``-ed pixels. ``rgb``: ``(H, W, 3)``; ``errors``: ``(H, W)`` degrees."""
    from matplotlib import colormaps

    gray = rgb.mean(axis=2, keepdims=True).repeat(3, axis=2) * 0.45
    colours = colormaps["inferno"](np.clip(errors / 45, 0, 1))[..., :3] * 255
    out = gray.copy()
    out[select] = colours[select]
    return out.astype(np.uint8)


def comparison_row(
    rgb: np.ndarray, truth: np.ndarray, angles: np.ndarray, errors: np.ndarray, select: np.ndarray
) -> np.ndarray:
    """``image | truth | prediction | error`` side by side (``(H, 4W, 3)`` uint8): the truth
    and prediction overlaid where the truth is defined (finite), the error on ``select``."""
    shown = np.isfinite(truth)
    return np.concatenate(
        [
            rgb,
            add_legend(direction_overlay(rgb, np.nan_to_num(truth), shown)),
            add_legend(direction_overlay(rgb, angles, shown)),
            error_panel(rgb, errors, select),
        ],
        axis=1,
    )
