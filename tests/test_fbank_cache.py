"""The fp16 fbank cache: values, skipped bad wavs, reuse, and rebuilds on mismatch or interruption."""
from __future__ import annotations

import numpy as np

from s2i_lib.audio import FbankParams, load_logmel, write_wav
from s2i_lib.data.fbank_cache import FbankCache, open_fbank_cache


def make_wavs(folder, n=3):
    rng = np.random.default_rng(0)
    wavs = {}
    for i in range(n):
        x = (0.2 * np.sin(2 * np.pi * (300 + 100 * i) * np.arange(16000 + 1600 * i) / 16000)
             + 0.01 * rng.standard_normal(16000 + 1600 * i)).astype(np.float32)
        write_wav(folder / f"u{i}.wav", x, 16000)
        wavs[f"utt{i}"] = folder / f"u{i}.wav"
    (folder / "bad.wav").write_bytes(b"not a wav at all")
    wavs["bad"] = folder / "bad.wav"
    return wavs


def test_cache_holds_fp16_spectrograms_and_names_failures(tmp_path):
    wavs = make_wavs(tmp_path)
    cache = open_fbank_cache(tmp_path / "cache", wavs, workers=1, progress=False)
    assert len(cache) == 4 and set(cache.failed) == {"bad"}
    assert "bad.wav" in cache.failed["bad"] and "bad" not in cache
    for i in range(3):
        expected = load_logmel(wavs[f"utt{i}"])
        got = cache.get(f"utt{i}")
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.abs(got - expected).max() < 0.05          # fp16 on values in [-80, 0]
    assert cache.frames.dtype == np.float16


def test_cache_is_reused_then_rebuilt_on_mismatch(tmp_path, capsys):
    wavs = make_wavs(tmp_path)
    open_fbank_cache(tmp_path / "cache", wavs, workers=1, progress=False)
    stamp = (tmp_path / "cache" / "meta.json").stat().st_mtime_ns
    open_fbank_cache(tmp_path / "cache", wavs, workers=1)
    assert (tmp_path / "cache" / "meta.json").stat().st_mtime_ns == stamp
    assert "building" not in capsys.readouterr().out

    other = open_fbank_cache(tmp_path / "cache", wavs, FbankParams(n_mels=20), workers=1)
    assert "other front-end parameters" in capsys.readouterr().out
    assert other.get("utt0").shape[0] == 20

    fewer = {k: v for k, v in wavs.items() if k != "utt2"}
    assert len(open_fbank_cache(tmp_path / "cache", fewer, FbankParams(n_mels=20), workers=1)) == 3
    assert "another list of utterances" in capsys.readouterr().out


def test_interrupted_build_is_rebuilt(tmp_path, capsys):
    wavs = make_wavs(tmp_path)
    open_fbank_cache(tmp_path / "cache", wavs, workers=1, progress=False)
    (tmp_path / "cache" / "meta.json").unlink()           # as if killed before the meta file was written
    leftover = tmp_path / "cache" / ".fbank.f16.999999999.tmp"            # a killed writer's temporary file
    leftover.write_bytes(b"\0" * 10)
    cache = open_fbank_cache(tmp_path / "cache", wavs, workers=1)
    assert "no complete cache" in capsys.readouterr().out
    assert isinstance(cache, FbankCache) and cache.get("utt1").shape[0] == 40
    assert not leftover.exists()


def test_two_workers_give_the_same_cache(tmp_path):
    wavs = make_wavs(tmp_path)
    one = open_fbank_cache(tmp_path / "c1", wavs, workers=1, progress=False)
    two = open_fbank_cache(tmp_path / "c2", wavs, workers=2, progress=False)
    assert np.array_equal(np.asarray(one.frames), np.asarray(two.frames))
