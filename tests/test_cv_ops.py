"""The OpenCV helpers give SciPy's numbers (the core's defaults), on views as on arrays."""

import numpy as np
import pytest
from scipy import ndimage

from dense_direction.cv_ops import opencv_distance, opencv_gaussian


def test_opencv_distance_is_scipys_exact_transform():
    # predict's structure widths use OpenCV's transform: the same distances as scipy's, the
    # image border included (it is not background for either).
    rng = np.random.default_rng(0)
    mask = ndimage.uniform_filter(rng.random((120, 160)), 9) > 0.5
    mask[:5, :40] = True
    expected = ndimage.distance_transform_edt(mask)
    np.testing.assert_allclose(opencv_distance(mask), expected, atol=1e-4)


@pytest.mark.parametrize("sigma", [0.8, 2.1, 5.3])
def test_opencv_gaussian_is_scipys_constant_mode_filter(sigma):
    # Zeros beyond the image (a bright pixel at the border loses the weight that falls
    # outside) and the kernel truncated at 4 sigma, like smoothing's default. The input is a
    # strided view, as the pyramid's boxes are.
    rng = np.random.default_rng(1)
    stack = rng.random((3, 90, 130)).astype(np.float32)
    stack[1, 5, 7] = 50.0  # the corner of the view below
    view = stack[1, 5:, 7:120]
    expected = ndimage.gaussian_filter(view, sigma, mode="constant")
    np.testing.assert_allclose(opencv_gaussian(view, sigma), expected, atol=1e-5)


def test_smoothing_with_opencv_gives_scipys_field():
    # predict passes both helpers to the core's smoothing; its field must not change.
    from dense_direction.smoothing import smooth_field, structure_width

    mask = np.zeros((120, 160), bool)
    mask[20:70, 10:150] = True  # a 50-px band: rungs up to 48 px, pyramid levels 1 and 2
    mask[90:100, 30:120] = True  # a 10-px band: full resolution
    angles = np.random.default_rng(2).normal(0.3, 0.2, mask.shape)
    vectors = np.stack([np.cos(2 * angles), np.sin(2 * angles)]).astype(np.float32)
    width = structure_width(mask)
    np.testing.assert_array_equal(structure_width(mask, distance=opencv_distance), width)
    expected = smooth_field(vectors, mask, width, 0.25)
    assert np.abs(expected - vectors).max() > 0.1  # the smoothing does change the field
    got = smooth_field(vectors, mask, width, 0.25, blur=opencv_gaussian)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize(
    "image",
    [
        np.arange(60 * 70, dtype=np.uint32).reshape(60, 70).astype(np.uint8),
        (np.arange(60 * 70, dtype=np.uint32).reshape(60, 70) * 15).astype(np.uint16),
        np.random.default_rng(2).integers(0, 256, (60, 70, 3), dtype=np.uint8),
    ],
    ids=["gray8", "gray16", "rgb"],
)
def test_opencv_png_decodes_to_the_same_pixels_in_pillow(image):
    # predict's outputs are read back with Pillow (and by users' tools): the same values,
    # 16 bits kept, and RGB in RGB order (OpenCV's own order is BGR).
    import io

    from PIL import Image

    from dense_direction.cv_ops import opencv_png

    decoded = np.asarray(Image.open(io.BytesIO(opencv_png(image))))
    assert decoded.dtype == image.dtype and np.array_equal(decoded, image)


def test_a_pure_red_pixel_stays_red():
    import io

    from PIL import Image

    from dense_direction.cv_ops import opencv_png

    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    assert tuple(Image.open(io.BytesIO(opencv_png(red))).getpixel((1, 1))) == (255, 0, 0)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4, 4), np.uint8), r"expected \(H, W, 3\) uint8 RGB, got \(4, 4, 4\)"),
        (np.zeros((4, 4), np.float32), r"expected \(H, W\) uint8 or uint16, got \(4, 4\) float32"),
    ],
)
def test_opencv_png_names_what_it_cannot_write(image, message):
    from dense_direction.cv_ops import opencv_png

    with pytest.raises(ValueError, match=message):
        opencv_png(image)


def test_opencv_png_filters_every_row_with_up():
    # Each PNG scanline starts with its filter type byte (0 none, 1 sub, 2 up, 3 average,
    # 4 Paeth); libpng's default picks per row among all five, which costs twice the time.
    import struct
    import zlib

    from dense_direction.cv_ops import opencv_png

    rng = np.random.default_rng(0)
    image = rng.integers(0, 65535, (20, 30), dtype=np.uint16)
    data, pos, idat = opencv_png(image), 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    row_bytes = 1 + 30 * 2  # filter byte + 30 pixels of 16 bits
    assert len(raw) == 20 * row_bytes
    assert {raw[r * row_bytes] for r in range(20)} == {2}
