# DINOv2-S/14 + DPT direction head over its four levels (384 channels, patch 14).
_base_ = ["./dinov2_small.py", "./direction_loss.py"]
model = dict(
    decode_head=dict(
        type="DPTDirectionHead",
        in_index=[0, 1, 2, 3],
        embed_dims=384,
        patch_size=14,
        in_channels=[384, 384, 384, 384],
        input_transform="multiple_select",
        channels=384,
        post_process_channels=[96, 192, 384, 768],
        readout_type="project",
        dropout_ratio=0,
        gt_scale_factor=1.0,
        norm_cfg=dict(type="SyncBN", requires_grad=True),
        align_corners=False,
        loss_decode=[{{_base_.direction_loss}}],
    ),
)
