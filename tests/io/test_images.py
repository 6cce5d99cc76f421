"""dense_direction.io.images: files and arrays -> (H, W, 3) uint8 RGB."""

import warnings

import numpy as np
import pytest
from PIL import Image

from dense_direction.io import (
    as_rgb_uint8,
    no_data,
    read_image,
    read_image_and_no_data,
    read_mask,
    to_uint8,
)


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
    # The shape the caller gave, not the (H, W, 3) a gray image becomes on the way.
    with pytest.raises(ValueError, match=r"got shape \(0, 0\)$"):
        as_rgb_uint8(np.zeros((0, 0), np.uint8))


def test_twelve_bit_data_in_sixteen_bit_file_uses_its_range(tmp_path):
    """A 12-bit image (0..4095) stored as uint16 must not come out as 0..15."""
    ramp = np.tile(np.linspace(0, 4095, 64).astype(np.uint16), (8, 1))
    Image.fromarray(ramp).save(tmp_path / "twelve.png")
    out = read_image(tmp_path / "twelve.png")[..., 0]
    assert out.max() == 255 and out.min() == 0
    assert np.all(np.diff(out[0].astype(int)) >= 0)


def _two_level_colour(depth_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint16 RGB holding only 0 and ``depth_max``: red on the left half, green on the top
    row, blue nowhere. The percentile stretch maps 0 -> 0 and ``depth_max`` -> 255, so the
    8-bit result is known by hand: 255 where a channel is set."""
    red = np.zeros((6, 8), bool)
    red[:, :4] = True
    green = np.zeros((6, 8), bool)
    green[0] = True
    rgb = np.stack([red, green, np.zeros_like(red)], axis=-1).astype(np.uint16) * depth_max
    return rgb, red, green


@pytest.mark.parametrize("alpha", [False, True])
def test_sixteen_bit_colour_png_keeps_every_bit_and_rgb_order(tmp_path, alpha):
    # Pillow decodes 16-bit colour PNGs to 8 bits (the high byte: 12-bit data became 0..15).
    cv2 = pytest.importorskip("cv2")
    rgb, red, green = _two_level_colour(4000)
    stored = np.dstack([rgb, np.full(rgb.shape[:2], 65535, np.uint16)]) if alpha else rgb
    bgr = stored[..., [2, 1, 0, 3][: stored.shape[2]]]  # OpenCV writes blue first
    cv2.imwrite(str(tmp_path / "deep.png"), bgr)
    out = read_image(tmp_path / "deep.png")
    np.testing.assert_array_equal(out[..., 0], red * 255)
    np.testing.assert_array_equal(out[..., 1], green * 255)
    assert (out[..., 2] == 0).all()


@pytest.mark.parametrize("planar", [False, True])
def test_sixteen_bit_colour_tiff_keeps_every_bit(tmp_path, planar):
    # Pillow decodes these to 8 bits, and a planar one to bytes that are not the picture.
    tifffile = pytest.importorskip("tifffile")
    rgb, red, green = _two_level_colour(4000)
    data = np.moveaxis(rgb, -1, 0) if planar else rgb
    config = "separate" if planar else "contig"
    tifffile.imwrite(tmp_path / "deep.tif", data, photometric="rgb", planarconfig=config)
    out = read_image(tmp_path / "deep.tif")
    np.testing.assert_array_equal(out[..., 0], red * 255)
    np.testing.assert_array_equal(out[..., 1], green * 255)
    assert (out[..., 2] == 0).all()


def test_sixteen_bit_colour_mask_keeps_its_labels(tmp_path):
    # A 0/1 mask saved as 16-bit RGB was read as all 0 (the high byte of 1 is 0).
    cv2 = pytest.importorskip("cv2")
    rgb, red, _ = _two_level_colour(1)
    cv2.imwrite(str(tmp_path / "mask.png"), rgb[..., ::-1].copy())
    np.testing.assert_array_equal(read_mask(tmp_path / "mask.png")[..., 0], red.astype(int))


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
    # A pixel with no value takes the median of the others (here 1.0), so it reads as the
    # pixel that holds 1.0: the range 0.002..2.994 (0.1th and 99.9th percentiles of 0, 1, 3)
    # puts 1.0 at 0.998 / 2.992 * 255 = 85.06 -> 85.
    floats = np.array([[np.nan, 0.0, 1.0, 3.0]])
    assert to_uint8(floats).tolist() == [[85, 0, 85, 255]]
    assert to_uint8(np.array([[np.inf, 0.0, 1.0, 3.0]])).tolist() == [[85, 0, 85, 255]]
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
    with pytest.raises(ValueError, match=r"shape \(5, 16, 12\) \(axes QYX\)$"):
        read_image(tmp_path / "stack.tif")  # a stack: what tifffile sees, no channel advice


def test_a_two_channel_array_that_tifffile_wrote_as_pages_is_explained(tmp_path):
    # tifffile.imwrite stores an (H, W, 2) uint8 array as H pages of W x 2 pixels (two samples
    # per pixel need extra-sample tags it does not guess): 20 "images" for one picture.
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "two.tif", np.zeros((20, 30, 2), np.uint8))
    with pytest.raises(
        ValueError,
        match=r"holds 20 images.*shape \(20, 30, 2\).*one image of "
        r"2 channels, its 20 rows were written as pages.*array\[\.\.\., c\]",
    ):
        read_image(tmp_path / "two.tif")


def test_a_folder_given_as_an_image_is_named_as_a_folder(tmp_path):
    # Before: "image not found: DIR", as if nothing were there.
    with pytest.raises(ValueError, match=r"is a folder, not an image: .* predict --input"):
        read_image(tmp_path)


def test_an_exif_rotation_is_not_applied_but_said(tmp_path):
    # Orientation 6 ("rotate 90° clockwise to view"): a phone held upright. The pixels stay as
    # stored (a 4 x 6 image stays 4 x 6), and a warning says the viewer shows them turned.
    image = Image.fromarray(np.zeros((4, 6, 3), np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(tmp_path / "phone.jpg", exif=exif)
    with pytest.warns(UserWarning, match=r"phone\.jpg: its EXIF orientation \(6\)"):
        assert read_image(tmp_path / "phone.jpg").shape == (4, 6, 3)
    image.save(tmp_path / "plain.jpg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_image(tmp_path / "plain.jpg")  # no tag: no warning


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_an_image_without_a_finite_pixel_has_no_value_anywhere(value):
    # A mosaic's edge tile holds no data at all: it was an error ("no finite pixel value")
    # that failed its image; now it is an image whose every pixel has no value, which
    # predict gives no direction anywhere.
    from dense_direction.io import as_rgb_and_no_data

    with pytest.warns(UserWarning, match=r"no pixel has a value \(all 20 are NaN or infinite"):
        rgb, missing = as_rgb_and_no_data(np.full((4, 5), value, np.float32))
    assert missing.all() and rgb.shape == (4, 5, 3) and not rgb.any()
    partly = np.full((4, 5), value, np.float32)
    partly[0, 0] = 1.0
    with pytest.warns(UserWarning, match=r"19 of 20 pixels \(95 %\)"):
        rgb, missing = as_rgb_and_no_data(partly)
    assert missing.sum() == 19 and not missing[0, 0]


def test_a_two_channel_image_whose_second_channel_varies_is_named(tmp_path):
    # Two measured channels (a two-colour microscopy array) read as gray + alpha lose the
    # second one: a warning names the source and says how to use it. A constant second
    # channel (a real alpha, fully opaque) stays silent.
    rng = np.random.default_rng(0)
    two = rng.random((20, 30, 2)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"the image has 2 channels.*second varies"):
        out = as_rgb_uint8(two)
    np.testing.assert_array_equal(out, as_rgb_uint8(two[..., 0]))  # the first, as gray
    # A TIFF of two samples whose second is not declared alpha (ExtraSamples unspecified) is
    # such a pair too; one that declares alpha, or a gray + alpha PNG: tests/io/test_tiff.py.
    tifffile = pytest.importorskip("tifffile")
    two_u8 = (two * 255).astype(np.uint8)
    kinds = {"photometric": "minisblack", "planarconfig": "contig"}
    tifffile.imwrite(tmp_path / "two.tif", two_u8, extrasamples=["unspecified"], **kinds)
    with pytest.warns(UserWarning, match=r"two\.tif has 2 channels"):
        read_image(tmp_path / "two.tif")
    opaque = np.dstack([two[..., 0], np.ones((20, 30), np.float32)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_rgb_uint8(opaque)


def test_pixels_without_a_value_are_found_counted_and_kept_for_predict(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    values = np.arange(4 * 5, dtype=np.float32).reshape(4, 5)
    values[1, 2] = np.nan
    values[3, 0] = -np.inf
    tifffile.imwrite(tmp_path / "holes.tif", values)
    with pytest.warns(UserWarning, match=r"holes\.tif: 2 of 20 pixels \(10 %\) have no value"):
        rgb, missing = read_image_and_no_data(tmp_path / "holes.tif")
    assert missing.tolist() == [[(r, c) in ((1, 2), (3, 0)) for c in range(5)] for r in range(4)]
    # The median of the 18 others (0..19 less 7 and 15) is 9.5, between 9 and 10.
    assert rgb[1, 2, 0] == rgb[3, 0, 0] and rgb[1, 1, 0] < rgb[1, 2, 0] <= rgb[2, 0, 0]
    # An alpha channel's NaN is not a colour's; integer images have a value everywhere.
    rgba = np.ones((2, 2, 4), np.float32)
    rgba[0, 0, 3] = np.nan
    assert no_data(rgba) is None and no_data(np.zeros((2, 2), np.uint16)) is None
    rgba[1, 1, 0] = np.nan
    assert no_data(rgba).tolist() == [[False, False], [False, True]]


def test_transparent_pixels_of_an_rgba_image_have_no_value(tmp_path):
    # An exported mosaic: the left 4 columns are transparent (alpha 0) over stored black,
    # the rest opaque gray 100, 150 and 200 in thirds of the rows (median 150). Read as
    # values, the black would draw an edge along column 4.
    rgba = np.zeros((12, 10, 4), np.uint8)
    rgba[:4, 4:, :3], rgba[4:8, 4:, :3], rgba[8:, 4:, :3] = 100, 150, 200
    rgba[:, 4:, 3] = 255
    rgba[0, 5, 3] = 1  # faintly visible: a value
    Image.fromarray(rgba).save(tmp_path / "mosaic.png")
    with pytest.warns(UserWarning, match=r"mosaic\.png: 48 of 120 pixels \(40 %\) are transparent"):
        rgb, missing = read_image_and_no_data(tmp_path / "mosaic.png")
    assert missing.tolist() == [[c < 4 for c in range(10)]] * 12
    assert (rgb[:, :4] == 150).all() and (rgb[:, 4:] != 0).all()
    np.testing.assert_array_equal(no_data(rgba), missing)  # arrays given to the API: the same
    with pytest.warns(UserWarning, match=r"the image: 48 of 120 pixels"):
        np.testing.assert_array_equal(as_rgb_uint8(rgba), rgb)
    # Alpha 0 everywhere (some tools write opaque images so): the colours are used as stored.
    rgba[..., 3] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert no_data(rgba) is None and as_rgb_uint8(rgba)[0, 0].tolist() == [0, 0, 0]
    # 16 bits: the transparent pixels take no part in the range either (0 would be its low
    # end: the opaque 1000..3000 would not span 0..255).
    deep = np.zeros((12, 10, 4), np.uint16)
    deep[..., :3] = np.linspace(1000, 3000, 10).astype(np.uint16)[None, :, None]
    deep[:, :4, :3], deep[:, 4:, 3] = 0, 65535
    with pytest.warns(UserWarning, match="are transparent"):
        out = as_rgb_uint8(deep)
    assert out[:, 4:].min() == 0 and out[:, 4:].max() == 255


def test_pillow_images_read_as_their_files_do(tmp_path, rgb):
    # A palette image's array is its palette indices, used as gray levels; a CMYK one's four
    # channels were read as RGBA (cyan, magenta, yellow as red, green, blue). Now either
    # reads as its saved file does; a gray + alpha one's transparent pixels have no value.
    from dense_direction.io import as_rgb_and_no_data

    picture = Image.fromarray(rgb)
    for mode, suffix in (("P", ".png"), ("CMYK", ".tif")):
        image = picture.convert(mode)
        image.save(tmp_path / f"x{suffix}")
        np.testing.assert_array_equal(as_rgb_uint8(image), read_image(tmp_path / f"x{suffix}"))
    gray_alpha = np.dstack([rgb[..., 0], np.full(rgb.shape[:2], 255, np.uint8)])
    gray_alpha[0, 0, 1] = 0
    with pytest.warns(UserWarning, match="are transparent"):
        _, missing = as_rgb_and_no_data(Image.fromarray(gray_alpha, mode="LA"))
    assert missing is not None and missing.sum() == 1 and missing[0, 0]


def test_pillows_pixel_limit_does_not_refuse_large_images(tmp_path, monkeypatch, rgb):
    # Above 179 megapixels Pillow raised DecompressionBombError (neither OSError nor
    # ValueError): predict stopped with a traceback and left the rest of its images. A limit
    # of 10 pixels stands in for Pillow's here; the caller's limit is left as it was.
    from dense_direction.io import image_size

    Image.fromarray(rgb).save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not Pillow's DecompressionBombWarning either
        np.testing.assert_array_equal(read_image(tmp_path / "big.png"), rgb)
        assert image_size(tmp_path / "big.png") == rgb.shape[:2]
    assert Image.MAX_IMAGE_PIXELS == 10


@pytest.mark.parametrize("name", ["a.png", "a.tif"])
def test_a_file_the_user_may_not_read_is_said_to_be_so(tmp_path, rgb, monkeypatch, name):
    # It read "not an image, or corrupt: [Errno 13] Permission denied". Root, who runs the
    # tests, reads any file: the opening is refused here as it is for a user.
    import builtins

    import tifffile

    path = tmp_path / name
    Image.fromarray(rgb).save(path)
    real_open = builtins.open

    def refused(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refused)
    monkeypatch.setattr(tifffile.TiffFile, "__init__", lambda self, *a, **k: refused(path))
    with pytest.raises(ValueError, match=r"cannot read image .*a\.(png|tif): permission denied"):
        read_image(path)
