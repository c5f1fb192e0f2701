"""The one record type every data set (built-in or real) is turned into.

A `Record` is one image with its spoken captions. Loaders for CUB-200, Oxford-102, Places audio captions and the
built-in procedural data set all return `list[Record]`, so the torch `Dataset`, the fbank cache and the notebooks
never need to know where the data came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Record:
    key: str                      # unique id within the data set, e.g. "002.Laysan_Albatross/Laysan_Albatross_0001_545"
    image: Path                   # absolute path of the image file
    label: int                    # 0-based class index over the whole data set (train and test classes)
    class_name: str
    split: str                    # "train" or "test"
    captions: list[str] = field(default_factory=list)   # text of each caption (may be empty for Places)
    wavs: list[Path] = field(default_factory=list)      # absolute wav path of each spoken caption
    bbox: tuple[float, float, float, float] | None = None  # (x, y, w, h) in pixels, CUB only
    attributes: dict[str, str] | None = None             # ground-truth attributes (built-in data set only)
    voices: list[str] = field(default_factory=list)     # voice id of each wav (built-in or voiced data set)
    caption_file: Path | None = None                     # the captions' text file (CUB / Oxford text-only layout)
