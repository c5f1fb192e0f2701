"""The encoder stage as a few calls: train the speech, classifier-based and text encoders and embed captions.

Every system of Table II gets its caption embeddings (N, K, D) here (anchors.md 1.6-1.7):
- TSL: the speech encoder trained with the teacher-student loss (paper Eq. 6) against the teacher's features;
- classifier-based: the same encoder plus a linear layer trained with cross-entropy on the training classes;
  only the encoder is used afterwards (paper III-F);
- text: a text encoder trained with the same TSL on ground-truth captions (the text-to-image upper bound);
- two-stage: a text encoder trained with TSL on ASR transcripts of the training speech, applied to ASR
  transcripts of the test speech.
Training runs through `train.encoder.train_encoder` (checkpoints, resume, loss log).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from .audio import pad_or_truncate
from .config import artifacts_dir, get_profile
from .data.dataset import load_image_tensor, usable_keys
from .data.fbank_cache import FbankCache
from .data.pairs import SpeechPairs, TextPairs
from .data.prepare import PreparedData
from .data.records import Record
from .data.teacher_cache import cached_teacher_features
from .losses import TSLConfig, teacher_student_loss
from .models.speech_encoder import SpeechEncoder
from .models.teachers import load_teacher
from .models.text_encoder import TextEncoder, Vocabulary
from .train.checkpoint import load_checkpoint, save_checkpoint
from .train.encoder import EncoderTrainConfig, train_encoder
from .train.teacher import fine_tune_teacher


@dataclass(frozen=True)
class EncoderStageConfig:
    """Per-profile sizes of the encoder stage (the `paper` entry is the authors' setting, anchors.md 1.4, 1.6)."""
    teacher: str = "frozen"           # "frozen" ImageNet EfficientNet-Lite0, or "finetuned" on the train classes
    view_set: str = "ten"             # teacher views per image: "ten" (authors) or "centre+flip"
    crop: int = 224                   # side of each teacher view
    finetune_epochs: int = 6
    speech_width: float = 1.0         # conv channel multiplier of the speech encoder
    epochs: int = 1000
    batch_size: int = 64
    text_epochs: int = 1000
    asr_per_image: int | None = None  # captions per image transcribed for the two-stage system (None = all)

    def train_config(self, epochs: int | None = None) -> EncoderTrainConfig:
        """The authors' optimiser with StepLR halving five times over the run (every 200 of 1000 epochs)."""
        epochs = epochs or self.epochs
        return EncoderTrainConfig(epochs=epochs, batch_size=self.batch_size, lr_step_epochs=max(1, epochs // 5))


ENCODER_STAGE = {
    "smoke": EncoderStageConfig(view_set="centre+flip", crop=64, finetune_epochs=1, speech_width=0.125, epochs=2,
                                batch_size=16, text_epochs=2, asr_per_image=1),
    "default": EncoderStageConfig(view_set="centre+flip", crop=160, finetune_epochs=2, speech_width=0.25, epochs=50,
                                  text_epochs=50, asr_per_image=1),
    "paper": EncoderStageConfig(crop=224),
}


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
    flat = [ids or [1] for captions in token_ids for ids in captions]
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


def stage_dir(data: PreparedData) -> Path:
    return artifacts_dir(data.dataset, data.profile)


def stage_teacher(data: PreparedData, stage: EncoderStageConfig, teacher: str | None = None, device: str = "cpu",
                  progress: bool = True) -> tuple[str, dict[str, Tensor]]:
    """The teacher's tag and its cached view features {split: (N, V, D)}. `teacher` ("frozen" or "finetuned",
    default the profile's) picks the ImageNet network as it is or fine-tuned on the train classes first."""
    teacher = teacher or stage.teacher
    folder = stage_dir(data) / "teacher"
    size = stage.crop + 3                                      # the views' resize side (anchors.md 1.4)
    if teacher == "frozen":
        tag, net = "efficientnet-lite0", load_teacher().to(device)
    elif teacher == "finetuned":
        tag = f"efficientnet-lite0-ft{stage.crop}"
        records = data.records["train"]
        weights = folder / f"{tag}.pt"
        images = None if weights.exists() else load_image_tensor(records, size)
        labels = torch.tensor([r.label for r in records])
        net = fine_tune_teacher(images, labels, weights, stage.crop, stage.finetune_epochs, device=device,
                                progress=progress)
    else:
        raise ValueError(f"teacher must be 'frozen' or 'finetuned', not {teacher!r}")
    return tag, {split: cached_teacher_features(net, tag, data.records[split], size,
                                                folder / f"{tag}_{stage.view_set}_{split}.pt", stage.view_set,
                                                stage.crop, progress=progress)
                 for split in ("train", "test")}


def train_speech_encoder(kind: str, data: PreparedData, features: Tensor, stage: EncoderStageConfig,
                         out_dir: str | Path, tsl: TSLConfig = TSLConfig(), device: str = "cpu",
                         progress: bool = True) -> tuple[SpeechEncoder, list[dict]]:
    """Train (or resume, or reload when finished) the speech encoder of `kind` "tsl" or "classifier" on the
    train split; `features` are the train images' teacher features (N, V, D)."""
    config = stage.train_config()
    torch.manual_seed(config.seed)
    encoder = SpeechEncoder(features.shape[-1], data.fbanks.params.n_mels, width=stage.speech_width)
    pairs = SpeechPairs(data.records["train"], data.fbanks, features, get_profile(data.profile).target_length)
    if kind == "tsl":
        model, step = encoder, tsl_step(tsl)
    elif kind == "classifier":
        model, step = ClassifierEncoder(encoder, sorted({r.label for r in data.records["train"]})), classifier_step
    else:
        raise ValueError(f"kind must be 'tsl' or 'classifier', not {kind!r}")
    history = train_encoder(model, pairs, step, out_dir, config, device, progress)
    return encoder.eval(), history


def train_text_encoder(texts: list[list[str]], labels: list[int], features: Tensor, stage: EncoderStageConfig,
                       out_dir: str | Path, device: str = "cpu",
                       progress: bool = True) -> tuple[TextEncoder, Vocabulary, list[dict]]:
    """Train (or resume) a text encoder with TSL on each train image's `texts` (captions or transcripts)."""
    vocab = Vocabulary([t for captions in texts for t in captions])
    token_ids = [[vocab.encode(t) for t in captions] for captions in texts]
    config = stage.train_config(stage.text_epochs)
    torch.manual_seed(config.seed)
    model = TextEncoder(len(vocab), features.shape[-1])
    pairs = TextPairs(token_ids, labels, features, max(len(ids) for caps in token_ids for ids in caps))
    history = train_encoder(model, pairs, tsl_step(), out_dir, config, device, progress)
    return model.eval(), vocab, history


def embed_texts(model: TextEncoder, vocab: Vocabulary, texts: list[list[str]]) -> Tensor:
    """Embeddings (N, K, D) of K texts per image."""
    return embed_tokens(model, [[vocab.encode(t) for t in captions] for captions in texts])


def save_embeddings(path: str | Path, records: list[Record], embeddings: Tensor, source: str) -> None:
    """Caption embeddings (N, K, D) of a split for the GAN stage, with the record keys they belong to."""
    save_checkpoint(path, {"keys": [r.key for r in records], "labels": [r.label for r in records],
                           "embeddings": embeddings.float(), "source": source})


def load_embeddings(path: str | Path, records: list[Record]) -> Tensor:
    """The (N, K, D) embeddings saved for exactly these records; a clear error otherwise."""
    state = load_checkpoint(path)
    if state is None:
        raise FileNotFoundError(f"{path} does not exist: run notebooks/01_encoder.ipynb for this data set and "
                                f"profile first (it exports the caption embeddings)")
    if state["keys"] != [r.key for r in records]:
        raise ValueError(f"{path} holds embeddings of other images than this split's {len(records)}; "
                         f"re-run notebooks/01_encoder.ipynb")
    return state["embeddings"]
