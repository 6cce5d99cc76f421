"""Models shipped with the package: listing them, checking them, reading their weights.

Each bundled model is a folder ``models/NAME/`` (package data) holding

* ``weights.pth``: the network's state dict only (tensors, no optimizer or schedule state),
  which loads with ``torch.load(weights_only=True)``;
* ``config.py``: the OpenMMLab config that built it, as mmengine dumps it;
* ``manifest.json``: the SHA-256 of both files, where the weights came from, the training
  command, date and hardware, and the figures measured on it (``docs/models.md``).

``tools/bundle_model.py`` makes such a folder from a training run (:func:`write_bundle`).
The folder the models are looked up in is this package's ``models/`` unless the environment
variable ``DENSE_DIRECTION_MODELS`` or a ``root`` argument names another (tests, or models kept
outside the installation). Building a network from a bundle is the estimator's job
(:meth:`dense_direction.inference.DirectionEstimator.pretrained`: in plain PyTorch where
:mod:`dense_direction.networks` computes the config, else through OpenMMLab); this module is
pure (torch and JSON only).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from dense_direction.io import listing, sha256

__all__ = [
    "DEFAULT_MODEL",
    "MODELS_ENV",
    "BundledModel",
    "BundledModelError",
    "NoBundledModelError",
    "bundled_model",
    "bundled_models",
    "models_root",
    "write_bundle",
]

#: The model ``predict`` and ``DirectionEstimator.pretrained()`` use unless told otherwise.
DEFAULT_MODEL = "general"
#: Environment variable naming another folder of bundled models.
MODELS_ENV = "DENSE_DIRECTION_MODELS"
WEIGHTS, CONFIG, MANIFEST = "weights.pth", "config.py", "manifest.json"
_FORMAT = 1
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_HOW_TO = (
    "make one from a trained work dir with `python tools/bundle_model.py WORK_DIR --name NAME` "
    "(source checkout), or use your own checkpoint (--checkpoint CKPT_OR_WORK_DIR; "
    "DirectionEstimator.from_checkpoint)"
)


class NoBundledModelError(FileNotFoundError):
    """The bundled model asked for is not installed."""


class BundledModelError(ValueError):
    """A bundled model's files are missing, changed or not plain weights."""


def models_root(root: str | Path | None = None) -> Path:
    """``root``, else ``$DENSE_DIRECTION_MODELS``, else this package's folder."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(MODELS_ENV) or Path(__file__).resolve().parent)


def bundled_models(root: str | Path | None = None) -> list[str]:
    """Names of the bundled models in :func:`models_root` (folders with a manifest), sorted."""
    folder = models_root(root)
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}"))


@dataclass(frozen=True)
class BundledModel:
    """One bundled model: its folder and manifest (see the module docstring)."""

    name: str
    folder: Path
    manifest: dict[str, Any]

    @property
    def weights(self) -> Path:
        return self.folder / WEIGHTS

    @property
    def config(self) -> Path:
        return self.folder / CONFIG

    def verify(self) -> None:
        """Both files present with the digests the manifest lists, else
        :class:`BundledModelError` naming the file."""
        for path, key in ((self.weights, "sha256"), (self.config, "config_sha256")):
            if not path.is_file():
                raise BundledModelError(
                    f"bundled model {self.name!r}: {path} is missing; reinstall dense-direction "
                    f"or bundle the model again (tools/bundle_model.py)"
                )
            expected, found = self.manifest.get(key), sha256(path)
            if found != expected:
                raise BundledModelError(
                    f"bundled model {self.name!r}: {path} does not match its checksum in "
                    f"{self.folder / MANIFEST} (SHA-256 {found[:12]}..., expected "
                    f"{str(expected)[:12]}...): the file is damaged or was changed; reinstall "
                    f"dense-direction or bundle the model again (tools/bundle_model.py)"
                )

    def load_state_dict(self, map_location: Any = "cpu") -> dict[str, torch.Tensor]:
        """The verified weights, loaded weights-only, floating tensors as float32."""
        self.verify()
        try:
            state = torch.load(self.weights, map_location=map_location, weights_only=True)
        except Exception as err:  # an unpickling or format error: either way not plain weights
            raise BundledModelError(
                f"bundled model {self.name!r}: {self.weights} does not load weights-only ({err})"
            ) from err
        if not isinstance(state, Mapping) or not all(
            isinstance(v, torch.Tensor) for v in state.values()
        ):
            raise BundledModelError(f"{self.weights} is not a state dict of tensors")
        return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}

    def summary(self) -> str:
        """``'general' (SHA-256 1a2b3c4d5e6f, 2026-12-01, from best_..._iter_2000.pth)``."""
        created = self.manifest.get("created", "date unknown")
        source = self.manifest.get("source", {}).get("checkpoint", "source unknown")
        digest = str(self.manifest.get("sha256", "?"))[:12]
        return f"{self.name!r} (SHA-256 {digest}, {created}, from {source})"


def bundled_model(name: str = DEFAULT_MODEL, root: str | Path | None = None) -> BundledModel:
    """The bundled model ``name`` (not yet verified: :meth:`BundledModel.verify`).
    :class:`NoBundledModelError` says which models exist and how to make one."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"a bundled model's name must be a non-empty string, got {name!r}")
    folder = models_root(root)
    manifest_path = folder / name / MANIFEST
    if not manifest_path.is_file():
        names = bundled_models(folder)
        if names:
            raise NoBundledModelError(
                f"no bundled model {name!r} in {folder}; installed: {listing(names)}"
            )
        raise NoBundledModelError(
            f"no bundled model is installed (looked for {name!r} in {folder}): {_HOW_TO}"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as err:
        raise BundledModelError(f"{manifest_path} is not readable JSON ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise BundledModelError(f"{manifest_path}: not a format-{_FORMAT} model manifest")
    return BundledModel(name, folder / name, manifest)


def write_bundle(
    root: str | Path,
    name: str,
    state_dict: Mapping[str, torch.Tensor],
    config_text: str,
    info: Mapping[str, Any],
    dtype: torch.dtype = torch.float32,
) -> BundledModel:
    """Write ``root/name/`` (weights in ``dtype``, config, manifest with ``info`` and the
    checksums) and return it verified. An existing model of that name is replaced."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"model name {name!r}: use lower-case letters, digits, '_' and '-'")
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    weights = {
        k: (v.to(dtype) if v.is_floating_point() else v).detach().cpu().contiguous()
        for k, v in state_dict.items()
    }
    torch.save(weights, folder / WEIGHTS)
    (folder / CONFIG).write_text(config_text)
    manifest = dict(
        format=_FORMAT,
        name=name,
        **info,
        dtype=str(dtype).removeprefix("torch."),
        parameters=sum(v.numel() for v in weights.values() if v.is_floating_point()),
        size_bytes=(folder / WEIGHTS).stat().st_size,
        sha256=sha256(folder / WEIGHTS),
        config_sha256=sha256(folder / CONFIG),
    )
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    bundle = bundled_model(name, root)
    bundle.verify()
    return bundle
