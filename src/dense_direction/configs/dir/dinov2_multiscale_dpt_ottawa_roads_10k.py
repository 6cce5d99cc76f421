# Direction-only on Ottawa Roads with the loss at three ground-truth scales.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/ottawa_roads.py",
    "../_base_/models/dinov2_multiscale_dpt_dir.py",
    "../_base_/schedules/adamw_onecycle_10k.py",
]
work_dir = "./work_dirs/dinov2_multiscale_dpt_ottawa_roads_10k"
model = dict(decode_head=dict(real_head=dict(dir_classes=[0])))
