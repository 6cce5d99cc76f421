"""Vision-transformer backbones returning intermediate layers, for the direction heads.

* :class:`DinoV2` and :class:`DinoV3`: through HF ``transformers``; ``pretrained`` is a local
  model folder or a hub id (needs a network), or None with ``config`` for random weights.
* :class:`Dino2TorchHub` and :class:`Dino3TorchHub`: the reference project's torch.hub
  wrappers; ``repo_or_dir`` may be a local checkout (``source="local"``) and ``weights_path`` a
  local state dict, so nothing needs a network.

All return a tuple with one entry per extracted layer: ``(N, C, H/p, W/p)`` maps with
``reshape_output`` (else ``(N, H/p * W/p, C)`` tokens), or ``(map, cls_token (N, C))`` pairs
with ``return_class_token``. Input height and width must be multiples of the patch size ``p``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor, nn

__all__ = ["Dino2TorchHub", "Dino3TorchHub", "DinoV2", "DinoV3", "check_patch_multiple"]

DINOV2_SIZES = {
    "small": "small",
    "base": "base",
    "baseline": "base",
    "large": "large",
    "giant": "giant",
    "xlarge": "giant",
}
DINOV3_SIZES = {
    "small": "vits16",
    "small_plus": "vits16plus",
    "base": "vitb16",
    "baseline": "vitb16",
    "large": "vitl16",
    "huge_plus": "vith16plus",
    "full": "vit7b16",
}


def check_patch_multiple(inputs: Tensor, patch: int) -> None:
    """Raise unless the input's height and width are multiples of ``patch``, saying what to
    pad to."""
    h, w = inputs.shape[-2:]
    if h % patch or w % patch:
        up = lambda v: -(-v // patch) * patch  # noqa: E731
        raise ValueError(
            f"expected input height and width divisible by the patch size {patch}, got {h}x{w}; "
            f"pad or crop to {up(h)}x{up(w)} (e.g. data_preprocessor size or size_divisor={patch})"
        )


def _size_name(model_size: str, table: dict[str, str]) -> str:
    """The model name part for ``model_size``, or an error listing the sizes there are."""
    if model_size not in table:
        raise ValueError(f"model_size must be one of {sorted(table)}, got {model_size!r}")
    return table[model_size]


def _select_layers(layers_to_extract: int | Sequence[int], depth: int) -> list[int]:
    if isinstance(layers_to_extract, int):
        if not 1 <= layers_to_extract <= depth:
            raise ValueError(f"layers_to_extract={layers_to_extract}: the model has {depth} layers")
        return list(range(depth - layers_to_extract, depth))
    layers = list(layers_to_extract)
    bad = [i for i in layers if not 0 <= i < depth]
    if bad:
        raise ValueError(f"layers_to_extract {bad} out of range for a model of {depth} layers")
    return layers


class _HFVisionTransformer(BaseModule):
    """Shared by the HF DINO wrappers: runs the model once with hidden states and slices the
    requested layers."""

    patch_size: int
    num_prefix_tokens: int

    def __init__(
        self,
        model: nn.Module,
        layers_to_extract: int | Sequence[int],
        reshape_output: bool,
        return_class_token: bool,
        norm_output: bool,
        frozen: bool,
        final_norm: nn.Module,
        init_cfg: dict | None,
    ) -> None:
        super().__init__(init_cfg)
        self.model, self.final_norm = model, final_norm
        config = model.config
        self.patch_size = config.patch_size
        self.num_prefix_tokens = 1 + getattr(config, "num_register_tokens", 0)
        self.layers = _select_layers(layers_to_extract, config.num_hidden_layers)
        self.reshape_output, self.return_class_token = reshape_output, return_class_token
        self.norm_output, self.frozen = norm_output, frozen
        if frozen:
            self.model.requires_grad_(False)
            self.model.eval()

    def train(self, mode: bool = True) -> _HFVisionTransformer:
        super().train(mode)
        if self.frozen:
            self.model.eval()  # a frozen backbone keeps its eval behaviour (dropout off)
        return self

    def forward(self, inputs: Tensor) -> tuple[Any, ...]:
        check_patch_multiple(inputs, self.patch_size)
        n, _, h, w = inputs.shape
        hidden = self.model(pixel_values=inputs, output_hidden_states=True).hidden_states
        outputs = []
        for layer in self.layers:
            tokens = hidden[layer + 1]  # hidden[0] is the embedding output
            if self.norm_output:
                tokens = self.final_norm(tokens)
            cls, patches = tokens[:, 0], tokens[:, self.num_prefix_tokens :]
            if self.reshape_output:
                patches = patches.transpose(1, 2).reshape(
                    n, -1, h // self.patch_size, w // self.patch_size
                )
            outputs.append((patches, cls) if self.return_class_token else patches)
        return tuple(outputs)


def _from_hf(
    model_cls: Any, config_cls: Any, pretrained: str | None, config: dict | None, default_id: str
) -> nn.Module:
    if pretrained is None and config is not None:
        return model_cls(config_cls(**config))
    source = pretrained or default_id
    try:
        return model_cls.from_pretrained(source)
    except OSError as err:
        local = Path(source).exists()
        raise FileNotFoundError(
            f"cannot load {model_cls.__name__} weights from {source!r}: "
            + (
                "the folder lacks a usable config/weights"
                if local
                else "not a local folder, and the model hub cannot be reached or has no such model"
            )
            + "; download the model folder where a network exists and pass "
            "pretrained='/path/to/folder', or pass pretrained=None with config=dict(...) "
            "for random weights"
        ) from err


@MODELS.register_module()
class DinoV2(_HFVisionTransformer):
    """DINOv2 (small/base/large/giant, with or without registers) via HF ``transformers``.

    Args:
        model_size: "small", "base", "large" or "giant" ("baseline"/"xlarge" also accepted).
        with_registers: the variant with 4 register tokens.
        pretrained: local folder or hub id (default ``facebook/dinov2[-with-registers]-SIZE``).
        config: HF config fields for a randomly initialised model (with ``pretrained=None``).
        layers_to_extract: an int n (the last n layers) or a list of layer indices.
    """

    def __init__(
        self,
        model_size: str = "small",
        with_registers: bool = False,
        pretrained: str | None = None,
        config: dict | None = None,
        layers_to_extract: int | Sequence[int] = 1,
        reshape_output: bool = True,
        return_class_token: bool = False,
        norm_output: bool = True,
        frozen: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        import transformers as hf

        size = _size_name(model_size, DINOV2_SIZES)
        name = "dinov2-with-registers" if with_registers else "dinov2"
        classes = (
            (hf.Dinov2WithRegistersModel, hf.Dinov2WithRegistersConfig)
            if with_registers
            else (hf.Dinov2Model, hf.Dinov2Config)
        )
        model = _from_hf(*classes, pretrained, config, f"facebook/{name}-{size}")
        super().__init__(
            model,
            layers_to_extract,
            reshape_output,
            return_class_token,
            norm_output,
            frozen,
            model.layernorm,
            init_cfg,
        )


@MODELS.register_module()
class DinoV3(_HFVisionTransformer):
    """DINOv3 ViTs via HF ``transformers`` (same arguments as :class:`DinoV2`; sizes "small",
    "small_plus", "base", "large", "huge_plus", "full"; default hub id
    ``facebook/dinov3-SIZE-pretrain-lvd1689m``)."""

    def __init__(
        self,
        model_size: str = "small",
        pretrained: str | None = None,
        config: dict | None = None,
        layers_to_extract: int | Sequence[int] = 1,
        reshape_output: bool = True,
        return_class_token: bool = False,
        norm_output: bool = True,
        frozen: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        import transformers as hf

        size = _size_name(model_size, DINOV3_SIZES)
        model = _from_hf(
            hf.DINOv3ViTModel,
            hf.DINOv3ViTConfig,
            pretrained,
            config,
            f"facebook/dinov3-{size}-pretrain-lvd1689m",
        )
        super().__init__(
            model,
            layers_to_extract,
            reshape_output,
            return_class_token,
            norm_output,
            frozen,
            model.norm,
            init_cfg,
        )


# ---------------------------------------------------------------------------- torch.hub


def _hub_load(repo_or_dir: str, name: str, source: str, **kwargs: Any) -> nn.Module:
    if source == "local" and not Path(repo_or_dir).is_dir():
        raise FileNotFoundError(f"torch.hub repository folder not found: {repo_or_dir}")
    try:
        return torch.hub.load(repo_or_dir, name, source=source, **kwargs)
    except (OSError, RuntimeError, ValueError) as err:
        raise FileNotFoundError(
            f"cannot load {name} from torch.hub {repo_or_dir!r} ({source}): {err}. Without a "
            f"network, clone the repository where one exists and pass repo_or_dir='/path', "
            f"source='local', with weights_path='/path/weights.pth'"
        ) from err


def _load_weights(model: nn.Module, weights_path: str | None) -> None:
    if weights_path is None:
        return
    if not Path(weights_path).is_file():
        raise FileNotFoundError(f"backbone weights not found: {weights_path}")
    # Weights we did not produce: tensors only, never arbitrary unpickling.
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    model.load_state_dict(
        state.get("state_dict", state) if isinstance(state, dict) else state, strict=False
    )


class _HubVisionTransformer(BaseModule):
    def __init__(
        self,
        model: nn.Module,
        patch_size: int,
        return_intermediate_layers: bool,
        layers_to_extract: int | Sequence[int],
        reshape_output: bool,
        return_class_token: bool,
        norm_output: bool,
        frozen: bool,
        init_cfg: dict | None,
    ) -> None:
        super().__init__(init_cfg)
        self.model, self.patch_size = model, patch_size
        self.return_intermediate_layers = return_intermediate_layers
        self.layers_to_extract = layers_to_extract
        self.reshape_output, self.return_class_token = reshape_output, return_class_token
        self.norm_output, self.frozen = norm_output, frozen
        if frozen:
            self.model.requires_grad_(False)

    def forward(self, inputs: Tensor) -> tuple[Any, ...]:
        check_patch_multiple(inputs, self.patch_size)
        if not self.return_intermediate_layers:
            return (self.model(inputs),)
        layers = self.layers_to_extract
        return tuple(
            self.model.get_intermediate_layers(
                inputs,
                layers if isinstance(layers, int) else list(layers),
                reshape=self.reshape_output,
                return_class_token=self.return_class_token,
                norm=self.norm_output,
            )
        )


@MODELS.register_module()
class Dino2TorchHub(_HubVisionTransformer):
    """DINOv2 from torch.hub (the reference's backbone; sizes small/baseline/large/xlarge map to
    ``dinov2_vit{s,b,l,g}14[_reg]``). Pass ``repo_or_dir`` + ``source="local"`` and
    ``weights_path`` to work offline."""

    def __init__(
        self,
        model_size: str = "small",
        with_registers: bool = True,
        return_intermediate_layers: bool = True,
        layers_to_extract: int | Sequence[int] = 1,
        reshape_output: bool = True,
        return_class_token: bool = False,
        norm_output: bool = True,
        frozen: bool = False,
        repo_or_dir: str = "facebookresearch/dinov2",
        source: str = "github",
        weights_path: str | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        letters = {
            "small": "s",
            "baseline": "b",
            "base": "b",
            "large": "l",
            "xlarge": "g",
            "giant": "g",
        }
        size = _size_name(model_size, letters)
        name = f"dinov2_vit{size}14" + ("_reg" if with_registers else "")
        model = _hub_load(repo_or_dir, name, source, pretrained=weights_path is None)
        _load_weights(model, weights_path)
        super().__init__(
            model,
            14,
            return_intermediate_layers,
            layers_to_extract,
            reshape_output,
            return_class_token,
            norm_output,
            frozen,
            init_cfg,
        )


@MODELS.register_module()
class Dino3TorchHub(_HubVisionTransformer):
    """DINOv3 from torch.hub with local weights (the reference's arguments: ``weights_path`` is
    required; ``repo_url`` defaults to ``facebookresearch/dinov3``)."""

    def __init__(
        self,
        weights_path: str,
        repo_url: str | None = None,
        model_size: str = "small",
        return_intermediate_layers: bool = True,
        layers_to_extract: int | Sequence[int] = 1,
        reshape_output: bool = True,
        return_class_token: bool = False,
        norm_output: bool = True,
        frozen: bool = False,
        source: str | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        size = _size_name(model_size, DINOV3_SIZES)
        repo = repo_url or "facebookresearch/dinov3"
        source = source or ("local" if Path(repo).is_dir() else "github")
        if not Path(weights_path).is_file():
            raise FileNotFoundError(f"DINOv3 weights not found: {weights_path}")
        model = _hub_load(repo, f"dinov3_{size}", source, pretrained=False)
        _load_weights(model, weights_path)
        super().__init__(
            model,
            16,
            return_intermediate_layers,
            layers_to_extract,
            reshape_output,
            return_class_token,
            norm_output,
            frozen,
            init_cfg,
        )
