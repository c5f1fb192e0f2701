"""The encoder stage: train the speech, classifier-based and text encoders in keyed runs, and embed captions.

Every system of Table II gets its caption embeddings (N, K, D) from here (docs/authors-code.md#6-7):
- TSL: the speech encoder trained with the teacher-student loss (paper Eq. 6) against the teacher's features;
- classifier-based: the same encoder plus a linear layer trained with cross-entropy on the training classes;
  only the encoder is used afterwards (paper Sec. III-F);
- text: a text encoder trained with the same TSL on ground-truth captions (the text-to-image upper bound);
- two-stage: a text encoder trained with TSL on ASR transcripts of the training speech.
Each encoder trains in its own run folder (`pipeline.runs`), keyed by the data, the teacher features' run, the
encoder sizes, the optimiser settings with the training seed, and the TSL terms and weights; training goes
through `train.encoder.train_encoder` (checkpoints, resume, loss log).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
import torch.utils.data
from torch import Tensor, nn
from ..progress import tqdm

from ..audio import pad_or_truncate
from ..config import TRAIN_SEED, EncoderSizes
from ..data.dataset import usable_keys
from ..data.fbank_cache import FbankCache
from ..data.pairs import SpeechPairs, TextPairs
from ..data.prepare import PreparedData
from ..data.records import Record
from ..losses.tsl import TSLConfig, teacher_student_loss
from ..models.speech_encoder import SpeechEncoder
from ..models.text_encoder import TextEncoder, Vocabulary
from ..train.encoder import EncoderTrainConfig, train_encoder
from ..translate import DESCRIPTION, speech_encoder_description
from .runs import Run, write_json
from .teacher import TeacherFeatures


# The classifier baseline's learning-rate schedules: name -> (initial rate, halved five times over the run?).
# "authors" is the authors' optimiser (docs/authors-code.md#6); the others are measured departures from it.
SCHEDULES = {"authors": (1e-3, True), "constant": (1e-3, False), "authors-lr3e-4": (3e-4, True),
             "authors-lr1e-4": (1e-4, True)}


def encoder_train_config(sizes: EncoderSizes, text: bool = False, train_seed: int = TRAIN_SEED,
                         schedule: str = "authors") -> EncoderTrainConfig:
    """The authors' optimiser (Adam 1e-3) with StepLR halving five times over the run (every 200 of 1000
    epochs), or another of `SCHEDULES`: the same optimiser from another initial rate and/or without halving."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {tuple(SCHEDULES)}, not {schedule!r}")
    lr, halving = SCHEDULES[schedule]
    epochs = sizes.text_epochs if text else sizes.epochs
    step = max(1, epochs // 5) if halving else epochs + 1
    return EncoderTrainConfig(epochs=epochs, batch_size=sizes.batch_size, lr=lr, lr_step_epochs=step,
                              seed=train_seed)


def encode(model: nn.Module, batch: dict) -> Tensor:
    """Embeddings of a batch of spoken (speech, n_frames) or written (tokens, n_tokens) captions."""
    if "speech" in batch:
        return model(batch["speech"], batch["n_frames"])
    return model(batch["tokens"], batch["n_tokens"])


def tsl_step(config: TSLConfig = TSLConfig()):
    """Training step of the teacher-student loss (paper Eq. 6) for `train_encoder`."""
    def step(model: nn.Module, batch: dict):
        return teacher_student_loss(batch["image_feature"], encode(model, batch), batch["label"], config)
    return step


class ClassifierEncoder(nn.Module):
    """An encoder plus a linear classification layer over the training classes (the classifier-based baseline)."""

    def __init__(self, encoder: nn.Module, classes: list[int]):
        super().__init__()
        self.encoder, self.head = encoder, nn.Linear(encoder.embedding_dim, len(classes))
        self.register_buffer("class_ids", torch.tensor(sorted(classes)))

    def forward(self, *inputs) -> Tensor:
        return self.head(self.encoder(*inputs))

    def targets(self, labels: Tensor) -> Tensor:
        return torch.searchsorted(self.class_ids, labels)


def classifier_step(model: ClassifierEncoder, batch: dict):
    """Training step of the classifier-based baseline: cross-entropy over the training classes."""
    logits = encode(model, batch)
    targets = model.targets(batch["label"])
    accuracy = float((logits.argmax(1) == targets).float().mean())
    return F.cross_entropy(logits, targets), {"train_acc": accuracy}


@torch.no_grad()
def embed_speech(model: nn.Module, records: list[Record], fbanks: FbankCache, target_length: int,
                 batch_size: int = 64, progress: bool = True) -> Tensor:
    """Embeddings (N, K, D) of every spoken caption of `records` (unusable ones replaced as in training)."""
    model.eval()
    keys = [usable_keys(r, fbanks) for r in records]
    flat = [key for ks in keys for key in ks]
    device = next(model.parameters()).device
    out = []
    for start in tqdm(range(0, len(flat), batch_size), desc="embed speech", disable=not progress):
        pairs = [pad_or_truncate(fbanks.get(key), target_length) for key in flat[start:start + batch_size]]
        spec = torch.stack([p[0] for p in pairs]).to(device)
        out.append(model(spec, torch.tensor([p[1] for p in pairs])).cpu())
    return torch.cat(out).view(len(records), len(keys[0]), -1)


@torch.no_grad()
def embed_tokens(model: nn.Module, token_ids: list[list[list[int]]], batch_size: int = 256) -> Tensor:
    """Embeddings (N, K, D) of K tokenised captions per image (every image must have the same K)."""
    model.eval()
    n, k = len(token_ids), len(token_ids[0])
    flat = [ids for captions in token_ids for ids in captions]
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(flat), batch_size):
        chunk = flat[start:start + batch_size]
        tokens = torch.zeros(len(chunk), max(map(len, chunk)), dtype=torch.long)
        for i, ids in enumerate(chunk):
            tokens[i, :len(ids)] = torch.tensor(ids)
        out.append(model(tokens.to(device), torch.tensor([len(ids) for ids in chunk])).cpu())
    return torch.cat(out).view(n, k, -1)


def gradient_balance(model: nn.Module, batch: dict, config: TSLConfig = TSLConfig()) -> dict[str, dict[str, float]]:
    """Per weighted TSL term (JEL, lambda_norm * L_norm, lambda_KDL * L_KDL): the L2 norm of its gradient with
    respect to the batch's speech embeddings (the paper's wording, section IV-E: weights chosen "to ensure the
    gradient to the speech embedding is within the similar scale") and with respect to the model's parameters."""
    model.train()
    weights = {"jel": 1.0, "norm": config.lambda_norm, "kdl": config.lambda_kdl}
    norms = {}
    for term, weight in weights.items():
        only = TSLConfig(**{**config.__dict__, "jel": term == "jel", "norm": term == "norm", "kdl": term == "kdl"})
        model.zero_grad(set_to_none=True)
        speech = encode(model, batch)
        speech.retain_grad()
        loss, _ = teacher_student_loss(batch["image_feature"], speech, batch["label"], only)
        loss.backward()
        grads = [p.grad.flatten() for p in model.parameters() if p.grad is not None]
        norms[f"{term} (x{weight:g})"] = {"embedding": float(speech.grad.norm()),
                                          "parameters": float(torch.cat(grads).norm())}
    model.zero_grad(set_to_none=True)
    return norms


def training_batch(data: PreparedData, teacher: TeacherFeatures, train_seed: int = TRAIN_SEED) -> dict:
    """One seeded training batch of the profile's size (speech, frames, labels, teacher features); leaves the
    global generator where the draw ended, so a model made next is seeded too."""
    torch.manual_seed(train_seed)
    pairs = SpeechPairs(data.records["train"], data.fbanks, teacher.features["train"], data.profile.data.target_length)
    order = torch.randperm(len(pairs))[:data.profile.encoder.batch_size].tolist()
    return torch.utils.data.default_collate([pairs[i] for i in order])


def initial_gradient_balance(data: PreparedData, teacher: TeacherFeatures, tsl: TSLConfig = TSLConfig(),
                             train_seed: int = TRAIN_SEED) -> dict[str, dict[str, float]]:
    """`gradient_balance` of a freshly initialised speech encoder (the profile's width) on one seeded training
    batch of the profile's size (`training_batch`): the paper's "at an early training iteration" (Sec. III-F)."""
    batch = training_batch(data, teacher, train_seed)
    model = SpeechEncoder(teacher.features["train"].shape[-1], data.fbanks.params.n_mels,
                          width=data.profile.encoder.speech_width)
    return gradient_balance(model, batch, tsl)


@dataclass(frozen=True)
class TrainedEncoder:
    """A trained encoder (eval mode), its per-epoch history and its run; `vocab` for text encoders."""
    model: nn.Module
    history: list[dict]
    run: Run
    vocab: Vocabulary | None = None


def encoder_run(data: PreparedData, system: str, teacher: Run, sizes: EncoderSizes | None = None,
                tsl: TSLConfig = TSLConfig(), train_seed: int = TRAIN_SEED, inputs: dict | None = None) -> Run:
    """The keyed run of `system`'s encoder (tsl, classifier, text, two_stage); `inputs` adds the keys of other
    runs it reads (the two-stage encoder's transcripts)."""
    sizes = sizes or data.profile.encoder
    text = system in ("text", "two_stage")
    schedule = sizes.classifier_schedule if system == "classifier" else "authors"
    config = {"data": data.identity(("captions",) if text else ("speech",)), "teacher": teacher.key, **(inputs or {}),
              "train": asdict(encoder_train_config(sizes, text, train_seed, schedule))}
    if system in ("tsl", "classifier"):           # only when set, so that the authors' runs keep their keys
        config.update({k: v for k, v in (("augment", sizes.speech_augment), ("skip_voices", list(sizes.skip_voices)))
                       if v not in ("none", [])})
    if system == "classifier":
        config["speech_width"] = sizes.speech_width
    else:
        config["tsl"] = asdict(tsl)
        if not text:
            config["speech_width"] = sizes.speech_width
    return Run("encoder", system, config, data.artifacts)


def trained_summary(history: list[dict]) -> dict:
    return {"epochs": len(history), "final_loss": history[-1]["loss"]}


def train_speech_encoder(kind: str, data: PreparedData, teacher: TeacherFeatures, tsl: TSLConfig = TSLConfig(),
                         train_seed: int = TRAIN_SEED, device: str = "cpu", progress: bool = True,
                         sizes: EncoderSizes | None = None) -> TrainedEncoder:
    """Train (or resume, or reload when finished) the speech encoder of `kind` "tsl" or "classifier" on the
    train split against `teacher`'s features of the train images."""
    if kind not in ("tsl", "classifier"):
        raise ValueError(f"kind must be 'tsl' or 'classifier', not {kind!r}")
    sizes = sizes or data.profile.encoder
    run = encoder_run(data, kind, teacher.run, sizes, tsl, train_seed)
    config = EncoderTrainConfig(**run.config["train"])          # the run's config is the one source
    torch.manual_seed(config.seed)
    features = teacher.features["train"]
    encoder = SpeechEncoder(features.shape[-1], data.fbanks.params.n_mels, width=sizes.speech_width)
    pairs = SpeechPairs(data.records["train"], data.fbanks, features, data.profile.data.target_length,
                        sizes.speech_augment, sizes.skip_voices)
    if kind == "tsl":
        model, step = encoder, tsl_step(tsl)
    else:
        model, step = ClassifierEncoder(encoder, sorted({r.label for r in data.records["train"]})), classifier_step
    description = speech_encoder_description(kind, encoder, sizes.speech_width, data.profile.data.target_length,
                                             data.fbanks.params, teacher.run.key)

    def trained(folder: Path) -> list[dict]:
        history = train_encoder(model, pairs, step, folder, config, device, progress)
        write_json(folder / DESCRIPTION, description)
        return history
    history = run.made(trained, trained_summary)
    return TrainedEncoder(encoder.eval(), history, run)


def train_text_encoder(system: str, texts: list[list[str]], data: PreparedData, teacher: TeacherFeatures,
                       inputs: dict | None = None, tsl: TSLConfig = TSLConfig(), train_seed: int = TRAIN_SEED,
                       device: str = "cpu", progress: bool = True,
                       sizes: EncoderSizes | None = None) -> TrainedEncoder:
    """Train (or resume) the text encoder of `system` ("text" on captions, "two_stage" on transcripts, whose
    run key `inputs` names) with TSL on each train image's `texts`."""
    sizes = sizes or data.profile.encoder
    run = encoder_run(data, system, teacher.run, sizes, tsl, train_seed, inputs)
    labels = [r.label for r in data.records["train"]]
    features = teacher.features["train"]
    vocab = Vocabulary([t for captions in texts for t in captions])
    token_ids = [[vocab.encode(t) for t in captions] for captions in texts]
    config = EncoderTrainConfig(**run.config["train"])
    torch.manual_seed(config.seed)
    model = TextEncoder(len(vocab), features.shape[-1])
    pairs = TextPairs(token_ids, labels, features, max(len(ids) for caps in token_ids for ids in caps))
    history = run.made(lambda folder: train_encoder(model, pairs, tsl_step(tsl), folder, config, device, progress),
                       trained_summary)
    return TrainedEncoder(model.eval(), history, run, vocab)


def embed_texts(model: TextEncoder, vocab: Vocabulary, texts: list[list[str]]) -> Tensor:
    """Embeddings (N, K, D) of K texts per image."""
    return embed_tokens(model, [[vocab.encode(t) for t in captions] for captions in texts])
