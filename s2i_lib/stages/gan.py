"""The GAN stage as a few calls: per-profile sizes, the training data, and whether generated images follow
their condition (issue 4's test on unseen classes: attribute accuracy against a shuffled-condition control).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .config import get_profile
from .data.builtin import read_manifest
from .data.dataset import SpeechImageDataset, load_image_tensor
from .data.prepare import PreparedData
from .encoder_stage import load_embeddings, stage_dir
from .generate import generate
from .metrics.attributes import AttributeClassifier, encode_attributes, train_attribute_classifier
from .metrics.semantic import spoken_attribute_accuracy, spoken_attributes
from .models.stackgan import GANConfig, Generator, gan_config
from .train.checkpoint import load_checkpoint, save_checkpoint
from .train.gan import ConditionedImages, GANTrainConfig


@dataclass(frozen=True)
class GANStageConfig:
    """Per-profile GAN sizes; `paper` is StackGAN-v2 / the authors' (anchors.md 1.8, 2.3)."""
    gan: str                                        # key of models.stackgan.GAN_PROFILES
    iterations: int
    batch_size: int = 24
    amp: bool | None = None                         # autocast (bf16); None = on CUDA only
    overrides: dict = field(default_factory=dict)   # GANConfig fields that differ from the GAN profile
    sample_every: int = 2000
    snapshot_every: int = 2000
    log_every: int = 100

    def gan_config(self, embedding_dim: int, **overrides) -> GANConfig:
        return gan_config(self.gan, embedding_dim, **{**self.overrides, **overrides})

    def train_config(self, **overrides) -> GANTrainConfig:
        return GANTrainConfig(**{"iterations": self.iterations, "batch_size": self.batch_size, "amp": self.amp,
                                 "sample_every": self.sample_every, "snapshot_every": self.snapshot_every,
                                 "log_every": self.log_every, **overrides})


# `default`: one 32-px branch, gf = df = 32, batch 32, bf16 on the CPU. On the built-in birds with TSL embeddings
# its images follow the condition on unseen classes from ~2,000 iterations; the gap grows fastest up to ~3,000
# and slowly after (spoken-attribute accuracy 0.305 vs 0.182 for the shuffled control at 5,000; ~19 min on
# 2 cores), measured with benchmarks/gan_condition.py; README "Results so far".
GAN_STAGE = {
    "smoke": GANStageConfig("smoke", iterations=12, batch_size=8, sample_every=6, snapshot_every=6, log_every=3),
    "default": GANStageConfig("default", iterations=5000, batch_size=32, amp=True, overrides={"branches": 1},
                              sample_every=500, snapshot_every=500, log_every=50),
    "paper": GANStageConfig("paper", iterations=220_000, snapshot_every=5000, sample_every=5000),
}


def gan_run_dir(data: PreparedData, source: str, config: GANConfig) -> Path:
    """Where the GAN conditioned on `source` embeddings (tsl, classifier, text, two_stage) at `config`'s image
    sizes trains, e.g. artifacts/birds/default/gan/tsl_32."""
    return stage_dir(data) / "gan" / f"{source}_{'-'.join(map(str, config.image_sizes))}"


@dataclass(frozen=True)
class GANRun:
    """One GAN of the study: its conditioning embeddings {split: (N, K, D)}, configurations and run folder."""
    embeddings: dict[str, Tensor]
    config: GANConfig
    train_config: GANTrainConfig
    run_dir: Path


def gan_run(data: PreparedData, source: str = "tsl", branches: int = 0, iterations: int = 0) -> GANRun:
    """The profile's GAN conditioned on notebook 01's exported `source` embeddings; `branches` / `iterations`
    other than 0 replace the profile's (Table V's scales, longer or shorter runs)."""
    stage = GAN_STAGE[data.profile]
    embeddings = {split: load_embeddings(stage_dir(data) / "embeddings" / f"{source}_{split}.pt", data.records[split])
                  for split in ("train", "test")}
    config = stage.gan_config(embeddings["train"].shape[-1], **({"branches": branches} if branches else {}))
    train_config = stage.train_config(**({"iterations": iterations} if iterations else {}))
    return GANRun(embeddings, config, train_config, gan_run_dir(data, source, config))


def gan_dataset(data: PreparedData, split: str, embeddings: Tensor, image_sizes: tuple[int, ...]) -> ConditionedImages:
    """The split's images at `image_sizes` (StackGAN-v2 augmentation), wrong-class images, and one of each
    image's caption embeddings (N, K, D) per item."""
    base = SpeechImageDataset(data.records[split], None, image_sizes, get_profile(data.profile).target_length,
                              train=True)
    return ConditionedImages(base, embeddings)


def attribute_scorer(data: PreparedData, path: str | Path | None = None, image_size: int = 32, epochs: int = 15,
                     progress: bool = True) -> AttributeClassifier:
    """The built-in data set's attribute classifier, trained on real train-class images once and cached (by
    default in the stage folder's gan/attribute_scorer_<size>.pt)."""
    path = path or stage_dir(data) / "gan" / f"attribute_scorer_{image_size}.pt"
    values = {k: tuple(v) for k, v in read_manifest(data.root)["attributes"].items()}
    state = load_checkpoint(path)
    if state is not None and state["values"] == values and state["image_size"] == image_size:
        model = AttributeClassifier(values, image_size)
        model.load_state_dict(state["model"])
        return model.eval()
    train = data.records["train"]
    model = train_attribute_classifier(load_image_tensor(train, image_size),
                                       encode_attributes([r.attributes for r in train], values), values,
                                       epochs=epochs, image_size=image_size, device="cpu", progress=progress)
    save_checkpoint(path, {"model": model.state_dict(), "values": values, "image_size": image_size})
    return model


def spoken_targets(data: PreparedData, split: str) -> list[list[dict[str, str]]]:
    """Per image, per caption: the {attribute: value} the caption spoke (the manifest's `mentions`)."""
    items = {it["key"]: it for it in read_manifest(data.root)["items"]}
    return [[spoken_attributes(r.attributes, m) for m in items[r.key]["mentions"]] for r in data.records[split]]


def derangement(n: int, seed: int) -> np.ndarray:
    """A seeded permutation of range(n) that moves every index (the shuffled-condition control)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    return np.roll(order, 1)[np.argsort(order)]


@torch.no_grad()
def condition_following(netG: Generator, scorer: AttributeClassifier, embeddings: Tensor,
                        targets: list[list[dict[str, str]]], seed: int = 0, device: str = "cpu",
                        real_images: Tensor | None = None) -> dict[str, dict]:
    """Attribute accuracy of images generated for one seeded caption per image, scored on the attributes that
    caption spoke, with the matched embedding and with another image's embedding (shuffled control); with
    `real_images` (N, 3, H, W) in [-1, 1], also the real images on the same attributes ("real", the ceiling).

    A generator that follows its condition scores clearly above the control; one that ignores it scores the
    same on both."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, embeddings.shape[1], len(embeddings))
    chosen = embeddings[torch.arange(len(embeddings)), torch.as_tensor(k)]
    spoken = [targets[i][k[i] % len(targets[i])] for i in range(len(embeddings))]
    out = {}
    for name, cond in (("matched", chosen), ("shuffled", chosen[torch.as_tensor(derangement(len(chosen), seed))])):
        images = generate(netG, cond[:, None], seed=seed, device=device, progress=False)[:, 0, 0]
        out[name] = spoken_attribute_accuracy(scorer, images.float() / 127.5 - 1, spoken)
    if real_images is not None:
        out["real"] = spoken_attribute_accuracy(scorer, real_images, spoken)
    return out
