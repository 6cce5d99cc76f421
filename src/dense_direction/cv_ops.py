"""OpenCV versions of the image maths the core does with SciPy: the same numbers, faster.

The image maths (``dense_direction.smoothing``, ``scales``) takes these as arguments and
defaults to SciPy; the estimator (:mod:`dense_direction.inference`) passes them, and
``predict`` writes its PNGs with :func:`opencv_png` instead of Pillow's encoder.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["opencv_distance", "opencv_gaussian", "opencv_png"]


def opencv_distance(inside: np.ndarray) -> np.ndarray:
    """scipy's ``distance_transform_edt`` of ``inside (H, W)`` (distance from every ``True``
    pixel to the nearest ``False`` one, the image border not background) computed by OpenCV:
    the same exact distances, about five times faster."""
    return cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def opencv_gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """scipy's ``gaussian_filter(image, sigma, mode="constant")`` (zeros beyond the image,
    truncated at 4 sigma) of a float32 ``(H, W)`` image computed by OpenCV: the same numbers
    to float rounding, about four times faster."""
    radius = int(4 * sigma + 0.5)
    size = (2 * radius + 1, 2 * radius + 1)
    return cv2.GaussianBlur(image, size, sigma, borderType=cv2.BORDER_CONSTANT)


def opencv_png(image: np.ndarray, level: int = 1) -> bytes:
    """``image`` as PNG bytes at zlib ``level``: ``(H, W)`` uint8 or uint16 gray, or
    ``(H, W, 3)`` uint8 RGB (OpenCV's own order is BGR: converted here). Decodes to the same
    pixels as Pillow's encoder at the same level writes, faster (``predict`` end to end:
    docs/benchmarks.md).

    Every row is filtered with PNG's "up" filter (the difference to the row above) instead
    of libpng's default, which tries all five filters on every row: on ``predict``'s
    4000x3000 outputs at level 1 that took 0.47 / 0.13 / 0.55 s (angles / confidence /
    overlay) against 0.31 / 0.08 / 0.37 s, for files 1.3 / 3.3 / 0.5 % larger
    (``benchmarks/predict_stages.py``)."""
    if image.ndim == 3:
        if image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    elif image.ndim != 2 or image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected (H, W) uint8 or uint16, got {image.shape} {image.dtype}")
    params = [cv2.IMWRITE_PNG_COMPRESSION, level, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    ok, encoded = cv2.imencode(".png", image, params)
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} {image.dtype} PNG")
    return encoded.tobytes()
