"""Table III's offline stand-in, labelled "not real speech" wherever it is shown: the trained systems, unchanged,
on test speech from voices held out of training, degraded by noise and reverberation (`s2i_lib.degrade`).

The paper's Table III runs the systems on real spoken captions (Places audio captions), which cannot be
installed offline (docs/deviations.md). Here, for up to `RobustnessSizes.images` seeded unseen-class test images,
one caption spoken by a held-out voice is put through every condition (clean, each noise at each SNR, each
reverberation time). The degraded recordings are written once to a keyed run (a person can listen to them), the
recogniser transcribes them for the two-stage system, and each system's measures go to its own keyed run, saved
condition by condition so that a killed call resumes:
- "cos to clean": cosine between an utterance's embedding under the condition and its clean embedding;
- "R@10": speech-to-image recall@10 among all test images' teacher features (TSL and two-stage, whose
  embeddings live in the teacher's space; the classifier-based encoder's do not);
- "WER": the recogniser's corpus WER (two-stage only: the others do not recognise words);
- "attributes": spoken-attribute accuracy of the image generated from the utterance (built-in data);
- "FID", "KID": of those images against the same test images' real ones at the generator's resolution. With
  ~100 images FID is biased far upward: compare it across conditions and systems here, never with Table II.
- the stand-in's own control, `SHUFFLED`: the clean embeddings deranged (each utterance generates for another
  test image), measured alike: the floor of R@10, attributes and cosine at this sample size.
Errors: bootstrap over the utterances (FID, accuracy, recall, WER, cosine), KID's std over subsets. Every
condition uses the same generator noise per utterance, so differences between conditions are not noise draws.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..audio import load_logmel, pad_or_truncate, read_wav, write_wav
from ..checkpoint import CorruptFileError, load_checkpoint, save_checkpoint
from ..data.prepare import PreparedData
from ..data.records import Record
from ..data.voices import voice_pool
from ..degrade import CLEAN, Condition, condition_groups, conditions
from ..generate import generate
from ..metrics.fid import fid_features
from ..metrics.retrieval import image_ranks
from ..metrics.semantic import pooled_accuracy, spoken_attribute_hits
from ..metrics.uncertainty import Estimate, bootstrap_error
from ..progress import tqdm
from .encoders import TrainedEncoder, embed_texts
from .evaluate import fid_estimate, kid_estimate, real_test_features
from .gan import GANRun, derangement, spoken_targets
from .runs import Run
from .transcripts import RECOGNISER, transcribe_files, wer_estimate

STANDIN = "offline stand-in: synthetic built-in speech from held-out voices, degraded (not real speech)"
STANDIN_SYSTEMS = ("two_stage", "classifier", "tsl")
SHUFFLED = "clean, shuffled (control)"     # each clean utterance generating for another's image: the floor
EXAMPLES = 4            # utterances whose generated images every condition keeps, for the figure
TALKERS = 4             # voices in the babble


def held_out_utterances(records: list[Record], limit: int, seed: int) -> list[tuple[int, int]]:
    """(test image, caption) pairs: for up to `limit` seeded test images, one of its captions spoken by a voice
    held out of training (`data.voices`, use "test"), in image order."""
    held = {v.id for v in voice_pool() if v.use == "test"}
    candidates = [(i, [k for k, v in enumerate(r.voices or ()) if v in held]) for i, r in enumerate(records)]
    candidates = [(i, ks) for i, ks in candidates if ks]
    if not candidates:
        raise ValueError("no test caption is spoken by a held-out voice: the stand-in needs the built-in data set "
                         "built with the held-out voices installed (see `make data`'s voice notices)")
    rng = np.random.default_rng([seed, 33])
    chosen = sorted(rng.choice(len(candidates), min(limit, len(candidates)), replace=False))
    return [(candidates[c][0], int(rng.choice(candidates[c][1]))) for c in chosen]


@dataclass(frozen=True)
class DegradedSpeech:
    """The stand-in's recordings: `pairs[m]`'s utterance under each condition, as wav files of the run."""
    run: Run
    pairs: list[tuple[int, int]]
    conditions: list[Condition]

    def wav(self, condition: Condition, m: int) -> Path:
        return self.run.folder / condition.folder / f"{m:05d}.wav"

    def key(self, condition: Condition, m: int) -> str:
        return f"{condition.folder}/{m:05d}"

    @property
    def series(self) -> list[list[str]]:
        """The condition names as series that get harder (`degrade.condition_groups`), for plots."""
        return [[c.name for c in group] for group in condition_groups(self.conditions)]


def degraded_speech(data: PreparedData, progress: bool = True) -> DegradedSpeech:
    """Write (or reuse, or finish) the profile's held-out-voice test utterances under every condition. Noise,
    babble talkers (other test images' captions) and impulse responses are seeded by the data seed, the
    condition and the utterance."""
    sizes = data.profile.robustness
    test = data.records["test"]
    pairs = held_out_utterances(test, sizes.images, data.seed)
    listening = conditions(sizes.noises, sizes.snrs_db, sizes.rt60s_s)
    run = Run("degraded", "held-out-voices", {"data": data.identity(("speech",)), "pairs": pairs,
                                             "conditions": [asdict(c) for c in listening]}, data.artifacts)
    speech = DegradedSpeech(run, pairs, listening)

    def write_missing(folder: Path) -> None:
        for c, condition in enumerate(listening):
            (folder / condition.folder).mkdir(exist_ok=True)
            for m, (i, k) in enumerate(tqdm(pairs, desc=f"degrade: {condition.name}", disable=not progress)):
                path = speech.wav(condition, m)
                if path.exists():
                    continue
                rng = np.random.default_rng([data.seed, c, m])
                audio, rate = read_wav(test[i].wavs[k])
                others = None
                if condition.noise == "babble":
                    images = rng.choice([j for j in range(len(test)) if j != i], TALKERS, replace=len(test) <= TALKERS)
                    others = [read_wav(test[j].wavs[rng.integers(len(test[j].wavs))])[0] for j in images]
                write_wav(path, condition.apply(audio, rate, rng, others), rate)
    if not run.done:
        run.made(write_missing, lambda _: {"utterances": len(pairs), "conditions": [c.name for c in listening]})
    return speech


def degraded_transcripts(data: PreparedData, speech: DegradedSpeech, workers: int | None = None,
                         progress: bool = True) -> tuple[Run, dict[str, str]]:
    """The recogniser's transcript of every degraded recording (`DegradedSpeech.key` -> text), resumable."""
    run = Run("transcripts", "degraded", {"speech": speech.run.key, "recogniser": RECOGNISER}, data.artifacts)
    jobs = [(speech.key(c, m), str(speech.wav(c, m))) for c in speech.conditions for m in range(len(speech.pairs))]
    heard = run.made(lambda folder: transcribe_files(jobs, folder / "transcripts.jsonl", workers or os.cpu_count() or 1,
                                                     progress), lambda _: {"utterances": len(jobs)})
    return run, heard


@torch.no_grad()
def speech_embeddings(model: torch.nn.Module, paths: list[Path], data: PreparedData) -> Tensor:
    """(M, D) speech-encoder embeddings of wav files, through the data set's filter bank and input length."""
    model.eval()
    pairs = [pad_or_truncate(load_logmel(p, data.fbanks.params), data.profile.data.target_length) for p in paths]
    device = next(model.parameters()).device
    return model(torch.stack([torch.as_tensor(p[0]) for p in pairs]).to(device),
                 torch.tensor([p[1] for p in pairs])).cpu()


def condition_embeddings(data: PreparedData, encoder: TrainedEncoder, speech: DegradedSpeech, condition: Condition,
                         transcripts: tuple[Run, dict[str, str]] | None) -> tuple[Tensor, list[str] | None]:
    """(M, D) embeddings of the stand-in's utterances under `condition`: the speech encoder's of the recordings,
    or for two-stage (given `transcripts`) the text encoder's of what the recogniser heard, returned beside."""
    if transcripts is None:
        wavs = [speech.wav(condition, m) for m in range(len(speech.pairs))]
        return speech_embeddings(encoder.model, wavs, data), None
    heard = [transcripts[1][speech.key(condition, m)] for m in range(len(speech.pairs))]
    return embed_texts(encoder.model, encoder.vocab, [[h] for h in heard])[:, 0], heard


def mean_estimate(values: np.ndarray, reps: int, seed: int) -> Estimate:
    """Mean of per-utterance values with its bootstrap error over the utterances."""
    values = np.asarray(values, dtype=np.float64)
    return Estimate(float(values.mean()), bootstrap_error(lambda idx: values[idx].mean(), len(values), reps, seed))


def robustness_run(data: PreparedData, gan: GANRun, speech: DegradedSpeech, transcripts: Run | None,
                   seed: int) -> Run:
    sizes = data.profile.eval
    return Run("robustness", gan.system.name, {
        "data": data.identity(), "gan": gan.run.key, "embeddings": gan.system.run.key, "speech": speech.run.key,
        "transcripts": transcripts.key if transcripts else None, "seed": seed,
        "eval": {"bootstrap_reps": sizes.bootstrap_reps, "kid_subsets": sizes.kid_subsets,
                 "kid_subset_size": sizes.kid_subset_size}}, data.artifacts)


@dataclass(frozen=True)
class StandinResult:
    """One system's measures per condition name, and the generated images (EXAMPLES, 3, H, W) per condition."""
    system: str
    run: Run
    measures: dict[str, dict[str, Estimate]]
    examples: dict[str, Tensor]


def measure_standin(data: PreparedData, gan: GANRun, netG, encoder: TrainedEncoder, speech: DegradedSpeech,
                    transcripts: tuple[Run, dict[str, str]] | None, image_features: Tensor, scorer=None,
                    seed: int = 0, device: str = "cpu", progress: bool = True) -> StandinResult:
    """`gan`'s system (its trained `encoder` and generator `netG`, unchanged) under every condition of `speech`;
    `image_features` (N, D) are the teacher's of all test images; the two-stage system reads `transcripts`
    (`degraded_transcripts`); `scorer` (built-in data) scores the spoken attributes. Reused, or resumed
    condition by condition, from its keyed run."""
    system = gan.system.name
    if system == "two_stage" and transcripts is None:
        raise ValueError("the two-stage system needs the recogniser's transcripts (degraded_transcripts)")
    transcripts = transcripts if system == "two_stage" else None          # only two-stage reads them
    run = robustness_run(data, gan, speech, transcripts[0] if transcripts else None, seed)

    def measure_missing(folder: Path) -> dict:
        path = folder / "measures.pt"
        try:
            state = load_checkpoint(path) or {"measures": {}, "examples": {}}
        except CorruptFileError as e:
            print(f"measuring every condition again: {e}")
            state = {"measures": {}, "examples": {}}
        test = data.records["test"]
        images_of = torch.tensor([i for i, _ in speech.pairs])
        reps, sizes = data.profile.eval.bootstrap_reps, data.profile.eval
        targets = spoken_targets(data, "test") if scorer is not None else None
        references = [test[i].captions[k] for i, k in speech.pairs]
        real = None

        def measured(name: str, embeddings: Tensor, heard: list[str] | None) -> None:
            nonlocal real
            measures = {"cos to clean": mean_estimate(F.cosine_similarity(embeddings, clean, dim=1).numpy(), reps,
                                                      seed)}
            if system != "classifier":
                hits = (image_ranks(embeddings, images_of, image_features) <= 10).double().numpy()
                measures["R@10"] = mean_estimate(hits, reps, seed)
            if heard is not None:
                measures["WER"] = wer_estimate(references, heard, reps, seed)
            images = generate(netG, embeddings[:, None], seed=seed, device=device, progress=False)[:, 0, 0]
            if scorer is not None:
                spoken = [targets[i][k] for i, k in speech.pairs]
                hits = spoken_attribute_hits(scorer, images.float() / 127.5 - 1, spoken)
                measures["attributes"] = pooled_accuracy(hits, reps, seed)
            if real is None:
                real = real_test_features(data, images.shape[-1], device, progress)[images_of.numpy()]
            fake = fid_features(images.float() / 255, device=device, progress=False)
            measures["FID"] = fid_estimate(real, fake[:, None], reps, seed)
            measures["KID"] = kid_estimate(real, fake, sizes.kid_subsets, sizes.kid_subset_size, seed)
            state["measures"][name] = {k: (v.value, v.error) for k, v in measures.items()}
            state["examples"][name] = images[:EXAMPLES].clone()
            save_checkpoint(path, state)
            if progress:
                print(f"{system}, {name}: " + "; ".join(f"{k} {v}" for k, v in measures.items()), flush=True)

        heard_clean = condition_embeddings(data, encoder, speech, CLEAN, transcripts)
        clean = heard_clean[0]
        for condition in speech.conditions:
            if condition.name not in state["measures"]:
                measured(condition.name, *(heard_clean if condition == CLEAN else
                                           condition_embeddings(data, encoder, speech, condition, transcripts)))
        if SHUFFLED not in state["measures"]:        # clean utterances, each generating another's image
            measured(SHUFFLED, clean[torch.as_tensor(derangement(len(clean), seed))], None)
        return state
    state = run.made(measure_missing, lambda state: {name: {k: str(Estimate(*v)) for k, v in m.items()}
                                                      for name, m in state["measures"].items()})
    return StandinResult(system, run, {name: {k: Estimate(*v) for k, v in m.items()}
                                       for name, m in state["measures"].items()}, state["examples"])
