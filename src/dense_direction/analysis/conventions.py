"""How the tables write directions: the angle conventions a user can choose (NumPy only, so
that the command line can offer them without loading the analysis)."""

from __future__ import annotations

import numpy as np

__all__ = ["ANGLE_CONVENTIONS", "to_degrees"]

#: ``standard``: degrees in [0, 180), counter-clockwise from x with y up (the package's
#: convention in degrees); ``orientationj``: (-90, 90], as ImageJ's OrientationJ reports them.
ANGLE_CONVENTIONS = ("standard", "orientationj")


def to_degrees(radians: np.ndarray | float, convention: str = "standard") -> np.ndarray:
    """Directions in radians [0, π) as degrees in [0, 180) (``standard``) or (-90, 90]
    (``orientationj``: ImageJ's OrientationJ reports directions this way)."""
    degrees = np.mod(np.degrees(radians), 180.0)
    if convention == "orientationj":
        degrees = np.where(degrees > 90, degrees - 180, degrees)
    return degrees
