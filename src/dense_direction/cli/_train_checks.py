"""Checks that the network ``train`` builds is the one the weights it starts from hold: a
resumed run's checkpoints (``--resume``), or a bundled model (``--init NAME``). Both failed
late, inside mmengine, with messages about state dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["check_bundle_fits", "check_same_network", "check_same_training"]

#: What a resumed run must keep: its data (folders, crop, mask rule: the dataloaders), and
#: its optimizer and schedule, whose state the checkpoint restores over the new values.
_KEPT = ("train_dataloader", "val_dataloader", "optim_wrapper", "param_scheduler")


def check_same_network(cfg: Any, written: Path) -> None:
    """A resumed run must build the network its checkpoints hold: another ``--model`` or
    ``--wide`` failed inside mmengine ("loaded state dict contains a parameter group that
    doesn't match") after the run's config.py was written over with the wrong one."""
    if not written.is_file():
        return
    earlier = type(cfg).fromfile(str(written))
    if earlier.get("model") != cfg.get("model"):
        raise ValueError(
            f"--resume continues the run in {written.parent}, whose network differs from the "
            f"one this command builds: give the run's --model and --wide again (its config: "
            f"{written}), or start a new run with --init {written.parent}"
        )


def check_same_training(cfg: Any, written: Path) -> None:
    """A resumed run continues the run as it was started: other data, crop, mask rule or
    learning rate are an error listing what differs. They were taken without a word: the data
    and crop changed half-way (the best checkpoint then compared two validation sets), and
    the learning rate stayed the checkpoint's while the rewritten config.py named the new one."""
    if not written.is_file():
        return
    earlier = type(cfg).fromfile(str(written))
    changed = []
    for key in _KEPT:
        before, now = _flat(earlier.get(key), key), _flat(cfg.get(key), key)
        changed += [
            f"{name}: {before.get(name)!r} -> {now.get(name)!r}"
            for name in sorted(set(before) | set(now))
            if before.get(name) != now.get(name) and not _may_change(name)
        ]
    if changed:
        from dense_direction.io import listing

        raise ValueError(
            f"--resume continues the run in {written.parent} as it was started, but this "
            f"command changes {len(changed)} of its settings ({listing(changed, 4)}; its "
            f"config: {written}): give the run's data and options again, or start a new run "
            f"(another --work-dir, or --init {written.parent} to fine-tune from it)"
        )


#: Keys a resumed run may change: those that follow the run's length (``--resume --iters``
#: may shorten it), and how the data is loaded on this machine (its cores), not what is.
_MAY_CHANGE = (
    "total_steps",
    "end",
    "T_max",
    "max_iters",
    "num_workers",
    "persistent_workers",
    "pin_memory",
    "prefetch_factor",
)


def _may_change(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in _MAY_CHANGE


def _flat(value: Any, prefix: str) -> dict[str, Any]:
    """A nested config value as ``{"a.b[0].c": leaf}``."""
    if isinstance(value, dict):
        items = [(f"{prefix}.{k}", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(f"{prefix}[{i}]", v) for i, v in enumerate(value)]
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for name, item in items:
        flat.update(_flat(item, name))
    return flat


def _kind(model: Any) -> tuple:
    """What makes two configs' networks of one kind: the types of the model, its backbone
    and its head."""
    return tuple(
        (part or {}).get("type")
        for part in (model, model.get("backbone"), model.get("decode_head"))
    )


def check_bundle_fits(cfg: Any, model: str) -> None:
    """``--init NAME`` of a bundled model with a ``--model`` preset of another kind of network
    is an error naming the preset the model was built with (it failed once the runner had
    been built, naming only the bundle's config file)."""
    from dense_direction.cli._presets import PRESETS, preset_config
    from dense_direction.mm.checkpoints import BUNDLED_PREFIX
    from dense_direction.models import bundled_model

    source = str(cfg.get("load_from") or "")
    if not source.startswith(BUNDLED_PREFIX):
        return
    name = source.removeprefix(BUNDLED_PREFIX)
    config = bundled_model(name).config
    built = _kind(type(cfg).fromfile(str(config)).model)
    if _kind(cfg.model) == built:
        return
    presets = [
        p for p in PRESETS if _kind(type(cfg).fromfile(str(preset_config(p))).model) == built
    ]
    hint = f"give --model {presets[0]}" if presets else "train with the config it was built from"
    raise ValueError(
        f"--init {name}: the bundled model {name!r} is another network than --model {model} "
        f"builds: {hint} (its config: {config})"
    )
