"""CachedLoading decodes a sample's files once and replays them, as if read again."""

import os

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS
from PIL import Image

from dense_direction.mm.caching import CachedLoading, cache_loading

LOAD = [dict(type="LoadImage"), dict(type="LoadAnnotations"), dict(type="BinarizeAnnotations")]


def _sample(tmp_path, value: int = 200) -> None:
    """An image whose red channel is ``value`` and a mask with one bar, as PNG files."""
    image = np.zeros((16, 24, 3), np.uint8)
    image[:, :, 0] = value
    mask = np.zeros((16, 24), np.uint8)
    mask[4:8, :] = 255
    Image.fromarray(image).save(tmp_path / "a.png")
    Image.fromarray(mask).save(tmp_path / "a_mask.png")


class _Counting:
    """Counts the files a step reads."""

    def __init__(self, monkeypatch) -> None:
        import dense_direction.mm.transforms as transforms

        self.calls = 0
        real = transforms.read_image_and_no_data

        def counted(path):
            self.calls += 1
            return real(path)

        monkeypatch.setattr(transforms, "read_image_and_no_data", counted)


def _info(tmp_path) -> dict:
    return dict(
        img_path=str(tmp_path / "a.png"),
        seg_map_path=str(tmp_path / "a_mask.png"),
        seg_fields=[],
        reduce_zero_label=False,
    )


def test_a_replayed_sample_equals_a_fresh_read_and_reads_no_file(tmp_path, monkeypatch):
    _sample(tmp_path)
    reads = _Counting(monkeypatch)
    cached = CachedLoading(LOAD)
    first = cached(_info(tmp_path))
    second = cached(_info(tmp_path))
    assert reads.calls == 1
    fresh = TRANSFORMS.build(dict(type="Compose", transforms=LOAD))(_info(tmp_path))
    for results in (first, second):
        np.testing.assert_array_equal(results["img"], fresh["img"])
        np.testing.assert_array_equal(results["gt_seg_map"], fresh["gt_seg_map"])
        # LoadAnnotations appends to seg_fields in place; the replay must list the mask too,
        # or a later crop leaves it uncropped.
        assert results["seg_fields"] == fresh["seg_fields"] == ["gt_seg_map"]
        assert results["img_shape"] == (16, 24)


def test_changing_a_returned_array_does_not_change_the_next_replay(tmp_path):
    _sample(tmp_path)
    cached = CachedLoading(LOAD)
    cached(_info(tmp_path))["img"][:] = 0  # what an in-place augmentation would do
    replay = cached(_info(tmp_path))
    replay["gt_seg_map"][:] = 7
    again = cached(_info(tmp_path))
    assert again["img"][0, 0, 2] == 200  # BGR: the red value 200 is the third channel
    assert set(np.unique(again["gt_seg_map"])) == {0, 1}


def test_a_file_changed_on_disk_is_read_again(tmp_path):
    _sample(tmp_path, value=200)
    cached = CachedLoading(LOAD)
    assert cached(_info(tmp_path))["img"][0, 0, 2] == 200
    _sample(tmp_path, value=90)
    stat = os.stat(tmp_path / "a.png")
    os.utime(tmp_path / "a.png", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert cached(_info(tmp_path))["img"][0, 0, 2] == 90


def test_a_cache_of_zero_bytes_reads_every_time(tmp_path, monkeypatch):
    _sample(tmp_path)
    reads = _Counting(monkeypatch)
    cached = CachedLoading(LOAD, cache_mb=0)
    cached(_info(tmp_path))
    cached(_info(tmp_path))
    assert reads.calls == 2
    with pytest.raises(ValueError, match="cache_mb must be >= 0, got -1"):
        CachedLoading(LOAD, cache_mb=-1)


def test_cache_loading_wraps_the_leading_loading_steps_only():
    crop = dict(type="MaskGuidedRandomCrop", crop_size=8)
    pipeline = [*LOAD, crop, dict(type="LoadImage")]
    wrapped = cache_loading(pipeline, cache_mb=64)
    assert wrapped == [dict(type="CachedLoading", transforms=LOAD, cache_mb=64), *pipeline[3:]]
    assert cache_loading([crop, *LOAD]) == [crop, *LOAD]
    assert cache_loading(pipeline, cache_mb=0) == pipeline
