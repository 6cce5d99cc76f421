# The directional loss as trained in the reference project.
direction_loss = dict(
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
