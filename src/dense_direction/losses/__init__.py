"""Losses for direction fields, in plain PyTorch: a function and a thin ``nn.Module`` each."""

from dense_direction.losses._common import DirectionalLossOptions, class_masks
from dense_direction.losses.circular import CircularDirectionalLoss, circular_directional_loss
from dense_direction.losses.directional import DirectionalLoss, directional_loss
from dense_direction.losses.efficient import (
    EfficientDirectionalLoss,
    efficient_directional_loss,
)
from dense_direction.losses.medial import (
    MedialDirectionLoss,
    medial_direction_loss,
    medial_directions,
)
from dense_direction.losses.smoothness import SmoothnessLoss, smoothness_loss
from dense_direction.losses.supervised import SupervisedDirectionLoss, supervised_direction_loss

__all__ = [
    "CircularDirectionalLoss",
    "DirectionalLoss",
    "DirectionalLossOptions",
    "EfficientDirectionalLoss",
    "MedialDirectionLoss",
    "SmoothnessLoss",
    "SupervisedDirectionLoss",
    "circular_directional_loss",
    "class_masks",
    "directional_loss",
    "efficient_directional_loss",
    "medial_direction_loss",
    "medial_directions",
    "smoothness_loss",
    "supervised_direction_loss",
]
