"""Networks in plain PyTorch for inference (no OpenMMLab): the bundled models' UNet, read
from the weights and the config an mmseg model saved (:mod:`dense_direction.networks.unet`,
:mod:`dense_direction.networks.recipe`)."""

from dense_direction.networks.recipe import NetworkRecipe, network_recipe, read_config
from dense_direction.networks.unet import UNetDirectionNetwork, UNetSpec

__all__ = ["NetworkRecipe", "UNetDirectionNetwork", "UNetSpec", "network_recipe", "read_config"]
