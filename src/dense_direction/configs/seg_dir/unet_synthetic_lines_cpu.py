# Segmentation + direction on a CPU: the small UNet with a segmentation head and a direction
# head on its full-resolution output, trained on synthetic lines.
_base_ = ["../dir/unet_synthetic_lines_cpu.py"]
work_dir = "./work_dirs/seg_dir_unet_synthetic_lines_cpu"
model = dict(
    type="SegmentoDirectioner",
    decode_head=dict(
        _delete_=True,
        type="DualDecodeHead",
        seg_head_config=dict(
            type="LinearSegmentationHead",
            num_classes=1,
            in_channels=16,
            channels=16,
            in_index=-1,
            dropout_ratio=0,
            align_corners=False,
            threshold=0.5,
            loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0),
        ),
        dir_head_config=dict(
            type="LinearDirectionHead",
            in_channels=16,
            channels=16,
            in_index=-1,
            dropout_ratio=0,
            align_corners=False,
            loss_decode={{_base_.direction_losses}},
        ),
    ),
)
val_evaluator = [
    dict(
        type="CenterlineDirectionMetric", centerline_key="gt_centerline", ignore_key="gt_crossings"
    ),
    dict(type="IoUMetric", iou_metrics=["mDice"]),
]
test_evaluator = val_evaluator
