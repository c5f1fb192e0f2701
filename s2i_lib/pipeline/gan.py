"""The GAN stage: StackGAN-v2 on a system's caption embeddings in a keyed run, its training data, and whether
generated images follow their condition (attribute accuracy against a shuffled-condition control).

A GAN run's config holds the data identity, the key of the embeddings run it is conditioned on, the full
`GANConfig` and the training settings that change the weights (seed, iterations, batch, optimiser, EMA,
precision policy); logging and snapshot intervals may change on resume. A finished run's summary names the
precision it trained in and the step times it was chosen on (`train.gan.chosen_precision`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import torch
from torch import Tensor

from ..checkpoint import PRECISION_SECONDS, load_checkpoint, recorded_train_seconds
from ..config import TRAIN_SEED
from ..data.builtin import read_manifest
from ..data.dataset import SpeechImageDataset, load_image_tensor
from ..data.prepare import PreparedData
from ..generate import generate, save_pngs
from ..losses.tsl import TSLConfig
from ..metrics.attributes import AttributeClassifier, encode_attributes, train_attribute_classifier
from ..metrics.semantic import accuracy_from_hits, spoken_attribute_hits, spoken_attributes
from ..models.stackgan import GANConfig, Generator
from ..train.gan import OUTSIDE_KEY, ConditionedImages, GANTrainConfig, load_generator, recorded_precision, train_gan
from .runs import Run
from .systems import System, SystemEmbeddings


def gan_configs(data: PreparedData, embedding_dim: int, branches: int = 0, iterations: int = 0,
                train_seed: int = TRAIN_SEED, base_size: int = 0) -> tuple[GANConfig, GANTrainConfig]:
    """The profile's GAN and training settings; `branches` / `iterations` / `base_size` other than 0 replace the
    profile's (Table V's scales, longer or shorter runs)."""
    sizes = data.profile.gan
    replaced = {k: v for k, v in (("branches", branches), ("base_size", base_size)) if v}
    config = GANConfig(embedding_dim, **{**sizes.architecture(), **replaced})
    train_config = GANTrainConfig(iterations=iterations or sizes.iterations, batch_size=sizes.batch_size,
                                  amp=sizes.amp, sample_every=sizes.sample_every,
                                  snapshot_every=sizes.snapshot_every, log_every=sizes.log_every, seed=train_seed)
    return config, train_config


@dataclass(frozen=True)
class GANRun:
    """One GAN of the study: the system whose embeddings condition it, its configurations and its keyed run (the
    pipeline two-stage system's is the text system's: `System.gan_system`)."""
    system: System
    config: GANConfig
    train_config: GANTrainConfig
    run: Run

    @cached_property
    def embeddings(self) -> SystemEmbeddings:
        """The system's embeddings of both splits, loaded on first use."""
        return self.system.load()

    @property
    def folder(self):
        return self.run.folder

    @property
    def checkpoint(self):
        return self.run.folder / "last.pt"

    @property
    def generated_folder(self):
        """Where test images are saved: `generated/`, or `generated-two_stage/` for the pipeline two-stage
        system, which shares the text system's run."""
        return self.folder / ("generated" if self.system.name == self.run.name else f"generated-{self.system.name}")


def gan_run(data: PreparedData, system: str = "tsl", *, branches: int = 0, iterations: int = 0,
            train_seed: int = TRAIN_SEED, encoder_seed: int | None = None, teacher: str | None = None,
            tsl: TSLConfig = TSLConfig(), base_size: int = 0) -> GANRun:
    """The profile's GAN (`branches`, `iterations`, `base_size` replaced where not 0) conditioned on `system`'s
    exported embeddings (made by the encoder stage with `teacher`, `tsl` and `encoder_seed`, default
    `train_seed`), trained with `train_seed`. Its key comes from the embeddings run's key and record: no tensor
    is loaded."""
    request = System.of(data, system, teacher, tsl, train_seed if encoder_seed is None else encoder_seed)
    conditioning = request.gan_system
    config, train_config = gan_configs(data, conditioning.embedding_dim, branches, iterations, train_seed, base_size)
    weights = {k: v for k, v in asdict(train_config).items() if k not in OUTSIDE_KEY}  # iterations stay
    run = Run("gan", conditioning.name, {"data": data.identity(("images",)), "embeddings": conditioning.run.key,
                                         "gan": asdict(config), "train": weights}, data.artifacts)
    return GANRun(request, config, train_config, run)


def finished_checkpoint(gan: GANRun) -> dict:
    """The finished run's `last.pt`, refused when it is not at the iteration its `done.json` records (a second
    writer of the run before runs were locked could leave an older checkpoint behind a finished mark)."""
    state, recorded = load_checkpoint(gan.checkpoint), gan.run.summary
    if recorded is None or state is None or state["iteration"] != recorded.get("iterations"):
        raise RuntimeError(f"{gan.run.folder}: done.json records {recorded} but last.pt is at iteration "
                           f"{None if state is None else state['iteration']}; delete {gan.run.folder / 'done.json'} "
                           f"and run the GAN stage again (it resumes from last.pt)")
    return state


def trained_generator(gan: GANRun, device="cpu") -> tuple[Generator, float]:
    """The finished run's EMA generator (eval mode) and its total training time in seconds, summed over resumed
    calls."""
    return load_generator(gan.checkpoint, device), recorded_train_seconds(finished_checkpoint(gan))


def trained_precision(gan: GANRun) -> str:
    """The precision the run's GAN was trained in ("bfloat16", "float32", or both "+"-joined: `recorded_precision`)."""
    return recorded_precision(load_checkpoint(gan.checkpoint))


def generate_test_images(data: PreparedData, gan: GANRun, netG: Generator, seed: int, device="cpu",
                         progress: bool = True):
    """One image per test caption (the authors' protocol, `generate`), saved as PNGs in the run's
    `generated_folder`; returns the uint8 images (N, K, 1, 3, H, W) and the PNG paths."""
    images = generate(netG, gan.embeddings.embeddings["test"], seed=seed, device=device, progress=progress)
    paths = save_pngs(images, [r.key for r in data.records["test"]], gan.generated_folder, progress=False)
    return images, paths


def train_gan_run(data: PreparedData, gan: GANRun, device="cpu", progress: bool = True) -> list[dict]:
    """Train (or resume, or reuse when finished) the GAN of `gan` in its run folder; returns the loss history."""
    dataset = gan_dataset(data, "train", gan.embeddings.embeddings["train"], gan.config.image_sizes)
    iterations = gan.train_config.iterations

    def finished(history: list[dict]) -> dict | None:
        if not history or history[-1]["iteration"] != iterations:
            return None
        state = load_checkpoint(gan.checkpoint)
        return {"iterations": iterations, "precision": recorded_precision(state),
                "precision chosen on (s per step)": state.get(PRECISION_SECONDS, {})}
    return gan.run.made(
        lambda folder: train_gan(gan.config, gan.train_config, dataset, folder, device=device, progress=progress),
        finished)


KEEP_IMAGES_BYTES = 2 << 30     # the GAN keeps its resized training images in memory up to this size


def gan_dataset(data: PreparedData, split: str, embeddings: Tensor, image_sizes: tuple[int, ...]) -> ConditionedImages:
    """The split's images at `image_sizes` (StackGAN-v2 augmentation), wrong-class images, and one of each
    image's caption embeddings (N, K, D) per item. The images are decoded and resized once and kept in memory
    when they fit in `KEEP_IMAGES_BYTES` (the same items, without a PNG decode per item and step)."""
    records = data.records[split]
    side = int(max(image_sizes) * 76 / 64)
    base = SpeechImageDataset(records, None, image_sizes, data.profile.data.target_length, train=True,
                              keep_images=len(records) * side * side * 3 <= KEEP_IMAGES_BYTES)
    return ConditionedImages(base, embeddings)


def attribute_scorer_run(data: PreparedData, train_seed: int = TRAIN_SEED) -> Run:
    """The keyed run of the built-in data set's attribute scorer (`attribute_scorer`)."""
    sizes = data.profile.eval
    return Run("scorer", "attributes", {"data": data.identity(("images",)), "image_size": sizes.scorer_size,
                                        "epochs": sizes.scorer_epochs, "train_seed": train_seed}, data.artifacts)


def attribute_scorer(data: PreparedData, train_seed: int = TRAIN_SEED, progress: bool = True) -> AttributeClassifier:
    """The built-in data set's attribute classifier at the profile's evaluation sizes, trained on real
    train-class images once and kept in a keyed run."""
    sizes = data.profile.eval
    values = {k: tuple(v) for k, v in read_manifest(data.root)["attributes"].items()}
    run = attribute_scorer_run(data, train_seed)

    def compute() -> dict:
        train = data.records["train"]
        model = train_attribute_classifier(load_image_tensor(train, sizes.scorer_size),
                                           encode_attributes([r.attributes for r in train], values), values,
                                           epochs=sizes.scorer_epochs, image_size=sizes.scorer_size,
                                           seed=train_seed, device="cpu", progress=progress)
        return {"model": model.state_dict(), "values": values}
    state = run.computed("scorer.pt", compute, redo="training the scorer again")
    if state["values"] != values:
        raise RuntimeError(f"{run.folder} holds a scorer of other attribute values than the manifest's: delete "
                           f"{run.folder} and run again")
    model = AttributeClassifier(values, sizes.scorer_size)
    model.load_state_dict(state["model"])
    return model.eval()


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
def condition_hits(netG: Generator, scorer: AttributeClassifier, embeddings: Tensor,
                   targets: list[list[dict[str, str]]], seed: int = 0, device: str = "cpu",
                   real_images: Tensor | None = None) -> dict[str, list[dict[str, bool]]]:
    """Per image, which spoken attributes the scorer reads correctly in the image generated for one seeded
    caption of that image, with the matched embedding ("matched") and with another image's embedding
    ("shuffled", the control); with `real_images` (N, 3, H, W) in [-1, 1], also in the real images ("real")."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, embeddings.shape[1], len(embeddings))
    chosen = embeddings[torch.arange(len(embeddings)), torch.as_tensor(k)]
    spoken = [targets[i][k[i] % len(targets[i])] for i in range(len(embeddings))]
    out = {}
    for name, cond in (("matched", chosen), ("shuffled", chosen[torch.as_tensor(derangement(len(chosen), seed))])):
        images = generate(netG, cond[:, None], seed=seed, device=device, progress=False)[:, 0, 0]
        out[name] = spoken_attribute_hits(scorer, images.float() / 127.5 - 1, spoken)
    if real_images is not None:
        out["real"] = spoken_attribute_hits(scorer, real_images, spoken)
    return out


def condition_following(netG: Generator, scorer: AttributeClassifier, embeddings: Tensor,
                        targets: list[list[dict[str, str]]], seed: int = 0, device: str = "cpu",
                        real_images: Tensor | None = None) -> dict[str, dict]:
    """Attribute accuracy (per attribute and "overall", each ± its bootstrap error over the images:
    `metrics.semantic.accuracy_from_hits`) of `condition_hits`: images generated for one seeded
    caption per image, scored on the attributes that caption spoke, with the matched embedding and with another
    image's embedding (shuffled control), and with `real_images` the real images on the same attributes
    ("real", the ceiling).

    A generator that follows its condition scores clearly above the control; one that ignores it scores the
    same on both."""
    hits = condition_hits(netG, scorer, embeddings, targets, seed, device, real_images)
    return {name: accuracy_from_hits(h) for name, h in hits.items()}
