"""DirectionEstimator: a trained checkpoint as a function from an image to directions.

    est = DirectionEstimator.from_checkpoint("work_dirs/run")      # a file or a work dir
    est = DirectionEstimator.pretrained()                          # or the bundled model
    pred = est.predict("photo.jpg")                                # or an RGB array
    pred.angles       # (K, H, W) float32 radians in [0, pi), y up
    pred.confidence   # (K, H, W) float32 in [0, 1]
    pred.structure    # (K, H, W) probability of structure (joint models), else None

Images of any size are predicted tile by tile with blended overlaps
(:mod:`dense_direction.tiling`), so memory grows with the image, not with the model's
activations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.registry import MODELS

import dense_direction.mm  # noqa: F401  (registers the components)
from dense_direction.hardware import (
    DEFAULT_INFERENCE_PRECISION,
    resolve_device,
    resolve_precision,
)
from dense_direction.io import as_rgb_uint8, read_image
from dense_direction.mm.checkpoints import find_checkpoint, trust_file
from dense_direction.mm.cv_ops import opencv_distance, opencv_gaussian
from dense_direction.mm.fusion import inference_copy
from dense_direction.mm.segmentors import whole_outputs
from dense_direction.models import DEFAULT_MODEL, bundled_model
from dense_direction.prediction import DirectionPrediction, class_probability, finish_prediction
from dense_direction.scales import (
    DEFAULT_SCALES,
    DEFAULT_TARGET_WIDTH,
    check_scales,
    check_target_width,
    fuse_scales,
    local_width,
    scale_weights,
)
from dense_direction.smoothing import DEFAULT_SMOOTH, check_smooth
from dense_direction.tiling import (
    DEFAULT_BORDER,
    DEFAULT_OVERLAP,
    DEFAULT_TILE,
    blend_weights,
    check_border,
    check_tiling,
    tiles,
)
from dense_direction.tta import check_tta, restore_map, restore_vectors, symmetries, transform_image

__all__ = ["DirectionEstimator", "DirectionPrediction", "find_checkpoint", "resolve_device"]


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


class DirectionEstimator:
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
        self.device = resolve_device(device)
        pre = model.data_preprocessor
        test_cfg = getattr(pre, "test_cfg", None) or {}
        self.divisor = int(test_cfg.get("size_divisor") or pre.size_divisor or 32)
        model = model.eval()
        if rewrite:  # checked on an input the model accepts: a multiple of its divisor
            model = inference_copy(model, probe_size=self.divisor * math.ceil(64 / self.divisor))
        # Channels-last weights: the same numbers (to float rounding), faster convolutions.
        self.model = model.to(self.device, memory_format=torch.channels_last)
        self.precision = precision
        self.dtype = resolve_precision(precision, self.device)
        head = model.decode_head
        self.dir_classes: tuple[int, ...] = tuple(head.dir_classes)
        self.seg_channels = getattr(model, "num_seg_channels", 0)
        self.mean, self.std = pre.mean.to(self.device), pre.std.to(self.device)
        self.bgr_to_rgb = bool(getattr(pre, "_channel_conversion", False))

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        config: str | Path | None = None,
        device: str | None = None,
        trust: bool = False,
        precision: str = DEFAULT_INFERENCE_PRECISION,
    ) -> DirectionEstimator:
        """Load a checkpoint file or the best one in a work dir; the config comes from the
        checkpoint (mmengine stores it) unless ``config`` is given. ``device``: see
        :func:`resolve_device`. ``trust``: allow full unpickling of that file, which runs code
        from it (:mod:`dense_direction.mm.checkpoints`; this project's own checkpoints load
        without it). ``precision``: "auto" (default: bfloat16 where the device computes it
        natively, :func:`dense_direction.hardware.resolve_precision`), "bfloat16" or
        "float32", for the network's forward pass."""
        device = resolve_device(device)
        init_default_scope("mmseg")
        checkpoint_path = find_checkpoint(path)
        if trust:
            trust_file(checkpoint_path)
        checkpoint = CheckpointLoader.load_checkpoint(str(checkpoint_path), map_location="cpu")
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
        model = _build_model(cfg, checkpoint.get("state_dict", checkpoint), checkpoint_path)
        return cls(model, device, precision)

    @classmethod
    def pretrained(
        cls,
        name: str = DEFAULT_MODEL,
        device: str | None = None,
        precision: str = DEFAULT_INFERENCE_PRECISION,
        root: str | Path | None = None,
    ) -> DirectionEstimator:
        """A model shipped with the package (:mod:`dense_direction.models`; ``root``: another
        folder of bundled models): checksums verified, weights loaded weights-only, the network
        built from the config bundled with them. ``device``, ``precision``: as
        :meth:`from_checkpoint`."""
        bundle = bundled_model(name, root)
        state = bundle.load_state_dict()
        device = resolve_device(device)
        init_default_scope("mmseg")
        model = _build_model(Config.fromfile(str(bundle.config)), state, bundle.weights)
        return cls(model, device, precision)

    def _normalise(self, rgb: np.ndarray) -> torch.Tensor:
        """RGB uint8 -> the network's input. Training loads images BGR (mmseg's convention)
        and the data preprocessor converts them to RGB only when ``bgr_to_rgb`` is set: this
        is the one place where inference matches that."""
        x = torch.from_numpy(rgb).to(self.device).permute(2, 0, 1)[None].float()
        if not self.bgr_to_rgb:
            x = x[:, [2, 1, 0]]
        return (x - self.mean) / self.std

    @torch.inference_mode()
    def _tile_outputs(self, rgb: np.ndarray) -> torch.Tensor:
        h, w = rgb.shape[:2]
        x = self._normalise(rgb)
        ph, pw = (-h) % self.divisor, (-w) % self.divisor
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")  # as the border: no cut edge
        lower = self.dtype != torch.float32
        with torch.autocast(self.device.type, dtype=self.dtype, enabled=lower):
            out = whole_outputs(self.model, x)
        return out[0, :, :h, :w].float()

    @torch.inference_mode()
    def _fields(
        self, rgb: np.ndarray, tile: int, overlap: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Blended tiles: vectors ``(K, 2, H, W)`` and structure probabilities ``(C, H, W)``
        (joint models; else None)."""
        h, w = rgb.shape[:2]
        k, c = len(self.dir_classes), self.seg_channels
        # One host tensor for every sum (probabilities, vectors, then the weights): torch's
        # in-place ops use every core, and a tile costs one copy from the device.
        sums = torch.zeros((c + 2 * k + 1, h, w))
        for window in tiles(h, w, tile, overlap):
            rows, cols = window.slices
            out = self._tile_outputs(np.ascontiguousarray(rgb[rows, cols]))
            if c:
                probs = out[:c].sigmoid() if c == 1 else out[:c].softmax(0)
                out = torch.cat((probs, out[c:]))
            weight = torch.from_numpy(blend_weights(window, h, w, overlap)).to(out.device)
            sums[:, rows, cols] += torch.cat((out * weight, weight[None])).cpu()
        sums[:-1] /= sums[-1]
        fields = sums.numpy()
        return fields[c:-1].reshape(k, 2, h, w), fields[:c] if c else None

    def _fields_tta(
        self, rgb: np.ndarray, tile: int, overlap: int, tta: bool | int, border: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`_fields` of ``rgb`` widened by ``border`` edge-replicated pixels on every
        side (then cropped back), averaged over the symmetries of the square ``tta`` names
        (:func:`dense_direction.tta.symmetries`: all 8 for ``True``, none for ``False``).

        Without the border a structure that leaves the frame ends abruptly at it, and the
        network reads the cut as an edge across the structure: 28 deg mean error within 8 px
        of the frame on 32-px bands of the width benchmark (the bundled model, no TTA).
        Replicated pixels continue the structure instead."""
        h, w = rgb.shape[:2]
        if border:
            rgb = np.pad(rgb, ((border, border), (border, border), (0, 0)), mode="edge")
            # An image that fitted one tile still does: that tile grows by the border (a 512²
            # image padded to 544² would otherwise take four 512² tiles). Larger images keep
            # the tile size: the border adds about as many tiles as it adds pixels.
            if max(h, w) <= tile:
                tile += 2 * border
        chosen = symmetries(tta)
        if len(chosen) == 1:
            pairs, seg = self._fields(rgb, tile, overlap)
        else:
            pairs, seg = 0.0, 0.0
            for turns, flip in chosen:
                v, s = self._fields(transform_image(rgb, turns, flip), tile, overlap)
                pairs = pairs + restore_vectors(v, turns, flip)
                if s is not None:
                    seg = seg + restore_map(s, turns, flip)
            n = len(chosen)
            pairs, seg = pairs / n, seg / n if self.seg_channels else None
        inside = (..., slice(border, border + h), slice(border, border + w))
        return np.ascontiguousarray(pairs[inside]), None if seg is None else seg[inside].copy()

    def _fields_at_scale(
        self, rgb: np.ndarray, scale: float, tile: int, overlap: int, tta: bool | int, border: int
    ) -> np.ndarray:
        """Vectors ``(K, 2, H, W)`` predicted on ``rgb`` shrunk by ``scale`` (area-averaged),
        brought back to the full resolution by bilinear interpolation."""
        h, w = rgb.shape[:2]
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
        image = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
        small = F.interpolate(image, size=size, mode="bilinear", antialias=True)
        small = small.round().clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy()
        pairs, _ = self._fields_tta(np.ascontiguousarray(small), tile, overlap, tta, border)
        k = pairs.shape[0]
        up = F.interpolate(
            torch.from_numpy(pairs).reshape(1, 2 * k, *size), size=(h, w), mode="bilinear"
        )
        return up.reshape(k, 2, h, w).numpy()

    def check_scales(self, scales: Sequence[float]) -> tuple[float, ...]:
        """``scales`` checked (:func:`dense_direction.scales.check_scales`) and usable with
        this model, largest first; else a ``ValueError`` that says why."""
        scales = check_scales(scales)
        if len(scales) > 1 and not self.seg_channels:
            raise ValueError(
                f"scales={list(scales)} needs a model that predicts structure (a joint "
                f"segmentation + direction model) to read widths from; this model predicts "
                f"directions only: use scales=(1,)"
            )
        return scales

    def check_smooth(self, smooth: float | None) -> float:
        """The smoothing strength to use (:mod:`dense_direction.smoothing`): ``smooth``
        checked (>= 0; > 0 needs a model that predicts structure), or for ``None`` the default,
        ``DEFAULT_SMOOTH`` for joint models and 0 for direction-only ones (nothing to read
        widths from)."""
        if smooth is None:
            return DEFAULT_SMOOTH if self.seg_channels else 0.0
        check_smooth(smooth)
        if smooth > 0 and not self.seg_channels:
            raise ValueError(
                f"smooth={smooth} needs a model that predicts structure (a joint segmentation "
                f"+ direction model) to read widths from; this model predicts directions only: "
                f"use smooth=0"
            )
        return float(smooth)

    def predict(
        self,
        image: str | Path | np.ndarray,
        tile: int = DEFAULT_TILE,
        overlap: int = DEFAULT_OVERLAP,
        tta: bool | int = True,
        scales: Sequence[float] = DEFAULT_SCALES,
        target_width: float = DEFAULT_TARGET_WIDTH,
        border: int = DEFAULT_BORDER,
        smooth: float | None = None,
    ) -> DirectionPrediction:
        """Directions for one image: a file path (read by
        :func:`dense_direction.io.read_image`) or an RGB, gray or RGBA array of any integer or
        float dtype (converted by :func:`dense_direction.io.as_rgb_uint8`).

        ``tta`` (default ``True``): average over the 8 rotations and flips of the image
        (:mod:`dense_direction.tta`): the field becomes exactly equivariant and, on the width
        benchmark, a quarter lower mean error (docs/results.md), for 8 times the work;
        ``tta=False`` is the fast path; ``tta=4`` (the quarter turns) or ``2`` cost 4 or 2
        network passes (docs/results.md measures the error of each).

        ``scales``: the image is also predicted shrunk by each scale below 1, and inside
        structures wider than ``target_width`` px (width read from the predicted structure
        mask) the coarser predictions take over (:mod:`dense_direction.scales`). Joint models
        only (direction-only models predict no mask to read widths from); ``(1,)`` turns it off.

        ``border``: pixels of edge-replicated padding around the image (at every scale), so
        that structures leaving the frame do not end at it; 0 turns it off.

        ``smooth``: inside structures wider than 6 px, average the field over a Gaussian of
        ``smooth`` times the local width, read from the predicted mask
        (:mod:`dense_direction.smoothing`); ``None`` (default): ``DEFAULT_SMOOTH`` (0.25) for
        joint models, off for direction-only ones; 0 turns it off. On the width benchmark it
        lowered the error at every width from 8 px up (docs/results.md).
        """
        check_tiling(tile, overlap)
        check_border(border)
        check_tta(tta)
        scales = self.check_scales(scales)
        check_target_width(target_width)
        smooth = self.check_smooth(smooth)
        rgb = read_image(image) if isinstance(image, (str, Path)) else as_rgb_uint8(image)
        pairs, seg = self._fields_tta(rgb, tile, overlap, tta, border)
        structure = None
        if seg is not None:
            structure = np.stack([class_probability(seg, cls) for cls in self.dir_classes])
        if len(scales) > 1:
            coarse = [self._fields_at_scale(rgb, s, tile, overlap, tta, border) for s in scales[1:]]
            for k in range(len(self.dir_classes)):
                # Wider than target / coarsest scale, the weights no longer change.
                width = local_width(structure[k] > 0.5, max_width=target_width / scales[-1])
                weights = scale_weights(width, scales, target_width)
                fields = [pairs[k]] + [field[k] for field in coarse]
                pairs[k] = fuse_scales(fields, weights)
        return finish_prediction(
            pairs, structure, self.dir_classes, smooth, opencv_distance, opencv_gaussian
        )
