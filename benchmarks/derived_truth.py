"""How far the direction ``evaluate`` derives from masks is from the exact one.

Without direction maps, ``evaluate --masks`` takes the truth from the mask's skeleton by the
structure tensor (``cli/_evaluation_items.DERIVED_RHO``). A rasterised skeleton is a
staircase, which the tensor reads as a few degrees of error at some pixels. This prints the
mean error of that derived truth on the skeleton (away from the ends) of straight bands 3, 7
and 15 px wide at 10, 30 and 45 degrees, and on a ring of radius 60 px, for the integration
scales 2 px (train ``--val-centerlines``'s), 4 and 6 px. True masks, no model.

    python benchmarks/derived_truth.py
"""

from __future__ import annotations

import math

import numpy as np

from dense_direction.evaluation import angular_error
from dense_direction.transforms import centerline_directions, mask_centerline

SIZE = 240
RHOS = (2.0, 4.0, 6.0)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[:SIZE, :SIZE]
    return rows.astype(float), cols.astype(float)


def band(angle_deg: float, width: float, length: float = 150.0) -> np.ndarray:
    """A band through the centre at ``angle_deg`` (counter-clockwise from x, y up)."""
    rows, cols = _grid()
    a = math.radians(angle_deg)
    centre = SIZE / 2 + 0.5
    along = (cols - centre) * math.cos(a) - (rows - centre) * math.sin(a)
    across = (cols - centre) * math.sin(a) + (rows - centre) * math.cos(a)
    return (np.abs(across) < width / 2) & (np.abs(along) < length / 2)


def ring(radius: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """An annulus around the centre and its tangent directions (y up)."""
    rows, cols = _grid()
    centre = SIZE / 2
    mask = np.abs(np.hypot(rows - centre, cols - centre) - radius) < width / 2
    tangent = np.mod(np.arctan2(-(rows - centre), cols - centre) + math.pi / 2, math.pi)
    return mask, tangent


def errors(mask: np.ndarray, truth: np.ndarray, keep: np.ndarray | None = None) -> list[float]:
    """Mean error (degrees) of the derived truth on the mask's skeleton, for each of RHOS."""
    skeleton = mask_centerline(mask.astype(np.uint8)) > 0
    scored = skeleton if keep is None else skeleton & keep
    return [
        float(angular_error(centerline_directions(skeleton.astype(np.uint8), (1,), 1.0, rho)[0],
                            truth, scored).mean())
        for rho in RHOS
    ]  # fmt: skip


def main() -> None:
    print("| shape | " + " | ".join(f"rho {rho:g} px" for rho in RHOS) + " |")
    print("|---" * (len(RHOS) + 1) + "|")
    _, cols = _grid()
    inner = np.abs(cols - SIZE / 2) < 50  # away from the bands' ends, where the tensor turns
    for width in (3, 7, 15):
        for angle in (10, 30, 45):
            truth = np.full((SIZE, SIZE), math.radians(angle), np.float32)
            found = errors(band(angle, width), truth, inner)
            _row(f"band {width} px at {angle}°", found)
    mask, tangent = ring(60, 7)
    _row("ring r=60 px, 7 px wide", errors(mask, tangent))


def _row(name: str, found: list[float]) -> None:
    print(f"| {name} | " + " | ".join(f"{e:.2f}" for e in found) + " |")


if __name__ == "__main__":
    main()
