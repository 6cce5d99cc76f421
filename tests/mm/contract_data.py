"""Contracts of the data and run components: transforms, datasets, metrics, hooks and the
visualizer. Metrics and the visualizer take what a tiny model's ``test_step`` returns, and
hooks run inside a real two-iteration training, so the pieces are checked together."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from contract_kit import DIRECTIONER, SIZE, Context, Contract, samples
from mmengine.evaluator import Evaluator
from PIL import Image

LOAD = [dict(type="LoadImage"), dict(type="LoadMask"), dict(type="BinarizeAnnotations")]
PACK = [dict(type="PackSegInputs")]


def run_pipeline(context: Context, steps: list[dict], results: dict) -> dict:
    for step in steps:
        results = context.registry("transform").build(dict(step))(results)
    return results


@dataclass
class TransformContract(Contract):
    """On a synthetic sample loaded by ``before``: returns the dict with every key kept and
    ``adds`` present, arrays still the image's size (packers: ``inputs`` and
    ``data_samples``)."""

    registry: str = "transform"
    before: list = field(default_factory=list)
    adds: tuple = ()

    def check(self, transform: Any, context: Context) -> None:
        results = run_pipeline(context, self.before, context.synthetic_info())
        kept = set(results)
        out = transform(dict(results))
        assert isinstance(out, dict), type(out)
        if "inputs" in out:
            assert out["inputs"].shape[0] == 3 and "data_samples" in out
            return
        assert kept <= set(out), f"dropped {kept - set(out)}"
        assert set(self.adds) <= set(out), f"missing {set(self.adds) - set(out)}"
        height, width = out["img"].shape[:2]
        for key in [k for k in ("gt_seg_map", *self.adds) if k.startswith("gt_") and k in out]:
            assert np.asarray(out[key]).shape[-2:] == (height, width), key


@dataclass
class DatasetContract(Contract):
    """Built on a folder that ``make(context)`` writes (returning the config): not empty,
    and its first sample goes through the standard pipeline to an image and a 0/1 mask of
    the same size with structure in it."""

    registry: str = "dataset"

    def config(self, context: Context) -> dict:
        return dict(super().config(context), pipeline=[*LOAD, *PACK])

    def check(self, dataset: Any, context: Context) -> None:
        assert len(dataset) > 0
        assert dataset.metainfo["classes"][0] == "background"
        packed = dataset[0]
        mask = packed["data_samples"].gt_sem_seg.data
        assert packed["inputs"].shape[1:] == mask.shape[1:]
        assert set(mask.unique().tolist()) == {0, 1}


def tiny_predictions(context: Context) -> tuple[dict, list]:
    """A batch and what an untrained tiny Directioner's ``test_step`` makes of it."""
    model = context.registry("model").build(DIRECTIONER)
    model.init_weights()
    model.eval()
    batch = dict(
        inputs=[torch.randint(0, 255, (3, SIZE, SIZE), dtype=torch.uint8)] * 2,
        data_samples=samples(),
    )
    with torch.no_grad():  # as the test loop runs it
        return batch, model.test_step(batch)


@dataclass
class MetricContract(Contract):
    """Through mmengine's Evaluator on a model's outputs: a dict of finite numbers named
    with the metric's prefix; ``expect(results, context)`` checks more."""

    registry: str = "metric"
    expect: Callable[[dict, Context], None] | None = None

    def check(self, metric: Any, context: Context) -> None:
        batch, outputs = tiny_predictions(context)
        evaluator = Evaluator(metric)
        evaluator.process(outputs, batch)
        results = evaluator.evaluate(len(outputs))
        assert results, "no results"
        for key, value in results.items():
            assert key.startswith(f"{metric.prefix}/"), key
            assert np.isfinite(value), f"{key} = {value}"
        if self.expect is not None:
            self.expect(results, context)


def tiny_training(
    context: Context, hooks: list[dict], iters: int = 2, optim_wrapper: dict | None = None
) -> Any:
    """A real mmengine Runner: tiny Directioner, synthetic crops, ``iters`` iterations
    (``optim_wrapper``: a wrapper config without its optimizer; default mmengine's)."""
    from mmengine.runner import Runner

    pipeline = [
        *LOAD,
        dict(type="MaskGuidedRandomCrop", crop_size=SIZE),
        *PACK,
    ]
    dataset = dict(
        type="SyntheticLinesDataset", data_root=str(context.synth_root), pipeline=pipeline
    )
    runner = Runner(
        model=DIRECTIONER,
        work_dir=str(context.tmp_path / f"run_{uuid.uuid4().hex[:8]}"),
        train_dataloader=dict(
            dataset=dataset,
            batch_size=2,
            num_workers=0,
            sampler=dict(type="InfiniteSampler", shuffle=False),
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=iters),
        optim_wrapper=dict(optim_wrapper or {}, optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=iters)),
        custom_hooks=hooks,
        default_scope="mmseg",
        experiment_name=f"contract_{uuid.uuid4().hex[:8]}",
    )
    runner.train()
    return runner


@dataclass
class HookContract(Contract):
    """Inside a real two-iteration training run, which must finish; ``expect(runner)``
    checks what the hook did."""

    registry: str = "hook"
    expect: Callable[[Any], None] | None = None

    def check(self, hook: Any, context: Context) -> None:
        assert hasattr(hook, "priority")
        runner = tiny_training(context, [dict(self.cfg)])
        assert any(type(h) is type(hook) for h in runner.hooks)
        if self.expect is not None:
            self.expect(runner)


@dataclass
class OptimWrapperContract(Contract):
    """Drives a real two-iteration training run, whose loss and weights stay finite;
    ``expect(runner)`` checks what the wrapper did."""

    registry: str = "optim_wrapper"
    expect: Callable[[Any], None] | None = None

    def build(self, context: Context) -> Any:
        return self.config(context)  # the runner builds it, around its own optimizer

    def check(self, cfg: dict, context: Context) -> None:
        runner = tiny_training(context, [], optim_wrapper=cfg)
        assert type(runner.optim_wrapper).__name__ == cfg["type"]
        assert runner.iter == 2
        assert np.isfinite(runner.message_hub.get_scalar("train/loss").current())
        for name, value in runner.model.state_dict().items():
            assert torch.isfinite(value.float()).all(), name
        if self.expect is not None:
            self.expect(runner)


@dataclass
class VisualizerContract(Contract):
    """Draws a model's output sample next to the image into a file."""

    registry: str = "visualizer"

    def config(self, context: Context) -> dict:
        name = f"contract_{uuid.uuid4().hex[:8]}"  # instance names must be unique
        return dict(super().config(context), name=name)

    def check(self, visualizer: Any, context: Context) -> None:
        _, outputs = tiny_predictions(context)
        visualizer.set_dataset_meta(
            classes=("background", "structure"), palette=[[0] * 3, [255] * 3]
        )
        out = context.tmp_path / "drawn.png"
        image = np.zeros((SIZE, SIZE, 3), np.uint8)
        visualizer.add_datasample("x", image, outputs[0], out_file=str(out))
        drawn = np.asarray(Image.open(out))
        assert drawn.shape[0] == SIZE and drawn.shape[1] >= 2 * SIZE, drawn.shape
