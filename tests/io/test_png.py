"""predict's PNG writer: standard files that any reader decodes to the same pixels."""

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from dense_direction.io import png
from dense_direction.io.png import encode_png, write_png

RNG = np.random.default_rng(2)
IMAGES = {
    "gray8": RNG.integers(0, 256, (37, 53), dtype=np.uint8),
    "gray16": RNG.integers(0, 65536, (37, 53), dtype=np.uint16),
    "rgb": RNG.integers(0, 256, (60, 70, 3), dtype=np.uint8),
    "one row": RNG.integers(0, 256, (1, 9, 3), dtype=np.uint8),
    "one column": RNG.integers(0, 65536, (9, 1), dtype=np.uint16),
    "odd rgb": RNG.integers(0, 256, (7, 5, 3), dtype=np.uint8),
}


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each CRC checked as a reader does."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("name", IMAGES)
def test_pillow_and_opencv_decode_the_same_pixels(name):
    # 16 bits kept (big-endian in the file), RGB in RGB order for Pillow, BGR for OpenCV.
    image = IMAGES[name]
    data = encode_png(image)
    decoded = np.asarray(Image.open(io.BytesIO(data)))
    assert decoded.dtype == image.dtype and np.array_equal(decoded, image)
    by_opencv = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    expected = image[..., ::-1] if image.ndim == 3 else image
    assert np.array_equal(by_opencv.reshape(expected.shape), expected)


def test_header_and_chunk_order_hand_written():
    # IHDR of a 53 x 37 16-bit gray image: width 53, height 37, depth 16, colour type 0,
    # then compression, filter and interlace methods 0; IDAT; IEND empty.
    chunks = _chunks(encode_png(IMAGES["gray16"]))
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert chunks[0][1] == struct.pack(">IIBBBBB", 53, 37, 16, 0, 0, 0, 0)
    assert chunks[-1][1] == b""


def test_every_row_is_filtered_with_up():
    # Each scanline starts with its filter type byte (2: up) and holds the difference to
    # the row above modulo 256: rows 5 and 6 of a ramp image that adds 3 per row differ by 3.
    image = (np.arange(20)[:, None] * 3 + np.arange(30)[None, :]).astype(np.uint8)
    raw = zlib.decompress(_chunks(encode_png(image))[1][1])
    rows = np.frombuffer(raw, np.uint8).reshape(20, 31)
    assert set(rows[:, 0]) == {2}
    assert np.array_equal(rows[0, 1:], image[0])  # the first row against zeros
    assert set(rows[6, 1:]) == {3}


def test_a_large_stream_is_split_across_idat_chunks(monkeypatch):
    # Readers concatenate IDAT chunks; one chunk holds at most 2**31 - 1 bytes.
    monkeypatch.setattr(png, "_IDAT_BYTES", 100)
    data = encode_png(IMAGES["rgb"])
    assert sum(kind == b"IDAT" for kind, _ in _chunks(data)) > 1
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), IMAGES["rgb"])


def test_without_isal_zlib_writes_the_same_pixels(monkeypatch):
    monkeypatch.setattr(png, "_deflate", zlib)
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(encode_png(IMAGES["rgb"])))), IMAGES["rgb"]
    )


def test_write_png_writes_what_encode_png_returns(tmp_path):
    write_png(IMAGES["gray16"], tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes() == encode_png(IMAGES["gray16"])


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4, 4), np.uint8), r"expected \(H, W, 3\) uint8 RGB, got \(4, 4, 4\)"),
        (np.zeros((4, 4, 3), np.uint16), r"expected \(H, W, 3\) uint8 RGB, got \(4, 4, 3\) uint16"),
        (np.zeros((4, 4), np.float32), r"expected \(H, W\) uint8 or uint16, got \(4, 4\) float32"),
        (np.zeros((0, 4), np.uint8), r"at least one pixel, got shape \(0, 4\)"),
    ],
)
def test_names_what_it_cannot_write(image, message):
    with pytest.raises(ValueError, match=message):
        encode_png(image)
