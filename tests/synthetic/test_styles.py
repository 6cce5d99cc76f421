import json

import numpy as np
import pytest
from PIL import Image

from dense_direction.synthetic import HELD_OUT, STYLES, TRAINING, generate_sample
from dense_direction.synthetic.dataset import sample_seed, write_dataset
from dense_direction.synthetic.settings import RenderSettings
from dense_direction.synthetic.styles import parse_styles
from dense_direction.synthetic.styles.finish import jpeg_compress
from dense_direction.synthetic.styles.fundus import fundus_field

TRUTH = ("mask", "centerline", "crossing", "classes")
NEW_STYLES = [name for name in STYLES if name != "photo"]


def _same_truth(a, b) -> bool:
    fields_equal = all(np.array_equal(getattr(a, f), getattr(b, f)) for f in TRUTH)
    return fields_equal and np.array_equal(a.direction, b.direction, equal_nan=True)


@pytest.mark.parametrize("style", list(STYLES))
def test_style_gives_an_rgb_image_deterministic_per_seed(style):
    a = generate_sample("vessels", (48, 64), seed=7, style=style)
    assert a.image.shape == (48, 64, 3) and a.image.dtype == np.uint8
    assert a.style == style
    assert np.array_equal(a.image, generate_sample("vessels", (48, 64), seed=7, style=style).image)
    assert not np.array_equal(
        a.image, generate_sample("vessels", (48, 64), seed=8, style=style).image
    )


@pytest.mark.parametrize("style", NEW_STYLES)
def test_style_changes_pixels_never_the_ground_truth(style):
    photo = generate_sample(("cracks", "fibres"), 64, seed=2)
    styled = generate_sample(("cracks", "fibres"), 64, seed=2, style=style)
    held = generate_sample(("cracks", "fibres"), 64, seed=2, style=style, held_out=True)
    assert _same_truth(photo, styled) and _same_truth(photo, held)
    assert not np.array_equal(photo.image, styled.image)


def test_default_style_is_the_photo_renderer():
    assert generate_sample("fibres", 48, seed=1).style == "photo"
    assert np.array_equal(
        generate_sample("fibres", 48, seed=1).image,
        generate_sample("fibres", 48, seed=1, style="photo").image,
    )


def test_all_mixes_every_style_reproducibly():
    drawn = [generate_sample("cracks", 32, seed=s, style="all").style for s in range(40)]
    assert set(drawn) == set(STYLES)
    assert drawn == [generate_sample("cracks", 32, seed=s, style="all").style for s in range(40)]
    assert parse_styles(["sem", "fundus"]) == ("sem", "fundus")
    with pytest.raises(ValueError, match="unknown style"):
        generate_sample("cracks", 32, style="watercolour")


def _luminance(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float64).mean(axis=2)


def test_fluorescence_is_bright_structures_on_a_dark_background():
    for seed in range(4):
        s = generate_sample("roads", 64, seed=seed, style="fluorescence")
        mask, lum = s.mask.astype(bool), _luminance(s.image)
        assert lum[mask].mean() > lum[~mask].mean() + 20
        assert np.median(lum[~mask]) < 60


def test_drawing_is_one_ink_tone_on_flat_paper():
    # Without blur, noise or JPEG (contrast fixed at 0.5), what is left is the paper (one
    # level, a scanner shading of at most 10 % and a grain of at most 1.5 % of full scale)
    # and the ink, which moves the paper half the way to black or to white where the
    # structure covers a pixel entirely.
    clean = RenderSettings(((0.5, 0.5),), ((0.0, 0.0),), ((0.0, 0.0),), ((95.0, 95.0),), 0.0)
    polarities = set()
    for seed in range(8):
        s = generate_sample(("roads", "cracks"), 96, seed=seed, style="drawing", settings=clean)
        lum = _luminance(s.image) / 255
        paper, full = lum[~s.mask.astype(bool)], lum[_covered(s)]
        assert np.std(paper) < 0.05  # textured styles: 0.1 and more
        ink = np.median(full)
        level = np.median(paper)
        polarities.add(ink < level)
        expected = level / 2 if ink < level else level + (1 - level) / 2
        assert ink == pytest.approx(expected, abs=0.06)
    assert polarities == {True, False}  # dark ink on paper and light strokes on a screen


def _covered(sample) -> np.ndarray:
    """Pixels well inside the structure (2 px from its edge): wholly covered by the ink."""
    from scipy import ndimage

    return ndimage.binary_erosion(sample.mask.astype(bool), iterations=2)


def test_fundus_has_a_dark_surround_outside_the_disc():
    for seed in range(3):
        s = generate_sample("vessels", 64, seed=seed, style="fundus")
        inside, _ = fundus_field(np.random.default_rng(0), (64, 64))
        lum = _luminance(s.image)
        corners = np.concatenate([lum[:2, :2].ravel(), lum[-2:, -2:].ravel()])
        assert corners.mean() < 20 and lum[28:36, 28:36].mean() > 3 * corners.mean() + 20
        assert inside[32, 32] == 1 and inside[0, 0] == 0 and inside[63, 63] == 0


def test_jpeg_artefacts_change_pixels_keep_the_shape():
    image = generate_sample("cracks", (40, 56), seed=0).image
    compressed = jpeg_compress(image, 30)
    assert compressed.shape == image.shape and compressed.dtype == np.uint8
    assert not np.array_equal(compressed, image)
    assert np.abs(compressed.astype(int) - image.astype(int)).mean() < 20  # artefacts, not noise


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


@pytest.mark.parametrize("name", ["contrast", "blur", "noise", "jpeg_quality"])
def test_held_out_ranges_share_no_interval_with_training(name):
    train, held = getattr(TRAINING, name), getattr(HELD_OUT, name)
    assert all(_overlap(a, b) == 0 for a in train for b in held)
    rng = np.random.default_rng(0)
    draws = np.array([HELD_OUT.draw(name, rng) for _ in range(500)])
    inside_training = np.zeros(draws.shape, dtype=bool)
    for low, high in train:
        inside_training |= (draws > low) & (draws < high)
    assert not inside_training.any()
    assert all(any(low <= d <= high for low, high in held) for d in draws)


def test_held_out_samples_render_differently():
    train = generate_sample("cracks", 48, seed=5, style="concrete")
    held = generate_sample("cracks", 48, seed=5, style="concrete", held_out=True)
    assert _same_truth(train, held) and not np.array_equal(train.image, held.image)


@pytest.mark.parametrize("style", ["concrete", "fluorescence", "aerial", "sem", "fundus", "photo"])
def test_settings_change_only_what_they_set(style):
    # Held-out seeds rendered with the training ranges but held-out blur: the same structures
    # (one draw per parameter whatever its ranges, so the stream stays in step), and the
    # image of held_out=True where every parameter is held out. Each parameter alone is how
    # benchmarks/render_settings.py prices it.
    from dataclasses import replace

    kwargs = dict(kind=("cracks", "vessels"), size=64, seed=sample_seed(3, 0, True), style=style)
    held = generate_sample(**kwargs, held_out=True)
    blur_only = replace(TRAINING, blur=HELD_OUT.blur)
    one = generate_sample(**kwargs, held_out=True, settings=blur_only)
    assert _same_truth(held, one) and not np.array_equal(held.image, one.image)
    same = generate_sample(**kwargs, settings=HELD_OUT)
    assert np.array_equal(held.image, same.image)


def test_dataset_records_styles_and_keeps_held_out_seeds_apart(tmp_path):
    train = write_dataset(tmp_path / "a", 4, "cracks", 48, seed=1, style="all")
    held = write_dataset(tmp_path / "b", 4, "cracks", 48, seed=1, style="all", held_out=True)
    assert train["styles"] == list(STYLES) and len(train["sample_styles"]) == 4
    assert held["held_out"] and held["render_settings"]["noise"] == [[0.002, 0.005], [0.04, 0.05]]
    assert json.loads((tmp_path / "b" / "meta.json").read_text()) == held
    mixed = write_dataset(tmp_path / "c", 1, "cracks", 48, fractions=(1, 0, 0), settings=HELD_OUT)
    assert not mixed["held_out"] and mixed["render_settings"] == held["render_settings"]
    # Same --seed, still other structures: held-out samples come from their own seed stream.
    masks = [np.asarray(Image.open(tmp_path / d / "masks/train/00000.png")) for d in "ab"]
    assert not np.array_equal(*masks)
    again = generate_sample("cracks", 48, sample_seed(1, 0, True), style="all", held_out=True)
    assert np.array_equal(again.mask, masks[1]) and again.style == held["sample_styles"][0]
