"""`python -m s2i_lib translate`: a recording through a self-describing encoder run and its GAN, on fake runs."""
from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest
import soundfile
import torch
from PIL import Image

from s2i_lib.__main__ import main
from s2i_lib.audio import AudioError, FbankParams
from s2i_lib.models.speech_encoder import SpeechEncoder
from s2i_lib.models.stackgan import GANConfig, Generator
from s2i_lib.pipeline.encoders import ClassifierEncoder
from s2i_lib.translate import (DESCRIPTION, EmbeddingRange, NoTrainedRunError, embed_recording, images_by_length,
                               latest_gan, length_effect, load_speech_encoder, load_translator, nearest_captions,
                               speech_encoder_description, translate)

RATE, DIM, TARGET = 16000, 16, 128          # 128 frames = 1.28 s of input


def tone(seconds: float, rate: int = RATE, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    audio = 0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    return np.stack([audio] * channels, axis=1).astype(np.float32) if channels > 1 else audio.astype(np.float32)


def save_encoder(folder, kind="tsl", seed=0):
    torch.manual_seed(seed)
    encoder = SpeechEncoder(DIM, 40, width=0.125)
    model = encoder if kind == "tsl" else ClassifierEncoder(encoder, [3, 5, 7])
    folder.mkdir(parents=True)
    torch.save({"model": model.state_dict()}, folder / "last.pt")
    description = speech_encoder_description(kind, encoder, 0.125, TARGET, FbankParams(), "teacherkey")
    (folder / DESCRIPTION).write_text(json.dumps(description))
    return encoder.eval()


@pytest.fixture
def runs(tmp_path):
    """encoder <- embeddings <- gan, linked by keys in their config.json as the keyed stages write them."""
    root = tmp_path / "runs"
    encoder = save_encoder(root / "encoder" / "tsl-aaaa")
    emb = root / "embeddings" / "tsl-bbbb"
    emb.mkdir(parents=True)
    (emb / "config.json").write_text(json.dumps({"config": {"encoder": "aaaa"}}))
    torch.manual_seed(1)
    train = torch.randn(3, 2, DIM)
    wav = tmp_path / "spoken.wav"
    soundfile.write(wav, tone(1.0), RATE)
    from s2i_lib.audio import load_logmel, pad_or_truncate
    spec, n = pad_or_truncate(load_logmel(wav), TARGET)
    with torch.no_grad():
        train[1, 1] = encoder(spec[None], torch.tensor([n]))[0]          # caption "b1" is what the wav says
    torch.save({"keys": ["a", "b", "c"], "embeddings": train}, emb / "train.pt")
    gan = root / "gan" / "tsl-cccc"
    gan.mkdir(parents=True)
    config = GANConfig(DIM, condition_dim=8, z_dim=8, gf_dim=16, df_dim=8, branches=1, base_size=16)
    torch.manual_seed(2)
    torch.save({"config": asdict(config), "ema_generator": Generator(config).state_dict()}, gan / "last.pt")
    (gan / "config.json").write_text(json.dumps({"config": {"embeddings": "bbbb", "train": {"seed": 1234},
                                                            "data": {"root": str(tmp_path / "absent")}}}))
    (gan / "done.json").write_text("{}")
    return {"root": root, "gan": gan, "wav": wav, "encoder": encoder, "tmp": tmp_path,
            "captions": {"a": ["a0", "a1"], "b": ["b0", "b1"], "c": ["c0", "c1"]}}


@pytest.mark.parametrize("kind", ["tsl", "classifier"])
def test_loaded_encoder_embeds_as_the_trained_one(tmp_path, kind):
    original = save_encoder(tmp_path / "enc", kind)
    loaded = load_speech_encoder(tmp_path / "enc")
    assert loaded.target_length == TARGET and loaded.fbank == FbankParams() and loaded.seconds == 1.28
    spec = torch.randn(2, 40, TARGET)
    with torch.no_grad():
        assert torch.equal(loaded.model(spec, torch.tensor([TARGET, 64])), original(spec, torch.tensor([TARGET, 64])))


def test_encoder_run_without_description_names_the_fix(tmp_path):
    (tmp_path / "enc").mkdir()
    with pytest.raises(NoTrainedRunError, match="make reproduce-table2"):
        load_speech_encoder(tmp_path / "enc")


def test_file_and_array_give_the_same_embedding_and_notes_say_what_was_done(runs, tmp_path):
    loaded = load_speech_encoder(runs["root"] / "encoder" / "tsl-aaaa")
    from_file = embed_recording(loaded, runs["wav"])
    from_array = embed_recording(loaded, tone(1.0), RATE)
    assert torch.allclose(from_file.embedding, from_array.embedding, atol=1e-4) and from_file.notes == []
    stereo = tmp_path / "stereo_44k.flac"
    soundfile.write(stereo, tone(1.0, 44100, channels=2), 44100)
    heard = embed_recording(loaded, stereo)
    assert heard.notes == ["2 channels mixed down to one (their mean)", "resampled from 44100 Hz to 16000 Hz"]
    assert abs(heard.seconds - 1.0) < 1e-3
    surround = tmp_path / "surround.wav"
    soundfile.write(surround, tone(1.0, RATE, channels=6), RATE)                # 5.1: said, not silent
    assert embed_recording(loaded, surround).notes == ["6 channels mixed down to one (their mean)"]
    ogg = tmp_path / "clip.ogg"
    soundfile.write(ogg, tone(1.0), RATE)
    assert embed_recording(loaded, ogg).embedding.shape == (DIM,)
    long = embed_recording(loaded, tone(3.0), RATE)
    assert long.spectrogram.shape[1] == TARGET and "cut to the first 1.28 s of 3.00 s" in long.notes[0]
    short = embed_recording(loaded, tone(0.3), RATE)
    assert "padded" in short.notes[0] and short.spectrogram.shape[1] == 31
    assert short.embedding.norm() < from_file.embedding.norm()      # fewer real steps in the authors' mean


@pytest.mark.parametrize("content, message", [(b"", "empty file"), (b"just text, no audio\n", "not a readable audio"),
                                              (None, "silent")])
def test_bad_input_names_the_file(runs, tmp_path, content, message):
    path = tmp_path / "bad.wav"
    if content is None:
        soundfile.write(path, np.zeros(RATE, np.float32), RATE)
    else:
        path.write_bytes(content)
    loaded = load_speech_encoder(runs["root"] / "encoder" / "tsl-aaaa")
    with pytest.raises(AudioError, match=message) as info:
        embed_recording(loaded, path)
    assert str(path) in str(info.value)


def test_embedding_range_flags_norms_outside_the_training_percentiles():
    norms = torch.arange(1, 101, dtype=torch.float32)                    # 1 .. 100
    embeddings = torch.zeros(100, 1, 4)
    embeddings[:, 0, 0] = norms
    bounds = EmbeddingRange.of(embeddings)
    assert bounds.low == pytest.approx(1.99) and bounds.high == pytest.approx(99.01)   # numpy's linear percentiles
    assert bounds.warning(torch.tensor([50.0, 0, 0, 0])) is None
    assert "below" in bounds.warning(torch.tensor([1.0, 0, 0, 0]))
    assert "above" in bounds.warning(torch.tensor([0.0, 120.0, 0, 0]))


def test_length_effect_is_the_identity_at_full_length_and_shrinks_short_cuts(runs):
    loaded = load_speech_encoder(runs["root"] / "encoder" / "tsl-aaaa")
    recordings = [tone(1.3), tone(1.4)]                       # both fill the two encoder steps of 1.28 s
    wide = EmbeddingRange(0.0, 1e9)
    rows = length_effect(loaded, recordings, [0.3, 2.0], wide)
    assert rows[1] == {"seconds": 2.0, "norm ratio (median)": pytest.approx(1.0),
                       "cosine to uncut (median)": pytest.approx(1.0), "outside training range": 0.0}
    assert rows[0]["norm ratio (median)"] < 0.8 and rows[0]["outside training range"] == 0.0   # one step of two
    narrow = EmbeddingRange(1e8, 1e9)
    assert length_effect(loaded, recordings, [0.3], narrow)[0]["outside training range"] == 1.0


def test_images_by_length_share_the_noise(runs):
    translator = load_translator(runs["gan"])
    images, norms = images_by_length(translator, tone(2.0), RATE, [0.4, 1.9, 2.0])
    assert images.shape == (3, 3, 16, 16) and norms[1] == pytest.approx(norms[2])   # both past the 1.28 s input
    assert torch.equal(images[1], images[2]) and not torch.equal(images[0], images[2])


def test_nearest_captions_are_ranked_by_cosine_similarity():
    train = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [-1.0, 0.0]]])
    found = nearest_captions(torch.tensor([2.0, 0.1]), train, [["x", "y"], ["xy", "minus x"]], k=3)
    assert [c for _, c in found] == ["x", "xy", "y"] and found[0][0] == pytest.approx(2 / np.hypot(2, 0.1))


def test_translate_writes_images_and_a_sheet_and_hears_the_right_caption(runs, tmp_path):
    out = tmp_path / "out"
    translator = load_translator(runs["gan"])
    result = translate(runs["wav"], translator, out, images=3, captions=runs["captions"])
    assert [p.name for p in result.paths] == ["spoken_0.png", "spoken_1.png", "spoken_2.png", "spoken_sheet.png"]
    assert result.images.shape == (3, 3, 16, 16) and result.images.dtype == torch.uint8
    assert np.array_equal(np.asarray(Image.open(result.paths[0])), result.images[0].permute(1, 2, 0).numpy())
    assert not torch.equal(result.images[0], result.images[1])           # different noise, different images
    assert result.nearest[0][1] == "b1" and result.nearest[0][0] == pytest.approx(1.0, abs=1e-4)
    again = translate(runs["wav"], translator, tmp_path / "again", images=3)
    assert torch.equal(again.images, result.images) and again.nearest == []   # seeded noise; no captions given
    other = translate(runs["wav"], translator, tmp_path / "other", images=1, captions={"x": ["another set's"]})
    assert other.nearest == [] and any("not those this GAN's encoder was trained on" in w for w in other.warnings)


def test_cli_prints_what_it_heard_and_bad_input_is_a_message_not_a_traceback(runs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))   # not this machine's built data sets
    main(["translate", str(runs["wav"]), "--gan-run", str(runs["gan"]), "--out", str(tmp_path / "cli"),
          "--images", "2"])
    printed = capsys.readouterr().out
    assert "spoken.wav: 1.00 s" in printed and "no training captions here" in printed
    assert (tmp_path / "cli" / "spoken_sheet.png").exists()
    silent = tmp_path / "quiet.wav"
    soundfile.write(silent, np.zeros(RATE, np.float32), RATE)
    with pytest.raises(SystemExit, match=f"translate: {silent}: silent"):
        main(["translate", str(silent), "--gan-run", str(runs["gan"]), "--out", str(tmp_path / "cli")])
    with pytest.raises(SystemExit, match="not a finished GAN run: run `make reproduce-table2`"):
        main(["translate", str(runs["wav"]), "--gan-run", str(tmp_path), "--out", str(tmp_path / "cli")])
    with pytest.raises(SystemExit, match=rf"^translate: {tmp_path}: a folder, not an audio file; pass one recording"):
        main(["translate", str(tmp_path), "--gan-run", str(runs["gan"]), "--out", str(tmp_path / "cli")])


def test_latest_gan_of_the_training_seed_or_the_make_target(runs, tmp_path):
    assert latest_gan(runs["root"]) == latest_gan(runs["root"], "tsl", 1234) == runs["gan"]
    with pytest.raises(NoTrainedRunError, match="training seed 7 .* run `make reproduce-table2`"):
        latest_gan(runs["root"], "tsl", 7)
    with pytest.raises(NoTrainedRunError, match="make reproduce-table2"):
        latest_gan(tmp_path / "elsewhere")
