"""Places audio captions loader, and the caption-JSON reader that the birds and flowers loaders share.

DAVEnet's JSON (anchors.md §5) is `{image_base_path, audio_base_path, data: [{wav, image, uttid, speaker,
asr_text}, ...]}`; an item's files are `image_base_path/image` and `audio_base_path/wav`. The authors kept this
top level for their birds and flowers speech data (anchors.md §1.9), so `CaptionJson` reads all three. A base
path may be absolute or relative to the data root.

Missing files are an error, not a skip: a JSON item whose image or wav does not exist raises `DataRootError`
naming the file, the JSON and the item, so a wrong `audio_base_path` fails at once instead of silently
shrinking the data set.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import DataFormatError, check_split, missing, require
from .records import Record

log = logging.getLogger(__name__)

# The seven indoor scenes of the authors' Places subset (anchors.md §1.9, `PlaceSubSet`).
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


def data_root(root: str | Path, expected: str, fix: str) -> Path:
    """The data root as an absolute path; `DataRootError` if it does not exist."""
    return require(Path(root).expanduser().absolute(), expected, fix, "data root")


@dataclass
class CaptionJson:
    """One caption JSON file: its resolved base folders and its items, with checked access to their files."""

    path: Path
    root: Path
    image_base: Path
    audio_base: Path
    items: list[dict[str, Any]]

    def field(self, index: int, name: str) -> Any:
        """`items[index][name]`; `DataFormatError` naming the file and item if the key is absent."""
        item = self.items[index]
        if name not in item:
            raise DataFormatError(f"{self.path}: data[{index}] has no {name!r} key (it has {sorted(item)})")
        return item[name]

    def image(self, index: int, name: str) -> Path:
        """The existing image file of item `index` (its path is in field `name`)."""
        return self._file(index, name, self.field(index, name), self.image_base, "image_base_path")

    def wavs(self, index: int, name: str) -> list[Path]:
        """The existing wav files of item `index`; field `name` holds one path or a list of paths."""
        value = self.field(index, name)
        paths = [value] if isinstance(value, str) else list(value)
        return [self._file(index, name, p, self.audio_base, "audio_base_path") for p in paths]

    def _file(self, index: int, name: str, rel: str, base: Path, base_key: str) -> Path:
        path = base / rel
        if not path.exists():
            raise missing(
                path,
                f"{self.path.name}: data[{index}][{name!r}] = {rel!r}\n{base_key} resolves to {base}",
                f"correct {base_key} in {self.path} (a relative base is resolved against the data root "
                f"{self.root}) or restore the missing file",
                f"file of item {index} in {self.path.name}",
            )
        return path


def read_caption_json(path: Path, root: Path) -> CaptionJson:
    """Read a DAVEnet-style caption JSON; relative base paths are taken relative to `root`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    absent = [k for k in ("image_base_path", "audio_base_path", "data") if k not in data]
    if absent:
        raise DataFormatError(f"{path}: missing top-level key(s) {absent}; expected image_base_path, "
                              "audio_base_path and data (anchors.md §1.9, §5)")
    # `root / base` is `base` itself when base is absolute
    return CaptionJson(path, root, root / data["image_base_path"], root / data["audio_base_path"], data["data"])


def speech_index(root: Path, key_field: str, key_of: Callable[[str], str]) -> dict[str, tuple[CaptionJson, int]]:
    """The authors' speech items from `root/train.json` and `root/test.json` (those present), by image key.

    Both files are read so that the split comes from the data set's own split files, not from the JSON;
    `key_of(field value)` turns an item's image path into the loader's key. Empty if neither file exists.
    """
    index: dict[str, tuple[CaptionJson, int]] = {}
    for path in (root / "train.json", root / "test.json"):
        if path.exists():
            doc = read_caption_json(path, root)
            for i in range(len(doc.items)):
                index[key_of(doc.field(i, key_field))] = (doc, i)
    return index


def check_coverage(keys: Sequence[str], index: dict[str, tuple[CaptionJson, int]], root: Path) -> None:
    """`DataFormatError` if the speech JSONs lack an item for some image of the split."""
    missing = [k for k in keys if k not in index]
    if missing:
        raise DataFormatError(
            f"{len(missing)} of {len(keys)} images have no item in {root}/train.json or test.json "
            f"(first: {missing[0]!r}); complete the JSON files, or move them away to load the text-only layout")


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
    """Places audio captions (anchors.md §1.9, §5): one record per JSON item, i.e. one utterance per image.

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
