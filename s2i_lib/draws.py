"""The random draws of a train item (`data.dataset.SpeechImageDataset.draw`), as plain values: what a batch made
elsewhere (on a GPU, `train.device_batches`) replays to give the same items. Outside `data`, whose package imports
the audio stack: training imports these where only torch is installed (benchmarks/gpu_check.py)."""
from __future__ import annotations

from typing import NamedTuple


class Crop(NamedTuple):
    """A train image's random crop (corner x, y of the largest scale's square) and horizontal flip."""
    x: int
    y: int
    flip: bool


class Draw(NamedTuple):
    """An item's random draws: its wrong-class image's index, and the crop of the image and of the wrong image."""
    wrong: int
    crop: Crop | None
    wrong_crop: Crop | None
