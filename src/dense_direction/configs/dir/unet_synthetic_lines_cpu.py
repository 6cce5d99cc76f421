# Direction-only, on a CPU in minutes: a small UNet trained from the masks of synthetic lines
# (dense-direction synth --out data/synthetic_lines), evaluated against the exact directions.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/synthetic_lines.py",
    "../_base_/models/unet_linear_dir.py",
    "../_base_/schedules/cpu_600.py",
]
work_dir = "./work_dirs/unet_synthetic_lines_cpu"
env_cfg = dict(dist_cfg=dict(backend="gloo"))
# The published directional loss (exact near edges and on thin lines) plus direction targets
# inside every structure from the mask's distance transform, computed right after the crop
# from the mask around it (MaskToMedialDirections) and learnt by a supervised loss: together
# they hold from 1-px cracks to 40-px roads. `dense-direction train --wide` switches this
# (docs/losses.md).
direction_losses = [
    dict(
        type="EfficientDirectionalLoss",
        loss_name="loss_dir",
        pad=7,
        div=90,
        squish_values=True,
        norm_values=True,
        mask_patches=True,
        patch_thr=0.98,
        kernel_cfg=dict(type="radial_line_kernel"),
    ),
    dict(type="SupervisedDirectionLoss", loss_name="loss_medial"),
]
model = dict(decode_head=dict(loss_decode=direction_losses))
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="RandomFlip", prob=0.5),
    dict(type="MaskGuidedRandomCrop", crop_size=(128, 128), min_ratio=0.02, max_ratio=0.5),
    dict(type="MaskToMedialDirections", dir_classes=[1]),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackCustomInputs", additional_data_keys=("gt_directions",)),
]
train_dataloader = dict(batch_size=8, num_workers=2, dataset=dict(pipeline=train_pipeline))
