"""Metrics on hand-made data samples (dicts, as mmengine's evaluator passes them)."""

import math
import pickle
import warnings

import pytest
import torch
from mmseg.registry import METRICS

from dense_direction.directions import angles_to_vectors
from dense_direction.losses import EfficientDirectionalLoss
from helpers import line_mask


def _sample(pred_deg, gt_deg, centerline, dir_classes=(1,), **extra):
    return dict(
        estimated_dirs=dict(data=torch.deg2rad(torch.as_tensor(pred_deg, dtype=torch.float32))),
        gt_directions=dict(data=torch.deg2rad(torch.as_tensor(gt_deg, dtype=torch.float32))),
        gt_sem_seg=dict(data=torch.as_tensor(centerline)[None]),
        dir_classes=list(dir_classes),
        **extra,
    )


def test_centerline_metric_hand_computed():
    # Four centre-line pixels with errors 0, 3, 4 and 12 deg (179 vs 1 deg is 2 apart, not
    # 178: check the modulo with it too): mean 4.75, median 3.5, RMSE 6.5; a fifth pixel is
    # off the centre-line and must not count.
    pred = [[[10.0, 33.0, 179.0, 62.0, 90.0]]]
    gt = [[[10.0, 30.0, 3.0, 50.0, 0.0]]]
    centerline = [[1, 1, 1, 1, 0]]
    metric = METRICS.build(dict(type="CenterlineDirectionMetric"))
    metric.process({}, [_sample(pred, gt, centerline)])
    out = metric.compute_metrics(metric.results)
    assert out["num_pixels"] == 4
    assert out["mean_error"] == pytest.approx(4.75, abs=1e-4)
    assert out["median_error"] == pytest.approx(3.5, abs=1e-4)
    assert out["rmse"] == pytest.approx(6.5, abs=1e-4)
    assert out["acc_5.0_deg"] == pytest.approx(75.0)
    assert out["acc_1.0_deg"] == pytest.approx(25.0)


def test_centerline_metric_per_class_ignore_and_nan():
    pred = [[[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]]
    gt = [[[10.0, 20.0, math.nan]], [[30.0, 40.0, 50.0]]]
    labels = [[1, 2, 1]]  # class 1 at pixels 0 and 2 (gt NaN there), class 2 at pixel 1
    crossings = dict(data=torch.tensor([[[0, 0, 0]]]))
    metric = METRICS.build(dict(type="CenterlineDirectionMetric", ignore_key="gt_crossings"))
    metric.process({}, [_sample(pred, gt, labels, dir_classes=(1, 2), gt_crossings=crossings)])
    out = metric.compute_metrics(metric.results)
    # class 1: pixel 0 (10 deg), pixel 2 dropped (NaN); class 2: pixel 1 (40 deg).
    assert out["num_pixels"] == 2
    assert out["class1_mean_error"] == pytest.approx(10, abs=1e-4)
    assert out["class2_mean_error"] == pytest.approx(40, abs=1e-4)
    crossings["data"][0, 0, 0] = 1
    metric = METRICS.build(dict(type="CenterlineDirectionMetric", ignore_key="gt_crossings"))
    metric.process({}, [_sample(pred, gt, labels, dir_classes=(1, 2), gt_crossings=crossings)])
    assert metric.compute_metrics(metric.results)["num_pixels"] == 1


def test_centerline_metric_empty_is_nan_not_a_crash():
    metric = METRICS.build(dict(type="CenterlineDirectionMetric"))
    metric.process({}, [_sample([[[0.0]]], [[[0.0]]], [[0]])])
    out = metric.compute_metrics(metric.results)
    assert out["num_pixels"] == 0 and math.isnan(out["mean_error"])


def test_directional_loss_metric_is_the_whole_image_loss():
    mask = line_mask(48, math.radians(30), 4)
    config = dict(
        type="EfficientDirectionalLoss",
        pad=5,
        div=36,
        squish_values=True,
        norm_values=True,
        kernel_cfg=dict(type="radial_line_kernel"),
    )
    direct = EfficientDirectionalLoss(**{k: v for k, v in config.items() if k != "type"})

    def metric_for(degrees):
        vectors = angles_to_vectors(torch.full((1, 48, 48), math.radians(degrees)))
        sample = dict(
            estimated_vs=dict(data=vectors.reshape(2, 48, 48)),
            gt_sem_seg=dict(data=mask.long()[None]),
            dir_classes=[1],
        )
        # reduction "none" as in the reference configs: the metric uses "mean" regardless.
        metric = METRICS.build(
            dict(type="DirectionalLossMetric", loss_config=dict(config, reduction="none"))
        )
        metric.process({}, [sample, sample])
        value = metric.compute_metrics(metric.results)["loss"]
        expected = direct(vectors.view(1, 1, 2, 48, 48), mask[None, None, None]).item()
        assert value == pytest.approx(expected, rel=1e-6)
        return value

    assert metric_for(30) < metric_for(75) < metric_for(120)


def test_directional_loss_metric_warns_about_window_arguments():
    with pytest.warns(UserWarning, match="size/step are ignored"):
        METRICS.build(dict(type="DirectionalLossMetric", size=392, step=378))


def test_dump_samples(tmp_path):
    metric = METRICS.build(
        dict(
            type="DumpSamples", output_directory=str(tmp_path), fields=["estimated_dirs", "missing"]
        )
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metric.process({}, [_sample([[[1.0]]], [[[1.0]]], [[1]])] * 2)
    assert any("lacks ['missing']" in str(w.message) for w in caught)
    assert metric.compute_metrics(metric.results) == {"samples": 2}
    dumped = pickle.loads((tmp_path / "2.pkl").read_bytes())
    assert set(dumped) == {"estimated_dirs"}
