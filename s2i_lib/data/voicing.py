"""Speech for a real data set that has text captions only (CUB-200 or Oxford-102 with Reed et al.'s
`text_c10`), voiced offline by the project's voice pool, as the paper voiced its captions with a commercial
TTS (Sec. IV-A). See docs/running.md#voicing for how these spoken captions differ from the authors'.

The rule is the built-in set's (docs/builtin-data.md): a caption of a train image is spoken by a training
voice, a caption of a test image by any voice of the pool (the held-out test voices included), so the test
split still measures unheard voices. Voice, rate and pitch are drawn per utterance (`voices.draw_delivery`)
from a generator seeded by the data seed and the utterance alone (image key, caption index), so one
caption's draw never depends on another's.

The audio lives in a content-addressed store the project owns, `artifacts/<dataset>/voiced/`, never in the
data root: each wav is `<d[:2]>/<d>.wav`, `d` the digest of (format, text, voice, rate, pitch). A wav is
written under a temporary name and renamed into place, so a file that exists is whole: voicing interrupted at
any point resumes where it stopped, a changed caption (or seed, or voice pool) gets a new digest and is voiced
alone, and every profile shares the store (a real data set is used whole at each). One process voices at a
time (a lock on the store, as the profiles' own locks do not cover it): a second waits, then finds the wavs made.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..audio import write_wav
from ..checkpoint import disk_space_for, folder_lock
from ..config import artifacts_dir, shown
from ..progress import tqdm
from . import voices as tts
from .records import Record

VOICING_FORMAT = 1          # bump when the engines' output or the rule changes: every wav is voiced anew
VOICING_STREAM = 20201117   # keeps these draws apart from any other use of the data seed
MIN_SECONDS = 0.1           # a voice that returns less sound than this has not spoken the caption
# Utterances per second per process when two voice at once, all engines mixed by ENGINE_SHARE, measured by
# benchmarks/voicing_rate.py (results/voicing_rate.csv: 2-core AMD EPYC, AVX2); used only for the time announced
# before voicing starts (the progress bar then shows the time left at the rate it sees).
MEASURED_PER_CORE = 20.6


@dataclass(frozen=True)
class Utterance:
    """One caption to voice: where it came from, how it is spoken and where its wav is stored."""
    key: str
    index: int
    text: str
    voice: tts.Voice
    rate: float
    pitch: float
    wav: Path
    source: str             # "<caption file>, caption <k+1>" (or the image key), named in errors


def voiced_dir(dataset: str) -> Path:
    """The voiced audio's store of a real data set, shared by its profiles and data seeds."""
    return artifacts_dir(dataset, "voiced")


def utterance_rng(seed: int, key: str, index: int) -> np.random.Generator:
    """The generator of one utterance's voice, rate and pitch: the data seed and the utterance alone."""
    word = int(hashlib.sha256(f"{key}#{index}".encode()).hexdigest()[:16], 16)
    return np.random.default_rng([seed, VOICING_STREAM, word])


def plan(records: dict[str, list[Record]], seed: int, voices: list[tts.Voice], store: Path) -> list[Utterance]:
    """Every caption of every record, with its drawn delivery and its wav's place in `store`."""
    by_split = {split: tts.voices_for_split(split, voices) for split in records}
    planned = []
    for split, split_records in records.items():
        for record in split_records:
            for k, text in enumerate(record.captions):
                voice, rate, pitch = tts.draw_delivery(utterance_rng(seed, record.key, k), by_split[split])
                what = [VOICING_FORMAT, text, voice.id, round(rate, 6), round(pitch, 6)]
                digest = hashlib.sha256(json.dumps(what).encode()).hexdigest()[:24]
                source = f"{record.caption_file or record.key}, caption {k + 1}"
                planned.append(Utterance(record.key, k, text, voice, rate, pitch,
                                         store / digest[:2] / f"{digest}.wav", source))
    return planned


class VoicingError(RuntimeError):
    """A voice failed on a caption, or returned no sound for it; the message names the caption's file."""


def voice_one(utterance: Utterance) -> None:
    """Synthesize one utterance and write its wav atomically."""
    u = utterance
    try:
        audio = tts.synthesize(u.voice, u.text, rate=u.rate, pitch=u.pitch)
    except (RuntimeError, ValueError) as e:
        raise VoicingError(f"{u.source}: voice {u.voice.id} failed on {u.text!r}: {e}\nfix: edit that caption "
                           f"(English spelling, letters or digits) and run again; what is voiced is kept") from e
    if len(audio) < MIN_SECONDS * tts.SAMPLE_RATE or not np.any(audio):
        raise VoicingError(f"{u.source}: voice {u.voice.id} returned no sound for {u.text!r}\nfix: reword that "
                           f"caption and run again; what is voiced is kept")
    u.wav.parent.mkdir(parents=True, exist_ok=True)
    with disk_space_for(u.wav, "voiced caption"):
        write_wav(u.wav, audio, tts.SAMPLE_RATE)


def remove_own_temp_files(store: Path) -> None:
    """Delete the temporary wavs an interrupted voicing left in the store (ours: `.<name>.<pid>.tmp`)."""
    for leftover in [*store.glob(".*.tmp"), *store.glob("*/.*.tmp")]:
        leftover.unlink(missing_ok=True)


def voice_records(dataset: str, records: dict[str, list[Record]], seed: int, workers: int = 2,
                  progress: bool = True) -> dict[str, list[Record]]:
    """The records with a wav (and its voice) for every caption, voicing whatever the store lacks."""
    voices, notices = tts.available_voices()
    for notice in notices:
        print(f"voice pool: {notice}")
    if not any(v.use == "train" for v in voices):
        raise RuntimeError("no text-to-speech engine is available; run `make setup` (installs espeakng-loader)")
    store = voiced_dir(dataset)
    planned = plan(records, seed, voices, store)
    with folder_lock(store, "voiced captions"):
        remove_own_temp_files(store)
        _voice_missing(dataset, store, seed, planned, voices, notices, workers, progress)
    wavs = {(u.key, u.index): u for u in planned}
    return {split: [replace(r, wavs=[wavs[r.key, k].wav for k in range(len(r.captions))],
                            voices=[wavs[r.key, k].voice.id for k in range(len(r.captions))])
                    for r in split_records]
            for split, split_records in records.items()}


def _voice_missing(dataset: str, store: Path, seed: int, planned: list[Utterance], voices: list[tts.Voice],
                   notices: list[str], workers: int, progress: bool) -> None:
    """Voice the planned utterances whose wav the store lacks, saying how many and how long first."""
    todo = [u for u in planned if not u.wav.exists()]
    if todo and progress:
        seconds = len(todo) / (MEASURED_PER_CORE * max(workers, 1))
        expected = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
        print(f"{dataset}: {len(planned):,} text captions and no speech: voicing {len(todo):,} of them with "
              f"{len(voices)} offline voices into {shown(store)} (about {expected} on {workers} processes at the "
              f"rate measured on a 2-core EPYC; progress with the time left below)")
    start = time.time()
    bar = dict(total=len(todo), desc=f"voicing {dataset}", unit="caption", disable=not progress)
    if workers > 1 and len(todo) > 1:
        with get_context("spawn").Pool(workers) as pool:
            for _ in tqdm(pool.imap_unordered(voice_one, todo, chunksize=8), **bar):
                pass
    else:
        for utterance in tqdm(todo, **bar):
            voice_one(utterance)
    if todo:
        _write_summary(store, seed, planned, voices, notices, len(todo), time.time() - start, workers)


def _write_summary(store: Path, seed: int, planned: list[Utterance], voices: list[tts.Voice], notices: list[str],
                   voiced: int, seconds: float, workers: int) -> None:
    """`store/seed<seed>.json`: the voices, how many captions each spoke, and the last voicing's time."""
    counts = {v.id: sum(u.voice == v for u in planned) for v in voices}
    summary = {"format": VOICING_FORMAT, "seed": seed, "utterances": len(planned), "voiced_last_run": voiced,
               "seconds_last_run": round(seconds, 1), "processes": workers,
               "voices": [{"id": v.id, "engine": v.engine, "use": v.use, "utterances": counts[v.id]} for v in voices],
               "voice_notices": notices}
    tmp = store / f".seed{seed}.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(summary, indent=1))
    os.replace(tmp, store / f"seed{seed}.json")

