# Runtime shared by every config: registries, logging, environment.
default_scope = "mmseg"
custom_imports = dict(imports=["dense_direction.mm"], allow_failed_imports=False)
work_dir = "./work_dirs"
env_cfg = dict(
    cudnn_benchmark=False, mp_cfg=dict(mp_start_method="fork"), dist_cfg=dict(backend="nccl")
)
log_level = "INFO"
# mmengine averages every logged value whose name holds "loss" or "time" over the last 10; a
# metric ("prefix/name", e.g. the validation's directional_loss/loss) is shown as it is, not
# as the mean of the last 10 validations.
log_processor = dict(
    window_size=10,
    by_epoch=False,
    custom_cfg=None,
    num_digits=4,
    mean_pattern=r"^[^/]*(loss|time|data_time|grad_norm)[^/]*$",
)
runner = dict(type="Runner")
# A fixed seed (weight initialisation, sample order, crops): the same command trains the same
# weights on the same machine. Without it mmengine draws a new seed for every run.
randomness = dict(seed=0)
