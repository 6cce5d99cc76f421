"""dense_direction.io.masks: mask files -> 0/1 structure by the mask rule."""

import numpy as np
import pytest
from PIL import Image

from dense_direction.io import (
    binarize_mask,
    empty_masks,
    ignored_pixels,
    looks_like_mmseg_labels,
    read_binary_mask,
    read_mask,
)


def test_masks_are_read_unchanged(tmp_path):
    labels = np.array([[0, 1, 2]], np.uint8)
    Image.fromarray(labels).save(tmp_path / "m.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "m.png"), labels)


def test_a_corrupt_mask_is_named_as_a_mask(tmp_path):
    (tmp_path / "m.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"cannot read mask .*m\.png \(not an image, or corrupt"):
        read_mask(tmp_path / "m.png")


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
    # Structure painted on a transparent layer that stores white under it: every mask read
    # as all structure. Where alpha is 0 nothing is drawn.
    layer = np.full((2, 2, 4), 255, np.uint8)
    layer[0, 1, 3] = layer[1, 0, 3] = 0
    assert binarize_mask(layer).tolist() == [[1, 0], [0, 1]]
    assert binarize_mask(layer[..., [0, 3]]).tolist() == [[1, 0], [0, 1]]  # gray + alpha


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


def test_masks_almost_all_structure_are_listed_and_all_so_is_an_error(tmp_path):
    # Masks drawn dark on white (structure 0, background 255) read as 92-98 % structure, and
    # a model of the background trained without a word.
    from dense_direction.io import mostly_structure, structure_shares

    inverted = np.full((10, 10), 255, np.uint8)
    inverted[4] = 0  # a dark line: 90 of 100 pixels non-zero is not "more than 90 %"
    Image.fromarray(inverted).save(tmp_path / "a.png")
    inverted[5] = 0
    inverted[4, :5] = 255  # 85 % ... and one with 95 %:
    Image.fromarray(inverted).save(tmp_path / "b.png")
    nearly = np.full((10, 10), 255, np.uint8)
    nearly[4, :5] = 0
    Image.fromarray(nearly).save(tmp_path / "c.png")
    shares = structure_shares([tmp_path / n for n in ("a.png", "b.png", "c.png")])
    assert list(shares.values()) == [0.9, 0.85, 0.95]
    assert mostly_structure(shares) == [str(tmp_path / "c.png")]
    with pytest.raises(ValueError, match=r"all 1 masks are almost all structure.*c\.png"):
        mostly_structure({str(tmp_path / "c.png"): 0.95})


def test_mmseg_label_masks_are_told_from_binary_ones():
    # Exactly 0, 1 and 255 in one channel: mmseg's label masks (255: its ignore index); a
    # 0/255 mask, a 0/1 mask and a colour mask are none.
    mmseg = np.array([[0, 1, 255]], np.uint8)
    assert looks_like_mmseg_labels(mmseg)
    for other in ([[0, 255, 255]], [[0, 1, 1]], [[0, 1, 2, 255]]):
        assert not looks_like_mmseg_labels(np.array(other, np.uint8))
    assert not looks_like_mmseg_labels(np.stack([mmseg] * 3, axis=-1))
    # Ignored: neither structure (0 in the binary mask) nor background (ignored_pixels).
    assert binarize_mask(mmseg, ignore=255).tolist() == [[0, 1, 0]]
    assert ignored_pixels(mmseg, 255).tolist() == [[False, False, True]]
    assert binarize_mask(mmseg, positive=[1, 255]).tolist() == [[0, 1, 1]]
    with pytest.raises(ValueError, match=r"--ignore-label\) needs single-channel masks"):
        ignored_pixels(np.zeros((2, 2, 3), np.uint8), 255)


def test_a_palette_mask_of_grays_reads_as_the_grays_a_viewer_shows(tmp_path):
    # Image.fromarray(rgb).save("m.gif") stores white at index 0 and black at 1: read as
    # indices, the vessels were background and the background structure (a field-of-view
    # ROI measured only its outside), without a word.
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[2:4] = 255
    Image.fromarray(rgb).save(tmp_path / "m.gif")
    assert np.asarray(Image.open(tmp_path / "m.gif"))[0, 0] == 1  # (the index of black)
    mask = read_mask(tmp_path / "m.gif")
    assert mask.tolist() == rgb[..., 0].tolist()
    assert read_binary_mask(tmp_path / "m.gif").sum() == 16
    # A palette of colours is a label map (VOC, mmseg): its indices are the labels.
    labels = Image.fromarray(np.array([[0, 1, 2]], np.uint8), mode="P")
    labels.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0])
    labels.save(tmp_path / "labels.png")
    assert read_mask(tmp_path / "labels.png").tolist() == [[0, 1, 2]]
    # Two indices of one gray keep their indices too: reading the gray would merge them.
    shared = Image.fromarray(np.array([[0, 1, 2]], np.uint8), mode="P")
    shared.putpalette([0, 0, 0, 200, 200, 200, 200, 200, 200])
    shared.save(tmp_path / "shared.png")
    assert read_mask(tmp_path / "shared.png").tolist() == [[0, 1, 2]]
