"""The one image contract: how files and arrays become the images the models see.

* :func:`read_image` reads any image file (PNG, JPEG, TIFF, BMP, WebP, GIF; 8-bit, 16-bit, 32-bit
  integer or float; gray, gray + alpha, RGB or RGBA) as ``(H, W, 3)`` uint8 **RGB**; alpha
  is dropped (the fully transparent pixels have no value, below), and a 2-channel image
  whose second channel varies and is not declared alpha (two measured channels) gets a
  warning that says so. What a file declares counts (:mod:`~dense_direction.io.tiff`): a
  gray + alpha PNG or TIFF has alpha, a TIFF's fourth band not declared alpha does not, a
  GeoTIFF's GDAL_NODATA value marks pixels without a value, reduced-resolution pages are
  left out.
* :func:`as_rgb_uint8` does the same for arrays and Pillow images (a palette or CMYK one as
  its colours): arrays given to the API are RGB (or gray,
  or RGBA), of any integer or float dtype.
* Bit depth (:func:`to_uint8`): 8-bit images are used as they are. Any other depth
  (16-bit, 12-bit data in a 16-bit file, 32-bit integers, floats) is scaled **per image** by
  its real range: the 0.1th and 99.9th percentiles of its values become 0 and 255 (values
  outside are clipped). A constant image becomes 0. Pixels with no value (NaN or infinite in
  a float image, a declared no-data value, alpha 0: :func:`no_data`) read as the median of the
  others, with a warning that
  counts them; ``predict`` gives them no direction (:func:`read_image_and_no_data` keeps them
  for it). Training, prediction and
  evaluation all load images through this module, so they see the same pixels.
* Masks are read unchanged by :func:`read_mask` (label values, no scaling). The binary mask
  rule (:func:`binarize_mask`): **any non-zero value is structure**, whatever the encoding (0/1,
  0/255, 0/65535, labels 0/1/2 ...); in a colour mask a pixel is structure when **any colour
  channel** is non-zero (an alpha channel is ignored). JPEG masks are the exception, because
  compression leaves faint noise: there a pixel is structure above half the range (> 127).
  An explicit ``threshold`` (a fraction of the type's range: 255 for 8-bit, 65535 for 16-bit,
  1 for float) replaces both. Label masks (``positive``, ``train --positive-labels``): a
  pixel is structure when its value is one of the given labels; they must be single-channel
  (gray or palette). An ignored label (``ignore``, ``train --ignore-label 255``: mmseg's
  ignore index) is neither structure nor background; masks of exactly 0, 1 and 255
  (:func:`looks_like_mmseg_labels`) are refused by ``train`` until one of the two says
  what 255 is. :func:`empty_masks` finds masks without any structure pixel.
* Pixels are taken as stored: EXIF orientation tags are not applied (images and masks stay on
  the same grid; a warning names a file whose tag asks viewers to turn it). One image per
  file: a multi-page TIFF or an animation is an error naming the file (it is not cut to its
  first plane).
* Files are paired across folders by their stem (:func:`files_by_stem`, :func:`paired_files`);
  two files with the same stem in one folder (``x.png`` and ``x.jpg``) are an error.

Modules: :mod:`~dense_direction.io.images` (files and arrays -> RGB uint8),
:mod:`~dense_direction.io.masks` (the mask rule), :mod:`~dense_direction.io.files` (pairing by
stem, sizes, checksums); everything is importable from here. Pure NumPy and Pillow
(``tifffile`` for TIFFs that Pillow cannot decode, such as multi-channel 16-bit or float
TIFFs); no OpenMMLab.
"""

from dense_direction.io.files import (
    check_partners,
    check_unique_stems,
    counted,
    existing_folder,
    files_by_stem,
    files_in,
    files_matching,
    ignored_entries,
    is_hidden,
    link_to_nothing,
    links_to_nothing,
    listing,
    mismatched_sizes,
    of_kind,
    output_folder,
    paired_files,
    sha256,
    smaller_than,
)
from dense_direction.io.images import (
    IMAGE_SUFFIXES,
    LOSSY_SUFFIXES,
    PERCENTILES,
    as_rgb_and_no_data,
    as_rgb_uint8,
    image_size,
    read_image,
    read_image_and_no_data,
    to_uint8,
)
from dense_direction.io.masks import (
    FULL_SHARE,
    MMSEG_IGNORE,
    binarize_mask,
    check_ignore_label,
    check_labels,
    empty_masks,
    empty_of,
    ignored_pixels,
    looks_like_mmseg_labels,
    mask_rule,
    mostly_structure,
    read_binary_mask,
    read_mask,
    structure_shares,
)
from dense_direction.io.no_data import no_data

__all__ = [
    "FULL_SHARE",
    "IMAGE_SUFFIXES",
    "LOSSY_SUFFIXES",
    "MMSEG_IGNORE",
    "PERCENTILES",
    "as_rgb_and_no_data",
    "as_rgb_uint8",
    "binarize_mask",
    "check_ignore_label",
    "check_labels",
    "check_partners",
    "check_unique_stems",
    "counted",
    "empty_masks",
    "empty_of",
    "existing_folder",
    "files_by_stem",
    "files_in",
    "files_matching",
    "ignored_entries",
    "ignored_pixels",
    "image_size",
    "is_hidden",
    "link_to_nothing",
    "links_to_nothing",
    "listing",
    "looks_like_mmseg_labels",
    "mask_rule",
    "mismatched_sizes",
    "mostly_structure",
    "no_data",
    "of_kind",
    "output_folder",
    "paired_files",
    "read_binary_mask",
    "read_image",
    "read_image_and_no_data",
    "read_mask",
    "sha256",
    "smaller_than",
    "structure_shares",
    "to_uint8",
]
