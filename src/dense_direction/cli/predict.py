"""``dense-direction predict``: direction fields for images of any size."""

from __future__ import annotations

import argparse
import functools
import glob
import json
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dense_direction.cli._model import add_model_arguments, load_estimator, prediction_options
from dense_direction.io import (
    IMAGE_SUFFIXES,
    check_unique_stems,
    counted,
    ignored_entries,
    listing,
    output_folder,
    read_image,
)
from dense_direction.prediction import OUTPUT_KINDS, RUN_RECORD, confidence_kind, output_name
from dense_direction.progress import track

HELP = "predict direction fields (angle maps, overlays, confidence) with a trained model"
# zlib level 1 instead of Pillow's default 6: faster to write, larger files.
PNG_LEVEL = 1


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


def collect_inputs(pattern: str) -> list[Path]:
    """Image files named by a path, a folder (not recursive) or a glob pattern. Files that
    share a stem (``x.png`` and ``x.jpg``) would write the same outputs: an error lists them.
    In a folder or a pattern, the pictures an earlier ``predict`` wrote there for one of the
    images (``x_overlay.png`` beside ``x.png``: ``--out`` was the input folder) are left out,
    and a folder's other files and subfolders are named, not skipped silently."""
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_dir():
        entries = sorted(path.iterdir())
        found = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        if line := ignored_entries(path, found):
            print(line)
        if not found:
            raise FileNotFoundError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {path}")
    else:
        found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        if not found:
            raise FileNotFoundError(f"no file matches {pattern!r}")
    found = _without_earlier_outputs(found)
    check_unique_stems(found)
    return found


def _without_earlier_outputs(paths: list[Path]) -> list[Path]:
    """``paths`` less the PNGs predict wrote for another of them (same folder, name
    ``<stem>_<kind>...png``), with a line that says how many were left out."""
    inputs = {(p.parent, p.stem) for p in paths}
    earlier = []
    for p in paths:
        match = _OUTPUT_NAME.match(p.stem)
        if p.suffix.lower() == ".png" and match and (p.parent, match["stem"]) in inputs:
            earlier.append(p)
    if earlier:
        names = listing([p.name for p in earlier], 4)
        print(
            f"left out {len(earlier)} files an earlier predict wrote beside their images: {names}"
        )
    return [p for p in paths if p not in set(earlier)]


def _save_png(array: np.ndarray, path: Path) -> None:
    from dense_direction.cv_ops import opencv_png  # OpenCV: faster than Pillow's encoder

    path.write_bytes(opencv_png(np.ascontiguousarray(array), PNG_LEVEL))


def write_outputs(
    out: Path, stem: str, rgb: np.ndarray, prediction: object, threshold: float, quiver: bool
) -> None:
    """Angle map (.npy and 16-bit PNG), confidence PNG, HSV overlay with legend, quiver;
    ``rgb`` is the image as :func:`dense_direction.io.read_image` returns it. The two plain
    PNGs are encoded in a second thread while the overlay is drawn and encoded here (zlib
    releases the GIL): the last image of a run waits for its outputs, and on a 4000x3000
    image they took 2.3 s one after another."""
    angles = prediction.angles
    single = angles.shape[0] == 1
    np.save(out / output_name(stem, "angles", suffix=".npy"), angles[0] if single else angles)
    with ThreadPoolExecutor(max_workers=1) as encoder:
        plain = encoder.submit(_write_plain, out, stem, prediction)
        _write_pictures(out, stem, rgb, prediction, threshold, quiver)
        plain.result()


def _class_id(prediction: object, k: int) -> int | None:
    """The class id in the file names of class ``k``; None for a single-class model."""
    return None if prediction.angles.shape[0] == 1 else prediction.dir_classes[k]


def _write_plain(out: Path, stem: str, prediction: object) -> None:
    """The angles as a 16-bit PNG (0..65535 for 0..pi) and the confidence as 8 bits."""
    for k in range(len(prediction.dir_classes)):
        name = functools.partial(output_name, stem, class_id=_class_id(prediction, k))
        scaled = np.round(prediction.angles[k] / np.pi * 65535).clip(0, 65535).astype(np.uint16)
        _save_png(scaled, out / name("angles"))
        confidence = (prediction.confidence[k] * 255).round().astype(np.uint8)
        _save_png(confidence, out / name("confidence"))


def _write_pictures(
    out: Path, stem: str, rgb: np.ndarray, prediction: object, threshold: float, quiver: bool
) -> None:
    """The overlay with its legend, and the quiver plot when asked for."""
    from dense_direction.visualization import add_legend, direction_overlay, quiver_plot

    for k in range(len(prediction.dir_classes)):
        name = functools.partial(output_name, stem, class_id=_class_id(prediction, k))
        angles = prediction.angles[k]
        shown = prediction.confidence[k] > threshold
        overlay = add_legend(direction_overlay(rgb, angles, shown))
        _save_png(overlay, out / name("overlay"))
        if quiver:
            quiver_plot(
                rgb,
                angles,
                shown,
                step=max(8, min(angles.shape) // 48),
                path=str(out / name("quiver")),
            )


class RunRecord:
    """:data:`RUN_RECORD` in ``--out``: which model made the outputs (its weights' SHA-256),
    with which options (as resolved: the smoothing a default means, the precision ``auto``
    picked), what the confidence PNGs hold (``analyze`` refuses coherence as a structure
    mask), and the images whose outputs are written, added one by one as their writes end
    (an image that fails, or a run stopped half-way, lists only what is there).

    A run of the same model and options as the record already there adds to its images (one
    dataset predicted in parts); another run starts a new list, and outputs of images only
    an earlier run predicted stay in the folder unlisted, with a line that says so
    (``analyze --predictions`` reads the listed images only)."""

    def __init__(
        self, args: argparse.Namespace, estimator: object, options: dict, inputs: list[str]
    ) -> None:
        """``inputs``: the stems this run predicts (their earlier outputs are replaced)."""
        from dense_direction.cli._model import model_identity

        self.path = args.out / RUN_RECORD
        self.record = {
            **model_identity(args),
            "confidence": confidence_kind(bool(estimator.seg_channels)),
            "options": _resolved(options, estimator),
        }
        previous = _readable_record(self.path)
        listed = None if previous is None else previous.get("images")
        # The model as typed ("work" or "work/") does not matter: its weights' file does.
        same = isinstance(listed, list) and all(
            previous.get(k) == v for k, v in self.record.items() if k != "model"
        )
        self.images: set[str] = set(listed) if same else set()
        self._name_earlier(args.out, previous, inputs=set(inputs))
        self._write()

    def _name_earlier(self, out: Path, previous: dict | None, inputs: set[str]) -> None:
        angles = output_name("", "angles", suffix=".npy")
        present = {p.name[: -len(angles)] for p in out.glob(f"*{angles}")}
        earlier = sorted(present - self.images - inputs)
        if not earlier:
            return
        made = (
            "made with another model or options"
            if previous is not None and isinstance(previous.get("images"), list)
            else "that did not record its images"
        )
        print(
            f"{out} holds the outputs of {counted(len(earlier), 'image')} of an earlier "
            f"predict {made} ({listing(earlier, 4)}): they stay, and analyze --predictions "
            f"leaves them out ({RUN_RECORD} lists this run's images); give a new --out to keep "
            f"runs apart"
        )

    def add(self, stem: str) -> None:
        """``stem``'s outputs are all written."""
        self.images.add(stem)
        self._write()

    def _write(self) -> None:
        record = {**self.record, "images": sorted(self.images)}
        self.path.write_text(json.dumps(record, indent=2) + "\n")


def _resolved(options: dict, estimator: object) -> dict:
    """``options`` as they act: ``smooth=None`` is the strength the model gets, the target
    width only matters with several scales, and the precision is the one used."""
    resolved = {key: list(v) if isinstance(v, tuple) else v for key, v in options.items()}
    resolved["smooth"] = estimator.check_smooth(options["smooth"])
    if len(options["scales"]) < 2:
        resolved.pop("target_width")
    resolved["precision"] = str(estimator.dtype).removeprefix("torch.")
    return resolved


def _readable_record(path: Path) -> dict | None:
    """An earlier run's record, or None where there is none or it cannot be read."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def run(args: argparse.Namespace) -> int:
    # A confidence is in [0, 1]: above 1 the overlay would show nothing, below 0 everything.
    if not 0 <= args.threshold < 1:
        raise ValueError(f"--threshold must be in [0, 1), got {args.threshold}")
    options = prediction_options(args)
    inputs = collect_inputs(args.input)
    output_folder(args.out, make=False)  # before the model loads
    failed: list[tuple[Path, str]] = []
    # Images are read one ahead in a thread of their own (decoding releases the GIL): the
    # first while the model loads, each next one while the one before is predicted. One
    # image's outputs are written while the next one is predicted; at most one read and one
    # write are pending, so memory stays that of three images.
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
        upcoming = reader.submit(read_image, inputs[0])
        estimator = load_estimator(args)
        output_folder(args.out)
        record = RunRecord(args, estimator, options, [p.stem for p in inputs])
        pending: tuple[str, Future] | None = None
        for i, path in enumerate(track(inputs, "predict")):
            read, upcoming = upcoming, None
            if i + 1 < len(inputs):
                upcoming = reader.submit(read_image, inputs[i + 1])
            try:
                image = read.result()
                prediction = estimator.predict(image, **options)
            except (ValueError, OSError) as err:
                failed.append((path, str(err)))
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
        if pending is not None:
            pending[1].result()
            record.add(pending[0])
    print(f"predicted {len(inputs) - len(failed)} of {len(inputs)} images into {args.out}")
    for path, reason in failed:
        print(f"  skipped {path}: {reason}")
    return 1 if failed else 0
