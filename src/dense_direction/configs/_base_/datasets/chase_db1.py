# CHASE-DB1 retinal vessels (mmseg converter: tools/dataset_converters/chase_db1.py),
# read by mmseg's own dataset class. No centre-lines ship with it: evaluation thins the
# vessel masks and takes the structure tensor of the skeleton as direction truth (approximate).
dataset_type = "ChaseDB1Dataset"
data_root = "data/CHASE_DB1"
crop_size = (392, 392)

metric_loss = dict(
    type="EfficientDirectionalLoss",
    loss_name="loss_dir",
    pad=10,
    div=180,
    squish_values=True,
    norm_values=True,
    norm_order=1,
    mask_patches=True,
    patch_thr=0.98,
    loss_weight=1.0,
    kernel_cfg=dict(type="radial_line_kernel"),
)
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="MaskGuidedRandomCrop", crop_size=crop_size, min_ratio=0.05, max_ratio=0.3),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="MaskToCenterline"),
    dict(type="CenterlineToDirections", source_key="gt_centerline"),
    dict(type="PackCustomInputs", additional_data_keys=("gt_directions", "gt_centerline")),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="InfiniteSampler", shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        pipeline=train_pipeline,
        data_prefix=dict(img_path="images/training", seg_map_path="annotations/training"),
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        pipeline=test_pipeline,
        data_prefix=dict(img_path="images/validation", seg_map_path="annotations/validation"),
    ),
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type="DirectionalLossMetric", loss_config=metric_loss),
    dict(type="CenterlineDirectionMetric", centerline_key="gt_centerline"),
]
test_evaluator = val_evaluator
