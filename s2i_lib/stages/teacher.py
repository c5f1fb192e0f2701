"""Teacher features computed once per image and cached: (N, V, D) per split, V views (anchors.md 1.4).

A cache file holds the record keys, the view set, the crop side and the teacher's tag; it is reused only
when all of them match, and recomputed (and atomically replaced) otherwise. Images are read a batch at a
time, so the `paper` profile's splits never sit in memory whole.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor
from tqdm.auto import tqdm

from ..models.teachers import ImageTeacher, teacher_features
from ..train.checkpoint import load_checkpoint, save_checkpoint
from .dataset import load_image_tensor
from .records import Record


def cached_teacher_features(teacher: ImageTeacher, tag: str, records: list[Record], image_size: int,
                            path: str | Path, view_set: str = "ten", crop: int = 224, batch_size: int = 32,
                            progress: bool = True) -> Tensor:
    """Features (N, V, teacher.dim) of the records' whole images (loaded at `image_size`), from `path` when it
    holds exactly these images, views and teacher, else computed and saved there."""
    identity = {"keys": [r.key for r in records], "tag": tag, "view_set": view_set, "crop": crop,
                "image_size": image_size}
    cached = load_checkpoint(path)
    if cached is not None and all(cached.get(k) == v for k, v in identity.items()):
        return cached["features"]
    chunks = range(0, len(records), batch_size)
    features = torch.cat([
        teacher_features(teacher, load_image_tensor(records[i:i + batch_size], image_size), view_set, crop,
                         batch_size, progress=False).float()
        for i in tqdm(chunks, desc=f"{tag} features", disable=not progress)])
    save_checkpoint(path, {**identity, "features": features})
    return features
