"""OpenCV versions of the image maths the core does with SciPy: the same numbers, faster.

The core (``dense_direction.smoothing``, ``scales``) takes these as arguments and defaults to
SciPy, so it needs no OpenCV; the adapter, whose mmcv installs OpenCV anyway, passes them.
``predict`` writes its PNGs with :func:`opencv_png` instead of Pillow's encoder.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["opencv_distance", "opencv_gaussian", "opencv_png"]


def opencv_distance(inside: np.ndarray) -> np.ndarray:
    """scipy's ``distance_transform_edt`` of ``inside (H, W)`` (distance from every ``True``
    pixel to the nearest ``False`` one, the image border not background) computed by OpenCV,
    which mmcv installs: the same exact distances, about five times faster."""
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
    docs/benchmarks.md)."""
    if image.ndim == 3:
        if image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    elif image.ndim != 2 or image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected (H, W) uint8 or uint16, got {image.shape} {image.dtype}")
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} {image.dtype} PNG")
    return encoded.tobytes()
