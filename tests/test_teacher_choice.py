"""Teacher options: the feature cache, fine-tuning on train classes, and the linear attribute probe."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from s2i_lib.data.records import Record
from s2i_lib.pipeline.teacher import cached_teacher_features
from s2i_lib.metrics.probe import attribute_probe
from s2i_lib.models.teachers import load_teacher
from s2i_lib.train.teacher import fine_tune_teacher


def test_probe_reads_a_linearly_coded_attribute_and_not_noise():
    g = torch.Generator().manual_seed(0)
    values = {"colour": ("red", "blue", "green"), "noise": ("a", "b")}
    def split(n):
        colour = torch.randint(0, 3, (n,), generator=g)
        noise = torch.randint(0, 2, (n,), generator=g)
        x = torch.randn(n, 8, generator=g)
        x[:, :3] += 4 * torch.nn.functional.one_hot(colour, 3)
        attrs = [{"colour": values["colour"][c], "noise": values["noise"][z]} for c, z in zip(colour, noise)]
        return x, attrs
    (xtr, atr), (xte, ate) = split(300), split(200)
    acc = attribute_probe(xtr, atr, xte, ate, values)
    assert acc["colour"] > 0.95
    assert 0.3 < acc["noise"] < 0.7                          # chance 0.5: nothing to read
    assert acc["mean"] == pytest.approx((acc["colour"] + acc["noise"]) / 2)


@pytest.fixture(scope="module")
def tiny_images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    records, images = [], []
    for i in range(6):
        array = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
        array[..., i % 2] = 255                              # class 0 red-ish, class 1 green-ish
        Image.fromarray(array).save(folder / f"{i}.png")
        records.append(Record(key=f"k{i}", image=folder / f"{i}.png", label=10 + i % 2, class_name="c",
                              split="train", captions=[], wavs=[]))
        images.append(torch.from_numpy(array).permute(2, 0, 1).float() / 127.5 - 1)
    return records, torch.stack(images)


def test_feature_cache_is_reused_only_for_the_same_images_and_views(tiny_images, tmp_path, monkeypatch):
    records, _ = tiny_images
    teacher = load_teacher()
    path = tmp_path / "f.pt"
    first = cached_teacher_features(teacher, "lite0", records, 24, path, "centre+flip", 32, progress=False)
    assert first.shape == (6, 2, 1280)
    import s2i_lib.pipeline.teacher as cache
    calls = []
    monkeypatch.setattr(cache, "teacher_features", lambda *a, **k: calls.append(a) or torch.zeros(len(a[1]), 10, 3))
    torch.testing.assert_close(cached_teacher_features(teacher, "lite0", records, 24, path, "centre+flip", 32), first)
    assert not calls
    assert cached_teacher_features(teacher, "lite0", records, 24, path, "ten", 32).shape == (6, 10, 3)
    assert cached_teacher_features(teacher, "lite0", records[:3], 24, path, "ten", 32).shape == (3, 10, 3)
    assert len(calls) == 2


def test_fine_tuned_teacher_is_saved_loadable_and_changed(tiny_images, tmp_path):
    records, images = tiny_images
    labels = torch.tensor([r.label for r in records])
    path = tmp_path / "ft.pt"
    teacher = fine_tune_teacher(images, labels, path, crop=32, epochs=1, batch_size=3, lr=1e-3, progress=False)
    assert path.exists() and not any(p.requires_grad for p in teacher.parameters())
    frozen = load_teacher()
    x = torch.nn.functional.interpolate(images[:2], size=64)
    assert not torch.allclose(teacher(x), frozen(x))
    again = fine_tune_teacher(images, labels, path, crop=32, epochs=1, progress=False)   # loads, no training
    torch.testing.assert_close(again(x), teacher(x))
