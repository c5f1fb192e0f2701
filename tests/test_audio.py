"""The speech front end against an independent numpy computation, and its handling of bad input."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from s2i_lib.audio import (MIN_FRAMES, AudioError, FbankParams, load_logmel, logmel, pad_or_truncate, read_wav,
                           write_wav)

SR = 16000


def tone(seconds: float = 1.0, sr: int = SR, freqs=(1000.0, 3000.0)) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * sum(np.sin(2 * np.pi * f * t) for f in freqs) + 0.05).astype(np.float32)  # + a DC offset


def slaney_hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3)
    log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log, lin)


def slaney_mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * 200.0 / 3)


def reference_logmel(x: np.ndarray) -> np.ndarray:
    """Section III-F written out with numpy: DC removal, pre-emphasis 0.97, 400-point Hamming frames every 160
    samples (centred, reflect padding), power spectrum, 40 Slaney Mel bands from 20 Hz, dB relative to the max."""
    x = x.astype(np.float64)
    x = x - x.mean()
    x = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    x = np.pad(x, 200, mode="reflect")
    n_frames = 1 + (len(x) - 400) // 160
    frames = np.stack([x[i * 160:i * 160 + 400] for i in range(n_frames)])
    power = np.abs(np.fft.rfft(frames * np.hamming(400), axis=1)) ** 2          # (frames, 201)
    hz = slaney_mel_to_hz(np.linspace(slaney_hz_to_mel(20.0), slaney_hz_to_mel(8000.0), 42))
    fft_hz = np.linspace(0, 8000, 201)
    weights = np.zeros((40, 201))
    for m in range(40):
        lower = (fft_hz - hz[m]) / (hz[m + 1] - hz[m])
        upper = (hz[m + 2] - fft_hz) / (hz[m + 2] - hz[m + 1])
        weights[m] = np.maximum(0, np.minimum(lower, upper)) * 2.0 / (hz[m + 2] - hz[m])
    db = 10 * np.log10(np.maximum(weights @ power.T, 1e-10))
    return np.maximum(db - db.max(), -80.0)


def test_logmel_matches_independent_reference():
    x = tone()
    ours, ref = logmel(x), reference_logmel(x)
    assert ours.shape == ref.shape == (40, 1 + len(x) // 160)
    assert np.abs(ours - ref).max() < 1e-3
    assert ours.max() == 0.0 and ours.min() >= -80.0


def test_tone_energy_lands_in_its_mel_band():
    spec = logmel(tone(freqs=(1000.0,)))
    hz = slaney_mel_to_hz(np.linspace(slaney_hz_to_mel(20.0), slaney_hz_to_mel(8000.0), 42))
    expected_band = int(np.argmin(np.abs(hz[1:-1] - 1000.0)))
    assert abs(int(spec[:, 50].argmax()) - expected_band) <= 1


def test_other_sample_rates_are_resampled(tmp_path):
    write_wav(tmp_path / "a16.wav", tone(sr=16000), 16000)
    write_wav(tmp_path / "a8.wav", tone(sr=8000, freqs=(1000.0,)), 8000)
    write_wav(tmp_path / "a16b.wav", tone(sr=16000, freqs=(1000.0,)), 16000)
    s8, s16 = load_logmel(tmp_path / "a8.wav"), load_logmel(tmp_path / "a16b.wav")
    assert s8.shape == s16.shape
    assert abs(int(s8[:, 50].argmax()) - int(s16[:, 50].argmax())) <= 1


def test_wav_round_trip_and_formats(tmp_path):
    x = tone(0.5)
    write_wav(tmp_path / "x.wav", x, SR)
    y, sr = read_wav(tmp_path / "x.wav")
    assert sr == SR and np.abs(x - y).max() < 1e-4
    stereo = (np.stack([x, x], 1) * 32767).astype("<i2")
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as f:
        f.setnchannels(2), f.setsampwidth(2), f.setframerate(SR), f.writeframes(stereo.tobytes())
    y2, _ = read_wav(tmp_path / "stereo.wav")
    assert y2.shape == x.shape and np.abs(x - y2).max() < 1e-4


@pytest.mark.parametrize("case, message", [
    ("missing", "not found"), ("corrupt", "not a readable audio file"), ("empty", "no data chunk|0 samples"),
    ("silent", "silent"), ("short", "shorter than the speech encoder's minimum"),
])
def test_bad_wavs_get_errors_naming_the_file(tmp_path, case, message):
    path = tmp_path / f"{case}.wav"
    if case == "corrupt":
        path.write_bytes(b"RIFF\x00\x00garbage" * 10)
    elif case == "empty":
        write_wav(path, np.zeros(0, np.float32), SR)
    elif case == "silent":
        write_wav(path, np.zeros(SR, np.float32), SR)
    elif case == "short":
        write_wav(path, tone(0.3), SR)  # 31 frames
    with pytest.raises(AudioError, match=message) as info:
        load_logmel(path)
    assert str(path) in str(info.value)


def test_minimum_length_is_64_frames(tmp_path):
    n = (MIN_FRAMES - 1) * 160  # exactly 64 centred frames
    write_wav(tmp_path / "ok.wav", tone(n / SR), SR)
    assert load_logmel(tmp_path / "ok.wav").shape[1] == MIN_FRAMES


def test_padding_uses_the_authors_0_db_and_a_multiple_of_64():
    spec = logmel(tone(1.0))                       # 101 frames
    padded, n = pad_or_truncate(spec, 128)
    assert padded.shape == (40, 128) and n == 101
    assert (padded[:, 101:] == 0.0).all()          # docs/authors-code.md#2: 0 dB, the loudest level, not silence
    cut, n = pad_or_truncate(spec, 64)
    assert cut.shape == (40, 64) and n == 64
    with pytest.raises(ValueError, match="multiple of 64"):
        pad_or_truncate(spec, 100)


def test_params_define_the_paper_front_end():
    p = FbankParams()
    assert (p.sample_rate, p.n_mels, p.n_fft, p.hop, p.preemphasis) == (16000, 40, 400, 160, 0.97)
