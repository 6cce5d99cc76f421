"""``predict``'s record of a run in its ``--out`` folder (:data:`RUN_RECORD`): the model,
the options, what the confidence holds, and the images whose outputs are there."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from dense_direction.io import counted, listing
from dense_direction.prediction import (
    RUN_RECORD,
    angle_map_stems,
    confidence_kind,
    read_run_record,
)

__all__ = ["WRITE_SPACING", "RunRecord"]

#: The record is written again only after this many times as long as its last write took
#: (writing it costs at most about 1/WRITE_SPACING of the run): each write holds every image,
#: so writing it after each one made a run quadratic (benchmarks/run_record.py).
WRITE_SPACING = 20


class RunRecord:
    """:data:`RUN_RECORD` in ``--out``: which model made the outputs (its weights' SHA-256),
    with which options (as resolved: the smoothing a default means, the precision ``auto``
    picked), what the confidence PNGs hold (``analyze`` refuses coherence as a structure
    mask), and the images whose outputs are written, added one by one as their writes end
    (an image that fails, or a run stopped half-way, lists only what is there).

    A run of the same model and options as the record already there adds to its images (one
    dataset predicted in parts; the pictures' settings, ``pictures``, are kept per image and
    may differ); another run starts a new list, and outputs of images only
    an earlier run predicted stay in the folder unlisted, with a line that says so
    (``analyze --predictions`` reads the listed images only)."""

    def __init__(
        self, args: argparse.Namespace, estimator: object, options: dict, inputs: list[str]
    ) -> None:
        """``inputs``: the stems this run predicts (their earlier outputs are replaced)."""
        from dense_direction.cli._model import model_identity, resolved_options

        self.path = args.out / RUN_RECORD
        self.record = {
            **model_identity(args),
            "confidence": confidence_kind(bool(estimator.seg_channels)),
            # The order of the maps in a (K, H, W) angle file (analyze names each by its id).
            "direction_classes": list(estimator.dir_classes),
            "options": resolved_options(options, estimator),
        }
        # What this run's pictures show: the overlay's threshold, and whether quiver plots
        # were drawn. Recorded per image: pictures of other settings do not change the angle
        # maps, so they do not start another run (re-predicting one image with --quiver
        # dropped every other image from the list, and from analyze --predictions).
        self.settings = {"threshold": args.threshold, "quiver": bool(args.quiver)}
        try:
            previous = read_run_record(args.out)
        except ValueError:  # unreadable: replaced, as a record of nothing
            previous = None
        listed = None if previous is None else previous.get("images")
        same = previous is not None and _same_run(self.record, listed, previous)
        self.images: set[str] = set(listed) if same else set()
        self.pictures = _earlier_pictures(previous, self.images) if same else {}
        self._name_earlier(args.out, previous, inputs=set(inputs))
        self._write()

    def _name_earlier(self, out: Path, previous: dict | None, inputs: set[str]) -> None:
        earlier = sorted(set(angle_map_stems(out)) - self.images - inputs)
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
        self.pictures[stem] = self.settings
        self._unwritten = True
        if time.monotonic() >= self._due:
            self._write()

    def _add_concurrent(self) -> None:
        """Keep the images another run of the same model and options added to the record
        since (runs of one job array into one ``--out``: the last to write dropped the other's
        images, and analyze then left their outputs out)."""
        try:
            current = read_run_record(self.path.parent)
        except ValueError:
            return
        listed = None if current is None else current.get("images")
        if current is None or not _same_run(self.record, listed, current):
            return
        others = set(listed) - self.images
        self.images |= others
        self.pictures.update(_earlier_pictures(current, others))

    def __enter__(self) -> RunRecord:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # what is written is listed, also when the run stops on an error

    def close(self) -> None:
        """Write what :meth:`add` has not written yet (at the end of the run, also one that
        stops on an error)."""
        if self._unwritten:
            self._write()

    def _write(self) -> None:
        start = time.monotonic()
        self._add_concurrent()
        images = sorted(self.images)
        pictures = {stem: self.pictures[stem] for stem in images if stem in self.pictures}
        record = {**self.record, "images": images, "pictures": pictures}
        # Its own temporary file: runs writing at once must not write into each other's.
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(partial, self.path)
        end = time.monotonic()
        self._due = end + WRITE_SPACING * (end - start)
        self._unwritten = False


def _same_run(record: dict, listed: object, previous: dict) -> bool:
    """Whether ``previous`` (a record read back) is of the same model and options as
    ``record``, with a list of images (the model as typed does not matter: its weights do)."""
    return isinstance(listed, list) and all(
        previous.get(k) == v for k, v in record.items() if k != "model"
    )


def _earlier_pictures(previous: dict, images: set[str]) -> dict[str, dict]:
    """The picture settings of each earlier image (a record written before they were kept
    per image held one setting for all its images)."""
    pictures = previous.get("pictures")
    if not isinstance(pictures, dict):
        return {}
    if set(pictures) == {"threshold", "quiver"} and not isinstance(pictures["quiver"], dict):
        return dict.fromkeys(images, pictures)
    return {stem: v for stem, v in pictures.items() if stem in images and isinstance(v, dict)}
