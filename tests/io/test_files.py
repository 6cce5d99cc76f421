"""dense_direction.io.files: pairing by stem, sizes from headers, listings."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dense_direction.io import (
    check_unique_stems,
    files_by_stem,
    files_matching,
    image_size,
    mismatched_sizes,
    paired_files,
)
from dense_direction.prediction import angle_map_stems


def test_colliding_stems_are_listed(tmp_path, rgb):
    for name in ("x.png", "x.jpg", "y.png"):
        Image.fromarray(rgb).save(tmp_path / name)
    with pytest.raises(ValueError, match=r"x\.jpg and .*x\.png"):
        files_by_stem(tmp_path, (".png", ".jpg"), "image")
    with pytest.raises(ValueError, match="1 image names"):
        check_unique_stems(sorted(tmp_path.iterdir()))
    check_unique_stems([tmp_path / "x.png", tmp_path / "y.png"])


def test_paired_files_list_lonely_files(tmp_path, rgb):
    (tmp_path / "i").mkdir()
    (tmp_path / "m").mkdir()
    for name in ("a", "b"):
        Image.fromarray(rgb).save(tmp_path / "i" / f"{name}.png")
    Image.fromarray(rgb[..., 0]).save(tmp_path / "m" / "a.png")
    with pytest.raises(ValueError, match=r"1 images .* have no mask .*: b"):
        paired_files(tmp_path / "i", tmp_path / "m")


def test_image_and_mask_sizes_from_headers(tmp_path):
    Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((30, 40), np.uint8)).save(tmp_path / "a_mask.png")
    Image.fromarray(np.zeros((30, 41), np.uint8)).save(tmp_path / "b_mask.png")
    assert image_size(tmp_path / "a.png") == (30, 40)
    assert mismatched_sizes([(tmp_path / "a.png", tmp_path / "a_mask.png")]) == []
    [message] = mismatched_sizes([(tmp_path / "a.png", tmp_path / "b_mask.png")])
    assert message == f"{tmp_path / 'a.png'} is 40x30 (WxH) but {tmp_path / 'b_mask.png'} is 41x30"


def test_output_folder_is_made_and_a_file_in_the_way_is_named(tmp_path):
    from dense_direction.io import output_folder

    assert output_folder(tmp_path / "a" / "b").is_dir()
    assert not output_folder(tmp_path / "c", make=False).exists()  # checked only
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match=r"--out .*f: it is a file, not a folder"):
        output_folder(tmp_path / "f")
    # A file above the folder: mkdir would raise NotADirectoryError.
    with pytest.raises(ValueError, match=r"--work-dir .*sub: .*f is a file, not a folder"):
        output_folder(tmp_path / "f" / "sub", "--work-dir", make=False)


def test_an_output_folder_that_cannot_be_written_is_named_before_any_work(tmp_path, monkeypatch):
    import os

    from dense_direction.io import output_folder

    # chmod 555 does not stop root, who runs these tests: os.access answers as for a user.
    read_only = tmp_path / "ro"
    read_only.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != read_only)
    for out in (read_only, read_only / "new" / "deeper"):
        with pytest.raises(ValueError, match=r"--out .*: cannot write in .*ro \(permission"):
            output_folder(out, make=False)
    assert output_folder(tmp_path / "elsewhere").is_dir()


def test_what_a_folder_holds_besides_the_files_read_is_reported(tmp_path, rgb):
    for name in ("a.png", "b.png"):
        Image.fromarray(rgb).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "old").mkdir()
    (tmp_path / "c.png").mkdir()  # a folder with an image's name is not an image
    lines = []
    found = files_by_stem(tmp_path, (".png",), "image", report=lines.append)
    assert sorted(found) == ["a", "b"]
    assert lines == [
        f"ignored in {tmp_path}: 1 file that is not an image (notes.txt); "
        "2 subfolders, not searched (c.png/, old/)"
    ]
    (tmp_path / "notes.txt").unlink()
    for folder in ("old", "c.png"):
        (tmp_path / folder).rmdir()
    lines.clear()
    files_by_stem(tmp_path, (".png",), "image", report=lines.append)
    assert lines == []  # a clean folder: nothing to say


def test_hidden_files_are_left_out_and_named(tmp_path, rgb):
    # macOS writes ._a.png (metadata, not an image) beside a.png on other file systems: it
    # was read as an image and stopped predict and analyze.
    Image.fromarray(rgb).save(tmp_path / "a.png")
    (tmp_path / "._a.png").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / ".DS_Store").write_bytes(b"")
    lines = []
    assert list(files_by_stem(tmp_path, (".png",), "image", report=lines.append)) == ["a"]
    assert lines == [f"ignored in {tmp_path}: 2 hidden entries (.DS_Store, ._a.png)"]
    np.save(tmp_path / "a_angles.npy", np.zeros((2, 2), np.float32))
    np.save(tmp_path / "._a_angles.npy", np.zeros((2, 2), np.float32))
    assert list(angle_map_stems(tmp_path)) == ["a"]


def test_a_folder_whose_images_are_in_subfolders_says_so_before_the_error(tmp_path, rgb):
    (tmp_path / "2024").mkdir()
    Image.fromarray(rgb).save(tmp_path / "2024" / "a.png")
    lines = []
    with pytest.raises(FileNotFoundError, match="no image files"):
        files_by_stem(tmp_path, (".png",), "image", report=lines.append)
    assert lines == [f"ignored in {tmp_path}: 1 subfolder, not searched (2024/)"]


@pytest.mark.parametrize("listed", ["folder", "pattern"])
def test_links_to_nothing_are_handed_back_where_the_caller_asks(tmp_path, rgb, listed):
    # A dataset of links into a purged scratch folder: the listing cannot return the files,
    # but a command that counts them as failed images must learn of them (predict named
    # them "ignored" from a folder, and a pattern dropped them without a word).
    Image.fromarray(rgb).save(tmp_path / "a.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "purged" / "b.png")
    (tmp_path / "c.txt").symlink_to(tmp_path / "purged" / "c.txt")  # not an image's name
    (tmp_path / ".d.png").symlink_to(tmp_path / "purged" / "d.png")  # hidden: left out
    broken: list[Path] = []
    lines: list[str] = []
    if listed == "folder":
        found = list(files_by_stem(tmp_path, (".png",), "image", lines.append, broken))
        # b.png is the caller's failure now, not "ignored"; c.txt still is.
        assert lines == [
            f"ignored in {tmp_path}: 1 broken link, to nothing (c.txt); 1 hidden entry (.d.png)"
        ]
    else:
        found = [p.stem for p in files_matching(str(tmp_path / "*"), broken, (".png",))]
    assert found == ["a"] and broken == [tmp_path / "b.png"]


def test_a_listing_of_only_links_to_nothing_says_so(tmp_path):
    (tmp_path / "b.png").symlink_to("/purged/b.png")
    with pytest.raises(FileNotFoundError, match=r"\(only 1 broken link, to nothing: .*b.png -> "):
        files_matching(str(tmp_path / "*.png"), [], (".png",))
    with pytest.raises(FileNotFoundError, match=r"no image files .*to nothing: .*/purged/b.png"):
        files_by_stem(tmp_path, (".png",), "image", broken=[])
