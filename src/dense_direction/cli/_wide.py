"""``dense-direction train --wide``: how the inside of wide structures is supervised.

The published directional loss sees direction evidence only within ``pad`` pixels of an edge;
deeper inside a road or a big vessel it has none. The modes:

* ``medial`` (default): the training pipeline derives direction targets inside every
  structure from the mask's distance transform (``MaskToMedialDirections``, right after the
  random crop, from the mask around it, so crop borders keep the whole image's targets) and
  the head adds a ``SupervisedDirectionLoss`` named ``loss_medial`` on them, next to the
  published loss.
* ``multiscale``: the published loss also against masks resized to 1/2 and 1/4
  (``MultiscaleLossDirectionHead``), so its window reaches 2 and 4 times deeper.
* ``off``: the published loss only.
"""

from __future__ import annotations

from typing import Any

WIDE_MODES = {
    "medial": "directions from the mask's distance transform fill wide interiors (default)",
    "multiscale": "the directional loss also on masks at 1/2 and 1/4 resolution",
    "off": "the published directional loss only (wide interiors get no supervision)",
}
MEDIAL_LOSS_NAME = "loss_medial"
MEDIAL_TRANSFORM = "MaskToMedialDirections"


def direction_head_slot(cfg: Any) -> tuple[Any, str]:
    """The config dict holding the direction head, and its key there."""
    head = cfg.model.decode_head
    if "dir_head_config" in head:
        return head, "dir_head_config"
    return cfg.model, "decode_head"


def _is_medial(loss: dict) -> bool:
    return loss.get("type") == "MedialDirectionLoss" or (
        loss.get("type") == "SupervisedDirectionLoss" and loss.get("loss_name") == MEDIAL_LOSS_NAME
    )


def _configure_head(cfg: Any, mode: str) -> tuple[int, ...]:
    parent, key = direction_head_slot(cfg)
    head = dict(parent[key])
    if head.get("type") == "MultiscaleLossDirectionHead":
        head = dict(head["real_head"])
    losses = head.get("loss_decode") or []
    losses = [dict(x) for x in (losses if isinstance(losses, (list, tuple)) else [losses])]
    losses = [x for x in losses if not _is_medial(x)]
    if mode == "medial":
        losses.append(dict(type="SupervisedDirectionLoss", loss_name=MEDIAL_LOSS_NAME))
    head["loss_decode"] = losses
    if mode == "multiscale":
        head = dict(
            type="MultiscaleLossDirectionHead",
            real_head=head,
            dummy_heads=[dict(gt_scale_factor=0.5), dict(gt_scale_factor=0.25)],
        )
    parent[key] = head
    return tuple(head.get("real_head", head).get("dir_classes") or (1,))


def medial_pipeline(pipeline: list, dir_classes: tuple[int, ...], on: bool) -> list:
    """``pipeline`` with (``on``) or without the medial targets: flips come before the crop,
    ``MaskToMedialDirections`` right after it (it reads the mask around the crop, which the
    crop records), and the packer keeps ``gt_directions``."""
    steps = [dict(s) for s in pipeline if s["type"] != MEDIAL_TRANSFORM]
    if not on:
        return [_pack(s, add=False) for s in steps]
    crop = next((i for i, s in enumerate(steps) if s["type"] == "MaskGuidedRandomCrop"), None)
    if crop is None:
        raise ValueError(
            "--wide medial needs a MaskGuidedRandomCrop in the training pipeline (targets are "
            "computed from the mask around its crop); use --wide multiscale or off"
        )
    flips = [s for s in steps[crop:] if s["type"] == "RandomFlip"]
    rest = [s for s in steps[crop:] if s["type"] != "RandomFlip"]
    medial = dict(type=MEDIAL_TRANSFORM, dir_classes=list(dir_classes))
    return [_pack(s, add=True) for s in [*steps[:crop], *flips, rest[0], medial, *rest[1:]]]


def _pack(step: dict, add: bool) -> dict:
    """The packing step with or without the ``gt_directions`` key."""
    if step["type"] not in ("PackSegInputs", "PackCustomInputs"):
        return step
    keys = [k for k in step.get("additional_data_keys", ()) if k != "gt_directions"]
    keys += ["gt_directions"] if add else []
    if not keys:
        return {k: v for k, v in step.items() if k != "additional_data_keys"} | {
            "type": "PackSegInputs"
        }
    return dict(step, type="PackCustomInputs", additional_data_keys=tuple(keys))


def configure_wide(cfg: Any, mode: str) -> None:
    """Set the direction head's losses and the training pipeline for ``mode``
    (one of ``WIDE_MODES``)."""
    if mode not in WIDE_MODES:
        raise ValueError(f"--wide must be one of {sorted(WIDE_MODES)}, got {mode!r}")
    dir_classes = _configure_head(cfg, mode)
    cfg.train_pipeline = medial_pipeline(cfg.train_pipeline, dir_classes, mode == "medial")
