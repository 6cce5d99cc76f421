"""SegDirLocalVisualizer: segmentation panels plus an HSV-coded direction panel per class."""

from __future__ import annotations

from typing import Any

import mmcv
import numpy as np
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

from dense_direction.visualization import add_legend, direction_overlay

__all__ = ["SegDirLocalVisualizer"]


@VISUALIZERS.register_module()
class SegDirLocalVisualizer(SegLocalVisualizer):
    """Panels side by side: ground truth and predicted segmentation (when present), then for
    each direction class the image with its directions colour-coded (hue = angle, see
    :mod:`dense_direction.visualization`) and a colour-wheel legend. Directions are shown on
    the ground-truth pixels of the class if the sample has them, else on the predicted ones,
    else everywhere."""

    def __init__(
        self,
        name: str = "visualizer",
        image: np.ndarray | None = None,
        vis_backends: list | None = None,
        save_dir: str | None = None,
        classes: list | None = None,
        palette: list | None = None,
        dataset_name: str | None = None,
        alpha: float = 0.8,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name,
            image=image,
            vis_backends=vis_backends,
            save_dir=save_dir,
            classes=classes,
            palette=palette,
            dataset_name=dataset_name,
            alpha=alpha,
            **kwargs,
        )

    def direction_panels(self, image: np.ndarray, data_sample: Any) -> list[np.ndarray]:
        angles = data_sample.estimated_dirs.data.cpu().numpy()
        labels = None
        for field in ("gt_sem_seg", "pred_sem_seg"):
            if field in data_sample:
                labels = getattr(data_sample, field).data.cpu().numpy()[0]
                break
        panels = []
        for channel, cls in enumerate(data_sample.get("dir_classes", [1])):
            mask = None if labels is None else labels == cls
            panels.append(add_legend(direction_overlay(image, angles[channel], mask, self.alpha)))
        return panels

    def add_datasample(
        self,
        name: str,
        image: np.ndarray,
        data_sample: Any = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0,
        out_file: str | None = None,
        step: int = 0,
        with_labels: bool = True,
    ) -> None:
        classes, palette = self.dataset_meta.get("classes"), self.dataset_meta.get("palette")
        panels = []
        if data_sample is not None:
            if draw_gt and "gt_sem_seg" in data_sample and classes is not None:
                panels.append(
                    self._draw_sem_seg(image, data_sample.gt_sem_seg, classes, palette, with_labels)
                )
            if draw_pred and "pred_sem_seg" in data_sample and classes is not None:
                panels.append(
                    self._draw_sem_seg(
                        image, data_sample.pred_sem_seg, classes, palette, with_labels
                    )
                )
            if draw_pred and "estimated_dirs" in data_sample:
                panels += self.direction_panels(image, data_sample)
        drawn = np.concatenate(panels, axis=1) if panels else image
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
