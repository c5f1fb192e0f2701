"""Reading image files (`data.images`): by their real bit depth and colour model, and a real data set's images
checked once at `prepare`, naming what cannot be used (issue: a truncated JPEG passed `data` and failed in the
encoders without a path; a 16-bit PNG clipped to white; 1x1 images were accepted)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from s2i_lib.data import images
from s2i_lib.data.errors import DataFormatError
from s2i_lib.data.images import check_images, open_rgb
from s2i_lib.data.ledger import FileLedger
from s2i_lib.data.records import Record


def _record(path, i=0):
    return Record(key=f"c/{i}", image=path, label=0, class_name="c", split="train")


def test_sixteen_bit_greyscale_is_scaled_by_its_depth_not_clipped(tmp_path):
    levels = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)          # 0, 1, 128, 255 in 8 bits
    Image.fromarray(levels).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode in images.SIXTEEN_BIT
    rgb = np.asarray(open_rgb(tmp_path / "deep.png"))
    assert rgb.shape == (1, 4, 3) and rgb[0, :, 0].tolist() == [0, 1, 128, 255]


def test_grey_and_cmyk_are_converted_and_counted(tmp_path):
    paths = {"grey.png": Image.new("L", (40, 30), 90), "cmyk.jpg": Image.new("CMYK", (40, 30), (0, 255, 255, 0)),
             "rgb.jpg": Image.new("RGB", (80, 90), (10, 20, 30))}
    for name, image in paths.items():
        image.save(tmp_path / name)
    assert np.asarray(open_rgb(tmp_path / "grey.png"))[0, 0].tolist() == [90, 90, 90]
    red = np.asarray(open_rgb(tmp_path / "cmyk.jpg"))[0, 0]
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    counts = check_images([_record(tmp_path / n, i) for i, n in enumerate(paths)], FileLedger(tmp_path / "l.json"), 64)
    assert counts == {"greyscale": 1, "CMYK": 1, "smaller than 64 px": 2}


def test_truncated_and_tiny_images_are_named_and_refused(tmp_path):
    Image.new("RGB", (64, 64), (200, 0, 0)).save(tmp_path / "whole.jpg", quality=95)
    data = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:len(data) // 2])
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    with pytest.raises(DataFormatError, match=r"cut\.jpg is not a readable image .*: replace it"):
        open_rgb(tmp_path / "cut.jpg")
    records = [_record(tmp_path / n, i) for i, n in enumerate(("whole.jpg", "cut.jpg", "dot.png"))]
    with pytest.raises(DataFormatError, match=r"2 of 3 images cannot be used:\n  .*cut\.jpg is not a readable "
                                              r"image.*\n  .*dot\.png is 1x1 px, too small"):
        check_images(records, FileLedger(tmp_path / "l.json"), 64)


def test_checked_images_are_reopened_only_when_they_change(tmp_path, monkeypatch):
    for name in ("a.png", "b.png"):
        Image.new("RGB", (32, 32)).save(tmp_path / name)
    records = [_record(tmp_path / "a.png", 0), _record(tmp_path / "b.png", 1)]
    check_images(records, FileLedger(tmp_path / "l.json"), 16)
    opened = []
    real = images.image_kind
    monkeypatch.setattr(images, "image_kind", lambda path: opened.append(path.name) or real(path))
    assert check_images(records, FileLedger(tmp_path / "l.json"), 16) == {} and opened == []
    Image.new("L", (48, 32)).save(tmp_path / "b.png")                   # replaced in place
    assert check_images(records, FileLedger(tmp_path / "l.json"), 16) == {"greyscale": 1} and opened == ["b.png"]
