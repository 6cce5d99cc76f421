crop_size = (
    128,
    128,
)
custom_hooks = [
    dict(type='ChannelsLastHook'),
    dict(type='DirectionClassesCheckHook'),
    dict(type='ProgressBarHook'),
]
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'dense_direction.mm',
    ])
data_preprocessor = dict(
    bgr_to_rgb=True,
    mean=[
        123.675,
        116.28,
        103.53,
    ],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16,
    std=[
        58.395,
        57.12,
        57.375,
    ],
    test_cfg=dict(size_divisor=16),
    type='SegDataPreProcessor')
data_root = 'data/synthetic_lines'
dataset_type = 'SyntheticLinesDataset'
default_hooks = dict(
    checkpoint=dict(
        by_epoch=False,
        interval=500,
        max_keep_ckpts=2,
        rule='less',
        save_best='dir_eval/mean_error',
        type='CheckpointHook'),
    logger=dict(interval=50, log_metric_by_epoch=False, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'))
default_scope = 'mmseg'
direction_loss = dict(
    div=180,
    kernel_cfg=dict(type='radial_line_kernel'),
    loss_name='loss_dir',
    loss_weight=1.0,
    mask_patches=True,
    norm_order=1,
    norm_values=True,
    pad=10,
    patch_thr=0.98,
    squish_values=True,
    type='EfficientDirectionalLoss')
direction_losses = [
    dict(
        div=90,
        kernel_cfg=dict(type='radial_line_kernel'),
        loss_name='loss_dir',
        mask_patches=True,
        norm_values=True,
        pad=7,
        patch_thr=0.98,
        squish_values=True,
        type='EfficientDirectionalLoss'),
    dict(loss_name='loss_medial', type='SupervisedDirectionLoss'),
]
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork'))
launcher = 'none'
log_level = 'INFO'
log_processor = dict(
    by_epoch=False, custom_cfg=None, num_digits=4, window_size=10)
model = dict(
    backbone=dict(
        act_cfg=dict(type='ReLU'),
        base_channels=16,
        conv_cfg=None,
        dec_dilations=(
            1,
            1,
            1,
        ),
        dec_num_convs=(
            2,
            2,
            2,
        ),
        downsamples=(
            True,
            True,
            True,
        ),
        enc_dilations=(
            1,
            1,
            1,
            1,
        ),
        enc_num_convs=(
            2,
            2,
            2,
            2,
        ),
        in_channels=3,
        norm_cfg=dict(requires_grad=True, type='BN'),
        norm_eval=False,
        num_stages=4,
        strides=(
            1,
            1,
            1,
            1,
        ),
        type='UNet',
        upsample_cfg=dict(type='InterpConv'),
        with_cp=False),
    data_preprocessor=dict(
        bgr_to_rgb=True,
        mean=[
            123.675,
            116.28,
            103.53,
        ],
        pad_val=0,
        seg_pad_val=255,
        size_divisor=16,
        std=[
            58.395,
            57.12,
            57.375,
        ],
        test_cfg=dict(size_divisor=16),
        type='SegDataPreProcessor'),
    decode_head=dict(
        dir_head_config=dict(
            align_corners=False,
            channels=16,
            dropout_ratio=0,
            in_channels=16,
            in_index=-1,
            loss_decode=[
                dict(
                    div=90,
                    kernel_cfg=dict(type='radial_line_kernel'),
                    loss_name='loss_dir',
                    mask_patches=True,
                    norm_values=True,
                    pad=7,
                    patch_thr=0.98,
                    squish_values=True,
                    type='EfficientDirectionalLoss'),
                dict(loss_name='loss_medial', type='SupervisedDirectionLoss'),
            ],
            type='LinearDirectionHead'),
        seg_head_config=dict(
            align_corners=False,
            channels=16,
            dropout_ratio=0,
            in_channels=16,
            in_index=-1,
            loss_decode=dict(
                loss_weight=1.0, type='CrossEntropyLoss', use_sigmoid=True),
            num_classes=1,
            threshold=0.5,
            type='LinearSegmentationHead'),
        type='DualDecodeHead'),
    test_cfg=dict(mode='whole'),
    train_cfg=dict(),
    type='SegmentoDirectioner')
norm_cfg = dict(requires_grad=True, type='BN')
optim_wrapper = dict(
    optimizer=dict(
        betas=(
            0.9,
            0.999,
        ),
        eps=1e-08,
        lr=0.003,
        type='AdamW',
        weight_decay=0.01),
    precision='auto',
    type='AutocastOptimWrapper')
param_scheduler = [
    dict(by_epoch=False, eta_max=0.003, total_steps=28000, type='OneCycleLR'),
]
runner = dict(type='Runner')
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=1,
    dataset=dict(
        data_root='work/pre/data',
        phase='val',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='LoadAnnotations'),
            dict(type='BinarizeAnnotations'),
            dict(
                required=(
                    'centerline',
                    'direction',
                    'crossing',
                ),
                type='LoadDirectionAnnotations'),
            dict(
                additional_data_keys=(
                    'gt_directions',
                    'gt_centerline',
                    'gt_crossings',
                ),
                type='PackCustomInputs'),
        ],
        type='SyntheticLinesDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = [
    dict(
        centerline_key='gt_centerline',
        ignore_key='gt_crossings',
        type='CenterlineDirectionMetric'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadAnnotations'),
    dict(type='BinarizeAnnotations'),
    dict(
        required=(
            'centerline',
            'direction',
            'crossing',
        ),
        type='LoadDirectionAnnotations'),
    dict(
        additional_data_keys=(
            'gt_directions',
            'gt_centerline',
            'gt_crossings',
        ),
        type='PackCustomInputs'),
]
train_cfg = dict(max_iters=28000, type='IterBasedTrainLoop', val_interval=500)
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_root='work/pre/data',
        phase='train',
        pipeline=[
            dict(
                cache_mb=512.0,
                transforms=[
                    dict(type='LoadImage'),
                    dict(type='LoadAnnotations'),
                    dict(type='BinarizeAnnotations'),
                ],
                type='CachedLoading'),
            dict(prob=0.5, type='RandomFlip'),
            dict(dir_classes=[
                1,
            ], type='MaskToMedialDirections'),
            dict(
                crop_size=(
                    128,
                    128,
                ),
                max_ratio=0.5,
                min_ratio=0.02,
                type='MaskGuidedRandomCrop'),
            dict(type='PhotoMetricDistortion'),
            dict(
                additional_data_keys=('gt_directions', ),
                type='PackCustomInputs'),
        ],
        type='SyntheticLinesDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_iters = 600
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadAnnotations'),
    dict(type='BinarizeAnnotations'),
    dict(prob=0.5, type='RandomFlip'),
    dict(dir_classes=[
        1,
    ], type='MaskToMedialDirections'),
    dict(
        crop_size=(
            128,
            128,
        ),
        max_ratio=0.5,
        min_ratio=0.02,
        type='MaskGuidedRandomCrop'),
    dict(type='PhotoMetricDistortion'),
    dict(additional_data_keys=('gt_directions', ), type='PackCustomInputs'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=1,
    dataset=dict(
        data_root='work/pre/data',
        phase='val',
        pipeline=[
            dict(type='LoadImage'),
            dict(type='LoadAnnotations'),
            dict(type='BinarizeAnnotations'),
            dict(
                required=(
                    'centerline',
                    'direction',
                    'crossing',
                ),
                type='LoadDirectionAnnotations'),
            dict(
                additional_data_keys=(
                    'gt_directions',
                    'gt_centerline',
                    'gt_crossings',
                ),
                type='PackCustomInputs'),
        ],
        type='SyntheticLinesDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = [
    dict(
        centerline_key='gt_centerline',
        ignore_key='gt_crossings',
        type='CenterlineDirectionMetric'),
]
work_dir = 'work/pre/work'
