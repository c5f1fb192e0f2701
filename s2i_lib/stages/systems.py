"""The four systems of Table II and their caption embeddings: the one home of their names, runs and files.

A system's embeddings (N, K, D) per split live in a keyed `embeddings` run whose config names the key of the
encoder run that made them (which names its teacher features, and for two-stage its transcripts). So the GAN
stage, a benchmark or another notebook finds the embeddings of a system from the same request (data, teacher
option, TSL terms, training seed) without knowing any file name, and never picks up another request's files.

The two-stage system has two readings (`EncoderSizes.two_stage`, docs/deviations.md): "retrained", the paper's
(Sec. IV-B: the recogniser transcribes the training speech too, and a text encoder and its GAN are trained on
the transcripts), and "pipeline", what practitioners build: the recogniser in front of the text system's encoder
and GAN, so only the test speech is transcribed and nothing more is trained. In the pipeline reading the
two-stage run stores the test split's embeddings (the text encoder on the transcripts); its train split is the
text system's, on which the shared GAN was trained.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor

from ..checkpoint import CorruptFileError, load_checkpoint, save_checkpoint
from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..data.records import Record
from ..losses.tsl import TSLConfig
from .encoders import TrainedEncoder, embed_speech, embed_texts, encoder_run, train_speech_encoder, train_text_encoder
from .runs import Run
from .teacher import TeacherFeatures, teacher_run, teacher_sizes
from .transcripts import (Transcripts, by_image, caption_subset, transcribed_splits, transcripts_run,
                          transcripts_stage, two_stage_reading)

SYSTEMS = {"tsl": "TSL (speech)", "classifier": "classifier (speech)", "text": "text (captions)",
           "two_stage": "two-stage (transcripts)"}
SPLITS = ("train", "test")


def stored_splits(data: PreparedData, system: str) -> tuple[str, ...]:
    """The splits whose embeddings `system`'s run computes and stores (the pipeline two-stage's train split is
    the text system's)."""
    return ("test",) if system == "two_stage" and two_stage_reading(data) == "pipeline" else SPLITS


def caption_indices(data: PreparedData, system: str, split: str) -> np.ndarray:
    """(N, K) index of the caption behind each of `system`'s embeddings (N, K, D) of `split`: every caption in
    order, or for two-stage the transcribed ones (`transcripts.caption_subset`)."""
    records = data.records[split]
    if system == "two_stage" and split in transcribed_splits(data):
        pairs = caption_subset(records, data.profile.encoder.asr_per_image, seed=data.seed)
        return np.array(by_image(pairs, len(records)))
    return np.tile(np.arange(len(records[0].wavs)), (len(records), 1))


def check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; choose one of {', '.join(SYSTEMS)}")
    return system


def embeddings_run(data: PreparedData, system: str, teacher: Run, tsl: TSLConfig = TSLConfig(),
                   train_seed: int = TRAIN_SEED) -> Run:
    """The keyed run holding `system`'s embeddings of both splits, computed from the request alone."""
    if check_system(system) == "two_stage" and two_stage_reading(data) == "pipeline":
        encoder = encoder_run(data, "text", teacher, None, tsl, train_seed)
        return Run("embeddings", system, {"data": data.identity(), "encoder": encoder.key,
                                          "transcripts": transcripts_run(data).key}, data.artifacts)
    inputs = {"transcripts": transcripts_run(data).key} if system == "two_stage" else None
    encoder = encoder_run(data, system, teacher, None, tsl, train_seed, inputs)
    return Run("embeddings", system, {"data": data.identity(), "encoder": encoder.key}, data.artifacts)


@dataclass(frozen=True)
class SystemEmbeddings:
    system: str
    run: Run
    embeddings: dict[str, Tensor]             # split -> (N, K, D)
    encoder: TrainedEncoder | None = None     # set when `build_system` trained or reloaded it

    @property
    def label(self) -> str:
        return SYSTEMS[self.system]


def save_split(path, records: list[Record], embeddings: Tensor, system: str) -> None:
    save_checkpoint(path, {"keys": [r.key for r in records], "labels": [r.label for r in records],
                           "embeddings": embeddings.float(), "system": system})


def load_split(path, records: list[Record]) -> Tensor:
    """The (N, K, D) embeddings saved at `path` for exactly these records; a clear error otherwise."""
    state = load_checkpoint(path, fix=f"delete {Path(path).parent} and run the encoder stage again")
    if state is None:
        raise FileNotFoundError(f"{path} does not exist")
    if state["keys"] != [r.key for r in records]:
        raise ValueError(f"{path} holds embeddings of other images than this split's {len(records)}: delete "
                         f"{path.parent} and run the encoder stage again")
    return state["embeddings"]


def build_system(data: PreparedData, system: str, teacher: TeacherFeatures, tsl: TSLConfig = TSLConfig(),
                 train_seed: int = TRAIN_SEED, transcripts: Transcripts | None = None, device: str = "cpu",
                 progress: bool = True) -> SystemEmbeddings:
    """Train (or reuse) `system`'s encoder and export its caption embeddings of both splits to a keyed run.
    The two-stage system needs `transcripts` (from `transcripts_stage`; made here when not given)."""
    check_system(system)
    run = embeddings_run(data, system, teacher.run, tsl, train_seed)
    splits = stored_splits(data, system)
    shared = {}
    if system in ("tsl", "classifier"):
        encoder = train_speech_encoder(system, data, teacher, tsl, train_seed, device, progress)
        embed = {s: (lambda s=s: embed_speech(encoder.model, data.records[s], data.fbanks,
                                              data.profile.data.target_length, progress=progress)) for s in SPLITS}
    else:
        if system == "text":
            texts, inputs = {s: [r.captions for r in data.records[s]] for s in SPLITS}, None
        else:
            transcripts = transcripts or transcripts_stage(data, progress=progress)
            texts = {s: transcripts.texts(data.records, s) for s in splits}
            inputs = {"transcripts": transcripts.run.key}
        if splits == SPLITS:
            encoder = train_text_encoder(system, texts["train"], data, teacher, inputs, tsl, train_seed, device,
                                         progress)
        else:                       # pipeline two-stage: the text system's encoder, and its train embeddings
            text = build_system(data, "text", teacher, tsl, train_seed, device=device, progress=progress)
            encoder, shared = text.encoder, {"train": text.embeddings["train"]}
        embed = {s: (lambda s=s: embed_texts(encoder.model, encoder.vocab, texts[s])) for s in splits}
    folder = run.open()
    embeddings = {}
    for split in splits:
        path = folder / f"{split}.pt"
        try:
            embeddings[split] = load_split(path, data.records[split]) if run.done else None
        except (CorruptFileError, FileNotFoundError, ValueError) as e:
            print(f"embedding again: {e}")
            embeddings[split] = None
        if embeddings[split] is None:
            embeddings[split] = embed[split]()
            save_split(path, data.records[split], embeddings[split], system)
    run.finish({split: list(e.shape) for split, e in embeddings.items()})
    return SystemEmbeddings(system, run, {**shared, **embeddings}, encoder)


def load_embeddings(data: PreparedData, system: str, teacher: str | None = None, tsl: TSLConfig = TSLConfig(),
                    train_seed: int = TRAIN_SEED) -> SystemEmbeddings:
    """`system`'s exported embeddings for this request (teacher option, TSL, training seed), or an error that
    says how to make them."""
    run = embeddings_run(data, system, teacher_run(data, teacher_sizes(data, teacher), train_seed), tsl,
                         train_seed)
    if not run.done:
        where = f"no finished {system} embeddings for this request (run {run.folder.name} under {run.folder.parent})"
        if data.view is not None:
            raise FileNotFoundError(f"{where}: make the validation view's with `python benchmarks/"
                                    f"validation_choices.py classifier --dataset {data.dataset} --profile "
                                    f"{data.profile.name} --seed {data.seed} --train-seed {train_seed}`")
        raise FileNotFoundError(
            f"{where}: make them with notebooks/01_encoder.ipynb or `python -m s2i_lib encoders "
            f"--dataset {data.dataset} --profile {data.profile.name} --seed {data.seed} --train-seed {train_seed}`")
    embeddings = {s: load_split(run.folder / f"{s}.pt", data.records[s]) for s in stored_splits(data, system)}
    if "train" not in embeddings:
        embeddings["train"] = load_embeddings(data, "text", teacher, tsl, train_seed).embeddings["train"]
    return SystemEmbeddings(system, run, embeddings)

