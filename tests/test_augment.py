"""Training-spectrogram augmentation for unheard voices: warps and masks on hand-made spectrograms, the held-out
validation voice never drawn, and the authors' (unaugmented) encoder runs keeping their keys."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from s2i_lib.config import get_profile
from s2i_lib.data.augment import AUGMENTS, MASK_BINS, MASK_SHARE, MASKS, augment, mask, stretch_frames, warp_mels
from s2i_lib.data.dataset import wav_table
from s2i_lib.data.fbank_cache import open_fbank_cache
from s2i_lib.data.pairs import SpeechPairs, heard_keys
from s2i_lib.data.prepare import PreparedData
from s2i_lib.pipeline.encoders import encoder_run
from s2i_lib.pipeline.runs import Run
from test_dataset import make_records


def test_mel_warp_reads_each_bin_at_its_scaled_position():
    ramp = torch.arange(5.0)[:, None].expand(5, 3)
    assert torch.equal(warp_mels(ramp, 1.0), ramp)
    assert warp_mels(ramp, 0.5)[:, 0].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]       # the spectrum moves up
    assert warp_mels(ramp, 1.5)[:, 0].tolist() == [0.0, 1.5, 3.0, 4.0, 4.0]       # the top bin repeated


def test_stretch_changes_the_frame_count_and_keeps_a_constant_spectrum():
    spec = torch.full((4, 100), -20.0)
    assert stretch_frames(spec, 1.15).shape == (4, 115) and stretch_frames(spec, 0.85).shape == (4, 85)
    assert torch.allclose(stretch_frames(spec, 1.15), spec[:, :1].expand(4, 115))


def test_masks_fill_at_most_their_bands_and_spans_with_the_mean():
    torch.manual_seed(0)
    spec = torch.randn(40, 200)
    out = mask(spec)
    changed = out != spec
    assert out.shape == spec.shape and torch.allclose(out[changed], spec.mean().expand(int(changed.sum())))
    full_rows = int((changed.all(1)).sum())
    full_cols = int((changed.all(0)).sum())
    assert full_rows <= MASKS * MASK_BINS and full_cols <= MASKS * int(MASK_SHARE * 200)


def test_augment_options():
    spec = torch.randn(40, 120)
    assert torch.equal(augment(spec, "none"), spec)
    torch.manual_seed(1)
    for kind in AUGMENTS[1:]:
        assert augment(spec, kind).shape[0] == 40
    with pytest.raises(ValueError, match="augment must be one of"):
        augment(spec, "pitch")


def test_skipped_voices_are_never_drawn_unless_an_image_has_no_other(tmp_path):
    records = make_records(tmp_path, n_classes=2, per_class=1)
    records = [replace(records[0], voices=["a", "held", "b"]), replace(records[1], voices=["held"] * 3)]
    cache = open_fbank_cache(tmp_path / "cache", wav_table(records), workers=1, progress=False)
    assert heard_keys(records[0], cache, ("held",)) == [f"{records[0].key}#0", f"{records[0].key}#2"]
    assert len(heard_keys(records[1], cache, ("held",))) == 3                   # nothing else to hear
    pairs = SpeechPairs(records, cache, None, 128, augment="warp+mask", skip_voices=("held",))
    torch.manual_seed(0)
    assert all(pairs[0]["speech"].shape == (40, 128) for _ in range(5))
    with pytest.raises(ValueError, match="augment must be one of"):
        SpeechPairs(records, cache, None, 128, augment="speed")


def test_augmented_and_voice_skipping_runs_are_keyed_apart_from_the_authors(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    smoke = get_profile("smoke")
    data = PreparedData("birds", smoke, 0, tmp_path, {"train": [], "test": []}, None)
    teacher = Run("teacher", "frozen", {"f": 1}, data.artifacts)
    plain = encoder_run(data, "tsl", teacher)
    assert "augment" not in plain.config and "skip_voices" not in plain.config      # the authors' keys unchanged
    augmented = encoder_run(data, "tsl", teacher, replace(smoke.encoder, speech_augment="warp"))
    skipping = encoder_run(data, "tsl", teacher, replace(smoke.encoder, skip_voices=("flite-awb",)))
    assert len({plain.key, augmented.key, skipping.key}) == 3
    assert augmented.config["augment"] == "warp" and skipping.config["skip_voices"] == ["flite-awb"]
    assert "augment" not in encoder_run(data, "text", teacher, replace(smoke.encoder, speech_augment="warp")).config
