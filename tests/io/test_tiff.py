"""What image files declare about their pixels (io/tiff.py, io/no_data.py): alpha of gray +
alpha files, a GeoTIFF's no-data value, reduced-resolution pages, 32-bit unsigned values."""

import warnings

import numpy as np
import pytest
from PIL import Image

from dense_direction.io import read_image, read_image_and_no_data, read_mask

tifffile = pytest.importorskip("tifffile")

GRAY_ALPHA = {"photometric": "minisblack", "planarconfig": "contig"}


def _fibres(dtype=np.uint16, low=100, high=400) -> np.ndarray:
    """Bright diagonal stripes, ``low`` to ``high``: a 16-bit fluorescence image's range."""
    rows, cols = np.mgrid[:32, :40]
    stripes = ((rows + cols) % 8 < 2).astype(np.float64)
    return (low + stripes * (high - low)).astype(dtype)


def test_a_gray_alpha_png_and_tiff_mark_their_transparent_pixels(tmp_path):
    # A gray + alpha file says its second channel is alpha (PNG colour type 4; TIFF
    # ExtraSamples = unassociated alpha). It was read as two measured channels: the hidden
    # pixels (60000 under alpha 0, left 10 columns) took part in the 16-bit range, which
    # squashed the visible 100..400 fibres to black, and were measured as picture. Now they
    # have no value (as in RGBA files) and the rest reads as the opaque image alone does.
    fibres = _fibres()
    alpha = np.full(fibres.shape, 65535, np.uint16)
    alpha[:, :10] = 0
    hidden = fibres.copy()
    hidden[:, :10] = 60000
    tifffile.imwrite(
        tmp_path / "ga.tif", np.dstack([hidden, alpha]), extrasamples=["unassalpha"], **GRAY_ALPHA
    )
    tifffile.imwrite(tmp_path / "opaque.tif", fibres[:, 10:])
    with pytest.warns(UserWarning, match=r"ga\.tif: 320 of 1280 pixels \(25 %\) are transparent"):
        rgb, missing = read_image_and_no_data(tmp_path / "ga.tif")
    assert missing is not None and missing[:, :10].all() and not missing[:, 10:].any()
    np.testing.assert_array_equal(rgb[:, 10:], read_image(tmp_path / "opaque.tif"))
    # 8-bit gray + alpha PNG (Pillow mode LA): 0 under alpha 0 is not a black stripe.
    la = np.dstack([(fibres // 2).astype(np.uint8), (alpha // 257).astype(np.uint8)])
    la[:, :10, 0] = 0
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    with pytest.warns(UserWarning, match=r"la\.png: 320 of 1280 pixels .* transparent"):
        rgb, missing = read_image_and_no_data(tmp_path / "la.png")
    assert missing[:, :10].all() and not missing[:, 10:].any()
    assert (rgb[:, :10] == np.median(la[:, 10:, 0])).all()  # the median of the others, not 0


def test_a_geotiff_no_data_value_is_no_data(tmp_path):
    # A DEM whose left 6 columns hold GDAL_NODATA -9999: that value took part in the range
    # (the terrain became one gray) and its edge was the one structure found. Now those
    # pixels have no value, exactly as NaN ones do.
    dem = 250 + 8 * _fibres(np.float32, 0, 1)
    with_hole = dem.copy()
    with_hole[:, :6] = -9999
    nodata = [(42113, "s", 0, "-9999", True)]
    tifffile.imwrite(tmp_path / "dem.tif", with_hole, extratags=nodata)
    nan = dem.copy()
    nan[:, :6] = np.nan
    tifffile.imwrite(tmp_path / "nan.tif", nan)
    with pytest.warns(UserWarning, match=r"dem\.tif: 192 of 1280 pixels .* no-data value -9999"):
        rgb, missing = read_image_and_no_data(tmp_path / "dem.tif")
    with pytest.warns(UserWarning, match="NaN or infinite"):
        want, want_missing = read_image_and_no_data(tmp_path / "nan.tif")
    np.testing.assert_array_equal(rgb, want)
    np.testing.assert_array_equal(missing, want_missing)
    # A colour pixel with one band at the value is a dark colour, not a hole: only pixels
    # whose every band holds it are (uint8 RGB band, no-data 0; Pillow reads this one).
    rgb8 = np.full((4, 5, 3), 90, np.uint8)
    rgb8[0, 0] = 0
    rgb8[1, 1, 0] = 0
    tifffile.imwrite(
        tmp_path / "rgb.tif", rgb8, photometric="rgb", extratags=[(42113, "s", 0, "0", True)]
    )
    with pytest.warns(UserWarning, match=r"1 of 20 pixels"):
        _, missing = read_image_and_no_data(tmp_path / "rgb.tif")
    assert missing.sum() == 1 and missing[0, 0]


@pytest.mark.parametrize("nodata", ["-3.4e+38", "-3.40282346638529e+38", "0.1"])
def test_a_float32_no_data_value_is_compared_as_float32(tmp_path, nodata):
    # GDAL stores the float32 nearest to the tag's text; the float64 of the text is not it,
    # so none of these holes were found and -3.4e38 set the range (the rest read as white).
    dem = 250 + 8 * _fibres(np.float32, 0, 1)
    dem[:, :6] = np.float32(float(nodata))
    tifffile.imwrite(tmp_path / "dem.tif", dem, extratags=[(42113, "s", 0, nodata, True)])
    with pytest.warns(UserWarning, match=r"192 of 1280 pixels .* no-data value"):
        rgb, missing = read_image_and_no_data(tmp_path / "dem.tif")
    assert missing[:, :6].all() and not missing[:, 6:].any()
    assert np.ptp(rgb[:, 6:]) > 200  # the terrain spans the range


def test_an_8_bit_image_with_a_no_data_value_keeps_its_values(tmp_path):
    # The README: 8-bit images are used as they are. With GDAL_NODATA they went through
    # float64 and were stretched by percentiles (60..139 read as 0..255), while an 8-bit
    # image with transparent holes kept its values: both routes now agree.
    gray = np.tile(np.arange(60, 140, dtype=np.uint8), (8, 1))
    gray[:, :4] = 0
    tifffile.imwrite(tmp_path / "u8.tif", gray, extratags=[(42113, "s", 0, "0", True)])
    with pytest.warns(UserWarning, match=r"32 of 640 pixels"):
        rgb, missing = read_image_and_no_data(tmp_path / "u8.tif")
    assert missing[:, :4].all() and missing.sum() == 32
    np.testing.assert_array_equal(rgb[:, 4:, 0], gray[:, 4:])
    assert (rgb[:, :4] == 102).all()  # the holes: the others' median, 101.5, rounded


def test_a_no_data_value_the_type_cannot_hold_marks_nothing(tmp_path):
    # -9999 in uint16 wrapped around to 55537 when cast; no pixel may hold it.
    image = np.full((4, 5), 55537, np.uint16)
    image[0, 0] = 100
    tifffile.imwrite(tmp_path / "u16.tif", image, extratags=[(42113, "s", 0, "-9999", True)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, missing = read_image_and_no_data(tmp_path / "u16.tif")
    assert missing is None


def test_a_tile_that_is_all_no_data_reads_as_no_value_anywhere(tmp_path):
    # An edge tile of a mosaic: "the image has no finite pixel value", a failed image.
    tifffile.imwrite(
        tmp_path / "edge.tif",
        np.zeros((6, 7, 4), np.uint16),
        extratags=[(42113, "s", 0, "0", True)],
    )
    with pytest.warns(UserWarning, match=r"no pixel has a value \(all 42 are the no-data value 0"):
        rgb, missing = read_image_and_no_data(tmp_path / "edge.tif")
    assert missing.all() and not rgb.any()


def test_reduced_resolution_pages_are_not_a_stack(tmp_path):
    # A Cloud-Optimized GeoTIFF or a slide scanner's file: one full image and its overview
    # (NewSubfileType 1) as a second page. It was refused as "2 images (a z-stack ...)".
    fibres = _fibres()
    with tifffile.TiffWriter(tmp_path / "cog.tif") as tiff:
        tiff.write(fibres)
        tiff.write(fibres[::4, ::4], subfiletype=1)
    tifffile.imwrite(tmp_path / "plain.tif", fibres)
    np.testing.assert_array_equal(
        read_image(tmp_path / "cog.tif"), read_image(tmp_path / "plain.tif")
    )
    np.testing.assert_array_equal(read_mask(tmp_path / "cog.tif"), fibres)
    with tifffile.TiffWriter(tmp_path / "stack.tif") as tiff:  # two full pages: a stack
        tiff.write(fibres)
        tiff.write(fibres)
    with pytest.raises(ValueError, match=r"stack\.tif: it holds 2 images"):
        read_image(tmp_path / "stack.tif")


def test_unsigned_32_bit_values_from_two_to_the_31_keep_their_order(tmp_path):
    # Pillow decodes uint32 TIFFs as signed: 2_000_000_000 + 3e8 wrapped to -1.99e9, so the
    # bright fibres came out darkest (contrast inverted). Read whole, they stay brightest.
    fibres = (2_000_000_000 + (_fibres(np.float64, 0, 1) * 300_000_000)).astype(np.uint32)
    tifffile.imwrite(tmp_path / "u32.tif", fibres)
    np.testing.assert_array_equal(read_mask(tmp_path / "u32.tif"), fibres)
    gray = read_image(tmp_path / "u32.tif")[..., 0]
    assert gray[fibres == fibres.max()].min() == 255 and gray[fibres == fibres.min()].max() == 0


def test_a_fourth_band_that_is_not_alpha_hides_nothing(tmp_path):
    # RGB + near infrared (ExtraSamples unspecified, Pillow mode RGBX): the infrared band at
    # 0 is not transparency. Read as RGBA it made those pixels holes.
    bands = np.full((4, 5, 4), 120, np.uint8)
    bands[:2, :, 3] = 0
    tifffile.imwrite(tmp_path / "rgbn.tif", bands, photometric="rgb", extrasamples=["unspecified"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgb, missing = read_image_and_no_data(tmp_path / "rgbn.tif")
    assert missing is None and (rgb == 120).all()


def test_a_multispectral_tile_says_how_to_pick_bands(tmp_path):
    # An 8-band tile was refused as "(H, W, 1|2|3|4)" with no word on what to do.
    tifffile.imwrite(
        tmp_path / "ms.tif", np.zeros((6, 7, 8), np.uint16), photometric="minisblack",
        planarconfig="contig",
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"multispectral image of 8 bands; save the three"):
        read_image(tmp_path / "ms.tif")
