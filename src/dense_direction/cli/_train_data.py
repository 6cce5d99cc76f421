"""What ``dense-direction train`` reads: the datasets and pipelines it builds from the folder
flags, and the validation that picks the best checkpoint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dense_direction.cli._wide import direction_head_slot

__all__ = ["adapt_pipeline", "datasets", "mask_labels", "own_image_loader", "validation"]


def _direction_loss(cfg: Any) -> dict:
    parent, key = direction_head_slot(cfg)
    head = parent[key]
    head = head.get("real_head", head)
    losses = head["loss_decode"]
    return dict(losses[0] if isinstance(losses, list) else losses)


def own_image_loader(pipeline: list) -> list:
    """``pipeline`` with mmcv's ``LoadImageFromFile`` replaced by ``LoadImage``, which reads
    images by :mod:`dense_direction.io` (16-bit and float images by their own range), exactly
    as ``predict`` and ``evaluate`` do; and where the masks are binarised, mmseg's
    ``LoadAnnotations`` (which casts them to uint8 first) by ``LoadMask`` (values as stored)."""
    binarised = any(step["type"] == "BinarizeAnnotations" for step in pipeline)
    steps = []
    for step in pipeline:
        if step["type"] == "LoadImageFromFile":
            step = dict(type="LoadImage", to_float32=step.get("to_float32", False))
        elif step["type"] == "LoadAnnotations" and binarised and len(step) == 1:
            step = dict(type="LoadMask")  # (one with options, e.g. a label map, stays)
        steps.append(step)
    return steps


def mask_labels(args: argparse.Namespace) -> dict:
    """The mask options of ``BinarizeAnnotations`` that the flags give (``--positive-labels``,
    ``--ignore-label``, ``--invert-masks``), those not given left out."""
    given = dict(
        positive_labels=args.positive_labels,
        ignore_label=args.ignore_label,
        invert=args.invert_masks or None,
    )
    return {key: value for key, value in given.items() if value is not None}


def adapt_pipeline(pipeline: list, labels: dict | None = None, crop: int | None = None) -> list:
    """``pipeline`` as ``train`` runs it: images read by :func:`own_image_loader`, masks
    binarised with the label options ``labels`` (:func:`mask_labels`), and
    ``MaskGuidedRandomCrop`` to ``crop``. The validation pipeline uses it too; the training
    pipeline is then wrapped by :func:`~dense_direction.mm.caching.cache_loading` (files
    decoded once per process)."""
    steps = []
    for step in own_image_loader(pipeline):
        if step["type"] == "BinarizeAnnotations" and labels:
            step = dict(step, **labels)
        elif step["type"] == "MaskGuidedRandomCrop" and crop is not None:
            step = dict(step, crop_size=(crop, crop))
        steps.append(step)
    return steps


def validation(args: argparse.Namespace, cfg: Any) -> tuple[list, list, str]:
    """Validation pipeline, evaluator and the metric that picks the best checkpoint."""
    load = adapt_pipeline(
        [
            dict(type="LoadImage"),
            dict(type="LoadMask"),
            dict(type="BinarizeAnnotations"),
        ],
        mask_labels(args),
    )
    if args.data is not None:
        return (
            own_image_loader(cfg.test_pipeline),
            [
                dict(
                    type="CenterlineDirectionMetric",
                    centerline_key="gt_centerline",
                    ignore_key="gt_crossings",
                )
            ],
            "dir_eval/mean_error",
        )
    if args.val_directions or args.val_centerlines:
        required = [
            n
            for n, v in (("direction", args.val_directions), ("centerline", args.val_centerlines))
            if v
        ]
        steps = [*load, dict(type="LoadDirectionAnnotations", required=required)]
        keys = ["gt_directions"]
        if args.val_centerlines:
            keys.append("gt_centerline")
            if not args.val_directions:
                steps.append(dict(type="CenterlineToDirections", source_key="gt_centerline"))
        steps.append(dict(type="PackCustomInputs", additional_data_keys=tuple(keys)))
        key = "gt_centerline" if args.val_centerlines else "gt_sem_seg"
        return (
            steps,
            [dict(type="CenterlineDirectionMetric", centerline_key=key)],
            "dir_eval/mean_error",
        )
    steps = [*load, dict(type="PackSegInputs")]
    return (
        steps,
        [dict(type="DirectionalLossMetric", loss_config=_direction_loss(cfg))],
        "directional_loss/loss",
    )


def datasets(
    args: argparse.Namespace, train_pipeline: list, val_pipeline: list
) -> tuple[dict, dict]:
    """The training and validation dataset configs of the folder flags."""
    if args.data is not None:
        from dense_direction.io import IMAGE_SUFFIXES, files_in
        from dense_direction.synthetic.dataset import split_folders

        folder = split_folders(args.data, "train")["images"]
        if folder.is_dir():  # (a missing split is the dataset's error, with its message)
            _check_crop_fits(args.crop, files_in(folder, IMAGE_SUFFIXES))
        for split in ("train", "val"):
            _check_split_has_structure(args.data, split)
        common = dict(type="SyntheticLinesDataset", data_root=str(args.data))
        return (
            dict(common, phase="train", pipeline=train_pipeline),
            dict(common, phase="val", pipeline=val_pipeline),
        )
    if args.images is None or args.masks is None:
        raise ValueError("give --data DIR, or both --images DIR and --masks DIR")
    from dense_direction.mm.datasets import paired_files

    # Checked here, and what the folders hold besides pairs named, before anything is built.
    images, _ = paired_files(args.images, args.masks, report=print)
    labels = {} if args.positive_labels is None else dict(positive_labels=args.positive_labels)
    train = dict(
        type="ImageMaskFolderDataset",
        images=str(args.images),
        masks=str(args.masks),
        pipeline=train_pipeline,
        **labels,
    )
    extras = dict(directions=args.val_directions, centerlines=args.val_centerlines)
    extras = {k: str(v) for k, v in extras.items() if v is not None}
    if (args.val_images is None) != (args.val_masks is None):
        given, missing = (
            ("--val-images", "--val-masks")
            if args.val_masks is None
            else ("--val-masks", "--val-images")
        )
        # --val-masks alone was ignored: every 10th pair held out without a word.
        raise ValueError(f"{given} needs {missing}: give the validation images and their masks")
    if args.val_images is not None:
        val_images, _ = paired_files(args.val_images, args.val_masks, report=print)
        _note_shared_images(images, val_images)
        _check_crop_fits(args.crop, [images[s] for s in sorted(images)])
        val = dict(
            type="ImageMaskFolderDataset",
            images=str(args.val_images),
            masks=str(args.val_masks),
            pipeline=val_pipeline,
            **labels,
            **extras,
        )
        return train, val
    stems = sorted(images)
    held_out = stems[::10]
    if len(stems) < 2:
        raise ValueError(
            f"need at least 2 image/mask pairs to hold one out for validation, got "
            f"{len(stems)}: add pairs, or give the validation pairs with --val-images/--val-masks"
        )
    print(
        f"validation: {len(held_out)} of {len(stems)} pairs held out (every 10th); pass "
        f"--val-images/--val-masks to choose"
    )
    _check_held_out_pairs(args, stems, held_out)
    _check_crop_fits(args.crop, [images[s] for s in stems if s not in held_out])
    # Checked above across both parts, with messages that name them; not again per part.
    train.update(names=[s for s in stems if s not in held_out], check_masks=False)
    val = dict(train, names=held_out, pipeline=val_pipeline, **extras)
    return train, val


def _note_shared_images(train: dict[str, str], val: dict[str, str]) -> None:
    """A note naming the validation images whose file is a training image's (the same bytes,
    whatever the name): the best checkpoint would be chosen by scores on images the model
    learns from, which favours the one that remembers them best."""
    from dense_direction.io import listing, sha256

    trained = {sha256(path): path for path in train.values()}
    shared = [f"{path} = {trained[d]}" for path in val.values() if (d := sha256(path)) in trained]
    if shared:
        print(
            f"note: {len(shared)} of {len(val)} validation images are training images too "
            f"(the same file content: {listing(shared, 4)}); the best checkpoint is then chosen "
            f"on images the model learns from: validate on others"
        )


def _check_split_has_structure(root: Path, split: str) -> None:
    """A split of a synth dataset whose masks are all empty (``synth --empty 1``) is an
    error: training would learn nothing, and validation scored no pixel (NaN every time, no
    best checkpoint) without a word. A missing split is left to the dataset's message."""
    from dense_direction.io import IMAGE_SUFFIXES, empty_masks, files_in
    from dense_direction.synthetic.dataset import split_folders

    folder = split_folders(root, split)["masks"]
    if not folder.is_dir():
        return
    try:
        empty_masks(files_in(folder, IMAGE_SUFFIXES))
    except ValueError as err:
        raise ValueError(
            f"the {split} split of {root} has no structure: {err}; generate data with "
            f"structure in it (a lower synth --empty, or more samples)"
        ) from None


def _check_crop_fits(crop: int, images: list) -> None:
    """Every training image holds a ``crop`` x ``crop`` training crop, checked before anything
    is built (else the first small image stops the run once it is drawn, naming only it)."""
    from dense_direction.io import listing, smaller_than

    small = smaller_than(images, (crop, crop))
    if small:
        named = [f"{path} is {w}x{h} (WxH)" for path, (h, w) in small.items()]
        side = min(min(hw) for hw in small.values())
        raise ValueError(
            f"{len(small)} of {len(images)} training images are smaller than the crop "
            f"{crop}x{crop}: {listing(named, 4)}; give --crop {side} or less, or larger images"
        )


def _read_pairs(images: list[str], masks: list[str], labels: dict) -> dict[str, float]:
    """Decode every image and mask once before training, every file that cannot be read named
    in one error (a truncated file, its header intact, stopped the run when its batch or its
    validation came, one file per attempt); the structure share of each mask, by path, from
    that one reading (:func:`~dense_direction.io.structure_shares`, with the label options
    ``labels``, :func:`mask_labels`)."""
    from dense_direction.io import listing, read_image, structure_shares

    bad, shares, mmseg_like = [], {}, []
    rule = dict(
        positive=labels.get("positive_labels"),
        ignore=labels.get("ignore_label"),
        invert=bool(labels.get("invert")),
    )
    for path in images:
        try:
            read_image(path)
        except (ValueError, OSError) as err:
            bad.append(str(err))
    for path in masks:
        try:
            shares.update(structure_shares([path], **rule, mmseg_like=mmseg_like))
        except (ValueError, OSError) as err:
            bad.append(str(err))
    if bad:
        raise ValueError(
            f"{len(bad)} of the {len(images) + len(masks)} images and masks cannot be read: "
            f"{listing(bad, 4)}"
        )
    if mmseg_like and not labels:
        # Trained by the any-non-zero rule, mmseg's ignore band (255) became structure.
        raise ValueError(
            f"{len(mmseg_like)} of {len(masks)} masks hold exactly the values 0, 1 and 255 "
            f"({listing(mmseg_like, 4)}), as mmseg's label masks do, where 255 marks pixels "
            f"to leave out: say what 255 is: --ignore-label 255 (learned from by no loss) "
            f"or --positive-labels 1 255 (structure, as 1 is)"
        )
    return shares


def _check_held_out_pairs(args: argparse.Namespace, stems: list[str], held_out: list[str]) -> None:
    """Sizes and empty masks of every pair, before the pairs are split (each part checked on
    its own would count only its own pairs: "3 of 3 differ" where 4 of 4 do). Masks without
    structure are listed; a validation part of only empty masks is an error (nothing to
    score)."""
    from dense_direction.io import (
        FULL_SHARE,
        empty_of,
        listing,
        mask_rule,
        mismatched_sizes,
        mostly_structure,
        paired_files,
    )

    images, masks = paired_files(args.images, args.masks)
    positive = args.positive_labels
    shares = _read_pairs([images[s] for s in stems], [masks[s] for s in stems], mask_labels(args))
    mismatched = mismatched_sizes((images[s], masks[s]) for s in stems)
    if mismatched:
        raise ValueError(
            f"{len(mismatched)} of {len(stems)} images and their masks differ in size: "
            f"{listing(mismatched, 4)}"
        )
    invert = args.invert_masks
    rule = mask_rule(positive=positive) + ("; inverted: --invert-masks" if invert else "")
    try:
        full = mostly_structure(shares, positive=positive)  # all of them: an error
    except ValueError as err:
        if invert:
            raise
        raise ValueError(f"{err}, or give --invert-masks (structure where they are 0)") from None
    if full:
        print(
            f"note: {len(full)} of {len(stems)} masks are more than {FULL_SHARE:.0%} "
            f"structure ({rule}; drawn dark on white?): {listing(sorted(full), 4)}"
        )
    empty = set(empty_of(shares, positive=positive))
    if not empty:
        return
    print(
        f"note: {len(empty)} of {len(stems)} masks have no structure pixel ({rule}): "
        f"{listing(sorted(empty), 4)}"
    )
    trained = [s for s in stems if s not in held_out]
    if all(masks[s] in empty for s in trained):
        # What is held out has structure, so the check over all pairs passed; training on
        # these alone would learn nothing (every loss 0) for the whole run.
        raise ValueError(
            f"every training mask is empty ({rule}): {listing(trained, 4)}; only the pairs "
            f"held out for validation (every 10th: {listing(held_out, 4)}) have structure. "
            f"Check the masks (and --positive-labels), or give --val-images/--val-masks so "
            f"that the pairs with structure train"
        )
    if all(masks[s] in empty for s in held_out):
        raise ValueError(
            f"every mask held out for validation is empty ({listing(held_out, 4)}; every 10th "
            f"pair is held out), so validation would score nothing: give --val-images and "
            f"--val-masks with structure in them"
        )
