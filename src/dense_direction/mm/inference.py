"""The OpenMMLab side of :class:`dense_direction.inference.DirectionEstimator`: an mmseg
``Directioner`` / ``SegmentoDirectioner`` (built from a training run's checkpoint, or from a
bundled config the plain network does not cover) as an estimator.

    est = DirectionEstimator(model)                  # any mmseg model of this project
    est = DirectionEstimator.from_checkpoint("work_dirs/run")   # the core's loaders
    pred = est.predict("photo.jpg")

Everything after the network (tiling, test-time augmentation, scales, smoothing) and the
loaders are the core's; this module builds mmseg models and calls them as mmseg does.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.registry import MODELS

import dense_direction.mm  # noqa: F401  (registers the components)
from dense_direction import inference
from dense_direction.hardware import DEFAULT_INFERENCE_PRECISION, resolve_device
from dense_direction.mm.checkpoints import find_checkpoint, trust_file
from dense_direction.mm.fusion import inference_copy
from dense_direction.mm.segmentors import whole_outputs
from dense_direction.models import DEFAULT_MODEL, bundled_model
from dense_direction.prediction import DirectionPrediction

__all__ = [
    "DirectionEstimator",
    "DirectionPrediction",
    "bundle_model",
    "checkpoint_model",
    "find_checkpoint",
    "resolve_device",
]


def checkpoint_model(
    path: str | Path, config: str | Path | None = None, trust: bool = False
) -> torch.nn.Module:
    """The mmseg model of a checkpoint file or of the best checkpoint in a work dir, with its
    weights; the config comes from the checkpoint (mmengine stores it) unless ``config`` is
    given. ``trust``: allow full unpickling of that file, which runs code from it
    (:mod:`dense_direction.mm.checkpoints`; this project's own checkpoints load without
    it)."""
    if config is not None and not Path(config).is_file():
        raise FileNotFoundError(f"config file not found: {config} (the config= argument)")
    init_default_scope("mmseg")
    checkpoint_path = find_checkpoint(path)
    if trust:
        trust_file(checkpoint_path)
    # "silent": the command has named the file already (mmengine would log it again).
    checkpoint = CheckpointLoader.load_checkpoint(
        str(checkpoint_path), map_location="cpu", logger="silent"
    )
    if config is not None:
        cfg = Config.fromfile(str(config))
    elif "cfg" in checkpoint.get("meta", {}):
        cfg = Config.fromstring(checkpoint["meta"]["cfg"], file_format=".py")
    else:
        raise ValueError(
            f"{checkpoint_path} holds weights without the config that built them (the "
            f"checkpoints training writes carry it): give a checkpoint `dense-direction "
            f"train` wrote, or in Python DirectionEstimator.from_checkpoint(path, "
            f"config=CONFIG_FILE)"
        )
    return _build_model(cfg, checkpoint.get("state_dict", checkpoint), checkpoint_path)


def bundle_model(
    name: str = DEFAULT_MODEL, root: str | Path | None = None, state: dict | None = None
) -> torch.nn.Module:
    """The mmseg model of a bundled model (:mod:`dense_direction.models`: checksums verified,
    weights loaded weights-only), built from its bundled config; ``state``: its weights,
    where the caller has loaded them already."""
    bundle = bundled_model(name, root)
    state = bundle.load_state_dict() if state is None else state
    init_default_scope("mmseg")
    return _build_model(Config.fromfile(str(bundle.config)), state, bundle.weights)


def _build_model(cfg: Config, state: dict, source: Path) -> torch.nn.Module:
    """The network ``cfg`` describes, with the weights ``state`` (read from ``source``), which
    must fit it exactly."""
    model = MODELS.build(cfg.model)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"checkpoint {source} does not match its config: missing "
            f"{sorted(missing)[:5]}{'...' if len(missing) > 5 else ''}, unexpected "
            f"{sorted(unexpected)[:5]}{'...' if len(unexpected) > 5 else ''}"
        )
    return model


class DirectionEstimator(inference.DirectionEstimator):
    """A trained Directioner / SegmentoDirectioner ready for inference."""

    def __init__(
        self,
        model: torch.nn.Module,
        device: str | torch.device = "cpu",
        precision: str = DEFAULT_INFERENCE_PRECISION,
        rewrite: bool = True,
    ) -> None:
        """``rewrite``: predict with a copy of ``model`` rewritten to the same function in
        fewer operations (batch norms folded, :func:`dense_direction.mm.fusion.inference_copy`),
        where it gives the same outputs; ``model`` itself is not rewritten."""
        pre = model.data_preprocessor
        test_cfg = getattr(pre, "test_cfg", None) or {}
        divisor = int(test_cfg.get("size_divisor") or pre.size_divisor or 32)
        given, training = model, model.training
        if rewrite:  # checked on an input the model accepts: a multiple of its divisor
            model = inference_copy(model.eval(), probe_size=divisor * math.ceil(64 / divisor))
            given.train(training)  # the caller's model keeps its mode (the copy is in eval)
        super().__init__(
            model,
            dir_classes=tuple(model.decode_head.dir_classes),
            mean=pre.mean.flatten().tolist(),
            std=pre.std.flatten().tolist(),
            seg_channels=getattr(model, "num_seg_channels", 0),
            bgr_to_rgb=bool(getattr(pre, "_channel_conversion", False)),
            divisor=divisor,
            device=device,
            precision=precision,
            own=model is not given,  # a rewritten copy is the estimator's own
        )

    def _network_outputs(self, x: torch.Tensor) -> torch.Tensor:
        return whole_outputs(self.model, x)
