"""The caption-JSON reader shared by the Places, birds and flowers loaders.

DAVEnet's JSON (docs/evaluation.md#3) is `{image_base_path, audio_base_path, data: [{wav, image, uttid, speaker,
asr_text}, ...]}`; an item's files are `image_base_path/image` and `audio_base_path/wav`. The authors kept this
top level for their birds and flowers speech data (docs/authors-code.md#9), so `CaptionJson` reads all three. A base
path may be absolute or relative to the data root.

Missing files are an error, not a skip: a JSON item whose image or wav does not exist raises `DataRootError`
naming the file, the JSON and the item, so a wrong `audio_base_path` fails at once instead of silently
shrinking the data set.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataFormatError, missing, require


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

    def spoken_captions(self, index: int, text: str, audio: str) -> tuple[list[str], list[Path]]:
        """Item `index`'s captions (field `text`: a list of strings) and their wavs (field `audio`), one caption per
        wav; `DataFormatError` naming the file and item when they are not (a string for a list, counts that
        differ, every caption empty)."""
        captions = self.field(index, text)
        where = f"{self.path}: data[{index}][{text!r}]"
        if isinstance(captions, str) or not all(isinstance(c, str) for c in captions):
            raise DataFormatError(f"{where} must be a list of the image's caption strings, one per wav, not "
                                  f"{type(captions).__name__} {str(captions)[:60]!r}")
        wavs = self.wavs(index, audio)
        if len(captions) != len(wavs):
            raise DataFormatError(f"{where} has {len(captions)} captions but {audio!r} has {len(wavs)} wavs: "
                                  "each spoken caption needs its text (the two-stage system and the scorer read it)")
        if not any(c.strip() for c in captions):
            raise DataFormatError(f"{where}: every caption is empty; give each wav its text")
        return [c.strip() for c in captions], wavs

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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataFormatError(f"{path} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}): repair "
                              "it, or move it away to load the text-only layout") from None
    absent = [k for k in ("image_base_path", "audio_base_path", "data") if k not in data]
    if absent:
        raise DataFormatError(f"{path}: missing top-level key(s) {absent}; expected image_base_path, "
                              "audio_base_path and data (docs/authors-code.md#9, docs/evaluation.md#3)")
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
