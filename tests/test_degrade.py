"""Degraded speech for the Table III stand-in: SNRs that are what they say, noise spectra, reverberation decay."""
from __future__ import annotations

import numpy as np
import pytest

from s2i_lib.degrade import (CLEAN, Condition, babble, condition_groups, conditions, mix_at_snr, noise_of, pink_noise, power, reverberate, room_impulse_response,
                             white_noise)

RATE = 16000


def speech_like(seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 4 * t)) / 2
            + 0.01 * np.random.default_rng(seed).standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("snr_db", [20.0, 10.0, 5.0, 0.0, -5.0])
def test_mix_has_the_requested_snr(snr_db):
    speech = speech_like()
    noise = white_noise(RATE // 3, np.random.default_rng(1))                 # shorter: tiled to the speech
    mixed = mix_at_snr(speech, noise, snr_db)
    added = mixed.astype(np.float64) - speech
    assert mixed.dtype == np.float32 and len(mixed) == len(speech)
    assert 10 * np.log10(power(speech) / power(added)) == pytest.approx(snr_db, abs=1e-3)


def test_hand_computed_scale():
    speech, noise = np.array([2.0, -2.0]), np.array([1.0, 1.0])           # P_s = 4, P_n = 1
    np.testing.assert_allclose(mix_at_snr(speech, noise, 0.0), [4.0, 0.0])   # noise scaled by 2
    np.testing.assert_allclose(mix_at_snr(speech, noise, 20 * np.log10(2)), [3.0, -1.0])   # scaled by 1
    with pytest.raises(ValueError, match="non-zero power"):
        mix_at_snr(speech, np.zeros(2), 0.0)


def test_pink_noise_falls_3_db_per_octave():
    noise = pink_noise(2 ** 16, np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    f = np.fft.rfftfreq(len(noise))
    bands = [spectrum[(f >= lo) & (f < 2 * lo)].mean() for lo in (0.004, 0.008, 0.016, 0.032, 0.064, 0.128)]
    slopes = 10 * np.log10(np.array(bands[1:]) / bands[:-1])
    assert np.allclose(slopes, -3.0, atol=0.5) and abs(noise.mean()) < 1e-12


def test_babble_is_seeded_and_needs_enough_talkers():
    others = [speech_like(0.5 + 0.1 * i, seed=i) for i in range(6)]
    a = babble(others, RATE, np.random.default_rng(3))
    assert np.array_equal(a, babble(others, RATE, np.random.default_rng(3))) and len(a) == RATE
    assert not np.array_equal(a, babble(others, RATE, np.random.default_rng(4)))
    with pytest.raises(ValueError, match="at least 4"):
        babble(others[:3], RATE, np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown noise"):
        noise_of("brown", 10, np.random.default_rng(0))


def test_impulse_response_decays_60_db_over_rt60():
    rir = room_impulse_response(0.5, RATE, np.random.default_rng(0), direct_to_reverb_db=6.0)
    assert len(rir) == RATE // 2 and rir[0] == 1.0
    assert 10 * np.log10(1.0 / np.sum(rir[1:] ** 2)) == pytest.approx(6.0)        # direct vs reverberant energy
    tail = rir[1:]
    first, last = tail[:800], tail[-800:]                                       # 50 ms at each end
    drop = 10 * np.log10(np.mean(first ** 2) / np.mean(last ** 2))             # centres 0.45 s apart
    assert drop == pytest.approx(60 * 0.45 / 0.5, abs=3)
    with pytest.raises(ValueError, match="positive"):
        room_impulse_response(0.0, RATE, np.random.default_rng(0))


def test_reverberation_keeps_length_and_peak_and_smears_time():
    speech = np.zeros(RATE, np.float32)
    speech[100] = 0.5                                                           # a click
    wet = reverberate(speech, room_impulse_response(0.3, RATE, np.random.default_rng(0)))
    assert wet.dtype == np.float32 and len(wet) == RATE and np.abs(wet).max() == pytest.approx(0.5)
    assert np.count_nonzero(np.abs(wet) > 1e-4) > 1000                          # the click now rings


def test_conditions_are_clean_then_noises_by_falling_snr_then_reverberation():
    listed = conditions(("pink", "babble"), (0.0, 20.0), (0.8,))
    assert [c.name for c in listed] == ["clean", "pink 20 dB", "pink 0 dB", "babble 20 dB", "babble 0 dB",
                                        "reverb 0.8 s"]
    assert listed[0] == CLEAN and listed[-1].folder == "reverb_0.8_s"
    assert Condition("pink", 5.0, 0.3).name == "reverb 0.3 s, pink 5 dB"
    with pytest.raises(ValueError, match="unknown noise"):
        conditions(("brown",), (0.0,), ())


def test_a_condition_mixes_at_its_snr_and_scales_a_clipping_mix_down_whole():
    x = (np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.float32)
    quiet = Condition("pink", 0.0).apply(0.05 * x, 16000, np.random.default_rng(3))
    assert 10 * np.log10(power(0.05 * x) / power(quiet - 0.05 * x)) == pytest.approx(0.0, abs=1e-4)
    loud = Condition("pink", 0.0).apply(x, 16000, np.random.default_rng(3))          # would clip: scaled to 0.99
    assert np.abs(loud).max() == pytest.approx(0.99, abs=1e-6)
    ratio = loud / (quiet / 0.05)                                   # the same mix, one gain: the SNR is kept
    assert np.allclose(ratio, ratio[0], atol=1e-4)
    assert np.array_equal(Condition().apply(x * 0.5, 16000, np.random.default_rng(0)), x * 0.5)   # clean
    wet = Condition(rt60_s=0.5).apply(0.5 * x, 16000, np.random.default_rng(0))
    assert len(wet) == len(x) and not np.allclose(wet, 0.5 * x)


def test_condition_series_start_clean_and_keep_the_listed_order():
    listed = conditions(("pink", "babble"), (20.0, 0.0), (0.3, 0.8))
    names = [[c.name for c in group] for group in condition_groups(listed)]
    assert names == [["clean", "pink 20 dB", "pink 0 dB"], ["clean", "babble 20 dB", "babble 0 dB"],
                     ["clean", "reverb 0.3 s", "reverb 0.8 s"]]
