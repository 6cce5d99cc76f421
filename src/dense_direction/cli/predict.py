"""``dense-direction predict``: direction fields for images of any size."""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dense_direction.cli._model import add_model_arguments, load_estimator, prediction_options
from dense_direction.cli._prefetch import take_read
from dense_direction.cli._run_record import RunRecord
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_unique_stems,
    files_by_stem,
    files_matching,
    link_to_nothing,
    listing,
    of_kind,
    output_folder,
    read_image_and_no_data,
)
from dense_direction.io.png import write_png
from dense_direction.prediction import OUTPUT_KINDS, RUN_RECORD, output_name
from dense_direction.progress import Progress

HELP = "predict direction fields (angle maps, overlays, confidence) with a trained model"


def add_parser(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument(
        "--input",
        required=True,
        help="an image, a folder (not searched below) or a glob pattern (** for every subfolder)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="confidence above which the overlay shows a direction (0.5)",
    )
    parser.add_argument("--quiver", action="store_true", help="also write a quiver plot")


# An earlier run's picture: <stem>_<kind>[_class<id>].png (prediction.output_name).
_OUTPUT_NAME = re.compile(rf"^(?P<stem>.+)_(?:{'|'.join(OUTPUT_KINDS)})(?:_class\d+)?$")


def collect_inputs(
    pattern: str, out: Path | None = None, broken: list[Path] | None = None
) -> list[Path]:
    """Image files named by a path, a folder (not recursive) or a glob pattern. Files that
    share a stem (``x.png`` and ``x.jpg``) would write the same outputs: an error lists them.
    In a folder or a pattern, the pictures an earlier ``predict`` wrote there for one of the
    images are left out: beside it (``x_overlay.png`` beside ``x.png``: ``--out`` was the
    input folder) or in the output folder ``out`` (a ``**`` pattern that reaches it), with
    the angle maps and the run record a pattern may match there; a folder's other files and
    subfolders, and the files of other kinds a pattern matches, are named, not skipped
    silently. ``broken``, where given, receives the links to nothing with an image's name
    (images the user meant, whose file is gone: a purged scratch folder), for the run to
    name each and end with exit code 1, as for an image that cannot be read."""
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_symlink():  # to nothing ("no file matches" said nothing of the link)
        raise ValueError(f"--input {path} is {link_to_nothing(path)}")
    if path.is_dir():  # the folder rule every command shares (io.files_by_stem)
        found = files_by_stem(path, IMAGE_SUFFIXES, "image", print, broken)
        found = _without_earlier_outputs([Path(f) for f in found.values()], out)
    else:
        found = _without_earlier_outputs(files_matching(pattern, broken, IMAGE_SUFFIXES), out)
        found = of_kind(found, IMAGE_SUFFIXES, "image", f"the files {pattern!r} matches", print)
    check_unique_stems(found)
    return found


def _without_earlier_outputs(paths: list[Path], out: Path | None = None) -> list[Path]:
    """``paths`` less the files predict wrote for another of them, with a line that says how
    many were left out: ``<stem>_<kind>...png`` and ``<stem>_angles.npy`` beside their image
    or in ``out``, and ``out``'s run record."""
    beside = {(p.parent, p.stem) for p in paths}
    stems = {p.stem for p in paths}
    out = None if out is None else out.resolve()
    earlier = []
    for p in paths:
        in_out = out is not None and p.parent.resolve() == out
        match = _OUTPUT_NAME.match(p.stem)
        if in_out and p.name == RUN_RECORD:
            earlier.append(p)
        elif p.suffix.lower() in (".png", ".npy") and match is not None:
            stem = match["stem"]
            # predict writes <stem>_angles.npy with every image's pictures: without it beside
            # them, cell_overlay.png beside cell.png is a user's image that merely has such a
            # name (it was left out, and with --out there written over).
            ours = (p.parent, stem) in beside or (in_out and stem in stems)
            if ours and (p.parent / output_name(stem, "angles", suffix=".npy")).is_file():
                earlier.append(p)
    if earlier:
        names = listing([p.name for p in earlier], 4)
        print(f"left out {len(earlier)} files an earlier predict wrote: {names}")
    left_out = set(earlier)
    return [p for p in paths if p not in left_out]


def written_names(stem: str, class_ids: tuple[int | None, ...], quiver: bool) -> list[str]:
    """The files :func:`write_outputs` writes for image ``stem``: the angle map (.npy) and,
    per class id (``(None,)`` for a single-class model), its PNGs."""
    kinds = ("angles", "confidence", "overlay", *(("quiver",) if quiver else ()))
    pictures = [output_name(stem, kind, class_id) for class_id in class_ids for kind in kinds]
    return [output_name(stem, "angles", suffix=".npy"), *pictures]


def check_inputs_kept(
    inputs: list[Path], out: Path, class_ids: tuple[int | None, ...], quiver: bool
) -> None:
    """A ``ValueError`` if an output would be written over one of the ``inputs`` (an image
    named ``cell_overlay.png`` beside ``cell.png``, with ``--out`` their folder)."""
    out = out.resolve()
    in_out = {p.name for p in inputs if p.parent.resolve() == out}
    clashes = [
        f"{name} (by the outputs of {p.name})"
        for p in inputs
        for name in written_names(p.stem, class_ids, quiver)
        if name in in_out
    ]
    if clashes:
        raise ValueError(
            f"predict would write over input images in {out}: {listing(clashes, 4)}; give "
            f"another --out, or rename those images"
        )


def write_outputs(
    out: Path, stem: str, rgb: np.ndarray, prediction: object, threshold: float, quiver: bool
) -> None:
    """Angle map (.npy and 16-bit PNG), confidence PNG, HSV overlay with legend, quiver;
    ``rgb`` is the image as :func:`dense_direction.io.read_image` returns it (PNGs by
    :func:`dense_direction.io.png.write_png`). The two plain PNGs are encoded in a second
    thread while the overlay is drawn and encoded here (deflating releases the GIL): the last
    image of a run waits for its outputs."""
    angles = prediction.angles
    single = angles.shape[0] == 1
    np.save(out / output_name(stem, "angles", suffix=".npy"), angles[0] if single else angles)
    with ThreadPoolExecutor(max_workers=1) as encoder:
        plain = encoder.submit(_write_plain, out, stem, prediction)
        _write_pictures(out, stem, rgb, prediction, threshold, quiver)
        plain.result()


def file_class_ids(dir_classes: tuple[int, ...] | list[int]) -> tuple[int | None, ...]:
    """The class id in the file names of each direction class; None for a single-class
    model (whose files carry no class tag)."""
    return (None,) if len(dir_classes) == 1 else tuple(dir_classes)


def _class_id(prediction: object, k: int) -> int | None:
    return file_class_ids(prediction.dir_classes)[k]


def _write_plain(out: Path, stem: str, prediction: object) -> None:
    """The angles as a 16-bit PNG (0..65535 for 0..pi; 0 where there is no direction) and
    the confidence as 8 bits."""
    for k in range(len(prediction.dir_classes)):
        name = functools.partial(output_name, stem, class_id=_class_id(prediction, k))
        # A pixel without a direction (no value in the image: NaN in the .npy) is 0 here,
        # as horizontal is; its confidence 0 tells them apart.
        angles = np.nan_to_num(prediction.angles[k], nan=0.0)
        scaled = np.round(angles / np.pi * 65535).clip(0, 65535).astype(np.uint16)
        write_png(scaled, out / name("angles"))
        confidence = (prediction.confidence[k] * 255).round().astype(np.uint8)
        write_png(confidence, out / name("confidence"))


def _write_pictures(
    out: Path, stem: str, rgb: np.ndarray, prediction: object, threshold: float, quiver: bool
) -> None:
    """The overlay with its legend, and the quiver plot when asked for (else an earlier
    one of the image is removed)."""
    from dense_direction.visualization import add_legend, direction_overlay, quiver_plot

    for k in range(len(prediction.dir_classes)):
        name = functools.partial(output_name, stem, class_id=_class_id(prediction, k))
        angles = prediction.angles[k]
        shown = prediction.confidence[k] > threshold
        overlay = add_legend(direction_overlay(rgb, angles, shown), copy=False)
        write_png(overlay, out / name("overlay"))
        if quiver:
            quiver_plot(
                rgb,
                angles,
                shown,
                step=max(8, min(angles.shape) // 48),
                path=str(out / name("quiver")),
            )
        else:  # an earlier run's quiver plot shows another field: it stayed, unrecorded
            (out / name("quiver")).unlink(missing_ok=True)


def _tile_progress(progress: Progress, index: int, name: str) -> Callable[[int, int], None]:
    """``on_tile`` for image ``index`` (file ``name``) of the run: the share of the run done
    moves on with the image's tiles, so one large image (a whole slide, a mosaic, test-time
    passes) shows its progress too, not 0 % until it is done; the line names the tiles, so
    "50% 0/1 img" reads as half of the one image. Its last tile leaves it one step short of
    done (``total + 1`` steps): the smoothing and its outputs are the last."""

    def report(done: int, total: int) -> None:
        fraction = (index + done / (total + 1)) / progress.total
        progress.advance(0, fraction=fraction, postfix=f"{name}: {done}/{total} tiles")

    return report


def _predict_each(
    args: argparse.Namespace,
    inputs: list[Path],
    upcoming: Future,
    pools: tuple[ThreadPoolExecutor, ThreadPoolExecutor],
    estimator: object,
    options: dict,
    record: RunRecord,
    progress: Progress,
) -> list[tuple[Path, str]]:
    """Predict ``inputs`` one by one (each next one read ahead by the first of ``pools``, each
    one's outputs written by the second while the next is predicted), listing each image in
    ``record`` once its outputs are written; the images that failed, with the reason."""
    reader, writer = pools
    failed: list[tuple[Path, str]] = []
    pending: tuple[str, Future] | None = None
    try:
        for i, path in enumerate(inputs):
            if i:
                progress.advance()  # the image before is done (or failed)
            read, upcoming = upcoming, None
            if i + 1 < len(inputs):
                upcoming = reader.submit(read_image_and_no_data, inputs[i + 1])
            try:
                image, missing = read.result()
                on_tile = _tile_progress(progress, i, path.name)
                prediction = estimator.predict(image, missing=missing, on_tile=on_tile, **options)
            except (ValueError, OSError) as err:
                failed.append((path, str(err)))
                continue
            except MemoryError as err:  # one huge tile: the others may still fit
                failed.append((path, f"not enough memory to read and predict it ({err})"))
                continue
            if pending is not None:
                pending[1].result()  # re-raises a failed write here
                record.add(pending[0])
            pending = (
                path.stem,
                writer.submit(
                    write_outputs,
                    args.out,
                    path.stem,
                    image,
                    prediction,
                    args.threshold,
                    args.quiver,
                ),
            )
    except BaseException:  # Ctrl-C, a failed write: the image written before is listed
        if pending is not None and _written(pending[1]):
            record.add(pending[0])
        raise
    if pending is not None:
        pending[1].result()
        record.add(pending[0])
    return failed


def _written(write: Future) -> bool:
    """Whether an image's outputs were all written (waiting for the write in progress)."""
    try:
        write.result()
    except Exception:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    # A confidence is in [0, 1]: above 1 the overlay would show nothing, below 0 everything.
    if not 0 <= args.threshold < 1:
        raise ValueError(f"--threshold must be in [0, 1), got {args.threshold}")
    options = prediction_options(args)
    links: list[Path] = []
    inputs = collect_inputs(args.input, args.out, links)
    broken = [(link, link_to_nothing(link)) for link in links]
    output_folder(args.out, make=False)  # before the model loads
    # Images are read one ahead in a thread of their own (decoding releases the GIL): the
    # first while the model loads (or, a single --input file, while the program starts:
    # cli/_prefetch.py), each next one while the one before is predicted. One
    # image's outputs are written while the next one is predicted; at most one read and one
    # write are pending, so memory stays that of three images.
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
        # The program may have started reading the first image before torch loaded.
        upcoming = take_read(inputs[0]) or reader.submit(read_image_and_no_data, inputs[0])
        estimator = load_estimator(args)
        check_inputs_kept(inputs, args.out, file_class_ids(estimator.dir_classes), args.quiver)
        output_folder(args.out)
        # Listed as written; what is written is listed also when the run stops on an error.
        with RunRecord(args, estimator, options, [p.stem for p in inputs]) as record:
            progress = Progress(len(inputs), "predict", "img")
            failed = _predict_each(
                args, inputs, upcoming, (reader, writer), estimator, options, record, progress
            )
            progress.advance()
            progress.close()
    failed = broken + failed
    total = len(inputs) + len(broken)
    print(f"predicted {total - len(failed)} of {total} images into {args.out}")
    for path, reason in failed:
        print(f"  skipped {path}: {reason}", file=sys.stderr)  # the errors of exit code 1
    return 1 if failed else 0
