"""PNG files written fast, for ``predict``'s pictures (angles, confidence, overlay).

A PNG is a signature and three chunks here (PNG specification, 2nd edition, sections 5 and
11): ``IHDR`` (size, bit depth, colour type), ``IDAT`` (the zlib stream of the filtered
rows) and ``IEND``. Every row is filtered with PNG's "up" filter (type 2: each byte minus
the byte above it, modulo 256; the first row against zeros, so itself), which NumPy computes
in one subtraction, and the rows are deflated by ISA-L (the ``isal`` package) where it is
installed, else by Python's zlib. Why not OpenCV's or Pillow's encoder: both deflate with
zlib; on this project's 2-core machine OpenCV at zlib's fastest level with the same filter
took 0.548 s for the 36 MB of a 4000x3000 overlay (17.98 MB written), this writer 0.091 s
(16.88 MB; ``benchmarks/predict_stages.py``). What is written is a standard PNG: any reader
decodes it (tests decode it with Pillow and OpenCV).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

try:  # ISA-L's deflate: the same zlib format, several times faster
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is a dependency where it has wheels
    _deflate = zlib

#: The deflate level: ISA-L's fast setting (of 0-3), which still compresses better than
#: zlib's level 1 on predict's pictures; zlib's fastest where ISA-L is missing.
LEVEL = 1

__all__ = ["encode_png", "write_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UP = 2  # the filter type byte of the "up" filter
_GRAY, _RGB = 0, 2  # PNG colour types
# One IDAT chunk holds at most 2**31 - 1 bytes; a larger stream is split across several.
_IDAT_BYTES = 1 << 30


def _check(image: np.ndarray) -> None:
    if image.ndim == 3 and (image.shape[2] != 3 or image.dtype != np.uint8):
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 2 and image.dtype not in (np.uint8, np.uint16)):
        raise ValueError(f"expected (H, W) uint8 or uint16, got {image.shape} {image.dtype}")
    if 0 in image.shape[:2]:
        raise ValueError(f"a PNG needs at least one pixel, got shape {image.shape}")


def _chunk(kind: bytes, data: bytes | memoryview) -> list[bytes | memoryview]:
    """A chunk as the pieces to write: length, type, data, CRC-32 of type and data."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return [struct.pack(">I", len(data)) + kind, data, struct.pack(">I", crc)]


def _filtered_rows(image: np.ndarray) -> np.ndarray:
    """``(H, 1 + row bytes)`` uint8: each row's filter byte, then the "up" differences of its
    bytes (16-bit samples big-endian, as PNG stores them)."""
    if image.dtype == np.uint16:
        image = image.astype(">u2")
    rows = np.ascontiguousarray(image).reshape(image.shape[0], -1).view(np.uint8)
    filtered = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    filtered[:, 0] = _UP
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8: modulo 256
    return filtered


def _pieces(image: np.ndarray) -> list[bytes | memoryview]:
    _check(image)
    height, width = image.shape[:2]
    depth = 8 * image.dtype.itemsize
    colour = _GRAY if image.ndim == 2 else _RGB
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    stream = memoryview(_deflate.compress(_filtered_rows(image), LEVEL))
    pieces = [_SIGNATURE, *_chunk(b"IHDR", header)]
    for start in range(0, len(stream), _IDAT_BYTES):
        pieces += _chunk(b"IDAT", stream[start : start + _IDAT_BYTES])
    return pieces + _chunk(b"IEND", b"")


def encode_png(image: np.ndarray) -> bytes:
    """``image`` as the bytes of a PNG file: ``(H, W)`` uint8 or uint16 gray, or
    ``(H, W, 3)`` uint8 RGB; a ``ValueError`` for any other array."""
    return b"".join(_pieces(np.asarray(image)))


def write_png(image: np.ndarray, path: str | Path) -> None:
    """:func:`encode_png` of ``image`` written to ``path`` (piece by piece: the compressed
    stream is not copied into one more buffer)."""
    pieces = _pieces(np.asarray(image))
    with open(path, "wb") as file:
        for piece in pieces:
            file.write(piece)
