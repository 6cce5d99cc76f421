# Segmentation + direction: frozen DINOv2-S/14 (registers), DPT neck, linear segmentation and
# direction heads, 10k iterations.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/ottawa_roads.py",
    "../_base_/models/dinov2_dual_dpt.py",
    "../_base_/schedules/adamw_onecycle_10k.py",
]
work_dir = "./work_dirs/dinov2_dual_ottawa_roads_10k"
val_evaluator = [
    dict(type="DirectionalLossMetric", loss_config={{_base_.metric_loss}}, dir_classes=[0]),
    dict(type="IoUMetric", iou_metrics=["mDice"]),
]
test_evaluator = val_evaluator
model = dict(decode_head=dict(dir_head_config=dict(dir_classes=[0])))
