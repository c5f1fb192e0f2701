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

from dataclasses import dataclass, replace
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
from .teacher import TeacherFeatures, teacher_run, teacher_sizes, teacher_stage
from .transcripts import (Transcripts, by_image, caption_subset, transcribed_splits, transcripts_run,
                          transcripts_stage, two_stage_reading)

SYSTEMS = {"tsl": "TSL (speech)", "classifier": "classifier (speech)", "text": "text (captions)",
           "two_stage": "two-stage (transcripts)"}
SPLITS = ("train", "test")


def check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; choose one of {', '.join(SYSTEMS)}")
    return system


def transcribed_captions(data: PreparedData, split: str) -> np.ndarray:
    """(N, a) the caption numbers per image of `split` that the recogniser transcribes (`caption_subset`)."""
    records = data.records[split]
    return np.array(by_image(caption_subset(records, data.profile.encoder.asr_per_image, seed=data.seed),
                             len(records)))


@dataclass(frozen=True)
class System:
    """One system of the study for one request: its name (one of `SYSTEMS`), the teacher features run its encoder
    learned from, the TSL terms and the encoder's training seed. It knows its embeddings run (`run`), the GAN it
    feeds (`gan_system`) and the caption behind each embedding (`caption_indices`); the two-stage reading
    (`pipeline`) is decided here only."""
    data: PreparedData
    name: str
    teacher: Run
    tsl: TSLConfig = TSLConfig()
    encoder_seed: int = TRAIN_SEED

    def __post_init__(self):
        check_system(self.name)

    @classmethod
    def of(cls, data: PreparedData, name: str, teacher: str | None = None, tsl: TSLConfig = TSLConfig(),
           encoder_seed: int = TRAIN_SEED) -> System:
        """`name` on the profile's teacher features (the option `teacher` where given)."""
        return cls(data, name, teacher_run(data, teacher_sizes(data, teacher), encoder_seed), tsl, encoder_seed)

    @property
    def label(self) -> str:
        return SYSTEMS[self.name]

    @property
    def pipeline(self) -> bool:
        """The two-stage system read as a pipeline: the recogniser in front of the text system's encoder and GAN."""
        return self.name == "two_stage" and two_stage_reading(self.data) == "pipeline"

    @property
    def gan_system(self) -> System:
        """The system whose GAN this one feeds: itself, or for the pipeline two-stage system the text system."""
        return replace(self, name="text") if self.pipeline else self

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits whose embeddings this system's run computes and stores (the pipeline two-stage's train
        split is the text system's)."""
        return ("test",) if self.pipeline else SPLITS

    @property
    def run(self) -> Run:
        """The keyed run holding this system's embeddings, computed from the request alone."""
        data = self.data
        reads = ("captions",) if self.name in ("text", "two_stage") else ("speech",)     # the inputs it embeds
        transcripts = {"transcripts": transcripts_run(data).key} if self.name == "two_stage" else None
        if self.pipeline:
            encoder = encoder_run(data, "text", self.teacher, None, self.tsl, self.encoder_seed)
            return Run("embeddings", self.name, {"data": data.identity(reads), "encoder": encoder.key, **transcripts},
                       data.artifacts)
        encoder = encoder_run(data, self.name, self.teacher, None, self.tsl, self.encoder_seed, transcripts)
        return Run("embeddings", self.name, {"data": data.identity(reads), "encoder": encoder.key}, data.artifacts)

    def caption_indices(self, split: str) -> np.ndarray:
        """(N, K) index of the caption behind each of this system's embeddings (N, K, D) of `split`: every
        caption in order, or for two-stage the transcribed ones (`transcripts.caption_subset`)."""
        if self.name == "two_stage" and split in transcribed_splits(self.data):
            return transcribed_captions(self.data, split)
        records = self.data.records[split]
        return np.tile(np.arange(len(records[0].wavs)), (len(records), 1))

    def finished_run(self) -> Run:
        """`run` once finished, or an error that says how to make it."""
        run, data = self.run, self.data
        if run.done:
            return run
        where = f"no finished {self.name} embeddings for this request (run {run.folder.name} under {run.folder.parent})"
        request = (f"--dataset {data.dataset} --profile {data.profile.name} --seed {data.seed} "
                   f"--train-seed {self.encoder_seed}")
        if data.view is not None:
            raise FileNotFoundError(f"{where}: make the validation view's with `python benchmarks/"
                                    f"validation_choices.py classifier {request}`")
        raise FileNotFoundError(f"{where}: make them with notebooks/01_encoder.ipynb or `python -m s2i_lib encoders "
                                f"{request}`")

    @property
    def embedding_dim(self) -> int:
        """D of the finished embeddings, read from the run's record (no tensor loaded)."""
        return self.finished_run().summary[self.splits[-1]][-1]

    def load(self) -> SystemEmbeddings:
        """The exported embeddings of both splits (the pipeline two-stage's train split: the text system's), or
        an error that says how to make them."""
        run = self.finished_run()
        embeddings = {s: load_split(run.folder / f"{s}.pt", self.data.records[s]) for s in self.splits}
        if self.pipeline:
            embeddings["train"] = self.gan_system.load().embeddings["train"]
        return SystemEmbeddings(self.name, run, embeddings)


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
    request = System(data, system, teacher.run, tsl, train_seed)
    splits = request.splits
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
        if not request.pipeline:
            encoder = train_text_encoder(system, texts["train"], data, teacher, inputs, tsl, train_seed, device,
                                         progress)
        else:                       # pipeline two-stage: the text system's encoder, and its train embeddings
            text = build_system(data, "text", teacher, tsl, train_seed, device=device, progress=progress)
            encoder, shared = text.encoder, {"train": text.embeddings["train"]}
        embed = {s: (lambda s=s: embed_texts(encoder.model, encoder.vocab, texts[s])) for s in splits}

    def export(folder: Path) -> dict[str, Tensor]:
        embeddings = {}
        for split in splits:
            path = folder / f"{split}.pt"
            try:
                embeddings[split] = load_split(path, data.records[split]) if request.run.done else None
            except (CorruptFileError, FileNotFoundError, ValueError) as e:
                print(f"embedding again: {e}")
                embeddings[split] = None
            if embeddings[split] is None:
                embeddings[split] = embed[split]()
                save_split(path, data.records[split], embeddings[split], system)
        return embeddings
    embeddings = request.run.made(export, lambda made: {split: list(e.shape) for split, e in made.items()})
    return SystemEmbeddings(system, request.run, {**shared, **embeddings}, encoder)


def build_systems(data: PreparedData, train_seed: int = TRAIN_SEED, systems: tuple[str, ...] = tuple(SYSTEMS),
                  teacher: str | None = None, device: str = "cpu", progress: bool = True) -> dict[str, SystemEmbeddings]:
    """One training seed's encoders: the teacher features (option `teacher`, default the profile's), then each of
    `systems`' encoder and embeddings trained (or reused) with `train_seed`."""
    features = teacher_stage(data, teacher, train_seed=train_seed, device=device, progress=progress)
    return {s: build_system(data, check_system(s), features, train_seed=train_seed, device=device, progress=progress)
            for s in systems}
