# AdamW with a one-cycle learning rate over 10k iterations (the reference schedule).
train_iters = 10_000
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="AdamW", lr=0.001, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
)
param_scheduler = [dict(type="OneCycleLR", eta_max=0.001, total_steps=train_iters, by_epoch=False)]
train_cfg = dict(type="IterBasedTrainLoop", max_iters=train_iters, val_interval=1_000)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(
        type="CheckpointHook",
        by_epoch=False,
        interval=1_000,
        max_keep_ckpts=3,
        save_best="dir_eval/mean_error",
        rule="less",
    ),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
