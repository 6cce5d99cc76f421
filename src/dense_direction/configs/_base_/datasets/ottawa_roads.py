# Ottawa Roads (20 aerial images), after tools/datasets/ottawa_roads.py; split 12/4/4.
# As in the reference project, roads are label 0 after binarisation (by_index=[0]; models use
# dir_classes=[0]). Not verified here against the original data.
dataset_type = "OttawaRoadsDataset"
data_root = "data/Ottawa-Dataset"
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
    dict(
        type="MaskGuidedRandomCrop",
        crop_size=crop_size,
        min_ratio=0.05,
        max_ratio=0.2,
        by_index=[0],
    ),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="PackSegInputs"),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="InfiniteSampler", shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, phase="train", pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, phase="val", pipeline=test_pipeline),
)
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, phase="test", pipeline=test_pipeline),
)
val_evaluator = [
    dict(type="DirectionalLossMetric", loss_config=metric_loss, dir_classes=[0]),
]
test_evaluator = val_evaluator
