"""Stage one of the two-stage baseline: transcribe spoken captions with the offline recogniser, resumably.

The paper's two-stage system transcribes every spoken caption with DeepSpeech (docs/authors-code.md#9); here it is
pocketsphinx (`s2i_lib.asr`). pocketsphinx runs at about 0.13 x real time on one core of the reference CPU
(0.6 s per built-in caption), so CPU profiles transcribe `per_image` seeded captions of each image instead of
all ten (a documented deviation). Transcripts are appended to a JSON-lines file one by one, so a killed run
resumes where it stopped. The file lives in a keyed run (`pipeline.runs`) whose config holds the data identity,
the recogniser and the subset size; the subset is drawn with the data seed.
"""
from __future__ import annotations

import json
import os
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..asr import normalize_text, word_error_rate
from ..audio import read_wav
from ..data.dataset import utterance_key
from ..data.prepare import PreparedData
from ..data.records import Record
from ..metrics.uncertainty import Estimate, bootstrap_error
from ..progress import tqdm
from .runs import Run

RECOGNISER = "pocketsphinx 5.1.1 (en-us)"

_recognizer = None


def _init_worker() -> None:
    global _recognizer
    from ..asr import Recognizer

    _recognizer = Recognizer()


def _transcribe(job: tuple[str, str]) -> tuple[str, str]:
    key, path = job
    audio, rate = read_wav(path)
    return key, _recognizer.transcribe(audio, rate)


def caption_subset(records: list[Record], per_image: int | None, seed: int = 0) -> list[tuple[int, int]]:
    """(record index, caption index) pairs: `per_image` captions drawn without replacement per image, or
    every caption when `per_image` is None."""
    rng = np.random.default_rng(seed)
    pairs = []
    for i, record in enumerate(records):
        n = len(record.wavs)
        ks = range(n) if per_image is None or per_image >= n else sorted(rng.choice(n, per_image, replace=False))
        pairs += [(i, int(k)) for k in ks]
    return pairs


def by_image(pairs: list[tuple[int, int]], n_images: int) -> list[list[int]]:
    """Per image, the caption indices of `pairs` (from `caption_subset`), in caption order."""
    out = [[] for _ in range(n_images)]
    for i, k in pairs:
        out[i].append(k)
    return out


def read_transcripts(path: str | Path) -> dict[str, str]:
    """key -> transcript from a JSON-lines file; a last line cut by a kill is ignored."""
    path = Path(path)
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[row["key"]] = row["text"]
    return out


def transcribe_files(jobs: list[tuple[str, str]], path: str | Path, workers: int = 1,
                     progress: bool = True) -> dict[str, str]:
    """Transcripts of the wav files of `jobs` (key, wav path), keyed by key; those already in `path` (JSON
    lines) are reused, the others are transcribed on `workers` processes and appended as they finish."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = read_transcripts(path)
    if path.exists() and path.read_bytes()[-1:] not in (b"", b"\n"):
        with open(path, "a") as f:          # end a line cut by a kill before appending
            f.write("\n")
    todo = [job for job in jobs if job[0] not in done]
    pool = get_context("spawn").Pool(workers, initializer=_init_worker) if workers > 1 and todo else None
    if pool is None and todo:
        _init_worker()
    with open(path, "a") as out, pool or nullcontext():
        results = pool.imap(_transcribe, todo, chunksize=4) if pool else map(_transcribe, todo)
        for key, text in tqdm(results, total=len(todo), desc="pocketsphinx", disable=not progress):
            out.write(json.dumps({"key": key, "text": text}) + "\n")
            out.flush()
            done[key] = text
    return {key: done[key] for key, _ in jobs}


def transcribe_captions(records: list[Record], pairs: list[tuple[int, int]], path: str | Path, workers: int = 1,
                        progress: bool = True) -> dict[str, str]:
    """Transcripts of the (record, caption) `pairs`, keyed by `utterance_key` (`transcribe_files`)."""
    jobs = [(utterance_key(records[i], k), str(records[i].wavs[k])) for i, k in pairs]
    return transcribe_files(jobs, path, workers, progress)


def wer_estimate(references: list[str], hypotheses: list[str], reps: int, seed: int) -> Estimate:
    """Corpus WER (`asr.word_error_rate`) with its bootstrap error over the utterances (NaN for one utterance)."""
    words = np.array([len(normalize_text(r).split()) for r in references], dtype=np.float64)
    errors = np.array([word_error_rate([r], [h]) * n for r, h, n in zip(references, hypotheses, words)])
    wer = word_error_rate(references, hypotheses)
    if len(words) < 2:
        return Estimate(wer, float("nan"))
    return Estimate(wer, bootstrap_error(lambda idx: errors[idx].sum() / max(words[idx].sum(), 1), len(words), reps,
                                         seed))


def wer_by_voice(records: list[Record], pairs: list[tuple[int, int]], transcripts: dict[str, str],
                 held_out: tuple[str, ...] = (), reps: int = 50, seed: int = 0) -> list[dict]:
    """Corpus WER of the transcribed captions per voice (voices of `held_out` marked), then over all, each with
    its bootstrap error over the utterances (`wer_estimate`)."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for i, k in pairs:
        voice = records[i].voices[k] if records[i].voices else "unknown"
        refs, hyps = groups.setdefault(voice, ([], []))
        refs.append(records[i].captions[k])
        hyps.append(transcripts[utterance_key(records[i], k)])
    rows = [{"voice": v, "held out": v in held_out, "utterances": len(refs),
             "WER": wer_estimate(refs, hyps, reps, seed)} for v, (refs, hyps) in sorted(groups.items())]
    all_refs = [r for refs, _ in groups.values() for r in refs]
    all_hyps = [h for _, hyps in groups.values() for h in hyps]
    rows.append({"voice": "all", "held out": "", "utterances": len(all_refs),
                 "WER": wer_estimate(all_refs, all_hyps, reps, seed)})
    return rows


@dataclass(frozen=True)
class Transcripts:
    """The recogniser's transcripts of a seeded subset of the spoken captions of each transcribed split."""
    run: Run
    pairs: dict[str, list[tuple[int, int]]]      # split -> (record index, caption index)
    heard: dict[str, dict[str, str]]             # split -> utterance key -> transcript

    def texts(self, records: dict[str, list[Record]], split: str) -> list[list[str]]:
        """Per image of `split`, the transcripts of its transcribed captions, in caption order."""
        return [[self.heard[split][utterance_key(record, k)] for k in ks]
                for record, ks in zip(records[split], by_image(self.pairs[split], len(records[split])))]


TWO_STAGE_READINGS = ("retrained", "pipeline")


def two_stage_reading(data: PreparedData) -> str:
    """The profile's reading of the two-stage system (`pipeline.systems`), checked."""
    reading = data.profile.encoder.two_stage
    if reading not in TWO_STAGE_READINGS:
        raise ValueError(f"two_stage must be one of {TWO_STAGE_READINGS}, not {reading!r}")
    return reading


def transcribed_splits(data: PreparedData) -> tuple[str, ...]:
    """Both splits for the paper's two-stage system (retrained on transcripts); only the test split when the
    recogniser sits in front of the text system ("pipeline", `pipeline.systems`)."""
    return ("test",) if two_stage_reading(data) == "pipeline" else ("train", "test")


def transcripts_run(data: PreparedData) -> Run:
    return Run("transcripts", "asr", {"data": data.identity(("speech",)), "recogniser": RECOGNISER,
                                      "per_image": data.profile.encoder.asr_per_image,
                                      "splits": list(transcribed_splits(data))}, data.artifacts)


def transcripts_stage(data: PreparedData, workers: int | None = None, progress: bool = True) -> Transcripts:
    """Transcribe (or reuse, or resume) the profile's caption subset of the splits the two-stage system needs,
    on `workers` processes (default: every core; pocketsphinx is single-threaded)."""
    run = transcripts_run(data)
    per_image = data.profile.encoder.asr_per_image
    workers = workers or os.cpu_count() or 1
    splits = transcribed_splits(data)
    pairs = {split: caption_subset(data.records[split], per_image, seed=data.seed) for split in splits}
    heard = run.made(lambda folder: {split: transcribe_captions(data.records[split], pairs[split],
                                                                folder / "transcripts.jsonl", workers, progress)
                                     for split in splits},
                     lambda _: {split: len(p) for split, p in pairs.items()})
    return Transcripts(run, pairs, heard)
