"""MaskToMedialDirections: direction targets from the whole mask, before the crop."""

import math

import numpy as np
import pytest

pytest.importorskip("mmseg", reason="OpenMMLab stack not installed")

from dense_direction.evaluation import angular_error
from dense_direction.mm.transforms import MaskToMedialDirections
from helpers import line_mask


def _results(label):
    return dict(gt_seg_map=label, seg_fields=["gt_seg_map"], img=np.zeros((*label.shape, 3)))


def test_targets_follow_the_band_per_class_and_are_nan_elsewhere():
    # Class 1: a band 30 px wide at 60 deg; class 2: a band 8 px wide at 150 deg.
    label = line_mask(129, math.radians(60), 30.4).numpy().astype(np.uint8)
    label[line_mask(129, math.radians(150), 8.4).numpy().astype(bool) & (label == 0)] = 2
    out = MaskToMedialDirections(dir_classes=[1, 2])(_results(label))["gt_directions"]
    assert out.shape == (2, 129, 129) and out.dtype == np.float32
    for k, (cls, degrees) in enumerate(((1, 60), (2, 150))):
        finite = np.isfinite(out[k])
        assert not np.any(finite & (label != cls))  # targets only on that class
        assert finite.sum() > 100
        truth = np.full(out[k].shape, math.radians(degrees))
        # Away from where the two bands meet, the target is the band's angle.
        away = finite & (line_mask(129, math.radians(60 if cls == 2 else 150), 40).numpy() == 0)
        assert angular_error(out[k], truth, away).mean() < 1.5


def test_low_coherence_targets_are_dropped():
    # A cross: at the centre the depth grows from four sides; coherence ~0 there.
    label = (line_mask(97, 0.0, 20.4) + line_mask(97, math.pi / 2, 20.4) > 0).numpy()
    label = label.astype(np.uint8)
    strict = MaskToMedialDirections(min_coherence=0.5)(_results(label))["gt_directions"][0]
    loose = MaskToMedialDirections(min_coherence=0.0)(_results(label))["gt_directions"][0]
    assert np.isnan(strict[48, 48]) and np.isfinite(loose[48, 48])


def test_crop_keeps_the_whole_images_targets_at_its_border():
    # A horizontal band 40 px wide through a 160-px image. Targets are computed on the whole
    # mask, so a crop from columns 50 to 113 keeps targets on its own border columns: every
    # band pixel there is at least 50 px from the image border (> depth 20 + 2 (sigma + rho)).
    label = np.zeros((160, 160), np.uint8)
    label[60:100, :] = 1
    results = MaskToMedialDirections()(_results(label))
    crop = results["gt_directions"][0][:, 50:114]
    band = label[:, 50:114] == 1
    assert np.all(np.isfinite(crop[:, [0, -1]]) == band[:, [0, -1]])
    assert angular_error(crop, np.zeros_like(crop), band).max() < 0.5


def test_missing_label_map_names_the_transform():
    with pytest.raises(KeyError, match="MaskToMedialDirections"):
        MaskToMedialDirections()({"img_path": "x.png"})


def test_repeated_label_maps_are_served_from_the_cache_and_stay_independent():
    label = line_mask(65, 0.3, 12.4).numpy().astype(np.uint8)
    transform = MaskToMedialDirections()
    first = transform(_results(label))["gt_directions"]
    exact_first = first.copy()
    first[:] = 0  # a later transform writing into its copy must not corrupt the cache
    again = transform(_results(label.copy()))["gt_directions"]
    # A miss and a hit give the same numbers (a resumed run, whose cache starts empty, sees
    # the targets an uninterrupted one does): both are the stored codes' angles.
    np.testing.assert_array_equal(again, exact_first)
    # One entry of 2 bytes per pixel (uint16 codes, not float32): the second call was a hit.
    assert transform._cache.bytes == again.size * 2
    assert np.nanmax(again) > 0
    other = transform(_results(np.flipud(label).copy()))["gt_directions"]
    assert transform._cache.bytes == 2 * again.size * 2  # another mask, another entry
    assert not np.array_equal(np.nan_to_num(other), np.nan_to_num(again))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(sigma=0), "sigma"), (dict(rho=-1), "rho"), (dict(min_coherence=1.5), "min_coherence")],
)
def test_bad_options_are_refused_when_the_pipeline_is_built(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaskToMedialDirections(**kwargs)


def _crop_then_medial(label, seed, **kwargs):
    """The crop (seeded) followed by the medial targets, and the transform used."""
    from mmseg.registry import TRANSFORMS

    crop = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=64))
    medial = MaskToMedialDirections(**kwargs)
    np.random.seed(seed)
    return medial(crop(_results(label.copy()))), medial


def _medial_then_crop(label, seed):
    from mmseg.registry import TRANSFORMS

    crop = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=64))
    np.random.seed(seed)  # the medial step draws nothing: the crop gets the same box
    return crop(MaskToMedialDirections()(_results(label.copy())))


@pytest.mark.parametrize("size", [96, 400])
def test_after_the_crop_the_targets_are_the_whole_images(size):
    # Bands 4-44 px wide at several angles. After the crop the targets come from the mask
    # within 48 px of it (400 px: a window of at most 160x160, not the image) or, where that
    # window is more than half the image (96 px), from the whole image, cached. Either way
    # they equal the whole image's targets cut to the crop: every band is narrower than
    # 2 (48 - 12) px, so no pixel within the tensor's reach (12 px) of the crop has its
    # nearest edge outside the window.
    from dense_direction.synthetic import generate_sample

    label = (generate_sample(["roads", "vessels"], size, seed=3).mask > 0).astype(np.uint8)
    for seed in range(4):
        after, medial = _crop_then_medial(label, seed)
        before = _medial_then_crop(label, seed)
        new, old = after["gt_directions"], before["gt_directions"]
        assert new.shape == old.shape == (1, 64, 64)
        np.testing.assert_array_equal(np.isfinite(new), np.isfinite(old))
        assert np.isfinite(new).sum() > 100
        scored = np.isfinite(old)
        assert angular_error(new, np.nan_to_num(old), scored).max() < 0.01  # uint16 codes
        assert "crop_box" not in after and "uncropped_seg_maps" not in after  # consumed
        assert (medial._cache.bytes > 0) == (size == 96)  # the window path caches nothing


def test_a_label_map_changed_after_the_crop_is_refused():
    from mmseg.registry import TRANSFORMS

    label = (line_mask(200, 0.4, 10.4).numpy() > 0).astype(np.uint8)
    np.random.seed(0)
    results = TRANSFORMS.build(dict(type="MaskGuidedRandomCrop", crop_size=64))(_results(label))
    results["gt_seg_map"] = np.fliplr(results["gt_seg_map"])  # e.g. a flip after the crop
    with pytest.raises(ValueError, match="right after the crop"):
        MaskToMedialDirections()(results)
