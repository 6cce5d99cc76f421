"""The image contract of dense_direction.io: files and arrays -> (H, W, 3) uint8 RGB."""

import numpy as np
import pytest
from PIL import Image

from dense_direction.io import (
    as_rgb_uint8,
    binarize_mask,
    check_unique_stems,
    empty_masks,
    files_by_stem,
    image_size,
    mismatched_sizes,
    paired_files,
    read_binary_mask,
    read_image,
    read_mask,
    to_uint8,
)


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)


def test_rgb_png_is_read_in_rgb_order(tmp_path, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    out = read_image(tmp_path / "a.png")
    assert out.dtype == np.uint8 and out.shape == (12, 10, 3)
    np.testing.assert_array_equal(out, rgb)


def test_gray_and_rgba_files(tmp_path, rgb):
    Image.fromarray(rgb[..., 0]).save(tmp_path / "gray.png")
    alpha = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])
    Image.fromarray(alpha).save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(read_image(tmp_path / "gray.png"), rgb[..., [0, 0, 0]])
    np.testing.assert_array_equal(read_image(tmp_path / "rgba.png"), rgb)


def test_palette_png_gives_its_colours(tmp_path):
    image = Image.new("P", (4, 3))
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.putpixel((1, 1), 1)
    image.save(tmp_path / "p.png")
    out = read_image(tmp_path / "p.png")
    assert out[1, 1].tolist() == [255, 0, 0] and out[0, 0].tolist() == [0, 0, 0]


def test_arrays_are_rgb_and_any_dtype(rgb):
    np.testing.assert_array_equal(as_rgb_uint8(rgb), rgb)
    np.testing.assert_array_equal(as_rgb_uint8(rgb[..., 0]), rgb[..., [0, 0, 0]])
    as_float = as_rgb_uint8(rgb.astype(np.float32) / 255)
    assert as_float.dtype == np.uint8 and as_float.shape == rgb.shape
    with pytest.raises(ValueError, match="shape"):
        as_rgb_uint8(np.zeros((4, 4, 5), np.uint8))


def test_twelve_bit_data_in_sixteen_bit_file_uses_its_range(tmp_path):
    """A 12-bit image (0..4095) stored as uint16 must not come out as 0..15."""
    ramp = np.tile(np.linspace(0, 4095, 64).astype(np.uint16), (8, 1))
    Image.fromarray(ramp).save(tmp_path / "twelve.png")
    out = read_image(tmp_path / "twelve.png")[..., 0]
    assert out.max() == 255 and out.min() == 0
    assert np.all(np.diff(out[0].astype(int)) >= 0)


def test_float_tiff_is_readable(tmp_path):
    values = np.linspace(-3.5, 12.0, 20 * 16, dtype=np.float32).reshape(20, 16)
    Image.fromarray(values, mode="F").save(tmp_path / "float.tif")
    out = read_image(tmp_path / "float.tif")
    assert out.shape == (20, 16, 3) and out.dtype == np.uint8
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255


def test_float_rgb_tiff_is_readable(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    values = np.random.default_rng(1).normal(size=(9, 7, 3)).astype(np.float32)
    tifffile.imwrite(tmp_path / "rgb.tif", values, photometric="rgb")
    out = read_image(tmp_path / "rgb.tif")
    assert out.shape == (9, 7, 3)
    np.testing.assert_array_equal(out, to_uint8(values))


def test_depth_rule():
    eight = np.array([[0, 3, 250]], np.uint8)
    np.testing.assert_array_equal(to_uint8(eight), eight)  # 8-bit untouched
    sixteen = np.array([[100, 200, 300]], np.uint16)
    low, middle, high = to_uint8(sixteen)[0].tolist()  # by the range, not / 257
    assert low == 0 and high == 255 and abs(middle - 127.5) <= 1
    floats = np.array([[np.nan, 0.0, 1.0]])
    assert to_uint8(floats).tolist() == [[0, 0, 255]]
    assert to_uint8(np.full((3, 3), 700, np.uint16)).max() == 0  # constant image


def test_unreadable_files_name_themselves(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"empty\.png.*empty"):
        read_image(tmp_path / "empty.png")
    with pytest.raises(ValueError, match=r"junk\.png"):
        read_image(tmp_path / "junk.png")
    with pytest.raises(FileNotFoundError, match="missing"):
        read_image(tmp_path / "missing.png")


def test_files_of_several_images_are_refused_not_cut_to_the_first(tmp_path):
    """A z-stack or an animation must not silently become its first plane."""
    tifffile = pytest.importorskip("tifffile")
    planes = np.random.default_rng(2).random((5, 16, 12)).astype(np.float32)
    tifffile.imwrite(tmp_path / "stack.tif", planes)  # 5 pages; Pillow reads float32 ones
    tifffile.imwrite(tmp_path / "half.tif", planes.astype(np.float16))  # Pillow cannot: tifffile
    frames = [Image.fromarray(np.full((8, 8), v, np.uint8)) for v in (0, 90, 180)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    for name, count in (("stack.tif", 5), ("half.tif", 5), ("anim.gif", 3)):
        with pytest.raises(ValueError, match=rf"{name}.*holds {count} images"):
            read_image(tmp_path / name)
        with pytest.raises(ValueError, match=rf"{name}.*holds {count} images"):
            read_mask(tmp_path / name)
    tifffile.imwrite(tmp_path / "one.tif", planes[0])  # a single page still reads
    assert read_image(tmp_path / "one.tif").shape == (16, 12, 3)


def test_masks_are_read_unchanged(tmp_path):
    labels = np.array([[0, 1, 2]], np.uint8)
    Image.fromarray(labels).save(tmp_path / "m.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "m.png"), labels)


def test_colliding_stems_are_listed(tmp_path, rgb):
    for name in ("x.png", "x.jpg", "y.png"):
        Image.fromarray(rgb).save(tmp_path / name)
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        files_by_stem(tmp_path, (".png", ".jpg"), "image")
    with pytest.raises(ValueError, match="1 image names"):
        check_unique_stems(sorted(tmp_path.iterdir()))
    check_unique_stems([tmp_path / "x.png", tmp_path / "y.png"])


def test_paired_files_list_lonely_files(tmp_path, rgb):
    (tmp_path / "i").mkdir()
    (tmp_path / "m").mkdir()
    for name in ("a", "b"):
        Image.fromarray(rgb).save(tmp_path / "i" / f"{name}.png")
    Image.fromarray(rgb[..., 0]).save(tmp_path / "m" / "a.png")
    with pytest.raises(ValueError, match=r"1 images .* have no mask .*: b"):
        paired_files(tmp_path / "i", tmp_path / "m")


@pytest.mark.parametrize(
    "labels",
    [(0, 1), (0, 255), (0, 65535), (0, 2), (0, 1, 2), (0, 70000)],
    ids=["0/1", "0/255", "0/65535", "0/2", "0/1/2", "wide"],
)
def test_any_nonzero_label_is_structure(labels):
    dtype = np.uint8 if max(labels) <= 255 else np.int64
    mask = np.array([[*labels, 0]], dtype=dtype)
    expected = [[0] + [1] * (len(labels) - 1) + [0]]
    assert binarize_mask(mask).tolist() == expected
    assert binarize_mask(mask, invert=True).tolist() == [[1 - v for v in expected[0]]]


def test_positive_labels_select_structure_in_label_masks():
    mask = np.array([[0, 1, 2, 3, 2]], np.uint8)
    assert binarize_mask(mask, positive=[2]).tolist() == [[0, 0, 1, 0, 1]]
    assert binarize_mask(mask, positive=[1, 3]).tolist() == [[0, 1, 0, 1, 0]]
    gray_alpha = np.stack([mask, np.full_like(mask, 255)], axis=-1)
    assert binarize_mask(gray_alpha, positive=[2]).tolist() == [[0, 0, 1, 0, 1]]
    with pytest.raises(ValueError, match="single-channel"):
        binarize_mask(np.zeros((2, 2, 3), np.uint8), positive=[1])


def test_colour_masks_count_any_channel_and_ignore_alpha():
    mask = np.zeros((2, 2, 4), np.uint8)
    mask[..., 3] = 255  # opaque alpha everywhere: not structure
    mask[0, 0, 0] = 255  # red only
    mask[1, 1, 2] = 9  # faint blue
    assert binarize_mask(mask).tolist() == [[1, 0], [0, 1]]
    assert binarize_mask(mask[..., :3]).tolist() == [[1, 0], [0, 1]]


def test_jpeg_masks_and_explicit_thresholds_use_half_range(tmp_path):
    noisy = np.array([[0, 3, 120, 200, 255]], np.uint8)  # compression noise near 0 and 255
    assert binarize_mask(noisy, lossy=True).tolist() == [[0, 0, 0, 1, 1]]
    assert binarize_mask(noisy, threshold=0.4).tolist() == [[0, 0, 1, 1, 1]]
    assert binarize_mask(np.array([[0.2, 0.7]]), threshold=0.5).tolist() == [[0, 1]]
    Image.fromarray(np.repeat(noisy, 8, axis=0)).save(tmp_path / "m.jpg", quality=100)
    assert read_binary_mask(tmp_path / "m.jpg")[0].tolist() == [0, 0, 0, 1, 1]
    Image.fromarray(np.repeat(noisy, 8, axis=0)).save(tmp_path / "m.png")
    assert read_binary_mask(tmp_path / "m.png")[0].tolist() == [0, 1, 1, 1, 1]


def test_empty_masks_are_listed_and_all_empty_is_an_error(tmp_path):
    full = np.zeros((4, 4), np.uint8)
    full[1, 1] = 2
    Image.fromarray(full).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "b.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "c.png")
    paths = [tmp_path / n for n in ("a.png", "b.png", "c.png")]
    assert empty_masks(paths) == [str(tmp_path / "b.png"), str(tmp_path / "c.png")]
    with pytest.raises(ValueError, match=r"all 2 masks are empty.*b\.png, .*c\.png"):
        empty_masks(paths[1:])
    assert empty_masks([]) == []


def test_image_and_mask_sizes_from_headers(tmp_path):
    Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((30, 40), np.uint8)).save(tmp_path / "a_mask.png")
    Image.fromarray(np.zeros((30, 41), np.uint8)).save(tmp_path / "b_mask.png")
    assert image_size(tmp_path / "a.png") == (30, 40)
    assert mismatched_sizes([(tmp_path / "a.png", tmp_path / "a_mask.png")]) == []
    [message] = mismatched_sizes([(tmp_path / "a.png", tmp_path / "b_mask.png")])
    assert message == f"{tmp_path / 'a.png'} is 40x30 (WxH) but {tmp_path / 'b_mask.png'} is 41x30"
