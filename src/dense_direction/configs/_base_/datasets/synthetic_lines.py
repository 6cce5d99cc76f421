# Synthetic linear structures written by `dense-direction synth --out data/synthetic_lines`.
# Training sees masks only; validation and test compare with the exact analytic directions
# on centre-line pixels outside crossings.
dataset_type = "SyntheticLinesDataset"
data_root = "data/synthetic_lines"
crop_size = (128, 128)

train_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="MaskGuidedRandomCrop", crop_size=crop_size, min_ratio=0.02, max_ratio=0.5),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
    dict(type="PackSegInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="LoadMask"),
    dict(type="BinarizeAnnotations"),
    dict(type="LoadDirectionAnnotations", required=("centerline", "direction", "crossing")),
    dict(
        type="PackCustomInputs",
        additional_data_keys=("gt_directions", "gt_centerline", "gt_crossings"),
    ),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
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
    dict(
        type="CenterlineDirectionMetric", centerline_key="gt_centerline", ignore_key="gt_crossings"
    ),
]
test_evaluator = val_evaluator
