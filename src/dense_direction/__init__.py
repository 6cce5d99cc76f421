"""Dense Direction: per-pixel direction of thin linear structures, learned from masks.

The core (this package minus :mod:`dense_direction.mm`) needs only PyTorch and NumPy.
:mod:`dense_direction.mm` registers everything with OpenMMLab when imported.
"""

from dense_direction.classical import hessian_direction, structure_tensor_direction
from dense_direction.directions import (
    angles_to_vectors,
    angular_difference,
    vectors_to_angles,
    wrap_angle,
)
from dense_direction.evaluation import angular_error, summarize_errors
from dense_direction.kernels import KERNELS, build_kernel
from dense_direction.losses import (
    DirectionalLoss,
    EfficientDirectionalLoss,
    SmoothnessLoss,
    directional_loss,
    efficient_directional_loss,
    smoothness_loss,
)

__version__ = "0.1.0"

__all__ = [
    "KERNELS",
    "DirectionalLoss",
    "EfficientDirectionalLoss",
    "SmoothnessLoss",
    "__version__",
    "angles_to_vectors",
    "angular_difference",
    "angular_error",
    "build_kernel",
    "directional_loss",
    "efficient_directional_loss",
    "hessian_direction",
    "smoothness_loss",
    "structure_tensor_direction",
    "summarize_errors",
    "vectors_to_angles",
    "wrap_angle",
]
