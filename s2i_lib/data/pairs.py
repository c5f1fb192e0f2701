"""Training items of the encoder stage: one random caption of an image with one random view of its teacher
feature and the image's class (the authors' `DatasetBase.get_rand`, docs/authors-code.md#6).

`SpeechPairs` reads the caption as a padded log-Mel spectrogram from the fbank cache; `TextPairs` as padded
word ids (for the text encoder on ground-truth captions, or on ASR transcripts in the two-stage system).
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ..audio import pad_or_truncate
from .augment import AUGMENTS, augment as augment_spec
from .dataset import usable_keys
from .fbank_cache import FbankCache
from .records import Record


class _Pairs(Dataset):
    def __init__(self, labels: list[int], features: Tensor | None):
        if features is not None and len(features) != len(labels):
            raise ValueError(f"{len(labels)} images but teacher features for {len(features)}")
        self.labels, self.features = torch.as_tensor(labels), features

    def __len__(self) -> int:
        return len(self.labels)

    def _common(self, index: int) -> dict:
        item = {"label": self.labels[index], "index": index}
        if self.features is not None:
            view = int(torch.randint(0, self.features.shape[1], ()))
            item["image_feature"] = self.features[index, view]
        return item


class SpeechPairs(_Pairs):
    """Items: speech (n_mels, target_length), n_frames, label, index and, with `features` (N, V, D), the
    image_feature of one random view. `augment` (one of `augment.AUGMENTS`) transforms each drawn spectrogram;
    captions spoken by a voice in `skip_voices` are never drawn (a voice held out for validation)."""

    def __init__(self, records: list[Record], fbanks: FbankCache, features: Tensor | None, target_length: int,
                 augment: str = "none", skip_voices: tuple[str, ...] = ()):
        super().__init__([r.label for r in records], features)
        self.keys = [heard_keys(r, fbanks, skip_voices) for r in records]
        self.fbanks, self.target_length = fbanks, target_length
        if augment not in AUGMENTS:
            raise ValueError(f"augment must be one of {AUGMENTS}, not {augment!r}")
        self.augment = augment

    def __getitem__(self, index: int) -> dict:
        keys = self.keys[index]
        spec = self.fbanks.get(keys[int(torch.randint(0, len(keys), ()))])
        if self.augment != "none":
            spec = augment_spec(spec, self.augment)
        spec, n = pad_or_truncate(spec, self.target_length)
        return {"speech": spec, "n_frames": n, **self._common(index)}


def heard_keys(record: Record, fbanks: FbankCache, skip_voices: tuple[str, ...] = ()) -> list[str]:
    """`usable_keys` of the record's captions not spoken by a voice in `skip_voices` (all of them when every
    caption is, so that no image loses its speech)."""
    keys = usable_keys(record, fbanks)
    kept = [key for key, voice in zip(keys, record.voices or [None] * len(keys)) if voice not in skip_voices]
    return kept or keys


class TextPairs(_Pairs):
    """Items: tokens (max_len,) word ids padded with 0, n_tokens, label, index (and image_feature); each image
    has its own list of captions (ten ground-truth captions, or the few that were transcribed)."""

    def __init__(self, token_ids: list[list[list[int]]], labels: list[int], features: Tensor | None,
                 max_len: int):
        super().__init__(labels, features)
        if any(not captions for captions in token_ids):
            raise ValueError("every image needs at least one caption")
        self.token_ids, self.max_len = token_ids, max_len

    def __getitem__(self, index: int) -> dict:
        captions = self.token_ids[index]
        ids = captions[int(torch.randint(0, len(captions), ()))][:self.max_len]
        tokens = torch.zeros(self.max_len, dtype=torch.long)
        tokens[:len(ids)] = torch.tensor(ids, dtype=torch.long)
        return {"tokens": tokens, "n_tokens": max(1, len(ids)), **self._common(index)}
