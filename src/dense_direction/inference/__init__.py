"""Prediction with a trained network, without OpenMMLab: :class:`DirectionEstimator`
(:mod:`dense_direction.inference.estimator`; its tiling, test-time augmentation and scales in
:mod:`dense_direction.inference.tiled`)."""

from dense_direction.inference.estimator import DirectionEstimator, DirectionPrediction

__all__ = ["DirectionEstimator", "DirectionPrediction"]
