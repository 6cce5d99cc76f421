# Segmentation + direction: frozen DINOv2-S/14 (registers), DPT neck, linear segmentation and
# direction heads, 10k iterations.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/chase_db1.py",
    "../_base_/models/dinov2_dual_dpt.py",
    "../_base_/schedules/adamw_onecycle_10k.py",
]
work_dir = "./work_dirs/dinov2_dual_chase_db1_10k"
val_evaluator = [
    dict(type="DirectionalLossMetric", loss_config={{_base_.metric_loss}}),
    dict(type="CenterlineDirectionMetric", centerline_key="gt_centerline"),
    dict(type="IoUMetric", iou_metrics=["mDice"]),
]
test_evaluator = val_evaluator
