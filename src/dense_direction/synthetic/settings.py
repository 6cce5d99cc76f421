"""Render settings: the ranges generic degradations are drawn from, for training and held out.

Every style draws its structure contrast, optical blur, noise level and JPEG quality from a
:class:`RenderSettings`. :data:`TRAINING` holds the ranges training data uses (the photo
style's original ranges); :data:`HELD_OUT` holds ranges that share no interval with them, on
both sides where that stays realistic, so a zero-shot evaluation can honestly claim render
settings that training never saw (values just outside the training ranges, not extremes).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["HELD_OUT", "TRAINING", "Interval", "RenderSettings", "settings_for"]

Interval = tuple[float, float]


@dataclass(frozen=True)
class RenderSettings:
    """Ranges of the generic render parameters; each is one or more ``(low, high)`` intervals.

    Attributes:
        contrast: how far structures depart from the background, a fraction of the way to
            black (dark structures) or white (bright ones).
        blur: Gaussian sigma of the optics, in pixels.
        noise: noise standard deviation in [0, 1] intensity units (shot-noise styles turn it
            into a photon count with the same relative spread).
        jpeg_quality: JPEG quality factor (rounded to an int).
        jpeg_chance: probability that a sample of a non-photo style is JPEG-compressed.
    """

    contrast: tuple[Interval, ...]
    blur: tuple[Interval, ...]
    noise: tuple[Interval, ...]
    jpeg_quality: tuple[Interval, ...]
    jpeg_chance: float

    def draw(self, name: str, rng: np.random.Generator) -> float:
        """One value of parameter ``name``, uniform over the union of its intervals."""
        intervals = getattr(self, name)
        if len(intervals) == 1:  # one uniform call, so the photo style's draws stay as they were
            return float(rng.uniform(*intervals[0]))
        lengths = np.array([high - low for low, high in intervals])
        at = float(rng.uniform(0, lengths.sum()))
        index = min(int(np.searchsorted(np.cumsum(lengths), at, side="right")), len(lengths) - 1)
        return intervals[index][0] + at - float(lengths[:index].sum())

    def to_json(self) -> dict:
        """The settings as JSON types (intervals as lists), for a dataset's ``meta.json``."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        return {k: [list(i) for i in v] if isinstance(v, tuple) else v for k, v in values.items()}


TRAINING = RenderSettings(
    contrast=((0.3, 0.75),),
    blur=((0.3, 1.2),),
    noise=((0.005, 0.04),),
    jpeg_quality=((45.0, 95.0),),
    jpeg_chance=0.3,
)

HELD_OUT = RenderSettings(
    contrast=((0.25, 0.3), (0.75, 0.85)),
    blur=((0.1, 0.3), (1.2, 1.5)),
    noise=((0.002, 0.005), (0.04, 0.05)),
    jpeg_quality=((30.0, 45.0), (95.0, 98.0)),
    jpeg_chance=0.3,
)


def settings_for(held_out: bool) -> RenderSettings:
    """:data:`HELD_OUT` when ``held_out``, else :data:`TRAINING`."""
    return HELD_OUT if held_out else TRAINING
