"""Degraded speech for the offline stand-in of Table III: additive noise at a set SNR and synthetic reverberation.

The paper's Table III uses real spoken captions (Places audio captions), which cannot be installed offline. The
stand-in degrades the built-in synthetic test speech instead, and is labelled "not real speech" wherever it is
shown: noise that is not speech-shaped (white, pink) and babble made of other utterances, mixed at a signal-to-
noise ratio computed over the whole utterance, and reverberation from a synthetic room impulse response
(exponentially decaying Gaussian noise after a direct path, the decay set by the reverberation time RT60).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

NOISES = ("white", "pink", "babble")


def power(audio: np.ndarray) -> float:
    return float(np.mean(np.square(audio, dtype=np.float64)))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`speech` plus `noise` (tiled or cut to its length) scaled so that 10 log10(P_speech / P_noise) = snr_db."""
    if power(speech) == 0 or power(noise) == 0:
        raise ValueError("speech and noise must both have non-zero power")
    noise = np.resize(noise, len(speech)).astype(np.float64)
    scale = np.sqrt(power(speech) / (power(noise) * 10 ** (snr_db / 10)))
    return (speech + scale * noise).astype(np.float32)


def white_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise shaped to a 1/f power spectrum (-3 dB per octave), zero mean."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    pink = np.fft.irfft(spectrum / np.sqrt(f), n)
    return pink - pink.mean()


def babble(others: list[np.ndarray], n: int, rng: np.random.Generator, talkers: int = 4) -> np.ndarray:
    """The sum of `talkers` utterances drawn from `others` (each at equal power, looped to length `n`)."""
    if len(others) < talkers:
        raise ValueError(f"babble of {talkers} talkers needs at least {talkers} other utterances, got {len(others)}")
    picks = rng.choice(len(others), talkers, replace=False)
    out = np.zeros(n)
    for i in picks:
        voice = np.resize(others[i].astype(np.float64), n)
        out += voice / np.sqrt(power(voice))
    return out


def noise_of(kind: str, n: int, rng: np.random.Generator, others: list[np.ndarray] | None = None) -> np.ndarray:
    """`n` samples of noise `kind` (one of NOISES); babble draws its talkers from `others`."""
    if kind == "white":
        return white_noise(n, rng)
    if kind == "pink":
        return pink_noise(n, rng)
    if kind == "babble":
        return babble(others or [], n, rng)
    raise ValueError(f"unknown noise {kind!r}; choose one of {NOISES}")


def room_impulse_response(rt60_s: float, sample_rate: int, rng: np.random.Generator,
                          direct_to_reverb_db: float = 0.0) -> np.ndarray:
    """A synthetic impulse response `rt60_s` long: a unit direct path, then Gaussian noise whose energy decays
    by 60 dB over `rt60_s`, scaled so that its total energy is `direct_to_reverb_db` below the direct path's."""
    if rt60_s <= 0:
        raise ValueError(f"rt60_s must be positive, not {rt60_s}")
    n = int(round(rt60_s * sample_rate))
    t = np.arange(1, n) / sample_rate
    tail = rng.standard_normal(n - 1) * 10 ** (-3 * t / rt60_s)          # amplitude: -60 dB of energy at rt60
    tail *= np.sqrt(10 ** (-direct_to_reverb_db / 10) / np.sum(tail ** 2))
    return np.concatenate([[1.0], tail])


def reverberate(speech: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """`speech` convolved with `rir`, cut to the speech's length and scaled back to its peak."""
    wet = fftconvolve(speech.astype(np.float64), rir)[:len(speech)]
    peak = np.abs(wet).max()
    return (wet * (np.abs(speech).max() / peak if peak > 0 else 1.0)).astype(np.float32)


@dataclass(frozen=True)
class Condition:
    """One listening condition of the stand-in: clean, additive `noise` at `snr_db`, or reverberation of `rt60_s`
    (both when both are set: reverberant speech in noise)."""
    noise: str | None = None
    snr_db: float | None = None
    rt60_s: float | None = None

    @property
    def name(self) -> str:
        parts = ([f"reverb {self.rt60_s:g} s"] if self.rt60_s else []) + \
                ([f"{self.noise} {self.snr_db:g} dB"] if self.noise else [])
        return ", ".join(parts) or "clean"

    @property
    def folder(self) -> str:
        return self.name.replace(", ", "+").replace(" ", "_")

    def apply(self, speech: np.ndarray, sample_rate: int, rng: np.random.Generator,
              others: list[np.ndarray] | None = None) -> np.ndarray:
        """`speech` under this condition (reverberation first, then noise; babble talkers from `others`),
        scaled down to a peak of 0.99 when the mix would clip (the SNR is unchanged)."""
        out = speech.astype(np.float32)
        if self.rt60_s:
            out = reverberate(out, room_impulse_response(self.rt60_s, sample_rate, rng))
        if self.noise:
            out = mix_at_snr(out, noise_of(self.noise, len(out), rng, others), self.snr_db)
        peak = float(np.abs(out).max())
        return out * (0.99 / peak) if peak > 0.99 else out


CLEAN = Condition()


def conditions(noises: tuple[str, ...], snrs_db: tuple[float, ...], rt60s_s: tuple[float, ...]) -> list[Condition]:
    """Clean, then every noise from the highest SNR to the lowest, then every reverberation time."""
    unknown = [n for n in noises if n not in NOISES]
    if unknown:
        raise ValueError(f"unknown noise {unknown}; choose from {NOISES}")
    return [CLEAN, *(Condition(noise, snr) for noise in noises for snr in sorted(snrs_db, reverse=True)),
            *(Condition(rt60_s=t) for t in rt60s_s)]


def condition_groups(listed: list[Condition]) -> list[list[Condition]]:
    """The conditions as series that get harder: clean then each noise (in the listed order of its SNRs), and
    clean then the reverberation times."""
    kinds = list(dict.fromkeys(c.noise or "reverb" for c in listed if c != CLEAN))
    return [[CLEAN, *(c for c in listed if c != CLEAN and (c.noise or "reverb") == kind)] for kind in kinds]
