"""Teacher features, computed once per image and kept in a keyed run: (N, V, D) per split, V views
(docs/authors-code.md#4).

The run's config holds the data identity, the teacher option (frozen ImageNet EfficientNet-Lite0, or fine-tuned
on the train classes, with its epochs and training seed), the view set and the crop side. Images are read a
batch at a time, so the `paper` profile's splits never sit in memory whole.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from torch import Tensor
from ..progress import tqdm

from ..checkpoint import CorruptFileError, load_checkpoint, save_checkpoint
from ..config import TRAIN_SEED, TeacherSizes
from ..data.dataset import load_image_tensor
from ..data.builtin import read_manifest
from ..data.prepare import PreparedData, validation_view
from ..data.records import Record
from ..metrics.probe import attribute_probe
from ..models.teachers import ImageTeacher, load_teacher, teacher_features
from ..train.teacher import fine_tune_teacher
from .runs import Run

NETWORK = "efficientnet-lite0"
OPTIONS = ("frozen", "finetuned")


@dataclass(frozen=True)
class TeacherFeatures:
    run: Run
    features: dict[str, Tensor]      # split -> (N, V, D)

    @property
    def dim(self) -> int:
        return self.features["train"].shape[-1]


def teacher_sizes(data: PreparedData, teacher: str | None = None, crop: int | None = None) -> TeacherSizes:
    """The profile's teacher settings, with the option and crop replaced where given."""
    sizes = data.profile.teacher
    return replace(sizes, teacher=teacher or sizes.teacher, crop=crop or sizes.crop)


def teacher_run(data: PreparedData, sizes: TeacherSizes, train_seed: int = TRAIN_SEED) -> Run:
    if sizes.teacher not in OPTIONS:
        raise ValueError(f"teacher must be one of {OPTIONS}, not {sizes.teacher!r}")
    config = {"data": data.identity(("images",)), "network": NETWORK, "teacher": asdict(sizes)}
    if sizes.teacher == "finetuned":
        config["train_seed"] = train_seed
    else:
        config["teacher"].pop("finetune_epochs")
    return Run("teacher", sizes.teacher, config, data.artifacts)


def cached_teacher_features(teacher: ImageTeacher, tag: str, records: list[Record], image_size: int,
                            path: str | Path, view_set: str = "ten", crop: int = 224, batch_size: int = 32,
                            progress: bool = True) -> Tensor:
    """Features (N, V, teacher.dim) of the records' whole images (loaded at `image_size`), from `path` when it
    holds exactly these images, views and teacher, else computed and saved there."""
    identity = {"keys": [r.key for r in records], "tag": tag, "view_set": view_set, "crop": crop,
                "image_size": image_size}
    try:
        cached = load_checkpoint(path)
    except CorruptFileError as e:
        print(f"recomputing: {e}")
        cached = None
    if cached is not None and all(cached.get(k) == v for k, v in identity.items()):
        return cached["features"]
    chunks = range(0, len(records), batch_size)
    features = torch.cat([
        teacher_features(teacher, load_image_tensor(records[i:i + batch_size], image_size), view_set, crop,
                         batch_size, progress=False).float()
        for i in tqdm(chunks, desc=f"{tag} features", disable=not progress)])
    save_checkpoint(path, {**identity, "features": features})
    return features


def teacher_network(data: PreparedData, sizes: TeacherSizes, train_seed: int = TRAIN_SEED, device: str = "cpu",
                    progress: bool = True) -> ImageTeacher:
    """The teacher network of `sizes`: ImageNet EfficientNet-Lite0 as it is, or fine-tuned on the train classes
    (weights kept in its teacher run; fine-tuned there when missing)."""
    if sizes.teacher == "frozen":
        return load_teacher().to(device)
    run = teacher_run(data, sizes, train_seed)
    records = data.records["train"]
    labels = torch.tensor([r.label for r in records])

    def fine_tuned(folder: Path) -> ImageTeacher:          # the run is finished by `teacher_stage`
        weights = folder / "finetuned.pt"
        images = None if weights.exists() else load_image_tensor(records, sizes.crop + 3)
        return fine_tune_teacher(images, labels, weights, sizes.crop, sizes.finetune_epochs, seed=train_seed,
                                 device=device, progress=progress)
    return run.made(fine_tuned, lambda net: None)


def teacher_stage(data: PreparedData, teacher: str | None = None, crop: int | None = None,
                  train_seed: int = TRAIN_SEED, device: str = "cpu", progress: bool = True) -> TeacherFeatures:
    """The teacher's cached view features of both splits. `teacher` ("frozen" or "finetuned", default the
    profile's) picks the ImageNet network as it is or fine-tuned on the train classes first."""
    sizes = teacher_sizes(data, teacher, crop)
    run = teacher_run(data, sizes, train_seed)
    size = sizes.crop + 3                                      # the views' resize side (docs/authors-code.md#4)

    def features_of(folder: Path) -> dict[str, Tensor]:
        net = teacher_network(data, sizes, train_seed, device, progress)
        return {split: cached_teacher_features(net, f"{NETWORK}-{sizes.teacher}", data.records[split], size,
                                               folder / f"features_{split}.pt", sizes.view_set, sizes.crop,
                                               progress=progress)
                for split in ("train", "test")}
    features = run.made(features_of, lambda made: {"dim": made["train"].shape[-1],
                                                   **{s: list(f.shape) for s, f in made.items()}})
    return TeacherFeatures(run, features)


def teacher_probe(data: PreparedData, options: tuple[str, ...] = OPTIONS, train_seed: int = TRAIN_SEED,
                  device: str = "cpu", progress: bool = True) -> list[dict]:
    """Linear attribute probe of each teacher option and of raw 16x16 pixels on the built-in data's validation
    view (`validation_view`): fitted on the fit classes' features, scored on the held-out train classes; a
    fine-tuned teacher is fine-tuned on the fit classes only. One row per option: accuracy per attribute, mean."""
    val = validation_view(data)
    fit, held = val.records["train"], val.records["test"]
    values = read_manifest(data.root)["attributes"]

    def probe(fit_x: Tensor, held_x: Tensor) -> dict:
        acc = attribute_probe(fit_x, [r.attributes for r in fit], held_x, [r.attributes for r in held], values)
        return {k: round(v, 3) for k, v in acc.items()}

    rows = [{"features": "raw pixels 16x16",
             **probe(load_image_tensor(fit, 16).flatten(1), load_image_tensor(held, 16).flatten(1))}]
    for option in options:
        feats = teacher_stage(val, option, train_seed=train_seed, device=device, progress=progress).features
        rows.append({"features": f"{option} ({data.profile.teacher.crop}px)",
                     **probe(feats["train"].mean(1), feats["test"].mean(1))})
    return rows
