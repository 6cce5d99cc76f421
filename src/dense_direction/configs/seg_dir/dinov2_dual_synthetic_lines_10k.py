# Segmentation + direction: frozen DINOv2-S/14 (registers), DPT neck, linear segmentation and
# direction heads, 10k iterations.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/synthetic_lines.py",
    "../_base_/models/dinov2_dual_dpt.py",
    "../_base_/schedules/adamw_onecycle_10k.py",
]
work_dir = "./work_dirs/dinov2_dual_synthetic_lines_10k"
val_evaluator = [
    dict(
        type="CenterlineDirectionMetric", centerline_key="gt_centerline", ignore_key="gt_crossings"
    ),
    dict(type="IoUMetric", iou_metrics=["mDice"]),
]
test_evaluator = val_evaluator
