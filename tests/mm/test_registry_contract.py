"""Every type Dense Direction registers passes the contract of its kind (timm-style).

The registered types are read from the registries, not listed by hand: registering a new
component without adding a contract here fails ``test_every_registered_type_has_a_contract``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from contract_data import LOAD as LOADED
from contract_data import (
    DatasetContract,
    HookContract,
    MetricContract,
    OptimWrapperContract,
    TransformContract,
    VisualizerContract,
)
from contract_kit import (
    DIRECTIONER,
    SIZE,
    C,
    Context,
    Contract,
    registered_types,
)
from contract_models import (
    DirectionHeadContract,
    KernelContract,
    LossContract,
    ModuleContract,
    SegmentationHeadContract,
    SegmentorContract,
    feature_maps,
    vit_levels,
)
from tiny_backbones import TINY_V2, TINY_V3, write_hub

LINEAR = dict(type="LinearDirectionHead", in_channels=C, channels=C)
SEG_HEAD = dict(type="LinearSegmentationHead", in_channels=C, channels=C, num_classes=2)
DPT = dict(
    in_channels=[C] * 4,
    channels=C,
    in_index=[0, 1, 2, 3],
    input_transform="multiple_select",
    embed_dims=C,
    post_process_channels=[C] * 4,
    readout_type="project",
    patch_size=4,
)
KERNEL = dict(pad=3, div=8)
# Hugging Face ViTs hold a mask token used only for masked-image pre-training.
UNUSED_HF = ("mask_token",)


def _dummy_inputs() -> torch.Tensor:
    return torch.randn(2, 1, 2, SIZE // 2, SIZE // 2, requires_grad=True)


def _v3_weights(context: Context) -> dict:
    hub = write_hub(context.tmp_path)
    weights = context.tmp_path / "v3.pth"
    torch.save({"embed.weight": torch.zeros(8, 3, 16, 16), "embed.bias": torch.ones(8)}, weights)
    return dict(weights_path=str(weights), repo_url=str(hub))


def _folder_dataset(images: str, masks: str, suffixes: tuple[str, str]) -> Any:
    def make(context: Context) -> dict:
        context.image_mask_folders(f"data/{images}", f"data/{masks}", suffixes)
        return dict(data_root=str(context.tmp_path / "data"))

    return make


def _image_mask_folders(context: Context) -> dict:
    images, masks = context.image_mask_folders()
    return dict(images=str(images), masks=str(masks))


def _stopped_after_one_iteration(runner: Any) -> None:
    assert runner.iter == 1  # a budget of 1e-9 minutes is spent after the first iteration
    assert (Path(runner.work_dir) / "iter_1.pth").is_file()  # saved so --resume works


def _dumped_two(results: dict, context: Context) -> None:
    assert results["dump/samples"] == 2
    assert sorted(p.name for p in (context.tmp_path / "dump").iterdir()) == ["1.pkl", "2.pkl"]


LOSSES = {
    "DirectionalLoss": dict(pad=3, div=12),
    "EfficientDirectionalLoss": dict(pad=3, div=12, squish_values=True, norm_values=True),
    "SmoothnessLoss": dict(),
    "CircularDirectionalLoss": dict(kind="von_mises", pad=3, div=12),
    "SupervisedDirectionLoss": dict(kind="cosine"),
    "MedialDirectionLoss": dict(),
}
KERNELS = (
    "circular_point_kernel",
    "radial_line_kernel",
    "polar_kernel",
    "polar_wedge_kernel",
    "polar_disc_kernel",
    "polar_sector_kernel",
)
DUAL = dict(type="DualDecodeHead", seg_head_config=SEG_HEAD, dir_head_config=LINEAR)
SEGMENTO = dict(
    DIRECTIONER,
    type="SegmentoDirectioner",
    decode_head=dict(
        DUAL,
        seg_head_config=dict(
            SEG_HEAD,
            num_classes=1,
            threshold=0.5,
            loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=True),
        ),
    ),
)


def _channels_last(runner: Any) -> None:
    convs = [m.weight for m in runner.model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)


def _autocast_bfloat16(runner: Any) -> None:
    assert runner.optim_wrapper.dtype_for(runner.model) == torch.bfloat16


CONTRACTS: dict[str, Contract] = {
    **{f"model/{n}": LossContract(dict(type=n, **cfg)) for n, cfg in LOSSES.items()},
    **{f"function/{n}": KernelContract(dict(type=n, **KERNEL)) for n in KERNELS},
    "model/LinearDirectionHead": DirectionHeadContract(LINEAR, inputs=feature_maps),
    "model/DPTDirectionHead": DirectionHeadContract(
        dict(DPT, type="DPTDirectionHead"), inputs=vit_levels
    ),
    "model/DummyDirectionHead": DirectionHeadContract(
        dict(type="DummyDirectionHead"), inputs=_dummy_inputs
    ),
    "model/MultiscaleLossDirectionHead": DirectionHeadContract(
        dict(
            type="MultiscaleLossDirectionHead",
            real_head=LINEAR,
            dummy_heads=[dict(gt_scale_factor=0.5)],
        ),
        inputs=feature_maps,
    ),
    "model/DualDecodeHead": DirectionHeadContract(
        DUAL, inputs=feature_maps, extra=dict(channels=(2, 2))
    ),
    "model/LinearSegmentationHead": SegmentationHeadContract(SEG_HEAD, inputs=feature_maps),
    "model/LinearHead": SegmentationHeadContract(
        dict(SEG_HEAD, type="LinearHead"), inputs=feature_maps
    ),
    "model/DPTDecoderBlock": ModuleContract(
        dict(
            type="DPTDecoderBlock",
            **{
                k: DPT[k]
                for k in (
                    "channels",
                    "embed_dims",
                    "post_process_channels",
                    "readout_type",
                    "patch_size",
                )
            },
        ),
        inputs=lambda: vit_levels(),
        shape=(2, C, SIZE, SIZE),
    ),
    "model/DinoV2": ModuleContract(
        dict(type="DinoV2", config=TINY_V2),
        extra=dict(unused=UNUSED_HF),
        inputs=lambda: torch.randn(2, 3, 28, 28),
        shape=(2, 16, 2, 2),
    ),
    "model/DinoV3": ModuleContract(
        dict(type="DinoV3", config=TINY_V3),
        extra=dict(unused=UNUSED_HF),
        inputs=lambda: torch.randn(2, 3, 32, 32),
        shape=(2, 16, 2, 2),
    ),
    "model/Dino2TorchHub": ModuleContract(
        dict(type="Dino2TorchHub", source="local"),
        make=lambda ctx: dict(repo_or_dir=str(write_hub(ctx.tmp_path))),
        inputs=lambda: torch.randn(2, 3, 28, 28),
        shape=(2, 8, 2, 2),
    ),
    "model/Dino3TorchHub": ModuleContract(
        dict(type="Dino3TorchHub"),
        make=_v3_weights,
        inputs=lambda: torch.randn(2, 3, 32, 32),
        shape=(2, 8, 2, 2),
    ),
    "model/Directioner": SegmentorContract(DIRECTIONER),
    "model/SegmentoDirectioner": SegmentorContract(
        SEGMENTO, extra=dict(fields=("pred_sem_seg", "seg_logits"))
    ),
    "transform/LoadImage": TransformContract(dict(type="LoadImage"), adds=("img", "img_shape")),
    "transform/LoadMask": TransformContract(
        dict(type="LoadMask"), before=LOADED[:1], adds=("gt_seg_map", "seg_fields")
    ),
    "transform/CachedLoading": TransformContract(
        dict(type="CachedLoading", transforms=LOADED), adds=("img", "gt_seg_map", "seg_fields")
    ),
    "transform/BinarizeAnnotations": TransformContract(
        dict(type="BinarizeAnnotations"), before=LOADED[:2]
    ),
    "transform/MaskGuidedRandomCrop": TransformContract(
        dict(type="MaskGuidedRandomCrop", crop_size=24),
        before=LOADED,
        adds=("crop_box", "uncropped_seg_maps"),  # for MaskToMedialDirections after it
    ),
    "transform/MaskToCenterline": TransformContract(
        dict(type="MaskToCenterline"), before=LOADED, adds=("gt_centerline",)
    ),
    "transform/CenterlineToDirections": TransformContract(
        dict(type="CenterlineToDirections"), before=LOADED, adds=("gt_directions",)
    ),
    "transform/MaskToMedialDirections": TransformContract(
        dict(type="MaskToMedialDirections"), before=LOADED, adds=("gt_directions",)
    ),
    "transform/LoadDirectionAnnotations": TransformContract(
        dict(type="LoadDirectionAnnotations", required=["centerline", "direction"]),
        before=LOADED,
        adds=("gt_directions", "gt_centerline"),
    ),
    "transform/RandomDirectionFlip": TransformContract(
        dict(type="RandomDirectionFlip", prob=1.0, direction="horizontal"),
        before=[*LOADED, dict(type="LoadDirectionAnnotations", required=["direction"])],
        adds=("gt_directions",),
    ),
    "transform/PackCustomInputs": TransformContract(
        dict(type="PackCustomInputs"),
        before=[*LOADED, dict(type="LoadDirectionAnnotations", required=["direction"])],
    ),
    "dataset/SyntheticLinesDataset": DatasetContract(
        dict(type="SyntheticLinesDataset"), make=lambda ctx: dict(data_root=str(ctx.synth_root))
    ),
    "dataset/ImageMaskFolderDataset": DatasetContract(
        dict(type="ImageMaskFolderDataset"), make=_image_mask_folders
    ),
    "dataset/ConcreteCracksDataset": DatasetContract(
        dict(type="ConcreteCracksDataset"), make=_folder_dataset("rgb", "BW", (".jpg", ".jpg"))
    ),
    "dataset/OttawaRoadsDataset": DatasetContract(
        dict(type="OttawaRoadsDataset"), make=_folder_dataset("images", "masks", (".tif", ".png"))
    ),
    "metric/CenterlineDirectionMetric": MetricContract(dict(type="CenterlineDirectionMetric")),
    "metric/DirectionalLossMetric": MetricContract(dict(type="DirectionalLossMetric")),
    "metric/DumpSamples": MetricContract(
        dict(type="DumpSamples", prefix="dump"),
        make=lambda ctx: dict(output_directory=str(ctx.tmp_path / "dump")),
        expect=_dumped_two,
    ),
    "hook/TimeBudgetHook": HookContract(
        dict(type="TimeBudgetHook", minutes=1e-9), expect=_stopped_after_one_iteration
    ),
    "hook/ProgressBarHook": HookContract(dict(type="ProgressBarHook")),
    "hook/DirectionClassesCheckHook": HookContract(dict(type="DirectionClassesCheckHook")),
    "hook/ChannelsLastHook": HookContract(dict(type="ChannelsLastHook"), expect=_channels_last),
    "optim_wrapper/AutocastOptimWrapper": OptimWrapperContract(
        dict(type="AutocastOptimWrapper", precision="bfloat16"), expect=_autocast_bfloat16
    ),
    "visualizer/SegDirLocalVisualizer": VisualizerContract(dict(type="SegDirLocalVisualizer")),
}


def test_every_registered_type_has_a_contract():
    registered = set(registered_types())
    missing = sorted(registered - set(CONTRACTS))
    assert not missing, f"registered without a contract (add one to CONTRACTS): {missing}"
    stale = sorted(set(CONTRACTS) - registered)
    assert not stale, f"contracts for types no longer registered: {stale}"


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_contract(key, tmp_path, synth_root):
    if key.split("/")[1].startswith("DinoV"):
        pytest.importorskip("transformers", reason="the dino extra is not installed")
    CONTRACTS[key].run(Context(tmp_path, synth_root))
