"""Oxford-102 flowers loader (docs/authors-code.md#9; docs/offline-assets.md#1).

Images `jpg/image_%05d.jpg` are labelled by `imagelabels.mat` (`labels`, 1..102, shape (1, N)). The paper
splits by class, 82 train / 20 test classes, following Reed et al., not by `setid.mat`'s image split (so
setid.mat is not read). The class split is, in this order:

1. Reed et al.'s `trainvalclasses.txt` / `testclasses.txt` in the root ("class_00001" per line), as shipped
   with their `cvpr2016_flowers` captions;
2. otherwise `fallback_class_split`: `random.Random(0)` draws round(C * 20/102) test classes (20 of 102).

Captions and speech come from the authors' `train.json` / `test.json` when present (items `{img, class, text,
wav}`; both files are searched, so the split stays the class split above; an image without an item is a
`DataFormatError`, an item pointing to a missing file a `DataRootError`), else from `text_c10/class_%05d/
image_%05d.txt` (checked by `caption_files.read_caption_files`) with empty wavs, which `prepare` voices
(`data.voicing`).
"""
from __future__ import annotations

import random
from pathlib import Path, PurePosixPath

import numpy as np
from scipy.io import loadmat

from .errors import DataFormatError, check_split, require
from .caption_files import read_caption_files
from .caption_json import CaptionJson, check_coverage, data_root, speech_index
from .records import Record

FLOWERS_TREE = """
flowers/                            <- DATA_ROOT
  jpg/image_00001.jpg ...
  imagelabels.mat                   labels: 1..102, shape (1, N)
  text_c10/class_00001/image_00001.txt    10 captions; not needed with the JSONs
  trainvalclasses.txt, testclasses.txt    optional: Reed et al.'s class split ("class_00001" per line)
  train.json, test.json             optional: the authors' speech {image_base_path, audio_base_path, data}
"""
FLOWERS_FIX = "pass DATA_ROOT=/path/to/flowers, the folder that contains jpg/ and imagelabels.mat"


def read_labels(root: Path) -> list[int]:
    """The 1-based class of image i+1, from imagelabels.mat."""
    mat = loadmat(require(root / "imagelabels.mat", FLOWERS_TREE, FLOWERS_FIX, "required file"))
    if "labels" not in mat:
        raise DataFormatError(f"{root / 'imagelabels.mat'} has no 'labels' variable")
    return [int(c) for c in np.asarray(mat["labels"]).ravel()]


def _read_class_file(path: Path) -> set[int]:
    names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return {int(name.removeprefix("class_")) for name in names}


def fallback_class_split(classes: list[int]) -> set[int]:
    """Deterministic test classes when Reed's files are absent: Random(0) picks round(C*20/102), at least 1."""
    n_test = max(1, round(len(classes) * 20 / 102))
    return set(random.Random(0).sample(sorted(classes), n_test))


def held_out_classes(root: Path, classes: list[int]) -> set[int]:
    """The 1-based test classes: Reed's testclasses.txt (checked against trainvalclasses.txt) or the fallback."""
    train_file, test_file = root / "trainvalclasses.txt", root / "testclasses.txt"
    if not (train_file.exists() or test_file.exists()):
        return fallback_class_split(classes)
    fix = "put both of Reed et al.'s trainvalclasses.txt and testclasses.txt in the root, or neither (see load_oxford)"
    train = _read_class_file(require(train_file, FLOWERS_TREE, fix, "class split file"))
    test = _read_class_file(require(test_file, FLOWERS_TREE, fix, "class split file"))
    if train & test or (train | test) != set(classes):
        raise DataFormatError(f"{train_file} and {test_file} must split the {len(set(classes))} classes of "
                              f"imagelabels.mat into disjoint sets; overlap {sorted(train & test)[:5]}, "
                              f"not covered {sorted(set(classes) - train - test)[:5]}")
    return test


def _stem(image: str) -> str:
    return PurePosixPath(image).stem


def _from_json(doc: CaptionJson, index: int) -> tuple[Path, list[str], list[Path]]:
    return doc.image(index, "img"), *doc.spoken_captions(index, "text", "wav")


def _from_text(root: Path, keys: list[str]) -> list[tuple[Path, list[str], list[Path], Path]]:
    require(root / "text_c10", FLOWERS_TREE, FLOWERS_FIX + "; for captions put Reed et al.'s text_c10/ there, "
            "or the authors' train.json/test.json", "caption folder")
    images = [require(root / "jpg" / f"{key.split('/')[1]}.jpg", FLOWERS_TREE, FLOWERS_FIX, "image") for key in keys]
    files = [root / "text_c10" / f"{key}.txt" for key in keys]
    captions = read_caption_files(files, FLOWERS_TREE, FLOWERS_FIX)
    return [(image, texts, [], file) for image, texts, file in zip(images, captions, files)]


def load_oxford(root: str | Path, split: str) -> list[Record]:
    """Records of an Oxford-102 class split, in image-id order.

    key = "class_00077/image_00001" (the text_c10 layout), class_name = "class_00077", label = class - 1.
    """
    check_split(split)
    root = data_root(root, FLOWERS_TREE, FLOWERS_FIX)
    labels = read_labels(root)
    held_out = held_out_classes(root, sorted(set(labels)))
    chosen = [(f"image_{i + 1:05d}", c) for i, c in enumerate(labels) if (c in held_out) == (split == "test")]
    speech = speech_index(root, "img", _stem)
    if speech:
        check_coverage([stem for stem, _ in chosen], speech, root)
        sources = [(*_from_json(*speech[stem]), None) for stem, _ in chosen]
    else:
        sources = _from_text(root, [f"class_{c:05d}/{stem}" for stem, c in chosen])
    return [Record(key=f"class_{c:05d}/{stem}", image=image, label=c - 1, class_name=f"class_{c:05d}",
                   split=split, captions=captions, wavs=wavs, caption_file=caption_file)
            for (stem, c), (image, captions, wavs, caption_file) in zip(chosen, sources)]
