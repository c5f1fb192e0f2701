"""Speech front end: waveform -> 40-band log-Mel filter-bank spectrogram (paper section III-F).

The paper: DC removal by mean subtraction, pre-emphasis, STFT with a 25 ms Hamming window and a 10 ms shift,
squared magnitude, log energies of 40 Mel bands. Where the paper is silent we follow the authors' code
(docs/authors-code.md#2, DAVEnet's `_LoadAudio`): 16 kHz, pre-emphasis 0.97, n_fft = window = 400, hop = 160, a
symmetric Hamming window, librosa-style centred frames (reflect padding), Slaney Mel bands from 20 Hz to
8 kHz, and `power_to_db(ref=max)`, so each utterance's loudest bin is 0 dB and values lie in [-80, 0].

Length handling (docs/authors-code.md#2-3): the speech encoder shortens time 64x, so an utterance needs at least
`MIN_FRAMES = 64` frames. Spectrograms are padded or cut to a fixed `target_length` (a multiple of 64; the
authors use 2048) with the authors' padding value 0 dB. A fixed length keeps the authors' mean pooling (which
includes padded steps) independent of how utterances are batched; the RNN sees `n_frames // 64` valid steps.
"""
from __future__ import annotations

import os
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile
import torch
import torchaudio.functional as AF

from .config import TIME_REDUCTION

MIN_FRAMES = TIME_REDUCTION   # the encoder's time reduction needs at least one output step


class AudioError(ValueError):
    """A wav file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class FbankParams:
    """Everything that determines the features; stored beside every cache so a mismatch is detected."""
    sample_rate: int = 16000
    n_mels: int = 40
    win_ms: float = 25.0
    hop_ms: float = 10.0
    preemphasis: float = 0.97
    f_min: float = 20.0
    top_db: float = 80.0
    silence_rms: float = 1e-4   # below this RMS (full scale = 1) an utterance counts as silent
    max_abs_scale: bool = False  # divide by the largest |value| (the authors do it for Places only)

    @property
    def n_fft(self) -> int:
        return int(round(self.sample_rate * self.win_ms / 1000))

    @property
    def hop(self) -> int:
        return int(round(self.sample_rate * self.hop_ms / 1000))

    def to_dict(self) -> dict:
        return asdict(self)


def wav_header_problem(path: Path) -> str | None:
    """What is wrong with a RIFF/WAVE file's header, read without decoding: a sample rate of 0, no `data`
    chunk, or a `data` chunk the file does not hold in full (a file cut short). None when it looks whole."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None                               # not RIFF/WAVE: left to the decoder to judge
        size = os.fstat(f.fileno()).st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return "no data chunk (no samples)"
            name, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            if name == b"fmt ":
                fmt = f.read(length)
                if len(fmt) >= 8 and int.from_bytes(fmt[4:8], "little") == 0:
                    return "its header gives a sample rate of 0"
                f.seek(length % 2, 1)
            elif name == b"data":
                held = size - f.tell()
                if length not in (0, 0xFFFFFFFF) and held < length:
                    return f"cut short: its header announces {length} bytes of samples, the file holds {held}"
                return None
            else:
                f.seek(length + length % 2, 1)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an audio file (wav of any bit depth, float or extensible; flac; ogg) as mono float32 in [-1, 1] and
    its sample rate. Raises AudioError naming the file, the reason and the fix."""
    path = Path(path)
    fix = "re-create or remove it"
    if not path.exists():
        raise AudioError(f"{path}: audio file not found")
    if path.is_dir():
        raise AudioError(f"{path}: a folder, not an audio file; pass one recording (wav, flac or ogg)")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes); {fix}")
    problem = wav_header_problem(path)
    if problem:
        raise AudioError(f"{path}: {problem}; {fix}")
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as e:
        raise AudioError(f"{path}: not a readable audio file ({e}); {fix}") from None
    if rate <= 0:
        raise AudioError(f"{path}: sample rate {rate}; {fix}")
    if len(audio) == 0:
        raise AudioError(f"{path}: empty audio (0 samples); {fix}")
    return audio.mean(axis=1), rate


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write mono float audio as 16-bit PCM, atomically (a temp file renamed into place)."""
    path = Path(path)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def resample(audio: np.ndarray, orig_sr: int, new_sr: int) -> np.ndarray:
    """Band-limited resampling (torchaudio's windowed sinc)."""
    if orig_sr == new_sr:
        return audio
    return AF.resample(torch.from_numpy(audio), orig_sr, new_sr).numpy()


def mel_filterbank(params: FbankParams) -> torch.Tensor:
    """(n_fft//2+1, n_mels) Slaney-scale, Slaney-normalised triangles, as librosa.filters.mel(fmin=20)."""
    return AF.melscale_fbanks(params.n_fft // 2 + 1, params.f_min, params.sample_rate / 2, params.n_mels,
                              params.sample_rate, norm="slaney", mel_scale="slaney")


def logmel(audio: np.ndarray, params: FbankParams = FbankParams(), name: str = "<array>") -> np.ndarray:
    """Mono float audio at `params.sample_rate` -> (n_mels, n_frames) float32 log-Mel spectrogram in dB.

    Raises AudioError for a silent utterance (its dB values would all collapse to 0, the padding value).
    """
    x = torch.as_tensor(audio, dtype=torch.float64)
    x = x - x.mean()                                                  # DC removal
    if x.numel() < params.n_fft or float(x.pow(2).mean().sqrt()) < params.silence_rms:
        raise AudioError(f"{name}: silent or empty utterance (RMS below {params.silence_rms} once its constant "
                         f"offset is removed)")
    x = torch.cat([x[:1], x[1:] - params.preemphasis * x[:-1]])       # pre-emphasis
    window = torch.hamming_window(params.n_fft, periodic=False, dtype=torch.float64)
    spec = torch.stft(x, params.n_fft, params.hop, params.n_fft, window, center=True,
                      pad_mode="reflect", return_complex=True)
    power = spec.abs().pow(2)                                         # (freq, frames)
    mel = mel_filterbank(params).to(torch.float64).T @ power          # (n_mels, frames)
    db = 10.0 * torch.log10(mel.clamp_min(1e-10))
    db = (db - db.max()).clamp_min(-params.top_db)                     # ref = max
    if params.max_abs_scale:                                          # Places (docs/authors-code.md#2)
        db = db / db.abs().max().clamp_min(1e-12)
    return db.to(torch.float32).numpy()


def load_logmel(path: str | Path, params: FbankParams = FbankParams()) -> np.ndarray:
    """Read a wav, resample it to `params.sample_rate` if needed, and return its log-Mel spectrogram.

    Raises AudioError naming the file when it is missing, corrupt, empty, silent or shorter than MIN_FRAMES.
    """
    audio, sr = read_wav(path)
    spec = logmel(resample(audio, sr, params.sample_rate), params, name=str(path))
    if spec.shape[1] < MIN_FRAMES:
        raise AudioError(f"{path}: {spec.shape[1]} frames, shorter than the speech encoder's minimum of "
                         f"{MIN_FRAMES} ({MIN_FRAMES * params.hop_ms / 1000:.2f} s)")
    return spec


def pad_or_truncate(spec: np.ndarray | torch.Tensor, target_length: int, pad_value: float = 0.0):
    """Pad (with the authors' 0 dB) or cut a (n_mels, n) spectrogram to `target_length` frames.

    Returns (spectrogram of shape (n_mels, target_length), number of real frames kept).
    """
    if target_length % TIME_REDUCTION:
        raise ValueError(f"target_length={target_length} must be a multiple of {TIME_REDUCTION}")
    spec = torch.as_tensor(spec, dtype=torch.float32)
    n = min(spec.shape[1], target_length)
    out = torch.full((spec.shape[0], target_length), pad_value, dtype=torch.float32)
    out[:, :n] = spec[:, :n]
    return out, n
