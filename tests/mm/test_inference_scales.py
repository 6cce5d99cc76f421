"""DirectionEstimator.predict(scales=...): inside wide structures (widths read from the
predicted mask) the field predicted on the shrunk image takes over; elsewhere the full-scale
one stays."""

import math

import numpy as np
import pytest
import torch

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.directions import angles_to_vectors
from helpers import REPO_ROOT, line_mask

SIZE = 96
BAND_WIDTH = 40  # the wide band of the fake mask below


def _build(config: str):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from dense_direction.mm.inference import DirectionEstimator
    from dense_direction.mm.runner import load_config

    init_default_scope("mmseg")
    torch.manual_seed(0)
    return DirectionEstimator(MODELS.build(load_config(REPO_ROOT / config).model), "cpu")


@pytest.fixture(scope="module")
def joint():
    return _build("configs/seg_dir/unet_synthetic_lines_cpu.py")


def _fake_fields(self, rgb, tile, overlap, tta, border):
    """Stands in for the network: 30 deg everywhere on the full-size image, 120 deg on any
    shrunk one; the structure is a 40-px band at 0 deg through the middle."""
    h, w = rgb.shape[:2]
    angle = math.radians(30 if (h, w) == (SIZE, SIZE) else 120)
    vectors = angles_to_vectors(torch.full((h, w), angle), dim=0).numpy()[None]
    band = line_mask(SIZE, 0.0, BAND_WIDTH).numpy()[None]
    return vectors.astype(np.float32), band if (h, w) == (SIZE, SIZE) else None


def test_wide_structures_take_the_coarse_field_and_the_rest_the_fine_one(joint, monkeypatch):
    monkeypatch.setattr(type(joint), "_fields_tta", _fake_fields)
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    pred = joint.predict(image, scales=(1, 0.5, 0.25), target_width=8)
    degrees = np.degrees(pred.angles[0])
    band = line_mask(SIZE, 0.0, BAND_WIDTH).numpy().astype(bool)
    # Width 40 (or 41 rasterised) > 32: ideal scale 8/40 is below 1/4, so the band takes the
    # coarse fields alone (120 deg); the background (width 0) keeps the full-scale 30 deg.
    assert np.allclose(degrees[band], 120, atol=0.01)
    assert np.allclose(degrees[~band], 30, atol=0.01)
    # One scale: the full-scale field everywhere.
    one = joint.predict(image, scales=(1,))
    assert np.allclose(np.degrees(one.angles[0]), 30, atol=0.01)


def test_a_direction_only_model_cannot_read_widths(monkeypatch):
    estimator = _build("configs/dir/unet_synthetic_lines_cpu.py")
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="predicts directions only: use scales=\\(1,\\)"):
        estimator.predict(image, scales=(1, 0.5))
    with pytest.raises(ValueError, match="predicts directions only: use smooth=0"):
        estimator.predict(image, smooth=0.25)
    assert estimator.check_smooth(None) == 0  # the default: off, no error
    estimator.predict(image, tta=False)


def test_wide_structures_are_smoothed_by_default_and_smooth_0_turns_it_off(joint, monkeypatch):
    # The fake network: 30 deg everywhere but one pixel in the middle of the 40-px band at
    # 33 deg. By default (strength 0.25, sigma 0.25 * 40 = 10 px) that pixel's own weight is
    # about 1 / (2 pi 10^2) of the band's, and 3 deg is within the agreement (5 deg): it
    # turns to within 0.1 deg of 30.
    def fake(self, rgb, tile, overlap, tta, border):
        vectors, band = _fake_fields(self, rgb, tile, overlap, tta, border)
        vectors[0, :, SIZE // 2, SIZE // 2] = angles_to_vectors(
            torch.tensor(math.radians(33)), dim=0
        ).numpy()
        return vectors, band

    monkeypatch.setattr(type(joint), "_fields_tta", fake)
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    smoothed = np.degrees(joint.predict(image).angles[0, SIZE // 2, SIZE // 2])
    assert smoothed == pytest.approx(30, abs=0.1)
    raw = np.degrees(joint.predict(image, smooth=0).angles[0, SIZE // 2, SIZE // 2])
    assert raw == pytest.approx(33, abs=0.01)


def test_the_border_continues_the_image_and_is_cropped_off(joint, monkeypatch):
    # The fake network turns each pixel's red value r into the vector (r / 255 - 0.5, 0):
    # 0 deg where r < 128, 90 deg above, so the output shows which input pixel landed where;
    # it also keeps the images it was given.
    seen = []

    def fake(self, rgb, tile, overlap):
        seen.append(rgb.copy())
        h, w = rgb.shape[:2]
        vectors = np.zeros((1, 2, h, w), np.float32)
        vectors[0, 0] = rgb[..., 0] / 255.0 - 0.5
        return vectors, np.zeros((1, h, w), np.float32)

    monkeypatch.setattr(type(joint), "_fields", fake)
    image = np.zeros((20, 30, 3), np.uint8)
    image[..., 0] = np.arange(30, dtype=np.uint8)[None, :] * 8  # red grows to the right
    pred = joint.predict(image, tta=False, border=5)
    padded = seen[0]
    assert padded.shape == (30, 40, 3)
    # The border (borders.continued): the ramp's smooth part at the frame replicated, its
    # detail mirrored. At the left the smooth part is the Gaussian of the ramp mirrored there,
    # 0.24 * 8 + 0.054 * (8 + 16) + ... = 3.4, the mirrored detail -3.4 next to the frame and
    # about -0.5 beyond: 0, then 3 (edge replication gave 0 throughout; mirroring 0, 8, 16 ...).
    assert (padded[5:25, 4, 0] == 0).all() and (padded[5:25, :4, 0] <= 4).all()
    assert (padded[5:25, 35:, 0] >= 29 * 8 - 4).all()
    # The image does not change down the columns: the rows above repeat its first row.
    assert (padded[:5, 5:35] == padded[5, 5:35]).all()
    # Cropped back exactly: columns 0-15 (red <= 120) read 0 deg, 16-29 (red >= 128) 90 deg;
    # a crop shifted by the border would move that boundary.
    degrees = np.degrees(pred.angles[0])
    assert np.allclose(degrees[:, :16], 0) and np.allclose(degrees[:, 16:], 90)
    with pytest.raises(ValueError, match="border must be an integer >= 0 pixels, got -1"):
        joint.predict(image, border=-1)
    with pytest.raises(ValueError, match="target_width must be > 0 pixels, got 0"):
        joint.predict(image, target_width=0)


def test_an_image_that_fits_one_tile_still_does_with_its_border(joint, monkeypatch):
    # 128² in tiles of 128: one tile. Padded by 16 px it is 160²; were the tile not widened
    # by the border too, that would take four 128² tiles (starts 0 and 32 on each side).
    calls = []

    def fake(self, rgb):
        calls.append(rgb.shape[:2])
        return torch.zeros(3, *rgb.shape[:2])

    monkeypatch.setattr(type(joint), "_tile_outputs", fake)
    joint.predict(np.zeros((128, 128, 3), np.uint8), tile=128, overlap=16, tta=False, border=16)
    assert calls == [(160, 160)]
    # A larger image keeps the tile size: 200² padded to 232² takes tiles of 128 starting at
    # 0 and 104 on each side (widened to 160, four tiles of 160² would compute 56 % more).
    calls.clear()
    joint.predict(np.zeros((200, 200, 3), np.uint8), tile=128, overlap=16, tta=False, border=16)
    assert calls == [(128, 128)] * 4
