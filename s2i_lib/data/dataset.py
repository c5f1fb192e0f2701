"""One torch Dataset for every data set: (image, spoken captions' spectrograms, class, wrong-class image).

Image handling follows StackGAN-v2 and the authors (docs/authors-code.md#8, docs/stackgan-v2.md#4): train images are cropped to a 1.5x
box around their bounding box when there is one, resized so that the shorter side is 76/64 of the largest
scale (aspect ratio kept), randomly cropped to a square and flipped, then resized to each smaller scale; test images are only resized (the authors do not bbox-crop them).
The wrong image is redrawn until its class differs (the authors' rule; StackGAN-v2 redraws only once).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from ..audio import pad_or_truncate
from ..draws import Crop, Draw
from .fbank_cache import FbankCache
from .images import open_rgb
from .records import Record


def utterance_key(record: Record, k: int) -> str:
    """Cache key of a record's k-th spoken caption: independent of where the data lives on disk."""
    return f"{record.key}#{k}"


def wav_table(records: list[Record]) -> dict[str, Path]:
    """Cache key -> wav path for every spoken caption of `records` (the input of the fbank cache)."""
    return {utterance_key(r, k): w for r in records for k, w in enumerate(r.wavs)}


def usable_keys(record: Record, fbanks: FbankCache) -> list[str]:
    """Cache key of each of the record's captions; an utterance the cache could not use is replaced by the
    nearest usable caption of the same image (the authors' extraction rule, docs/authors-code.md#2)."""
    keys = [utterance_key(record, k) for k in range(len(record.wavs))]
    ok = [i for i, key in enumerate(keys) if key in fbanks]
    if not ok:
        raise ValueError(f"{record.key}: none of its {len(keys)} utterances is usable "
                         f"(see 'failed' in {fbanks.folder / 'meta.json'})")
    return [keys[min(ok, key=lambda i: (abs(i - k), i))] for k in range(len(keys))]


def bbox_crop(image: Image.Image, bbox: tuple[float, float, float, float]) -> Image.Image:
    """StackGAN-v2's crop: a square of half-side 0.75 * max(w, h) around the box centre, clipped to the image."""
    x, y, w, h = bbox
    r = int(0.75 * max(w, h))
    cx, cy = int(x + w / 2), int(y + h / 2)
    width, height = image.size
    return image.crop((max(0, cx - r), max(0, cy - r), min(width, cx + r), min(height, cy + r)))


def resize_shorter_side(image: Image.Image, side: int) -> Image.Image:
    """torchvision's `Resize(side)` as StackGAN-v2 applies it: the shorter side becomes `side`, the aspect ratio
    is kept (docs/stackgan-v2.md#4)."""
    width, height = image.size
    if width <= height:
        return image.resize((side, int(side * height / width)), Image.BILINEAR)
    return image.resize((int(side * width / height), side), Image.BILINEAR)


def to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL RGB -> (3, H, W) float tensor in [-1, 1] (StackGAN-v2's Normalize(0.5, 0.5))."""
    array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def load_image_tensor(records: list[Record], size: int) -> torch.Tensor:
    """The records' whole images, resized (antialiased) to size x size, as (N, 3, size, size) in [-1, 1]."""
    return torch.stack([to_tensor(open_rgb(r.image).resize((size, size), Image.LANCZOS))
                        for r in records])


class SpeechImageDataset(Dataset):
    """Items are dicts: image, wrong_image (a tensor, or a list over `image_sizes`), speech (K, n_mels, T),
    speech_len (K,) real frames per caption, label, index.

    An utterance the fbank cache could not use is replaced by a neighbouring caption of the same image
    (the authors' extraction rule, docs/authors-code.md#2); `replaced` counts those.
    """

    def __init__(self, records: list[Record], fbanks: FbankCache | None, image_sizes: tuple[int, ...] = (64,),
                 target_length: int = 512, train: bool = True, keep_images: bool = False):
        if not records:
            raise ValueError("no records: the split is empty")
        self.records, self.fbanks, self.train = records, fbanks, train
        self.image_sizes, self.target_length = tuple(sorted(image_sizes)), target_length
        self.labels = np.array([r.label for r in records])
        if len(set(self.labels.tolist())) < 2:
            raise ValueError("a wrong-class image needs at least two classes in the split")
        self.keys = [usable_keys(r, fbanks) for r in records] if fbanks is not None else None
        self.replaced = 0 if self.keys is None else sum(
            len(r.wavs) - len(set(ks)) for r, ks in zip(records, self.keys))
        self.kept: dict[str, Image.Image] | None = {} if keep_images else None
        self.recent: dict[str, Image.Image] = {}       # without `keep_images`: the last two, drawn then cut
        self.sized_sizes: dict[str, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def sized_image(self, record: Record) -> Image.Image:
        """The record's image before the random part of the augmentation: decoded, cropped to its box and resized
        (train); kept in memory after the first read with `keep_images` (the GAN reads each image thousands of
        times; the random crop and flip stay per item, so the items are the same)."""
        kept = self.kept if self.kept is not None else self.recent
        if record.key in kept:
            return kept[record.key]
        image = open_rgb(record.image)
        if self.train:
            if record.bbox is not None:
                image = bbox_crop(image, record.bbox)
            image = resize_shorter_side(image, int(self.image_sizes[-1] * 76 / 64))
        if self.kept is None:
            self.recent = kept = dict(list(self.recent.items())[-1:])
        kept[record.key] = image
        self.sized_sizes[record.key] = image.size
        return image

    def crop_draw(self, record: Record) -> Crop | None:
        """The random part of a train image's augmentation (None for test images), from torch's generator."""
        if not self.train:
            return None
        width, height = self.sized_sizes.get(record.key) or self.sized_image(record).size
        largest = self.image_sizes[-1]
        x = int(torch.randint(0, width - largest + 1, ()))
        y = int(torch.randint(0, height - largest + 1, ()))
        return Crop(x, y, bool(torch.rand(()) < 0.5))

    def draw(self, index: int) -> Draw:
        """Every random draw of item `index`, in the order `__getitem__` makes them: the wrong-class image, redrawn
        until its class differs, then the crop of the image and of the wrong image. A batch built elsewhere (on a
        GPU: `train.device_batches.DeviceBatches`) replays them to give the same items."""
        wrong = index
        while self.labels[wrong] == self.labels[index]:
            wrong = int(torch.randint(0, len(self.records), ()))
        return Draw(wrong, self.crop_draw(self.records[index]), self.crop_draw(self.records[wrong]))

    def load_images(self, record: Record, crop: Crop | None) -> list[torch.Tensor]:
        image = self.sized_image(record)
        if crop is not None:
            largest = self.image_sizes[-1]
            image = image.crop((crop.x, crop.y, crop.x + largest, crop.y + largest))
            if crop.flip:
                image = image.transpose(Image.FLIP_LEFT_RIGHT)
        return [to_tensor(image.resize((s, s), Image.BILINEAR) if image.size != (s, s) else image)
                for s in self.image_sizes]

    def speech(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [pad_or_truncate(self.fbanks.get(key), self.target_length) for key in self.keys[index]]
        return torch.stack([p[0] for p in pairs]), torch.tensor([p[1] for p in pairs])

    def __getitem__(self, index: int) -> dict:
        return self.item(index, self.draw(index))

    def item(self, index: int, drawn: Draw) -> dict:
        """Item `index` made with the random draws `drawn` (`draw`)."""
        record = self.records[index]
        images = self.load_images(record, drawn.crop)
        wrong_images = self.load_images(self.records[drawn.wrong], drawn.wrong_crop)
        single = len(self.image_sizes) == 1
        item = {"image": images[0] if single else images, "wrong_image": wrong_images[0] if single else wrong_images,
                "label": record.label, "index": index}
        if self.keys is not None:
            item["speech"], item["speech_len"] = self.speech(index)
        return item
