"""mmengine metrics around :mod:`dense_direction.evaluation` and the directional loss.

Predictions are read from the data-sample fields the models write: ``estimated_dirs``
(``(K, H, W)`` angles), ``estimated_vs`` (``(2K, H, W)`` vectors) and ``dir_classes``.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmseg.registry import METRICS, MODELS
from prettytable import PrettyTable

from dense_direction.evaluation import (
    ACCURACY_THRESHOLDS,
    angular_error,
    scored_pixels,
    summarize_errors,
)
from dense_direction.losses import class_masks
from dense_direction.notices import DenseDirectionWarning

__all__ = ["CenterlineDirectionMetric", "DirectionalLossMetric", "DumpSamples"]


def _field(sample: dict, key: str) -> torch.Tensor:
    if key not in sample:
        raise KeyError(f"data sample has no '{key}' (fields: {sorted(sample)})")
    value = sample[key]
    return value["data"] if isinstance(value, dict) else value.data


@METRICS.register_module()
class CenterlineDirectionMetric(BaseMetric):
    """Angular error of ``estimated_dirs`` against ``gt_dir_key`` on centre-line pixels.

    Centre-line pixels of class ``c`` are ``label == c`` in ``centerline_key`` (default
    ``gt_sem_seg``, as in the reference, whose evaluation pipelines load centre-lines as the
    segmentation map). Pixels where ``ignore_key`` (e.g. ``gt_crossings``) is non-zero or the
    ground truth is NaN are left out.

    Returns ``mean_error``, ``median_error``, ``std_error``, ``rmse`` (degrees),
    ``acc_{t:.1f}_deg`` (percent within ``t`` degrees) and ``num_pixels``, pooled over classes,
    plus ``class{c}_mean_error`` per class when there are several; prints a table per class.
    """

    default_prefix = "dir_eval"

    def __init__(
        self,
        gt_dir_key: str = "gt_directions",
        acc_thresholds: Sequence[float] | None = None,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | None = None,
        centerline_key: str = "gt_sem_seg",
        ignore_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            collect_device=collect_device, prefix=prefix, collect_dir=collect_dir, **kwargs
        )
        self.gt_dir_key, self.centerline_key, self.ignore_key = (
            gt_dir_key,
            centerline_key,
            ignore_key,
        )
        self.thresholds = tuple(acc_thresholds) if acc_thresholds else ACCURACY_THRESHOLDS

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = _field(sample, "estimated_dirs").cpu()
            gt = _field(sample, self.gt_dir_key).cpu()
            labels = _field(sample, self.centerline_key).cpu()[0]
            if pred.shape != gt.shape:
                raise ValueError(
                    f"estimated_dirs {tuple(pred.shape)} and {self.gt_dir_key} "
                    f"{tuple(gt.shape)} differ in shape"
                    + (f" ({sample['img_path']})" if sample.get("img_path") else "")
                )
            ignore = _field(sample, self.ignore_key).cpu()[0].numpy() if self.ignore_key else None
            errors = {}
            for channel, cls in enumerate(sample.get("dir_classes", (1,))):
                truth = gt[channel].numpy()
                select = scored_pixels((labels == cls).numpy(), ignore, truth)
                errors[int(cls)] = angular_error(pred[channel].numpy(), truth, select)
            self.results.append(errors)

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        classes = sorted({c for r in results for c in r})
        per_class = {
            c: np.concatenate([r[c] for r in results if c in r] or [np.empty(0)]) for c in classes
        }
        pooled = summarize_errors(
            np.concatenate(list(per_class.values()) or [np.empty(0)]), self.thresholds
        )
        metrics = self._flat(pooled)
        if len(classes) > 1:
            for c in classes:
                metrics[f"class{c}_mean_error"] = summarize_errors(per_class[c]).mean
        self._print_table(per_class, pooled)
        return metrics

    def _flat(self, summary: Any) -> dict[str, float]:
        out = {
            "mean_error": summary.mean,
            "median_error": summary.median,
            "std_error": summary.std,
            "rmse": summary.rmse,
        }
        out.update({f"acc_{t:.1f}_deg": 100 * summary.accuracy[t] for t in self.thresholds})
        out["num_pixels"] = summary.count
        return out

    def _print_table(self, per_class: dict[int, np.ndarray], pooled: Any) -> None:
        table = PrettyTable(
            [
                "class",
                "pixels",
                "mean",
                "median",
                "std",
                "rmse",
                *[f"acc@{t:g}" for t in self.thresholds],
            ]
        )
        rows = [(str(c), summarize_errors(e, self.thresholds)) for c, e in per_class.items()]
        for name, s in [*rows, ("all", pooled)]:
            table.add_row(
                [
                    name,
                    s.count,
                    f"{s.mean:.2f}",
                    f"{s.median:.2f}",
                    f"{s.std:.2f}",
                    f"{s.rmse:.2f}",
                    *[f"{100 * s.accuracy[t]:.1f}" for t in self.thresholds],
                ]
            )
        MMLogger.get_current_instance().info(
            "direction error (degrees, acc in %):\n" + table.get_string()
        )


@METRICS.register_module()
class DirectionalLossMetric(BaseMetric):
    """Directional loss of ``estimated_vs`` against the ``gt_sem_seg`` class masks, on the whole
    image, on whatever device the prediction is. Returns ``loss``: the mean over images of each
    image's mean loss over kept pixels.

    ``loss_config`` is any registered loss (default ``EfficientDirectionalLoss``); its
    ``reduction`` is replaced by "mean". ``size`` and ``step`` (the reference's sliding window)
    are accepted for config compatibility; the efficient loss needs no windows.
    """

    default_prefix = "directional_loss"

    def __init__(
        self,
        loss_config: dict | None = None,
        dir_classes: Sequence[int] | None = None,
        size: int | None = None,
        step: int | None = None,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            collect_device=collect_device, prefix=prefix, collect_dir=collect_dir, **kwargs
        )
        if size is not None or step is not None:
            warnings.warn(
                "DirectionalLossMetric: size/step are ignored; the loss is computed "
                "on the whole image",
                DenseDirectionWarning,
                stacklevel=2,
            )
        config = dict(loss_config or {"type": "EfficientDirectionalLoss"})
        config["reduction"] = "mean"
        self.loss = MODELS.build(config)
        self.dir_classes = tuple(dir_classes) if dir_classes is not None else None

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            vectors = _field(sample, "estimated_vs")
            labels = _field(sample, "gt_sem_seg").to(vectors.device)
            classes = self.dir_classes or tuple(sample.get("dir_classes", (1,)))
            k, (h, w) = len(classes), vectors.shape[-2:]
            if vectors.shape[0] != 2 * k:
                raise ValueError(
                    f"estimated_vs has {vectors.shape[0]} channels; expected 2 per "
                    f"direction class {classes} = {2 * k}"
                )
            masks = class_masks(labels[None], classes)  # (1, K, 1, H, W)
            with torch.no_grad():
                value = self.loss.to(vectors.device)(vectors.float().view(1, k, 2, h, w), masks)
            self.results.append(float(value))

    def compute_metrics(self, results: list[float]) -> dict[str, float]:
        return {"loss": float(np.mean(results)) if results else float("nan")}


@METRICS.register_module()
class DumpSamples(BaseMetric):
    """Pickle each data sample (or only ``fields``) to ``output_directory/{n}.pkl``, n from 1.

    Missing fields are reported with a warning naming them. Returns ``samples``: the count.
    """

    default_prefix = "dump_samples"

    def __init__(
        self,
        output_directory: str,
        fields: Sequence[str] | None = None,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.output_directory = Path(output_directory)
        self.fields = tuple(fields) if fields is not None else None
        self.count = 0

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        self.output_directory.mkdir(parents=True, exist_ok=True)
        for sample in data_samples:
            if self.fields is not None:
                missing = [f for f in self.fields if f not in sample]
                if missing:
                    warnings.warn(
                        f"DumpSamples: sample {sample.get('img_path', '')} lacks {missing}",
                        DenseDirectionWarning,
                        stacklevel=2,
                    )
                sample = {f: sample[f] for f in self.fields if f in sample}
            if not sample:
                continue
            self.count += 1
            with open(self.output_directory / f"{self.count}.pkl", "wb") as f:
                pickle.dump(sample, f)
            self.results.append(1)

    def compute_metrics(self, results: list[int]) -> dict[str, int]:
        return {"samples": len(results)}
