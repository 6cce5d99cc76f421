# Segmentation + direction: DINOv2-S/14, a DPT neck, then a linear segmentation head and a
# linear direction head on its output (SegmentoDirectioner).
_base_ = ["./dinov2_small.py", "./direction_loss.py"]
model = dict(
    type="SegmentoDirectioner",
    neck=dict(
        type="DPTDecoderBlock",
        return_list=True,
        embed_dims=384,
        patch_size=14,
        channels=384,
        readout_type="project",
        norm_cfg=dict(type="SyncBN", requires_grad=True),
    ),
    decode_head=dict(
        type="DualDecodeHead",
        seg_head_config=dict(
            type="LinearSegmentationHead",
            num_classes=1,
            in_channels=384,
            channels=384,
            in_index=0,
            dropout_ratio=0,
            align_corners=False,
            threshold=0.5,
            loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0),
        ),
        dir_head_config=dict(
            type="LinearDirectionHead",
            in_channels=384,
            channels=384,
            in_index=0,
            dropout_ratio=0,
            align_corners=False,
            loss_decode=[{{_base_.direction_loss}}],
        ),
    ),
)
