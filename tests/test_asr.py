"""The offline recogniser (pocketsphinx) and word error rate."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from s2i_lib.asr import Recognizer, normalize_text, word_error_rate
from s2i_lib.data import voices as V

TEXT = "a small bird with blue wings and a yellow tail"
INSTALLED = {v.engine for v in V.available_voices()[0]}
CLEAR_VOICE = "flite-slt" if "flite" in INSTALLED else "espeak-en-us-klatt4"


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer()


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    voice = V.get_voice(CLEAR_VOICE)
    if voice.engine not in INSTALLED:
        pytest.skip("neither flite nor espeak-ng is installed")
    return V.synthesize(voice, TEXT)


def test_transcribes_clear_synthetic_speech(recognizer, speech):
    hyp = recognizer.transcribe(speech)
    assert hyp and hyp == hyp.lower() and hyp == " ".join(hyp.split())
    assert word_error_rate([TEXT], [hyp]) < 0.6


def test_other_sample_rates_and_int16_are_accepted(recognizer, speech):
    at_22k = resample_poly(speech, 441, 320).astype(np.float32)
    assert word_error_rate([TEXT], [recognizer.transcribe(at_22k, sample_rate=22050)]) < 0.6
    pcm = (speech * 32767).astype(np.int16)
    assert recognizer.transcribe(pcm) == recognizer.transcribe(speech)


def test_silence_gives_empty_text(recognizer):
    assert recognizer.transcribe(np.zeros(16000, np.float32)) == ""
    assert recognizer.transcribe(np.zeros(0, np.float32)) == ""
    with pytest.raises(ValueError, match="mono"):
        recognizer.transcribe(np.zeros((2, 100), np.float32))


def test_word_error_rate_hand_computed():
    assert word_error_rate(["a red bird sings"], ["a blue bird sings"]) == pytest.approx(0.25)
    assert word_error_rate(["This bird, is RED."], ["this bird is red"]) == 0.0
    # one deletion and one insertion over five reference words
    assert word_error_rate(["a b c", "d e"], ["a c", "d e f"]) == pytest.approx(0.4)
    assert word_error_rate(["the bird"], [""]) == 1.0


def test_word_error_rate_rejects_bad_input():
    with pytest.raises(ValueError, match="2 references but 1"):
        word_error_rate(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no words"):
        word_error_rate(["", "..."], ["a", "b"])


def test_normalize_text():
    assert normalize_text("  It's a 'small', grey-brown bird! ") == "it's a small grey brown bird"
