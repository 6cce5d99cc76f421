# DINOv2-S/14 + DPT direction head, the loss also taken at 3/4 and 1/2 of the ground truth.
_base_ = ["./dinov2_small.py", "./direction_loss.py"]
model = dict(
    decode_head=dict(
        type="MultiscaleLossDirectionHead",
        real_head=dict(
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
            norm_cfg=dict(type="SyncBN", requires_grad=True),
            align_corners=False,
            loss_decode=[{{_base_.direction_loss}}],
        ),
        dummy_heads=[dict(gt_scale_factor=0.75), dict(gt_scale_factor=0.5)],
    ),
)
