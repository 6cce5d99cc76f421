# DINOv2-S/14 with registers (HF transformers), frozen, four intermediate layers with class
# tokens. Weights: a local model folder (backbone.pretrained=...) or the hub id by default.
model_crop_size = (392, 392)
data_preprocessor = dict(
    type="SegDataPreProcessor",
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=model_crop_size,
    test_cfg=dict(size_divisor=14),  # whole-image inference needs multiples of the patch
)
model = dict(
    type="Directioner",
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type="DinoV2",
        model_size="small",
        with_registers=True,
        pretrained=None,
        layers_to_extract=[2, 5, 8, 11],
        return_class_token=True,
        frozen=True,
    ),
    train_cfg=dict(),
    test_cfg=dict(mode="slide", crop_size=model_crop_size, stride=(364, 364)),
)
