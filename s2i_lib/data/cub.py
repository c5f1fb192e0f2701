"""CUB-200-2011 loader for the StackGAN-v2 / Reed "birds" data root (docs/authors-code.md#9, docs/stackgan-v2.md#4).

The split comes from `{split}/filenames.pickle` and `{split}/class_info.pickle` (the standard split has
8,855 train images of 150 classes and 2,933 test images of 50 classes), bounding boxes from
`CUB_200_2011/bounding_boxes.txt`. Captions and speech come from one of two layouts:

- the authors' speech layout: `train.json` / `test.json` (docs/authors-code.md#9) give each image's 10 captions
  (`text`) and 10 wavs (`audio`, relative to `audio_base_path`); an image of the split without a JSON item
  is a `DataFormatError` and an item pointing to a missing wav or image a `DataRootError` (never skipped);
- the text-only layout: no JSON, captions from `text_c10/<key>.txt` (or AttnGAN's `text/`; checked by
  `caption_files.read_caption_files`), wavs empty: `prepare` voices them (`data.voicing`).
"""
from __future__ import annotations

import logging
import pickle
from pathlib import Path, PurePosixPath

from .errors import DataFormatError, check_split, missing, require
from .caption_files import read_caption_files
from .caption_json import CaptionJson, check_coverage, speech_index
from .records import Record

log = logging.getLogger(__name__)

CUB_SPLITS = {"train": (8855, 150), "test": (2933, 50)}  # (images, classes) of the standard split, §2.4

BIRDS_TREE = """
birds/                                  <- DATA_ROOT
  CUB_200_2011/images/<class_dir>/<name>.jpg
  CUB_200_2011/images.txt               "<id> <class_dir>/<name>.jpg"
  CUB_200_2011/bounding_boxes.txt       "<id> <x> <y> <w> <h>"
  train/filenames.pickle, train/class_info.pickle   (the same under test/)
  text_c10/<class_dir>/<name>.txt       10 captions (or AttnGAN's text/); not needed with the JSONs
  train.json, test.json                 optional: the authors' speech, wavs under CUB_200_2011_audio/audio/
"""


def _fix(root: Path) -> str:
    if root.name == "CUB_200_2011":
        return f"pass DATA_ROOT={root.parent}, the folder that contains CUB_200_2011/, not CUB_200_2011 itself"
    return "pass DATA_ROOT=/path/to/birds, the folder that contains CUB_200_2011/"


def _need(root: Path, rel: str) -> Path:
    return require(root / rel, BIRDS_TREE, _fix(root), "required file")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]


def _unpickle(path: Path) -> list:
    with path.open("rb") as f:
        return list(pickle.load(f, encoding="latin1"))  # the split files were written by Python 2


def read_split(root: Path, split: str) -> tuple[list[str], list[int]]:
    """Keys ("002.Laysan_Albatross/Laysan_Albatross_0001_545") and 1-based class ids of a split."""
    keys = [str(k) for k in _unpickle(_need(root, f"{split}/filenames.pickle"))]
    class_ids = [int(c) for c in _unpickle(_need(root, f"{split}/class_info.pickle"))]
    if len(keys) != len(class_ids):
        raise DataFormatError(f"{root / split}: filenames.pickle has {len(keys)} entries but class_info.pickle "
                              f"has {len(class_ids)}; they must be parallel lists")
    return keys, class_ids


def read_bboxes(root: Path) -> dict[str, tuple[float, float, float, float]]:
    """(x, y, w, h) of every image, by key, joining images.txt and bounding_boxes.txt on the image id."""
    paths = dict(line.split(maxsplit=1) for line in _lines(_need(root, "CUB_200_2011/images.txt")))
    boxes = {}
    for line in _lines(_need(root, "CUB_200_2011/bounding_boxes.txt")):
        image_id, *xywh = line.split()
        x, y, w, h = (float(v) for v in xywh)
        boxes[str(PurePosixPath(paths[image_id].strip()).with_suffix(""))] = (x, y, w, h)
    return boxes


def _cub_key(image: str) -> str:
    path = PurePosixPath(image)
    return f"{path.parent.name}/{path.stem}"


def _text_dir(root: Path) -> Path:
    for name in ("text_c10", "text"):
        if (root / name).is_dir():
            return root / name
    fix = _fix(root) + "; for captions put Reed et al.'s text_c10/ (or AttnGAN's text/) there, or the authors' JSONs"
    raise missing(root / "text_c10", BIRDS_TREE, fix, "caption folder")


def warn_if_incomplete(records: list[Record], split: str) -> None:
    """Log a warning when a split differs from the standard 8,855 / 150 (train) or 2,933 / 50 (test)."""
    n_images, n_classes = len(records), len({r.label for r in records})
    if (n_images, n_classes) != CUB_SPLITS[split]:
        log.warning("CUB %s split has %d images of %d classes; the standard split has %d of %d. An incomplete "
                    "release (S2IGAN#5) misses classes 101-200.", split, n_images, n_classes, *CUB_SPLITS[split])


def _from_json(doc: CaptionJson, index: int) -> tuple[Path, list[str], list[Path]]:
    return doc.image(index, "image"), *doc.spoken_captions(index, "text", "audio")


def _from_text(root: Path, keys: list[str]) -> list[tuple[Path, list[str], list[Path], Path]]:
    text_dir = _text_dir(root)
    images = [require(root / "CUB_200_2011/images" / f"{key}.jpg", BIRDS_TREE, _fix(root), "image") for key in keys]
    files = [text_dir / f"{key}.txt" for key in keys]
    captions = read_caption_files(files, BIRDS_TREE, _fix(root))
    return [(image, texts, [], file) for image, texts, file in zip(images, captions, files)]


def load_cub(root: str | Path, split: str) -> list[Record]:
    """Records of a CUB split, in filenames.pickle order; label = class id - 1 (0..199), key = filename key.

    With `train.json`/`test.json` in the root, captions, wavs and image paths come from them (absolute or
    root-relative base paths); without them, captions come from text_c10/ and wavs are empty.
    """
    check_split(split)
    root = Path(root).expanduser().absolute()
    require(root, BIRDS_TREE, _fix(root), "data root")
    _need(root, "CUB_200_2011")
    keys, class_ids = read_split(root, split)
    boxes = read_bboxes(root)
    unboxed = [k for k in keys if k not in boxes]
    if unboxed:
        raise DataFormatError(f"{len(unboxed)} keys of {split}/filenames.pickle are not in "
                              f"CUB_200_2011/images.txt (first: {unboxed[0]!r})")
    speech = speech_index(root, "image", _cub_key)
    if speech:
        check_coverage(keys, speech, root)
        sources = [(*_from_json(*speech[key]), None) for key in keys]
    else:
        sources = _from_text(root, keys)
    records = [Record(key=key, image=image, label=class_id - 1, class_name=key.split("/")[0], split=split,
                      captions=captions, wavs=wavs, bbox=boxes[key], caption_file=caption_file)
               for key, class_id, (image, captions, wavs, caption_file) in zip(keys, class_ids, sources)]
    warn_if_incomplete(records, split)
    return records
