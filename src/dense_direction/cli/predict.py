"""``dense-direction predict``: direction fields for images of any size."""

from __future__ import annotations

import argparse
import glob
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dense_direction.cli._model import add_model_arguments, load_estimator, prediction_options
from dense_direction.io import IMAGE_SUFFIXES, check_unique_stems, read_image
from dense_direction.progress import track

HELP = "predict direction fields (angle maps, overlays, confidence) with a trained model"
# zlib level 1 instead of Pillow's default 6: faster to write, larger files.
PNG_LEVEL = 1


def add_parser(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--input", required=True, help="an image, a folder or a glob pattern")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="confidence above which the overlay shows a direction (0.5)",
    )
    parser.add_argument("--quiver", action="store_true", help="also write a quiver plot")


def collect_inputs(pattern: str) -> list[Path]:
    """Image files named by a path, a folder (not recursive) or a glob pattern. Files that
    share a stem (``x.png`` and ``x.jpg``) would write the same outputs: an error lists them."""
    path = Path(pattern)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise FileNotFoundError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {path}")
    elif path.is_file():
        found = [path]
    else:
        found = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if not found:
            raise FileNotFoundError(f"no file matches {pattern!r}")
    check_unique_stems(found)
    return found


def _save_png(array: np.ndarray, path: Path) -> None:
    from dense_direction.mm.cv_ops import opencv_png  # OpenCV: faster than Pillow's encoder

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
    np.save(out / f"{stem}_angles.npy", angles[0] if single else angles)
    with ThreadPoolExecutor(max_workers=1) as encoder:
        plain = encoder.submit(_write_plain, out, stem, prediction)
        _write_pictures(out, stem, rgb, prediction, threshold, quiver)
        plain.result()


def _suffix(prediction: object, k: int) -> str:
    return "" if prediction.angles.shape[0] == 1 else f"_class{prediction.dir_classes[k]}"


def _write_plain(out: Path, stem: str, prediction: object) -> None:
    """The angles as a 16-bit PNG (0..65535 for 0..pi) and the confidence as 8 bits."""
    for k in range(len(prediction.dir_classes)):
        suffix = _suffix(prediction, k)
        scaled = np.round(prediction.angles[k] / np.pi * 65535).clip(0, 65535).astype(np.uint16)
        _save_png(scaled, out / f"{stem}_angles{suffix}.png")
        confidence = (prediction.confidence[k] * 255).round().astype(np.uint8)
        _save_png(confidence, out / f"{stem}_confidence{suffix}.png")


def _write_pictures(
    out: Path, stem: str, rgb: np.ndarray, prediction: object, threshold: float, quiver: bool
) -> None:
    """The overlay with its legend, and the quiver plot when asked for."""
    from dense_direction.visualization import add_legend, direction_overlay, quiver_plot

    for k in range(len(prediction.dir_classes)):
        suffix = _suffix(prediction, k)
        angles = prediction.angles[k]
        shown = prediction.confidence[k] > threshold
        overlay = add_legend(direction_overlay(rgb, angles, shown))
        _save_png(overlay, out / f"{stem}_overlay{suffix}.png")
        if quiver:
            quiver_plot(
                rgb,
                angles,
                shown,
                step=max(8, min(angles.shape) // 48),
                path=str(out / f"{stem}_quiver{suffix}.png"),
            )


def run(args: argparse.Namespace) -> int:
    options = prediction_options(args)
    inputs = collect_inputs(args.input)
    estimator = load_estimator(args)
    args.out.mkdir(parents=True, exist_ok=True)
    failed: list[tuple[Path, str]] = []
    # One image's outputs are written (zlib and Pillow release the GIL) while the next one
    # is predicted; at most one write is pending, so memory stays that of two images.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        for path in track(inputs, "predict"):
            try:
                image = read_image(path)
                prediction = estimator.predict(image, **options)
            except (ValueError, OSError) as err:
                failed.append((path, str(err)))
                continue
            if pending is not None:
                pending.result()  # re-raises a failed write here
            pending = writer.submit(
                write_outputs, args.out, path.stem, image, prediction, args.threshold, args.quiver
            )
        if pending is not None:
            pending.result()
    print(f"predicted {len(inputs) - len(failed)} of {len(inputs)} images into {args.out}")
    for path, reason in failed:
        print(f"  skipped {path}: {reason}")
    return 1 if failed else 0
