"""Angle conventions: how the tables write directions (the conventions a user can choose), and
the check that an angle map holds radians in [0, π). NumPy only, so that the command line
(``analyze``, ``evaluate``) can use them without loading the analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "ANGLE_CONVENTIONS",
    "RADIANS_TOLERANCE",
    "check_radians",
    "to_degrees",
]

#: ``standard``: degrees in [0, 180), counter-clockwise from x with y up (the package's
#: convention in degrees); ``orientationj``: (-90, 90], as ImageJ's OrientationJ reports them.
ANGLE_CONVENTIONS = ("standard", "orientationj")

#: How far outside [0, π] a finite angle may lie (rounding in files written as float32 or
#: decoded from 16-bit PNGs); anything further is not radians in [0, π).
RADIANS_TOLERANCE = 1e-3


def check_radians(angles: np.ndarray, name: str | Path = "angle map") -> None:
    """Refuse an angle map whose finite values are not radians in [0, π) (within
    :data:`RADIANS_TOLERANCE`; π itself is the same direction as 0). NaN means no direction.
    Degrees (say 90 for vertical) would otherwise be read as radians and give nonsense."""
    finite = np.asarray(angles)[np.isfinite(angles)]
    if not finite.size:
        return
    low, high = float(finite.min()), float(finite.max())
    if low < -RADIANS_TOLERANCE or high > np.pi + RADIANS_TOLERANCE:
        # Within ±2π they are radians of another range, such as [-π/2, π/2): only the wrap
        # is missing. Beyond, degrees.
        radians = max(-low, high) <= 2 * np.pi + RADIANS_TOLERANCE
        advice = (
            "these look like radians of another range: wrap them"
            if radians
            else "convert degrees with numpy.radians and wrap"
        )
        raise ValueError(
            f"{name}: angles must be radians in [0, pi) (0 to 3.1416), found values from "
            f"{low:.4g} to {high:.4g}; {advice} into [0, pi) with numpy.mod(angles, numpy.pi)"
        )


#: Decimals degrees are rounded to: a float32 angle is off by up to 1.4e-5° (its spacing
#: near π), which put 150° (149.9999973 in float32) in the histogram's bin [145°, 150°) and a
#: mean direction of 0° at 179.9999986; 1e-4° is far below any measured direction's accuracy.
_DECIMALS = 4


def to_degrees(radians: np.ndarray | float, convention: str = "standard") -> np.ndarray:
    """Directions in radians [0, π) as degrees in [0, 180) (``standard``) or (-90, 90]
    (``orientationj``: ImageJ's OrientationJ reports directions this way), rounded to
    1e-4° so that float32 rounding does not move a direction across 0°, 90° or a bin edge."""
    degrees = np.round(np.mod(np.degrees(np.asarray(radians, dtype=np.float64)), 180.0), _DECIMALS)
    # 180 (np.mod(-1e-20, 180) in floating point, or 179.99999 rounded) is 0.
    degrees = np.where(degrees >= 180.0, 0.0, degrees)
    if convention == "orientationj":
        # Rounded again: 148.9362 - 180 is -31.063799999999986 in floating point.
        degrees = np.where(degrees > 90.0, np.round(degrees - 180.0, _DECIMALS), degrees)
    return degrees
