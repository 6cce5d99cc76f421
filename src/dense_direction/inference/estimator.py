"""DirectionEstimator: a trained network as a function from an image to directions (torch,
NumPy, SciPy and OpenCV; no OpenMMLab).

    est = DirectionEstimator.pretrained()                          # the bundled model
    est = DirectionEstimator.from_checkpoint("work_dirs/run")      # a file or a work dir
    pred = est.predict("photo.jpg")                                # or an RGB array
    pred.angles       # (K, H, W) float32 radians in [0, pi), y up
    pred.confidence   # (K, H, W) float32 in [0, 1]
    pred.structure    # (K, H, W) probability of structure (joint models), else None

Images of any size are predicted tile by tile with blended overlaps
(:mod:`dense_direction.tiling`), so memory grows with the image, not with the model's
activations. A bundled model whose network :mod:`dense_direction.networks` computes in plain
PyTorch (the shipped ones) loads and predicts without importing mmengine, mmcv or mmseg;
checkpoints of training runs, and bundled models of other networks, are built by the
OpenMMLab adapter (:class:`dense_direction.mm.inference.DirectionEstimator`, a subclass).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dense_direction.cv_ops import opencv_disk_dilation, opencv_distance, opencv_gaussian
from dense_direction.given import as_given
from dense_direction.hardware import (
    DEFAULT_INFERENCE_PRECISION,
    check_precision,
    resolve_device,
    resolve_precision,
)
from dense_direction.inference.checks import check_estimator_arguments, check_missing
from dense_direction.inference.tiled import TILE_DONE, TILE_MORE, TiledFields
from dense_direction.io import as_rgb_and_no_data, read_image_and_no_data
from dense_direction.models import DEFAULT_MODEL, bundled_model
from dense_direction.networks import UNetDirectionNetwork, network_recipe, read_config
from dense_direction.prediction import (
    DirectionPrediction,
    finish_prediction,
    without_direction,
)
from dense_direction.scales import (
    AUTO,
    DEFAULT_SCALES,
    DEFAULT_TARGET_WIDTH,
    check_scales,
    check_target_width,
)
from dense_direction.smoothing import DEFAULT_SMOOTH, check_smooth
from dense_direction.tiling import (
    DEFAULT_BORDER,
    DEFAULT_OVERLAP,
    DEFAULT_TILE,
    check_border,
    check_tiling,
)
from dense_direction.tta import check_tta

__all__ = ["DirectionEstimator", "DirectionPrediction"]


class DirectionEstimator(TiledFields):
    """A network that maps a normalised image ``(N, 3, H, W)`` to ``(N, C + 2K, H, W)``: C
    structure logits (joint models; 0 for direction-only ones), then the vectors ``(x, y)``
    of K direction classes; with the input contract it was trained with."""

    def __init__(
        self,
        network: nn.Module,
        *,
        dir_classes: Sequence[int],
        mean: Sequence[float],
        std: Sequence[float],
        seg_channels: int = 0,
        bgr_to_rgb: bool = True,
        divisor: int = 32,
        device: str | torch.device | None = "cpu",
        precision: str = DEFAULT_INFERENCE_PRECISION,
        own: bool = False,
    ) -> None:
        """``mean``, ``std``: per channel of the network's input, on the 0-255 scale of 8-bit
        images, in the order it reads (RGB where ``bgr_to_rgb``, else BGR: images are loaded
        BGR for training, mmseg's convention, and converted only when the preprocessor says
        so). ``divisor``: inputs are padded (edge-replicated) to multiples of it. ``device``:
        see :func:`dense_direction.hardware.resolve_device`; ``precision``: "auto" (default:
        bfloat16 where the device computes it natively), "bfloat16" or "float32", for the
        network's forward pass. The estimator predicts with a copy of ``network`` in
        evaluation mode (the caller's module keeps its mode, device and layout) unless
        ``own``: then with ``network`` itself, changed in place."""
        check_estimator_arguments(network, dir_classes, mean, std, seg_channels, divisor)
        self.device = resolve_device(device)
        network = network if own else copy.deepcopy(network)
        # Channels-last weights: the same numbers (to float rounding), faster convolutions.
        self.model = network.eval().to(self.device, memory_format=torch.channels_last)
        self.precision = precision
        self.dtype = resolve_precision(precision, self.device)
        self.dir_classes: tuple[int, ...] = tuple(int(c) for c in dir_classes)  # (NumPy ints)
        self.seg_channels = int(seg_channels)
        self.mean = torch.as_tensor(mean, dtype=torch.float32).view(3, 1, 1).to(self.device)
        self.std = torch.as_tensor(std, dtype=torch.float32).view(3, 1, 1).to(self.device)
        self.bgr_to_rgb = bool(bgr_to_rgb)
        self.divisor = int(divisor)

    @classmethod
    def pretrained(
        cls,
        name: str = DEFAULT_MODEL,
        device: str | None = None,
        precision: str = DEFAULT_INFERENCE_PRECISION,
        root: str | Path | None = None,
    ) -> DirectionEstimator:
        """A model shipped with the package (:mod:`dense_direction.models`; ``root``: another
        folder of bundled models): checksums verified, weights loaded weights-only. Its
        network is built in plain PyTorch from the bundled config
        (:func:`dense_direction.networks.network_recipe`) where that config is one the plain
        network computes, else by the OpenMMLab adapter. ``device``, ``precision``: as
        :meth:`__init__`."""
        device = resolve_device(device)  # an unusable device or precision fails first
        check_precision(precision)
        bundle = bundled_model(name, root)
        state = bundle.load_state_dict()
        try:
            recipe = network_recipe(read_config(bundle.config))
        except (ValueError, SyntaxError):  # a config with code in it: the adapter reads it
            recipe = None
        if recipe is None:
            from dense_direction.mm.inference import DirectionEstimator as Adapter
            from dense_direction.mm.inference import bundle_model

            return Adapter(bundle_model(name, root, state), device, precision)
        try:
            network = UNetDirectionNetwork.from_state_dict(recipe.spec, state)
        except ValueError as err:
            raise ValueError(f"bundled model {name!r} ({bundle.weights}): {err}") from None
        return DirectionEstimator(
            network,
            dir_classes=recipe.dir_classes,
            mean=recipe.mean,
            std=recipe.std,
            seg_channels=network.seg_channels,
            bgr_to_rgb=recipe.bgr_to_rgb,
            divisor=recipe.divisor,
            device=device,
            precision=precision,
            own=True,
        )

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        config: str | Path | None = None,
        device: str | None = None,
        trust: bool = False,
        precision: str = DEFAULT_INFERENCE_PRECISION,
    ) -> DirectionEstimator:
        """The estimator of a checkpoint file, or of the best checkpoint in a work dir, that
        training wrote: its mmseg model built by the OpenMMLab adapter
        (:class:`dense_direction.mm.inference.DirectionEstimator`). The config comes from
        the checkpoint (mmengine stores it) unless ``config`` is given. ``trust``: allow full
        unpickling of that file, which runs code from it (:mod:`dense_direction.mm.checkpoints`;
        this project's own checkpoints load without it). ``device``, ``precision``: as
        :meth:`__init__`."""
        from dense_direction.mm.inference import DirectionEstimator as Adapter
        from dense_direction.mm.inference import checkpoint_model

        device = resolve_device(device)  # an unusable device or precision fails first
        check_precision(precision)
        return Adapter(checkpoint_model(path, config, trust), device, precision)

    def _network_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """The network's raw ``(N, C + 2K, H, W)`` outputs for normalised inputs."""
        return self.model(x)

    def check_scales(
        self, scales: Sequence[float] | str, name: str = "scales"
    ) -> tuple[float, ...] | str:
        """``scales`` checked (:func:`dense_direction.scales.check_scales`) and usable with
        this model, largest first; else a ``ValueError`` that says why, naming them ``name``
        (``--scales`` from the command line). ``auto`` is 1 alone for a model that predicts
        directions only (no structure to read widths from)."""
        scales = check_scales(scales, name)
        if scales == AUTO:
            return AUTO if self.seg_channels else (1.0,)
        if len(scales) > 1 and not self.seg_channels:
            raise ValueError(
                f"{as_given(name, list(scales))} needs a model that predicts structure (a joint "
                f"segmentation + direction model) to read widths from; this model predicts "
                f"directions only: use {as_given(name, (1,))}"
            )
        return scales

    def check_smooth(self, smooth: float | None, name: str = "smooth") -> float:
        """The smoothing strength to use (:mod:`dense_direction.smoothing`): ``smooth``
        checked (>= 0; > 0 needs a model that predicts structure), or for ``None`` the default,
        ``DEFAULT_SMOOTH`` for joint models and 0 for direction-only ones (nothing to read
        widths from). ``name`` names it in messages (``--smooth`` from the command line)."""
        if smooth is None:
            return DEFAULT_SMOOTH if self.seg_channels else 0.0
        check_smooth(smooth, name)
        if smooth > 0 and not self.seg_channels:
            raise ValueError(
                f"{as_given(name, smooth)} needs a model that predicts structure (a joint "
                f"segmentation + direction model) to read widths from; this model predicts "
                f"directions only: use {as_given(name, 0)}"
            )
        return float(smooth)

    def predict(
        self,
        image: str | Path | np.ndarray,
        tile: int = DEFAULT_TILE,
        overlap: int = DEFAULT_OVERLAP,
        tta: bool | int = True,
        scales: Sequence[float] | str = DEFAULT_SCALES,
        target_width: float = DEFAULT_TARGET_WIDTH,
        border: int = DEFAULT_BORDER,
        smooth: float | None = None,
        missing: np.ndarray | None = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> DirectionPrediction:
        """Directions for one image: a file path (read by
        :func:`dense_direction.io.read_image`), an RGB, gray or RGBA array of any integer or
        float dtype, or a Pillow image (converted by :func:`dense_direction.io.as_rgb_uint8`:
        a palette or CMYK image as its colours).

        Pixels with no value (NaN or infinite in a float array or file,
        :func:`dense_direction.io.no_data`), and those of ``missing`` (``(H, W)`` bool, e.g.
        that of :func:`dense_direction.io.read_image_and_no_data` for an image read
        beforehand), get no direction: a NaN angle, and confidence and structure 0.

        ``on_tile(done, total)``: called after each tile the network has predicted and
        blended, with the tiles done so far and those of the whole call (every test-time
        pass and scale), in the calling thread: the progress of a large image.

        ``tta`` (default ``True``): average over the 8 rotations and flips of the image
        (:mod:`dense_direction.tta`): the field becomes exactly equivariant and, on the width
        benchmark, a quarter lower mean error (docs/results.md), for 8 times the work;
        ``tta=False`` is the fast path; ``tta=4`` (the quarter turns) or ``2`` cost 4 or 2
        network passes (docs/results.md measures the error of each).

        ``scales``: the image is also predicted shrunk by each scale below 1; a coarser scale
        completes the structure where it sees one wider than the finer scale finds (the
        network alone finds only the edges of structures wider than about 48 px), and inside
        structures wider than ``target_width`` px (width read from the predicted structure
        mask) the coarser predictions take over (:mod:`dense_direction.scales`). Joint models
        only (direction-only models predict no mask to read widths from). ``"auto"``: the
        scales 1, 1/2, 1/4 where the image shrunk to 1/4 shows a structure at least
        ``target_width`` wide (48 px at the full size), else 1 alone: for images of
        structures wider than about 48 px. ``(1,)`` (the default) turns it off.

        ``border``: pixels of padding around the image (at every scale), so that structures
        leaving the frame do not end at it: its smooth part replicated from the edge, its
        detail mirrored (:func:`dense_direction.borders.continued`); 0 turns it off.

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
        if image is None:  # (a failed read, say) was "got shape ()"
            raise TypeError("image must be a file path or an (H, W[, C]) array, got None")
        if isinstance(image, (str, Path)):
            rgb, empty = read_image_and_no_data(image)
        else:
            rgb, empty = as_rgb_and_no_data(image)
        empty = check_missing(empty, missing, rgb.shape[:2])
        token = None
        if on_tile is not None:
            total = [self._tile_count(rgb.shape[:2], tile, overlap, tta, border, scales)]
            done = itertools.count(1)
            token = TILE_DONE.set(lambda: on_tile(next(done), total[0]))
            more = TILE_MORE.set(lambda n: total.__setitem__(0, total[0] + n))
        try:
            pairs, structure = self._directions(
                rgb, tile, overlap, tta, scales, target_width, border
            )
        finally:
            if token is not None:
                TILE_DONE.reset(token)
                TILE_MORE.reset(more)
        prediction = finish_prediction(
            pairs,
            structure,
            self.dir_classes,
            smooth,
            opencv_distance,
            opencv_gaussian,
            opencv_disk_dilation,
        )
        if empty is not None:
            without_direction(prediction, empty)
        return prediction
