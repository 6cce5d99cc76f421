"""Settings of an analysis, and the conversions of its tables to the user's units and angles."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from dense_direction.analysis.conventions import ANGLE_CONVENTIONS, to_degrees
from dense_direction.analysis.field.statistics import AFT_SIZES

__all__ = ["ANGLE_CONVENTIONS", "AnalysisOptions", "as_options", "convert_table", "to_degrees"]

_LENGTHS = ("length", "path_length", "chord", "width_mean", "width_max", "total_length")
#: Areas: of an object or branch, and the area with a value (no-data left out) of an image
#: or ROI.
_AREAS = ("area", "valid_area")
_ANGLES = ("direction_mean", "mean_direction")
_SPREADS = ("dispersion",)


@dataclass(frozen=True)
class AnalysisOptions:
    """``threshold``: confidence above which a pixel is structure when no mask is given;
    ``min_size``: smaller connected objects (px) are dropped; ``max_hole``: holes in the
    structure of at most this many px are filled before the geometry (0: none);
    ``weighted``: weight field statistics by the confidence; ``pixel_size``/``unit``:
    physical size of a pixel;
    ``angle_convention``: ``standard`` [0, 180) or ``orientationj`` (-90, 90], degrees,
    counter-clockwise from x with y up; ``bins``: rose/histogram bins over 180°; ``sizes``:
    AFT neighbourhood sizes (px); ``seed_spacing``/``max_length``: streamline seeds along the
    skeleton and their length each way (px); ``misorientation_radius``: its window (px)."""

    threshold: float = 0.5
    min_size: int = 10
    max_hole: int = 10
    weighted: bool = True
    pixel_size: float = 1.0
    unit: str = "px"
    angle_convention: str = "standard"
    bins: int = 36
    sizes: tuple[int, ...] = AFT_SIZES
    seed_spacing: int = 16
    max_length: float = 64.0
    misorientation_radius: float = 3.0

    def __post_init__(self) -> None:
        for name, low, integer, strict in _NUMBERS:
            _check_number(name, getattr(self, name), low, integer, strict)
        if self.angle_convention not in ANGLE_CONVENTIONS:
            raise ValueError(
                f"angle convention must be one of {', '.join(ANGLE_CONVENTIONS)}, "
                f"got {self.angle_convention!r}"
            )
        if not 0 <= self.threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {self.threshold}")
        if not isinstance(self.unit, str) or not isinstance(self.weighted, bool):
            raise TypeError(
                f"unit must be a str and weighted a bool, got {self.unit!r}, {self.weighted!r}"
            )
        if not self.unit.strip():
            raise ValueError("unit must name the unit of pixel_size (e.g. 'um'), got ''")
        if self.unit == "px" and self.pixel_size != 1:
            # Lengths scaled by the pixel size but labelled pixels would be read as pixels.
            raise ValueError(
                f"unit 'px' means lengths in pixels, but pixel_size is {self.pixel_size}: "
                "give the unit pixel_size is in (e.g. 'um')"
            )
        if not self.sizes or not all(_is_int(s) and s >= 1 for s in self.sizes):
            raise ValueError(f"sizes must be whole numbers of pixels >= 1, got {self.sizes!r}")


def as_options(options: AnalysisOptions | Mapping[str, Any] | None) -> AnalysisOptions:
    """``options`` as :class:`AnalysisOptions`: None is the defaults, a mapping its fields
    (``dict(pixel_size=0.5, unit="um")``; it failed with an AttributeError deep inside)."""
    if options is None:
        return AnalysisOptions()
    if isinstance(options, AnalysisOptions):
        return options
    if isinstance(options, Mapping):
        unknown = sorted(set(options) - {f.name for f in fields(AnalysisOptions)})
        if unknown:
            known = ", ".join(f.name for f in fields(AnalysisOptions))
            raise TypeError(f"unknown analysis options {', '.join(unknown)}: known are {known}")
        return AnalysisOptions(**options)
    raise TypeError(
        f"options must be an AnalysisOptions or a dict of its fields, got {type(options).__name__}"
    )


# (field, bound, whether it must be a whole number, whether it must exceed the bound)
_NUMBERS = (
    ("threshold", 0, False, False),
    ("min_size", 0, True, False),
    ("max_hole", 0, True, False),
    ("pixel_size", 0, False, True),
    ("bins", 1, True, False),
    ("seed_spacing", 1, True, False),
    ("max_length", 0, False, False),
    ("misorientation_radius", 0, False, False),
)


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_number(name: str, value: object, low: float, integer: bool, strict: bool) -> None:
    """A ``TypeError`` for a value of the wrong kind (``"0.5"``, ``True``, ``2.5`` where a
    whole number is needed), a ``ValueError`` below ``low`` (at it too with ``strict``) or not
    finite, each naming the field."""
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not real or (integer and not _is_int(value)):
        kind = "a whole number" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value) or not (value > low if strict else value >= low):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low}, got {value!r}")


def convert_table(
    table: pd.DataFrame, options: AnalysisOptions | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """A table in pixels and radians converted: lengths × pixel size, areas × its square,
    curvature ÷ it, directions and dispersions in degrees; adds a ``unit`` column (of the
    lengths and widths) and, where the table has them, ``area_unit`` and ``curvature_unit``.
    ``options`` as :func:`analyze_image` takes them (a dict of fields too; None: defaults)."""
    options = as_options(options)
    out = table.copy()
    scale = options.pixel_size
    for column in out.columns:
        if column in _LENGTHS:
            out[column] = out[column] * scale
        elif column in _AREAS:
            out[column] = out[column] * scale**2
        elif column == "curvature_mean":
            out[column] = out[column] / scale
        elif column in _ANGLES:
            out[column] = to_degrees(out[column].to_numpy(float), options.angle_convention)
        elif column in _SPREADS:
            out[column] = np.degrees(out[column].to_numpy(float))
    out["unit"] = options.unit
    # One unit column read as the unit of every column: area is its square, curvature its
    # inverse (three newcomers took um for the area's unit).
    if any(column in out for column in _AREAS):
        out["area_unit"] = area_unit(options.unit)
    if "curvature_mean" in out:
        out["curvature_unit"] = curvature_unit(options.unit)
    return out


def area_unit(unit: str) -> str:
    """``um^2``: the unit of areas measured in ``unit``."""
    return f"{unit}^2"


def curvature_unit(unit: str) -> str:
    """``1/um``: the unit of curvatures measured in ``unit``."""
    return f"1/{unit}"
