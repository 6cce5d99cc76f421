# Direction-only: frozen DINOv2-S/14 (registers) + DPT direction head, 10k iterations.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/chase_db1.py",
    "../_base_/models/dinov2_dpt_dir.py",
    "../_base_/schedules/adamw_onecycle_10k.py",
]
work_dir = "./work_dirs/dinov2_dpt_chase_db1_10k"
