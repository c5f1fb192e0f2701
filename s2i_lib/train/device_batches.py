"""The GAN's batches made on its device, so that a GPU's loop is not held up by per-item work on the CPU (PIL crops,
collation, copies): the train images, as `SpeechImageDataset.sized_image` gives them (box-cropped, shorter side at
76/64 of the largest scale), are held once as uint8 on the device; each batch's random draws (wrong-class image,
crop, flip, caption) are replayed on the CPU from the same seeds as the per-item path (`SampleStream`,
`ConditionedImages.draw`), without pixels; the crops, flips and smaller scales are then cut on the device by
indexing.

At one scale (the `default` profile) the batches equal the per-item path's to the bit. With several scales the
smaller ones are resized by torch's antialiased bilinear instead of PIL's bilinear (both from the uint8 crop, both
rounded to uint8): at most one uint8 level apart (`tests/test_train_gan.py`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..checkpoint import seeded
from ..draws import Crop


class DeviceBatches:
    """Called with sample numbers: the batch a DataLoader over `stream` gives for them, made on `device`. `data`
    is the `ConditionedImages` that `stream` draws items from."""

    def __init__(self, data, stream, device: str | torch.device):
        base = data.base
        sized = [np.array(base.sized_image(r)) for r in base.records]     # and their sizes, for the draws
        height, width = max(a.shape[0] for a in sized), max(a.shape[1] for a in sized)
        pixels = torch.zeros(len(sized), 3, height, width, dtype=torch.uint8)
        for i, a in enumerate(sized):                   # images of other shapes sit in the top-left corner
            pixels[i, :, :a.shape[0], :a.shape[1]] = torch.from_numpy(a).permute(2, 0, 1)
        self.device = torch.device(device)
        self.pixels, self.embeddings = pixels.to(self.device), data.embeddings.to(self.device)
        self.labels = torch.as_tensor(base.labels).to(self.device)
        self.sizes, self.data, self.stream = base.image_sizes, data, stream

    def __call__(self, sample_numbers: Sequence[int]) -> dict[str, Tensor | list[Tensor]]:
        index, draws, captions = [], [], []
        for g in sample_numbers:
            i = self.stream.index_of(g)
            drawn, k = seeded(lambda: self.data.draw(i), self.stream.item_seed(g))
            index.append(i)
            draws.append(drawn)
            captions.append(k)
        index_t = torch.tensor(index, device=self.device)
        caption_t = torch.tensor(captions, device=self.device)
        return {"image": self.cut(index_t, [d.crop for d in draws]),
                "wrong_image": self.cut(torch.tensor([d.wrong for d in draws], device=self.device),
                                        [d.wrong_crop for d in draws]),
                "label": self.labels[index_t], "index": index_t,
                "embedding": self.embeddings[index_t, caption_t], "caption": caption_t}

    def cut(self, index: Tensor, crops: list[Crop]) -> list[Tensor]:
        """The images `index` cropped (`crops`: corner and flip) to the largest scale and resized to each smaller
        one, as (B, 3, s, s) float tensors in [-1, 1] (`data.dataset.to_tensor`)."""
        largest = self.sizes[-1]
        x, y, flip = (torch.tensor(v, device=self.device) for v in zip(*crops))
        span = torch.arange(largest, device=self.device)
        rows, cols = y[:, None] + span, x[:, None] + span
        cols = torch.where(flip[:, None], cols.flip(1), cols)              # a flip reads the columns backwards
        cut = self.pixels[index[:, None, None], :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
        scaled = [cut if s == largest else
                  F.interpolate(cut.float(), size=(s, s), mode="bilinear", antialias=True).round().clamp(0, 255)
                  for s in self.sizes]
        return [(x.float() / 127.5 - 1.0).contiguous() for x in scaled]
