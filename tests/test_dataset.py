"""SpeechImageDataset: item shapes, wrong-class images, bbox crops and replacement of unusable utterances."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from s2i_lib.audio import write_wav
from s2i_lib.data.dataset import SpeechImageDataset, bbox_crop, wav_table
from s2i_lib.data.fbank_cache import open_fbank_cache
from s2i_lib.data.records import Record


def make_records(tmp_path, n_classes=3, per_class=2, n_captions=3, bad=()):
    records = []
    for c in range(n_classes):
        for j in range(per_class):
            key = f"{c:03d}.class/{j}"
            image = tmp_path / f"img_{c}_{j}.png"
            Image.fromarray(np.full((40, 60, 3), 40 * c, np.uint8)).save(image)
            wavs = []
            for k in range(n_captions):
                path = tmp_path / f"w_{c}_{j}_{k}.wav"
                seconds = 0.8 + 0.1 * k
                x = 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(16000 * seconds)) / 16000)
                write_wav(path, np.zeros(100) if (c, j, k) in bad else x.astype(np.float32), 16000)
                wavs.append(path)
            records.append(Record(key=key, image=image, label=c, class_name=f"{c:03d}.class", split="train",
                                  captions=[f"caption {k}" for k in range(n_captions)], wavs=wavs,
                                  bbox=(10, 5, 20, 20)))
    return records


def test_items_have_images_speech_and_a_wrong_class_image(tmp_path):
    records = make_records(tmp_path)
    cache = open_fbank_cache(tmp_path / "cache", wav_table(records), workers=1, progress=False)
    ds = SpeechImageDataset(records, cache, image_sizes=(16, 32), target_length=128, train=True)
    torch.manual_seed(0)
    for i in range(len(ds)):
        item = ds[i]
        assert [t.shape for t in item["image"]] == [(3, 16, 16), (3, 32, 32)]
        assert [t.shape for t in item["wrong_image"]] == [(3, 16, 16), (3, 32, 32)]
        assert item["speech"].shape == (3, 40, 128)
        assert item["speech_len"].tolist() == [81, 91, 101]
        assert item["label"] == records[i].label
        # the wrong image is a flat image of another class: its grey level differs from this class's
        assert item["wrong_image"][1].mean().item() != pytest.approx(item["image"][1].mean().item(), abs=1e-3)
        assert -1.0 <= item["image"][1].min() and item["image"][1].max() <= 1.0


def test_unusable_utterance_is_replaced_by_its_neighbour(tmp_path):
    records = make_records(tmp_path, bad={(0, 0, 1)})
    cache = open_fbank_cache(tmp_path / "cache", wav_table(records), workers=1, progress=False)
    ds = SpeechImageDataset(records, cache, target_length=128)
    assert ds.replaced == 1
    assert ds.keys[0] == ["000.class/0#0", "000.class/0#0", "000.class/0#2"]
    assert ds[0]["speech_len"].tolist() == [81, 81, 101]


def test_record_without_any_usable_utterance_is_an_error(tmp_path):
    records = make_records(tmp_path, n_captions=1, bad={(1, 1, 0)})
    cache = open_fbank_cache(tmp_path / "cache", wav_table(records), workers=1, progress=False)
    with pytest.raises(ValueError, match="001.class/1: none of its 1 utterances"):
        SpeechImageDataset(records, cache)


def test_test_split_is_only_resized(tmp_path):
    records = make_records(tmp_path)
    ds = SpeechImageDataset(records, None, image_sizes=(32,), train=False)
    a, b = ds[3]["image"], ds[3]["image"]
    assert torch.equal(a, b) and "speech" not in ds[3]


def test_bbox_crop_is_stackgan_square():
    image = Image.new("RGB", (200, 100))
    assert bbox_crop(image, (50, 20, 40, 20)).size == (60, 60)     # r = 0.75 * 40 = 30 around (70, 30)
    assert bbox_crop(image, (0, 0, 40, 20)).size == (50, 40)       # clipped at the image border


def test_single_class_split_is_refused(tmp_path):
    records = make_records(tmp_path, n_classes=1)
    with pytest.raises(ValueError, match="two classes"):
        SpeechImageDataset(records, None)


def test_training_augmentation_keeps_the_aspect_ratio(tmp_path):
    """StackGAN-v2 resizes the shorter side (to 76/64 of the crop) and crops a square: a 2:1 image keeps its
    2:1 proportions, so a left-to-right ramp over its width rises half as fast per pixel as after a square resize
    (docs/stackgan-v2.md#4)."""
    ramp = np.tile(np.linspace(0, 255, 240, dtype=np.float32), (120, 1))
    path = tmp_path / "wide.png"
    Image.fromarray(np.stack([ramp] * 3, -1).round().astype(np.uint8)).save(path)
    records = [Record(key=f"k{c}", image=path, label=c, class_name=str(c), split="train", captions=[], wavs=[])
               for c in (0, 1)]
    ds = SpeechImageDataset(records, None, image_sizes=(32,), train=True)
    torch.manual_seed(0)
    slopes = [float(ds[0]["image"].diff(dim=-1).mean().abs()) for _ in range(8)]
    # shorter side 120 -> 38 px, so the 240-px ramp spans 76 px: a step of 2 / 76 per pixel in [-1, 1] units
    assert np.allclose(slopes, 2 / 76, rtol=0.05), slopes
    assert ds[0]["image"].shape == (3, 32, 32)


def test_kept_images_give_the_same_items_and_are_decoded_once(tmp_path, monkeypatch):
    records = make_records(tmp_path)
    rng = np.random.default_rng(0)
    for r in records:                      # textured images, so that a wrong crop or flip would show
        Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(r.image)
    plain = SpeechImageDataset(records, None, image_sizes=(8, 16), train=True)
    kept = SpeechImageDataset(records, None, image_sizes=(8, 16), train=True, keep_images=True)
    opened = {"plain": [], "kept": []}
    real_open, reading = Image.open, ["plain"]
    monkeypatch.setattr(Image, "open", lambda path: opened[reading[0]].append(path) or real_open(path))
    for _ in range(3):
        for i in range(len(records)):
            reading[0] = "plain"
            torch.manual_seed(i)
            a = plain[i]
            reading[0] = "kept"
            torch.manual_seed(i)
            b = kept[i]
            for name in ("image", "wrong_image"):
                for x, y in zip(a[name], b[name]):
                    torch.testing.assert_close(x, y, rtol=0, atol=0)
    assert len(opened["kept"]) == len(records)                # the kept data set opened each image once
    assert len(opened["plain"]) <= 3 * 2 * len(records)       # the other at most its image and wrong image per item
