"""Tiles, borders, test-time augmentation and scales: how :class:`DirectionEstimator`
turns a network of fixed appetite into fields of whole images of any size (the methods of
:class:`TiledFields`, which the estimator inherits)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar

import numpy as np
import torch
import torch.nn.functional as F

from dense_direction._tensors import from_array
from dense_direction.borders import continued
from dense_direction.cv_ops import opencv_disk_dilation, opencv_distance, opencv_resize
from dense_direction.hardware import usable_cores
from dense_direction.inference.checks import check_network_outputs
from dense_direction.prediction import class_probability
from dense_direction.scales import AUTO, AUTO_SCALES, fuse_scales, local_width, scale_weights
from dense_direction.tiling import Tile, blend_weights, tiles
from dense_direction.tta import restore_map, restore_vectors, symmetries, transform_image
from dense_direction.wide import has_wide_structure, wider_structure

__all__ = ["TILE_DONE", "TILE_MORE", "TiledFields", "grown_tile", "scaled_size"]

#: The distance transform and disk dilation of the widths (OpenCV: SciPy is never imported).
_CV_WIDTH = (opencv_distance, opencv_disk_dilation)

#: Called (no arguments) after each tile is predicted and blended, in the thread that asked
#: for the fields: :meth:`DirectionEstimator.predict`'s ``on_tile`` sets it for its call.
TILE_DONE: ContextVar[Callable[[], None] | None] = ContextVar("tile_done", default=None)
#: Told how many tiles a call adds to those it counted first (``scales="auto"`` that finds a
#: wide structure predicts one more scale).
TILE_MORE: ContextVar[Callable[[int], None] | None] = ContextVar("tile_more", default=None)


def scaled_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """The size of an image of ``height`` x ``width`` shrunk by ``scale`` (at least 1 px)."""
    return max(1, round(height * scale)), max(1, round(width * scale))


def grown_tile(height: int, width: int, tile: int, border: int) -> int:
    """The tile side for an image of ``height`` x ``width`` padded by ``border``: an image that
    fitted one tile still does, that tile grown by the border (a 512² image padded to 544²
    would otherwise take four 512² tiles); larger images keep the tile size, and the border
    adds about as many tiles as it adds pixels."""
    return tile + 2 * border if border and max(height, width) <= tile else tile


class TiledFields:
    """Methods of :class:`dense_direction.inference.DirectionEstimator` from a normalised
    input to blended fields; they use its ``device``, ``dtype``, ``mean``, ``std``,
    ``bgr_to_rgb``, ``divisor``, ``dir_classes``, ``seg_channels`` and
    ``_network_outputs``."""

    def _normalise(self, rgb: np.ndarray) -> torch.Tensor:
        """RGB uint8 -> the network's input. Training loads images BGR (mmseg's convention)
        and the data preprocessor converts them to RGB only when ``bgr_to_rgb`` is set: this
        is the one place where inference matches that."""
        x = from_array(rgb).to(self.device).permute(2, 0, 1)[None].float()
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
            out = self._network_outputs(x)
        check_network_outputs(out, x, self.seg_channels, self.dir_classes)
        return out[0, :, :h, :w].float()

    @torch.inference_mode()
    def _window_outputs(self, rgb: np.ndarray, window: Tile) -> torch.Tensor:
        """:meth:`_tile_outputs` of one window of ``rgb``, structure logits turned into
        probabilities."""
        rows, cols = window.slices
        out = self._tile_outputs(rgb[rows, cols])
        c = self.seg_channels
        if c:
            probs = out[:c].sigmoid() if c == 1 else out[:c].softmax(0)
            out = torch.cat((probs, out[c:]))
        return out

    def _tile_stream(self, rgb: np.ndarray, windows: list[Tile]) -> Iterator[torch.Tensor]:
        """:meth:`_window_outputs` of each window, in order. On a CPU of several cores, as
        many tiles run at once as there are cores, each on one core: the 63 tiles of a
        4000x3000 image took 2.46 s so against 2.79 s with both of 2 cores on every tile
        (a convolution does not split across cores without loss;
        ``benchmarks/predict_stages.py``). At most two tiles per
        core are computed ahead of the one being blended, so memory stays bounded."""
        workers = min(usable_cores(), len(windows)) if self.device.type == "cpu" else 1
        if workers <= 1:
            yield from (self._window_outputs(rgb, window) for window in windows)
            return
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # process-wide: restored when the last tile is done
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                pending: deque[Future] = deque()
                for window in windows:
                    pending.append(pool.submit(self._window_outputs, rgb, window))
                    if len(pending) > 2 * workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
        finally:
            torch.set_num_threads(threads)

    @torch.inference_mode()
    def _fields(
        self, rgb: np.ndarray, tile: int, overlap: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Blended tiles: vectors ``(K, 2, H, W)`` and structure probabilities ``(C, H, W)``
        (joint models; else None)."""
        h, w = rgb.shape[:2]
        k, c = len(self.dir_classes), self.seg_channels
        # One host tensor for every sum (probabilities, vectors, then the weights), summed
        # in the order of the tiles whatever computed them: the same numbers every run.
        sums = torch.zeros((c + 2 * k + 1, h, w))
        windows = list(tiles(h, w, tile, overlap, self.divisor))
        report = TILE_DONE.get()
        for window, out in zip(windows, self._tile_stream(rgb, windows), strict=True):
            rows, cols = window.slices
            weight = torch.from_numpy(blend_weights(window, h, w, overlap))
            sums[:-1, rows, cols].addcmul_(out.cpu(), weight)
            sums[-1, rows, cols] += weight
            if report is not None:
                report()
        sums[:-1] /= sums[-1]
        fields = sums.numpy()
        return fields[c:-1].reshape(k, 2, h, w), fields[:c] if c else None

    def _fields_tta(
        self, rgb: np.ndarray, tile: int, overlap: int, tta: bool | int, border: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`_fields` of ``rgb`` widened by ``border`` pixels on every side
        (:func:`dense_direction.borders.continued`; then cropped back), averaged over the
        symmetries of the square ``tta`` names (:func:`dense_direction.tta.symmetries`: all 8
        for ``True``, none for ``False``).

        Without the border a structure that leaves the frame ends abruptly at it, and the
        network reads the cut as an edge across the structure: 28 deg mean error within 8 px
        of the frame on 32-px bands of the width benchmark (the bundled model, no TTA).
        The border continues the structure instead."""
        h, w = rgb.shape[:2]
        tile = grown_tile(h, w, tile, border)
        if border:
            rgb = continued(rgb, border)
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

    def _tile_count(
        self,
        size: tuple[int, int],
        tile: int,
        overlap: int,
        tta: bool | int,
        border: int,
        scales: Sequence[float] | str,
    ) -> int:
        """How many tiles the network predicts for an image of ``size`` (H, W): every
        test-time pass (a quarter turn swaps the sides, not the count) at every scale
        (``auto``: the full and the coarsest one; the scale between, where it is predicted,
        is told to :data:`TILE_MORE`)."""
        if scales == AUTO:
            scales = (AUTO_SCALES[0], AUTO_SCALES[-1])
        count = 0
        for scale in scales:
            h, w = scaled_size(*size, scale)
            side = grown_tile(h, w, tile, border)
            padded = (h + 2 * border, w + 2 * border)
            count += sum(1 for _ in tiles(*padded, side, overlap, self.divisor))
        return count * len(symmetries(tta))

    def _fields_at_scale(
        self, rgb: np.ndarray, scale: float, tile: int, overlap: int, tta: bool | int, border: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Vectors ``(K, 2, H, W)`` predicted on ``rgb`` shrunk by ``scale`` (area-averaged),
        brought back to the full resolution by bilinear interpolation, and the structure
        probability ``(K, h, w)`` of each direction class at the shrunk size (joint models;
        else None)."""
        h, w = rgb.shape[:2]
        size = scaled_size(h, w, scale)
        image = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
        small = F.interpolate(image, size=size, mode="bilinear", antialias=True)
        small = small.round().clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy()
        pairs, seg = self._fields_tta(np.ascontiguousarray(small), tile, overlap, tta, border)
        k = pairs.shape[0]
        up = F.interpolate(
            torch.from_numpy(pairs).reshape(1, 2 * k, *size), size=(h, w), mode="bilinear"
        )
        structure = None if seg is None else self._class_probabilities(seg)
        return up.reshape(k, 2, h, w).numpy(), structure

    def _class_probabilities(self, seg: np.ndarray) -> np.ndarray:
        """``(K, H, W)``: the structure probability of each direction class."""
        return np.stack([class_probability(seg, cls) for cls in self.dir_classes])

    def _directions(
        self,
        rgb: np.ndarray,
        tile: int,
        overlap: int,
        tta: bool | int,
        scales: Sequence[float] | str,
        target_width: float,
        border: int,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Vectors ``(K, 2, H, W)`` of ``rgb`` fused over ``scales``, and the structure
        probability ``(K, H, W)`` of each direction class (joint models; else None), which
        the coarser scales complete where they see a structure too wide for the finer ones
        (:func:`~dense_direction.wide.wider_structure`). ``auto``: the coarsest of
        :data:`~dense_direction.scales.AUTO_SCALES` first; all of them only where it sees a
        structure at least ``target_width`` wide, else the full scale alone."""
        pairs, seg = self._fields_tta(rgb, tile, overlap, tta, border)
        structure = None if seg is None else self._class_probabilities(seg)
        coarse: dict[float, tuple] = {}
        if scales == AUTO:
            coarsest = AUTO_SCALES[-1]
            coarse[coarsest] = self._fields_at_scale(rgb, coarsest, tile, overlap, tta, border)
            wide = has_wide_structure(coarse[coarsest][1], target_width, *_CV_WIDTH)
            scales = AUTO_SCALES if wide else (1.0,)
            more = TILE_MORE.get()
            if wide and more is not None:
                more(self._tile_count(rgb.shape[:2], tile, overlap, tta, border, AUTO_SCALES[1:-1]))
        if len(scales) > 1:
            for s in scales[1:]:
                if s not in coarse:
                    coarse[s] = self._fields_at_scale(rgb, s, tile, overlap, tta, border)
            fields = [coarse[s] for s in scales[1:]]
            for k in range(len(self.dir_classes)):
                for _, small in fields:
                    if small is None:  # (a stand-in network without structure when shrunk)
                        continue
                    structure[k] = wider_structure(
                        structure[k], small[k], target_width, *_CV_WIDTH, opencv_resize
                    )
                # Wider than target / coarsest scale, the weights no longer change.
                widest = target_width / scales[-1]
                width = local_width(structure[k] > 0.5, widest, *_CV_WIDTH)
                weights = scale_weights(width, scales, target_width)
                pairs[k] = fuse_scales([pairs[k]] + [field[k] for field, _ in fields], weights)
        return pairs, structure
