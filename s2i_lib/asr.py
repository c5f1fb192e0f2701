"""Offline speech recognition for the two-stage (speech -> text -> image) baseline, and word error rate.

The recogniser is pocketsphinx 5 with the US-English acoustic model, dictionary and language model bundled in
its wheel, so nothing is downloaded. It is a weak, generic recogniser, in the role of the DeepSpeech model the
paper used (whose WER on the paper's synthesized speech was above 50%).
"""
from __future__ import annotations

import re
import threading

import numpy as np
from scipy.signal import resample_poly

SAMPLE_RATE = 16000


class Recognizer:
    """pocketsphinx decoder with its bundled en-us model, loaded once per instance (~0.3 s)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        self._lock = threading.Lock()

    def transcribe(self, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> str:
        """Lower-case words recognised in mono `audio` (float in [-1, 1] or int16); "" when nothing is heard."""
        x = np.asarray(audio)
        if x.ndim != 1:
            raise ValueError(f"expected mono audio (1-D), got shape {x.shape}")
        x = x.astype(np.float64) / 32768.0 if x.dtype == np.int16 else x.astype(np.float64)
        if not x.size or not np.any(x):
            return ""   # the decoder hallucinates words in digital silence
        if sample_rate != SAMPLE_RATE:
            x = resample_poly(x, SAMPLE_RATE, sample_rate)
        pcm = (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        return " ".join(hyp.hypstr.lower().split()) if hyp is not None else ""


def normalize_text(text: str) -> str:
    """Lower case, punctuation (except in-word apostrophes) replaced by spaces, single spaces."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower())
    return " ".join(w.strip("'") for w in text.split() if w.strip("'"))


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Corpus WER (total edits / total reference words) after `normalize_text`, computed by jiwer."""
    import jiwer

    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    refs = [normalize_text(r) for r in references]
    if not any(refs):
        raise ValueError("the references contain no words")
    return float(jiwer.wer(refs, [normalize_text(h) for h in hypotheses]))
