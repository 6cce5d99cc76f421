"""Checks of what a :class:`~dense_direction.inference.DirectionEstimator` is given and of what
its network returns, each a message that names the argument and says expected vs got."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral

import numpy as np
import torch
from torch import nn

__all__ = ["check_estimator_arguments", "check_missing", "check_network_outputs"]


def check_estimator_arguments(
    network: object,
    dir_classes: object,
    mean: object,
    std: object,
    seg_channels: object,
    divisor: object,
) -> None:
    """A ``TypeError`` / ``ValueError`` naming the first argument of the estimator's
    constructor that cannot be right."""
    if not isinstance(network, nn.Module):
        raise TypeError(
            f"network must be a torch.nn.Module (normalised (N, 3, H, W) -> (N, C + 2K, H, W)), "
            f"got {type(network).__name__}"
        )
    if (
        not isinstance(dir_classes, Sequence | np.ndarray)
        or isinstance(dir_classes, str)
        or not len(dir_classes)
        or not all(isinstance(c, Integral) and not isinstance(c, bool) for c in dir_classes)
    ):
        raise ValueError(
            f"dir_classes must be a non-empty sequence of label ids, e.g. (1,), got {dir_classes!r}"
        )
    for name, values, positive in (("mean", mean, False), ("std", std, True)):
        numbers = _floats(values)
        ok = numbers is not None and len(numbers) == 3 and all(map(math.isfinite, numbers))
        if not ok or (positive and min(numbers) <= 0):
            want = "3 numbers > 0" if positive else "3 finite numbers"
            raise ValueError(
                f"{name} must be {want}, one per input channel on the 0-255 scale of 8-bit "
                f"images (e.g. ImageNet's mean 123.675, 116.28, 103.53), got {values!r}"
            )
    for name, value, least in (("seg_channels", seg_channels, 0), ("divisor", divisor, 1)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    _check_classes_have_probabilities(tuple(dir_classes), seg_channels)


def _check_classes_have_probabilities(dir_classes: tuple[int, ...], seg_channels: int) -> None:
    """Every direction class needs its structure probability among the head's channels: a
    binary head (one channel) gives label 1's (and label 0's as 1 - it), a head of C
    channels labels 0 to C - 1. A class beyond them used to get 1 - p (binary head) or fail
    with an IndexError in the middle of a prediction."""
    if seg_channels == 1 and not set(dir_classes) <= {0, 1}:
        raise ValueError(
            f"dir_classes must be among 0 and 1 with a binary structure head (seg_channels=1: "
            f"the probability of label 1), got {dir_classes}: for a head of several classes, "
            f"set seg_channels to their number"
        )
    if seg_channels > 1 and not all(0 <= c < seg_channels for c in dir_classes):
        raise ValueError(
            f"dir_classes must be labels 0 to {seg_channels - 1}, one per channel of the "
            f"structure head (seg_channels={seg_channels}), got {dir_classes}"
        )


def _floats(values: object) -> list[float] | None:
    """``values`` as a list of floats, or None where they are not a sequence of numbers."""
    if not isinstance(values, Sequence | torch.Tensor | np.ndarray) or isinstance(values, str):
        return None
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def check_network_outputs(
    out: object, inputs: torch.Tensor, seg_channels: int, dir_classes: Sequence[int]
) -> None:
    """A ``ValueError`` unless the network's ``out`` is ``(N, C + 2K, H, W)`` for ``inputs``
    ``(N, 3, H, W)``, C = ``seg_channels``, K = ``len(dir_classes)``."""
    want = (inputs.shape[0], seg_channels + 2 * len(dir_classes), *inputs.shape[-2:])
    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    if got != want:
        raise ValueError(
            f"the network returned {got} for an input of {tuple(inputs.shape)}; expected "
            f"{want}: seg_channels={seg_channels} + 2 x {len(dir_classes)} direction classes "
            f"(dir_classes={tuple(dir_classes)})"
        )


def check_missing(
    found: np.ndarray | None, given: np.ndarray | None, size: tuple[int, int]
) -> np.ndarray | None:
    """The pixels without a value: those found in the image, those the caller gives, or
    both; a ``ValueError`` where ``given`` is not an ``(H, W)`` mask of the image's size."""
    if given is None:
        return found
    given = np.asarray(given)
    if given.shape != tuple(size):
        raise ValueError(
            f"missing must be an (H, W) mask of the image's size {size}, got {given.shape}"
        )
    given = given.astype(bool)
    return given if found is None else found | given
