"""Places audio captions loader (DAVEnet JSON, docs/evaluation.md#3; the authors' 7-scene subset, docs/authors-code.md#9).

One utterance per image; the JSON is read by `caption_json.CaptionJson`, so a JSON item whose image or wav does
not exist raises `DataRootError` naming the file rather than silently shrinking the data set.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from .caption_json import data_root, read_caption_json
from .errors import DataFormatError, check_split, missing, require
from .records import Record

log = logging.getLogger(__name__)

# The seven indoor scenes of the authors' Places subset (docs/authors-code.md#9, `PlaceSubSet`).
PLACES_CLASSES = ("bedroom", "dinette", "dining_room", "home_office", "hotel_room", "kitchenette", "living_room")

PLACES_TREE = """
places/                          <- DATA_ROOT
  train.json                     {image_base_path, audio_base_path, data: [{wav, image, uttid, speaker, asr_text}]}
  test.json  (or val.json, also looked for under metadata/)
  <image_base_path>/b/bedroom/<name>.jpg
  <audio_base_path>/<wav>.wav
"""
PLACES_FIX = ("pass DATA_ROOT=/path/to/places, the folder that holds train.json and test.json (or DAVEnet's "
              "val.json), or name the file with json_file=")
_JSON_NAMES = {"train": ("train.json",), "test": ("test.json", "val.json")}


def scene_class(image: str) -> str:
    """Scene class of a Places image path: the folders after the one-letter bucket ("b/bedroom/x.jpg" ->
    "bedroom", "a/apartment_building/outdoor/x.jpg" -> "apartment_building/outdoor"), else the parent folder."""
    folders = PurePosixPath(image).parts[:-1]
    after_bucket = [i + 1 for i, part in enumerate(folders[:-1]) if len(part) == 1 and part.isalpha()]
    if after_bucket:
        return "/".join(folders[after_bucket[-1]:])
    return folders[-1] if folders else ""


def places_json(root: Path, split: str, json_file: str | Path | None) -> Path:
    """The caption JSON of `split`: `json_file` (absolute or relative to root) if given, else the first of
    `{split}.json` (test: also DAVEnet's `val.json`) found in root or root/metadata."""
    if json_file is not None:
        return require(root / json_file, PLACES_TREE, PLACES_FIX, f"{split} caption JSON")
    candidates = [folder / name for folder in (root, root / "metadata") for name in _JSON_NAMES[split]]
    found = [path for path in candidates if path.exists()]
    if not found:
        raise missing(candidates[0], PLACES_TREE, PLACES_FIX, f"{split} caption JSON")
    return found[0]


def load_places(root: str | Path, split: str, *, json_file: str | Path | None = None,
                classes: Sequence[str] | None = PLACES_CLASSES) -> list[Record]:
    """Places audio captions (docs/authors-code.md#9, docs/evaluation.md#3): one record per JSON item, i.e. one utterance per image.

    key = `uttid` (else the wav path without extension); captions = `[asr_text]` when present and non-empty;
    wavs = `[wav]`; class_name = the image's scene folder (`scene_class`). By default only the authors' seven
    scenes (`PLACES_CLASSES`) are kept and label = index in that sorted list, identical across splits;
    `classes=None` keeps every scene, labelled by its index among the scenes of this JSON file.
    """
    check_split(split)
    root = data_root(root, PLACES_TREE, PLACES_FIX)
    doc = read_caption_json(places_json(root, split, json_file), root)
    scenes = [scene_class(doc.field(i, "image")) for i in range(len(doc.items))]
    names = sorted(set(classes) if classes is not None else set(scenes))
    label = {name: i for i, name in enumerate(names)}
    records = []
    for i, scene in enumerate(scenes):
        if scene not in label:
            continue
        item = doc.items[i]
        text = str(item.get("asr_text", "")).strip()
        records.append(Record(
            key=str(item.get("uttid") or PurePosixPath(doc.field(i, "wav")).with_suffix("")),
            image=doc.image(i, "image"), label=label[scene], class_name=scene, split=split,
            captions=[text] if text else [], wavs=doc.wavs(i, "wav")))
    if not records:
        raise DataFormatError(f"{doc.path}: no item belongs to the classes {names}; "
                              f"scenes found: {sorted(set(scenes))[:20]}")
    if len(records) < len(scenes):
        log.info("%s: kept %d of %d items (classes %s)", doc.path.name, len(records), len(scenes), names)
    return records
