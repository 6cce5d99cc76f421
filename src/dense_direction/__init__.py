"""Dense Direction: per-pixel direction of thin linear structures, learned from masks.

The core (this package minus :mod:`dense_direction.mm`) needs only PyTorch and NumPy.
:mod:`dense_direction.mm` registers everything with OpenMMLab when imported.

The names below load their submodule on first use (``lazy_loader``, as scikit-image does):
``import dense_direction`` imports neither torch nor SciPy, so the ``dense-direction``
program can start reading an image while they load (:mod:`dense_direction.cli.main`).
"""

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    # As attributes too, as when this module imported them: dense_direction.losses.X.
    submodules={"classical", "directions", "evaluation", "kernels", "losses"},
    submod_attrs={
        "classical": ["hessian_direction", "structure_tensor_direction"],
        "directions": [
            "angles_to_vectors",
            "angular_difference",
            "vectors_to_angles",
            "wrap_angle",
        ],
        "evaluation": ["angular_error", "summarize_errors"],
        "kernels": ["KERNELS", "build_kernel"],
        "losses": [
            "DirectionalLoss",
            "EfficientDirectionalLoss",
            "SmoothnessLoss",
            "directional_loss",
            "efficient_directional_loss",
            "smoothness_loss",
        ],
    },
)
__all__ = [*__all__, "__version__"]
