"""Any recording through a trained speech encoder and its GAN: `python -m s2i_lib translate some.wav`.

A speech encoder's run folder describes itself (`encoder.json`: constructor arguments, the spectrogram length
it was trained on, the filter-bank parameters, the teacher run), so `load_speech_encoder` needs only that folder,
not the data set. `embed_recording` takes a file (anything libsndfile reads: wav, flac, ogg; any rate; stereo is
averaged) or an array, and says what it did to fit the input: resampled, cut to the profile's length, or padded
when shorter than the encoder's 64-frame step (paper III-A; the authors pad with 0 dB, docs/authors-code.md#2).

A short clip's embedding is small: the encoder averages over every padded step (the authors' `mean`), so a 1 s
phrase fills one step of twelve at 768 frames. `EmbeddingRange` holds the norms seen in training, and a
recording whose embedding falls outside them is flagged rather than refused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import soundfile
import torch
from PIL import Image
from torch import Tensor

from .audio import MIN_FRAMES, AudioError, FbankParams, logmel, pad_or_truncate, read_wav, resample
from .checkpoint import load_checkpoint
from .models.speech_encoder import SpeechEncoder

DESCRIPTION = "encoder.json"


class NoTrainedRunError(FileNotFoundError):
    """The run a translation needs does not exist or is not finished; the message names the make target."""


def speech_encoder_description(kind: str, model: SpeechEncoder, width: float, target_length: int,
                               fbank: FbankParams, teacher: str) -> dict:
    """What a speech encoder run writes as `encoder.json`: everything `load_speech_encoder` needs."""
    return {"kind": kind, "embedding_dim": model.embedding_dim, "n_mels": fbank.n_mels, "width": width,
            "bidirectional": model.rnn.bidirectional, "target_length": target_length, "fbank": fbank.to_dict(),
            "teacher": teacher}


@dataclass(frozen=True)
class LoadedSpeechEncoder:
    """A trained speech encoder (eval mode) with the input length and filter bank it was trained on."""
    model: SpeechEncoder
    target_length: int
    fbank: FbankParams
    folder: Path
    description: dict

    @property
    def seconds(self) -> float:
        return self.target_length * self.fbank.hop_ms / 1000


def load_speech_encoder(folder: str | Path, device: str | torch.device = "cpu") -> LoadedSpeechEncoder:
    """The speech encoder of a finished encoder run folder (TSL or classifier-based), from its `encoder.json`
    and `last.pt` alone."""
    folder = Path(folder)
    path = folder / DESCRIPTION
    if not path.exists():
        raise NoTrainedRunError(f"{folder} has no {DESCRIPTION}: it is not a finished speech encoder run (or one "
                                f"trained before runs described themselves); run `make reproduce-table2` (or "
                                f"`python -m s2i_lib encoders`), which writes it")
    description = json.loads(path.read_text())
    state = load_checkpoint(folder / "last.pt", fix=f"delete {folder} and train the encoder again")
    if state is None:
        raise NoTrainedRunError(f"{folder / 'last.pt'} does not exist: train the encoder (`make reproduce-table2`)")
    weights = state["model"]
    if description["kind"] == "classifier":          # ClassifierEncoder: the encoder without its class head
        weights = {k[len("encoder."):]: v for k, v in weights.items() if k.startswith("encoder.")}
    with torch.device("meta"):
        model = SpeechEncoder(description["embedding_dim"], description["n_mels"], description["width"],
                              description["bidirectional"])
    model.load_state_dict(weights, assign=True)
    return LoadedSpeechEncoder(model.to(device).eval(), description["target_length"],
                               FbankParams(**description["fbank"]), folder, description)


@dataclass(frozen=True)
class Heard:
    """One recording as the encoder received it: its embedding (D,), log-Mel spectrogram (n_mels, frames kept),
    duration in seconds before any cut, and notes on what was done to fit it."""
    embedding: Tensor
    spectrogram: np.ndarray
    seconds: float
    notes: list[str] = field(default_factory=list)


@torch.no_grad()
def embed_recording(encoder: LoadedSpeechEncoder, source: str | Path | np.ndarray,
                    sample_rate: int | None = None) -> Heard:
    """Embed a recording (a file path, or a mono/stereo array with its `sample_rate`). Raises AudioError naming
    the file for unreadable, empty or silent input; long input is cut and short input padded, with a note."""
    params, notes = encoder.fbank, []
    if isinstance(source, (str, Path)):
        name = str(source)
        audio, rate = read_wav(source)
        channels = soundfile.info(str(source)).channels
        if channels > 1:
            notes.append(f"{channels} channels mixed down to one (their mean)")
    else:
        if sample_rate is None:
            raise ValueError("an array needs its sample_rate")
        name, audio, rate = "<array>", np.asarray(source, dtype=np.float32), sample_rate
        if audio.ndim == 2:                              # (samples, channels), as soundfile reads it
            audio = audio.mean(axis=1)
        if audio.size == 0:
            raise AudioError(f"{name}: empty audio (0 samples)")
    if rate != params.sample_rate:
        notes.append(f"resampled from {rate} Hz to {params.sample_rate} Hz")
        audio = resample(audio, rate, params.sample_rate)
    seconds = len(audio) / params.sample_rate
    spec = logmel(audio, params, name=name)
    if spec.shape[1] > encoder.target_length:
        notes.append(f"cut to the first {encoder.seconds:.2f} s of {seconds:.2f} s (the encoder's input length)")
    elif spec.shape[1] < MIN_FRAMES:
        notes.append(f"shorter than {MIN_FRAMES * params.hop_ms / 1000:.2f} s (one encoder step): padded")
    padded, kept = pad_or_truncate(spec, encoder.target_length)
    device = next(encoder.model.parameters()).device
    embedding = encoder.model(padded[None].to(device), torch.tensor([kept]))[0].cpu()
    return Heard(embedding, spec[:, :kept], seconds, notes)


@dataclass(frozen=True)
class EmbeddingRange:
    """The 1st and 99th percentiles of the training captions' embedding norms: what the GAN was trained on."""
    low: float
    high: float

    @classmethod
    def of(cls, embeddings: Tensor) -> "EmbeddingRange":
        norms = embeddings.reshape(-1, embeddings.shape[-1]).norm(dim=1).double().numpy()
        return cls(float(np.percentile(norms, 1)), float(np.percentile(norms, 99)))

    def __str__(self) -> str:
        return f"{self.low:.2f}-{self.high:.2f} (1st-99th percentile of the norms)"

    def warning(self, embedding: Tensor) -> str | None:
        """A sentence when `embedding`'s norm lies outside the range, else None."""
        norm = float(embedding.norm())
        if self.low <= norm <= self.high:
            return None
        side = "below" if norm < self.low else "above"
        return (f"the embedding's norm {norm:.2f} is {side} the training captions' range {self.low:.2f}-"
                f"{self.high:.2f} (1st-99th percentile): the generator was not trained on such inputs")


def nearest_captions(embedding: Tensor, train: Tensor, captions: list[list[str]],
                     k: int = 5) -> list[tuple[float, str]]:
    """The `k` training captions whose embeddings (N, K, D) are closest in cosine similarity to `embedding`,
    with their similarities: what the encoder "heard"."""
    flat = torch.nn.functional.normalize(train.reshape(-1, train.shape[-1]).float(), dim=1)
    sims = flat @ torch.nn.functional.normalize(embedding.float(), dim=0)
    best = sims.topk(min(k, len(sims)))
    per_image = train.shape[1]
    return [(float(s), captions[i // per_image][i % per_image]) for s, i in zip(best.values, best.indices.tolist())]


def length_effect(encoder: LoadedSpeechEncoder, recordings: list[np.ndarray], seconds: list[float],
                  bounds: EmbeddingRange) -> list[dict]:
    """How a recording's length moves its embedding: each of `recordings` (16 kHz arrays) cut to each of
    `seconds`, against the same recording uncut. Per length: the median norm ratio (cut / uncut), the median
    cosine similarity to the uncut embedding, and the share of cut embeddings outside the training range."""
    rate = encoder.fbank.sample_rate
    full = [embed_recording(encoder, audio, rate).embedding for audio in recordings]
    rows = []
    for length in seconds:
        cut = [embed_recording(encoder, audio[:int(length * rate)], rate).embedding for audio in recordings]
        rows.append({"seconds": length,
                     "norm ratio (median)": float(np.median([float(c.norm() / f.norm()) for c, f in zip(cut, full)])),
                     "cosine to uncut (median)": float(np.median(
                         [float(torch.nn.functional.cosine_similarity(c, f, dim=0)) for c, f in zip(cut, full)])),
                     "outside training range": float(np.mean([bounds.warning(c) is not None for c in cut]))})
    return rows


def run_by_key(runs: Path, kind: str, key: str) -> Path:
    """The folder `runs/<kind>/<name>-<key>`; NoTrainedRunError when it is missing."""
    found = sorted((runs / kind).glob(f"*-{key}"))
    if not found:
        raise NoTrainedRunError(f"no {kind} run with key {key} under {runs / kind}: run `make reproduce-table2`")
    return found[0]


def latest_gan(runs: Path, system: str = "tsl", train_seed: int | None = None) -> Path:
    """The most recently finished GAN run of `system` under `runs` (a data set's artifacts/.../runs folder),
    among those trained with `train_seed` when given."""
    finished = sorted((runs / "gan").glob(f"{system}-*/done.json"), key=lambda p: p.stat().st_mtime)
    if train_seed is not None:
        finished = [p for p in finished
                    if json.loads((p.parent / "config.json").read_text())["config"]["train"]["seed"] == train_seed]
    if not finished:
        seeded = "" if train_seed is None else f" with training seed {train_seed}"
        raise NoTrainedRunError(f"no finished {system} GAN{seeded} under {runs / 'gan'}: run `make reproduce-table2` "
                                f"(or `python -m s2i_lib gan --system {system}`) first")
    return finished[-1].parent


@dataclass(frozen=True)
class Translator:
    """What a translation needs from a finished GAN run: its speech encoder, its EMA generator, and the training
    captions' embeddings (N, K, D) with their record keys (None where the embeddings run is gone)."""
    encoder: LoadedSpeechEncoder
    netG: torch.nn.Module
    train: Tensor | None
    train_keys: list[str]
    gan_folder: Path

    @cached_property
    def bounds(self) -> EmbeddingRange | None:
        return None if self.train is None else EmbeddingRange.of(self.train)


def load_translator(gan_folder: str | Path, device: str | torch.device = "cpu") -> Translator:
    """The encoder and generator behind the GAN run `gan_folder`: its config names the embeddings run, whose
    config names the encoder run (all under the same `runs/` folder)."""
    from .train.gan import load_generator
    gan_folder = Path(gan_folder)
    if not (gan_folder / "done.json").exists():
        raise NoTrainedRunError(f"{gan_folder} is not a finished GAN run: run `make reproduce-table2` first")
    runs = gan_folder.parent.parent
    gan_config = json.loads((gan_folder / "config.json").read_text())["config"]
    embeddings = run_by_key(runs, "embeddings", gan_config["embeddings"])
    encoder_key = json.loads((embeddings / "config.json").read_text())["config"]["encoder"]
    encoder = load_speech_encoder(run_by_key(runs, "encoder", encoder_key), device)
    train = load_checkpoint(embeddings / "train.pt", fix=f"delete {embeddings} and rerun the encoder stage")
    return Translator(encoder, load_generator(gan_folder / "last.pt", device),
                      None if train is None else train["embeddings"], [] if train is None else train["keys"],
                      gan_folder)


@dataclass(frozen=True)
class Translation:
    heard: Heard
    images: Tensor                       # (N, 3, H, W) uint8
    paths: list[Path]                    # the N PNGs, then the sheet
    nearest: list[tuple[float, str]]     # (cosine similarity, training caption), best first; [] without captions
    warnings: list[str]


def translate(source: str | Path | np.ndarray, translator: Translator, out_dir: str | Path, images: int = 8,
              seed: int = 0, captions: dict[str, list[str]] | None = None, sample_rate: int | None = None,
              name: str = "recording") -> Translation:
    """Embed `source` (a file, or an array with its `sample_rate`, written as `name`), draw `images` images from
    different noise (seeded by `seed`) with the translator's EMA generator, and write them and a sheet (the
    spectrogram above the images) to `out_dir`. `captions` (record key -> its captions) adds the nearest
    training captions."""
    import matplotlib.pyplot as plt

    from .generate import generate
    from .plots import translation_sheet
    heard = embed_recording(translator.encoder, source, sample_rate)
    warnings = list(heard.notes)
    if translator.bounds is not None:
        warning = translator.bounds.warning(heard.embedding)
        warnings += [warning] if warning else []
    nearest = []
    if translator.train is not None and captions:
        if all(key in captions for key in translator.train_keys):
            texts = [captions[key] for key in translator.train_keys]
            nearest = nearest_captions(heard.embedding, translator.train, texts)
        else:
            warnings.append("the training captions found here are not those this GAN's encoder was trained on "
                            "(another data set or profile): nearest captions not shown")
    device = next(translator.netG.parameters()).device
    drawn = generate(translator.netG, heard.embedding[None, None], seed=seed, samples_per_caption=images,
                     device=device, progress=False)[0, 0]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(source).stem if isinstance(source, (str, Path)) else name
    paths = []
    for i, image in enumerate(drawn):
        paths.append(out_dir / f"{stem}_{i}.png")
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(paths[-1])
    sheet = translation_sheet(heard.spectrogram, drawn.permute(0, 2, 3, 1).numpy(),
                              f"{stem}: {heard.seconds:.2f} s" + "".join(f"; {n}" for n in warnings),
                              translator.encoder.fbank.hop_ms)
    paths.append(out_dir / f"{stem}_sheet.png")
    sheet.savefig(paths[-1], dpi=120, bbox_inches="tight")
    plt.close(sheet)
    return Translation(heard, drawn, paths, nearest, warnings)


def images_by_length(translator: Translator, audio: np.ndarray, sample_rate: int, seconds: list[float],
                     seed: int = 0) -> tuple[Tensor, list[float]]:
    """The first `s` seconds of `audio`, for each `s` in `seconds`, through the encoder and the generator with
    the same noise: uint8 images (L, 3, H, W) and the embeddings' norms."""
    from .generate import generate
    device = next(translator.netG.parameters()).device
    images, norms = [], []
    for length in seconds:
        embedding = embed_recording(translator.encoder, audio[:int(length * sample_rate)], sample_rate).embedding
        images.append(generate(translator.netG, embedding[None, None], seed=seed, device=device,
                               progress=False)[0, 0, 0])
        norms.append(float(embedding.norm()))
    return torch.stack(images), norms
