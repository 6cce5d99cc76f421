"""Files by name: pairing images with masks by stem, size checks, short listings, checksums."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from dense_direction.io.images import IMAGE_SUFFIXES, image_size

__all__ = [
    "check_partners",
    "check_unique_stems",
    "counted",
    "existing_folder",
    "files_by_stem",
    "files_in",
    "files_matching",
    "ignored_entries",
    "is_hidden",
    "link_to_nothing",
    "links_to_nothing",
    "listing",
    "mismatched_sizes",
    "of_kind",
    "output_folder",
    "paired_files",
    "sha256",
    "smaller_than",
]


def listing(names: Sequence[str], limit: int = 8) -> str:
    """``a, b, c and 5 more``: a short list of names for error messages."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def output_folder(path: str | Path, flag: str = "--out", make: bool = True) -> Path:
    """The folder ``path`` (given as ``flag``), made with its parents if missing (unless
    ``make`` is False: only checked); a ``ValueError`` naming the flag where it, or a folder
    above it, is a file or a broken link (mkdir would raise a bare "[Errno 17] File exists"),
    or where the folder it would be written in is not writable (found before any work, not
    as a traceback when the first output is written)."""
    path = Path(path)
    broken = next((p for p in (path, *path.parents) if p.is_symlink() and not p.exists()), None)
    if broken is not None:
        raise ValueError(
            f"{flag} {path}: {broken} is {link_to_nothing(broken)}: make its target, or give "
            f"another folder"
        )
    file = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if file is not None:
        what = "it" if file == path else f"{file}"
        raise ValueError(
            f"{flag} {path}: {what} is a file, not a folder: give a folder (made if missing)"
        )
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(
            f"{flag} {path}: cannot write in {existing} (permission denied): give a folder "
            f"you may write to"
        )
    if make:
        path.mkdir(parents=True, exist_ok=True)
    return path


def check_unique_stems(paths: Iterable[str | Path], what: str = "image") -> None:
    """Files that would share output or pairing names (same stem, e.g. ``x.png`` and
    ``x.jpg``) are an error listing every colliding group."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(Path(path).stem, []).append(str(path))
    clashes = [group for group in groups.values() if len(group) > 1]
    if clashes:
        raise ValueError(
            f"{len(clashes)} {what} names are used by more than one file (rename them, they "
            f"would overwrite each other's results): "
            + "; ".join(" and ".join(group) for group in clashes)
        )


def counted(n: int, noun: str) -> str:
    """``1 image``, ``2 images``: a count with its noun (regular plurals)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def is_hidden(path: Path) -> bool:
    """A name that starts with a dot: hidden, by the convention ``ls`` and glob patterns
    follow (``.DS_Store``; ``._x.png``, the metadata macOS writes beside ``x.png`` on other
    file systems, is no image although its suffix says so)."""
    return path.name.startswith(".")


def files_in(folder: str | Path, suffixes: Sequence[str]) -> list[Path]:
    """The files of ``folder`` (not its subfolders) with one of ``suffixes``, sorted; hidden
    ones (:func:`is_hidden`) left out."""
    return [
        f
        for f in sorted(Path(folder).iterdir())
        if f.is_file() and f.suffix.lower() in suffixes and not is_hidden(f)
    ]


def link_to_nothing(link: Path) -> str:
    """``a broken link (to T, which does not exist)``: what a link whose target is gone is."""
    return f"a broken link (to {os.readlink(link)}, which does not exist)"


def links_to_nothing(paths: Iterable[Path], suffixes: Sequence[str]) -> list[Path]:
    """The links among ``paths`` whose target is gone (a purged scratch folder, a moved
    dataset) and whose name has one of ``suffixes``, sorted: files the user meant, which a
    listing of files cannot return. Hidden ones are left out, as from every listing."""
    return sorted(
        p
        for p in paths
        if p.is_symlink() and not p.exists() and p.suffix.lower() in suffixes and not is_hidden(p)
    )


def ignored_entries(folder: str | Path, kept: Iterable[Path], what: str = "image") -> str | None:
    """One line naming what ``folder`` holds besides the files ``kept`` (files of other
    kinds, hidden ones, and subfolders, which are not searched), or None: ``ignored in F: 2
    files that are not images (a.txt, b.csv); 1 hidden entry (._a.png); 1 subfolder, not
    searched (old/)``. Commands print it
    so that nothing a user put there is skipped without a word."""
    kept = set(kept)
    others = [p for p in sorted(Path(folder).iterdir()) if p not in kept]
    hidden = [p.name for p in others if is_hidden(p)]
    folders = [p.name + "/" for p in others if p.is_dir() and not is_hidden(p)]
    # A link to nothing (its target moved or deleted) is neither a folder nor a file.
    broken = [p.name for p in others if not p.exists() and not is_hidden(p)]
    files = [p.name for p in others if p.exists() and not p.is_dir() and not is_hidden(p)]
    parts = []
    if files:
        parts.append(_not_of_kind(files, what))
    if broken:
        links = "link" if len(broken) == 1 else "links"
        parts.append(f"{len(broken)} broken {links}, to nothing ({listing(broken, 4)})")
    if hidden:
        entries = "entry" if len(hidden) == 1 else "entries"
        parts.append(f"{len(hidden)} hidden {entries} ({listing(hidden, 4)})")
    if folders:
        parts.append(f"{counted(len(folders), 'subfolder')}, not searched ({listing(folders, 4)})")
    return f"ignored in {folder}: " + "; ".join(parts) if parts else None


def _not_of_kind(names: Sequence[str], what: str) -> str:
    """``2 files that are not images (a.txt, b.csv)``."""
    if len(names) == 1:
        not_what = f"is not an {what}" if what[0] in "aeiou" else f"is not a {what}"
    else:
        not_what = f"are not {what}s"
    return f"{counted(len(names), 'file')} that {not_what} ({listing(names, 4)})"


def existing_folder(folder: str | Path, what: str, needed: str) -> Path:
    """``folder`` as a Path, checked: a file there is a ``ValueError`` ("``needed`` is needed,
    got a file"), nothing there a ``FileNotFoundError`` ("``what`` folder not found")."""
    path = Path(folder)
    if path.is_file():
        raise ValueError(f"{needed} is needed, got a file: {path}")
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder not found: {path}")
    return path


def files_by_stem(
    folder: str | Path,
    suffixes: Sequence[str],
    what: str,
    report: Callable[[str], None] | None = None,
    broken: list[Path] | None = None,
) -> dict[str, str]:
    """Files of ``folder`` with one of ``suffixes``, by stem (hidden ones, named with a leading
    dot, left out and reported as :func:`ignored_entries` says). Two files with the same stem,
    a missing folder or a folder without such files are errors. ``report`` (e.g. ``print``)
    is given the :func:`ignored_entries` line of the folder, where it holds anything else.
    ``broken``, where given, receives the folder's :func:`links_to_nothing` with one of
    ``suffixes``, for the caller to count as failed (not named "ignored")."""
    path = existing_folder(folder, what, f"a folder of {what} files")
    found = files_in(path, suffixes)
    gone = [] if broken is None else links_to_nothing(path.iterdir(), suffixes)
    if report is not None and (line := ignored_entries(path, found + gone, what)):
        report(line)  # also before the error below: the images may be in a subfolder
    if not found:
        raise FileNotFoundError(f"no {what} files ({', '.join(suffixes)}) in {path}" + _gone(gone))
    check_unique_stems(found, what)
    if broken is not None:
        broken.extend(gone)
    return {f.stem: str(f) for f in found}


def files_matching(
    pattern: str, broken: list[Path] | None = None, suffixes: Sequence[str] = ()
) -> list[Path]:
    """The files the glob ``pattern`` matches (``**`` reaches subfolders), sorted; an error
    when it matches none. ``broken``, where given, receives the matched
    :func:`links_to_nothing` with one of ``suffixes``, for the caller to count as failed."""
    import glob

    paths = [Path(p) for p in glob.glob(pattern, recursive=True)]
    matched = sorted(p for p in paths if p.is_file())
    gone = [] if broken is None else links_to_nothing(paths, suffixes)
    if not matched:
        raise FileNotFoundError(f"no file matches {pattern!r}" + _gone(gone))
    if broken is not None:
        broken.extend(gone)
    return matched


def _gone(links: Sequence[Path]) -> str:
    """`` (only links to nothing: a.png -> /gone/a.png)`` for the "no files" errors."""
    if not links:
        return ""
    shown = listing([f"{p} -> {os.readlink(p)}" for p in links], 4)
    return f" (only {counted(len(links), 'broken link')}, to nothing: {shown})"


def of_kind(
    paths: Sequence[Path],
    suffixes: Sequence[str],
    what: str,
    source: str,
    report: Callable[[str], None] | None = None,
) -> list[Path]:
    """The ``paths`` with one of ``suffixes``. ``report`` (e.g. ``print``) is given one line
    naming the others, which are left out (as :func:`files_by_stem` names a folder's); none
    of ``suffixes`` is an error naming ``source`` (where the paths came from)."""
    found = [p for p in paths if p.suffix.lower() in suffixes]
    others = [p.name for p in paths if p.suffix.lower() not in suffixes]
    if not found:
        raise FileNotFoundError(
            f"no {what} file ({', '.join(suffixes)}) in {source}"
            + (f": {_not_of_kind(others, what)}" if others else "")
        )
    if others and report is not None:
        report(f"ignored in {source}: {_not_of_kind(others, what)}")
    return found


def check_partners(
    stems: Iterable[str], partners: dict[str, str], folder: str | Path, what: str, subject: str
) -> None:
    """Every one of ``stems`` (the names of ``subject``, e.g. "angle maps in pred") has a file
    in ``partners`` (``folder``'s ``what`` files by stem), else an error listing those without
    one, and the files of ``folder`` that pair with nothing (a misnamed one, e.g.
    ``a_roi.png`` for ``a``): a missing partner must not silently change what is measured."""
    stems = set(stems)
    lonely = sorted(stems - set(partners))
    if not lonely:
        return
    message = f"{len(lonely)} {subject} have no {what} in {folder}: {listing(lonely)}"
    orphans = sorted(Path(partners[s]).name for s in set(partners) - stems)
    if orphans:
        message += (
            f" ({what} files pair by name, the same stem: {listing(orphans, 4)} in {folder} "
            f"{'pairs' if len(orphans) == 1 else 'pair'} with none)"
        )
    raise ValueError(message)


def paired_files(
    images: str | Path, masks: str | Path, report: Callable[[str], None] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Image and mask files by stem; any file without a partner is an error that lists them.
    ``report``: as :func:`files_by_stem`'s, for both folders."""
    image_files = files_by_stem(images, IMAGE_SUFFIXES, "image", report)
    mask_files = files_by_stem(masks, IMAGE_SUFFIXES, "mask", report)
    check_partners(image_files, mask_files, masks, "mask", f"images in {images}")
    orphans = sorted(set(mask_files) - set(image_files))
    if orphans:
        raise ValueError(
            f"{len(orphans)} masks in {masks} have no image in {images}: {listing(orphans)}"
        )
    return image_files, mask_files


def mismatched_sizes(pairs: Iterable[tuple[str | Path, str | Path]]) -> list[str]:
    """``"img.png is 40x30 (WxH) but mask.png is 41x30"`` for each (image, mask) pair whose
    sizes differ: training would fail on them mid-run. The second file of a pair may be an
    ``(H, W)`` ``.npy`` map (true directions)."""
    found = []
    for image, mask in pairs:
        (ih, iw), (mh, mw) = image_size(image), _map_size(mask)
        if (ih, iw) != (mh, mw):
            found.append(f"{image} is {iw}x{ih} (WxH) but {mask} is {mw}x{mh}")
    return found


def smaller_than(paths: Iterable[str | Path], size: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """The ``(height, width)`` of each image (read from the file's header) lower or narrower
    than ``size`` ``(height, width)``, by path: a training crop of that size cannot be taken
    from it."""
    sizes = {str(path): image_size(path) for path in paths}
    return {path: hw for path, hw in sizes.items() if hw[0] < size[0] or hw[1] < size[1]}


def _map_size(path: str | Path) -> tuple[int, int]:
    """``(height, width)`` of a mask image, or of an ``(H, W)`` ``.npy`` map (from its header:
    no data read)."""
    if Path(path).suffix.lower() != ".npy":
        return image_size(path)
    shape = np.load(path, mmap_mode="r").shape
    return (shape[-2], shape[-1]) if len(shape) >= 2 else (-1, -1)


def sha256(path: str | Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks (checkpoint run records, bundled
    model checksums)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
