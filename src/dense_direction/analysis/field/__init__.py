"""Statistics of a direction field (axial: modulo 180°)."""

from dense_direction.analysis.field import misorientation, statistics
from dense_direction.analysis.field.misorientation import *  # noqa: F403
from dense_direction.analysis.field.statistics import *  # noqa: F403

__all__ = [*statistics.__all__, *misorientation.__all__]
