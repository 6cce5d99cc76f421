# A small CNN that trains on a CPU: mmseg's UNet (16 base channels, 4 stages) with a linear
# direction head on its full-resolution output.
_base_ = ["./direction_loss.py"]
norm_cfg = dict(type="BN", requires_grad=True)
data_preprocessor = dict(
    type="SegDataPreProcessor",
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16,
    test_cfg=dict(size_divisor=16),  # the UNet halves the resolution three times
)
model = dict(
    type="Directioner",
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type="UNet",
        in_channels=3,
        base_channels=16,
        num_stages=4,
        strides=(1, 1, 1, 1),
        enc_num_convs=(2, 2, 2, 2),
        dec_num_convs=(2, 2, 2),
        downsamples=(True, True, True),
        enc_dilations=(1, 1, 1, 1),
        dec_dilations=(1, 1, 1),
        with_cp=False,
        conv_cfg=None,
        norm_cfg=norm_cfg,
        act_cfg=dict(type="ReLU"),
        upsample_cfg=dict(type="InterpConv"),
        norm_eval=False,
    ),
    decode_head=dict(
        type="LinearDirectionHead",
        in_channels=16,
        channels=16,
        in_index=-1,
        dropout_ratio=0,
        align_corners=False,
        loss_decode=[{{_base_.direction_loss}}],
    ),
    train_cfg=dict(),
    test_cfg=dict(mode="whole"),
)
