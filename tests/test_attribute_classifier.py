"""The attribute classifier: shapes, encoding, and that it learns an easy task."""
from __future__ import annotations

import pytest
import torch
from PIL import Image

from s2i_lib.metrics.attributes import (AttributeClassifier, attribute_accuracy, encode_attributes,
                                        images_to_tensor, predict_attributes, train_attribute_classifier)

VALUES = {"top": ("red", "green", "blue"), "bottom": ("dark", "light")}
_RGB = {"red": (1.0, -1, -1), "green": (-1, 1.0, -1), "blue": (-1, -1, 1.0)}


def _toy(n: int, seed: int = 0):
    """Top half's colour and bottom half's brightness carry the two attributes (flip-invariant)."""
    g = torch.Generator().manual_seed(seed)
    top = torch.randint(0, 3, (n,), generator=g)
    bottom = torch.randint(0, 2, (n,), generator=g)
    x = 0.2 * torch.randn(n, 3, 32, 32, generator=g)
    x[:, :, :16] += torch.tensor([_RGB[VALUES["top"][i]] for i in top])[:, :, None, None]
    x[:, :, 16:] += (bottom.float() * 1.2 - 0.6)[:, None, None, None]
    return x.clamp(-1, 1), {"top": top, "bottom": bottom}


def test_forward_shapes_any_input_size():
    model = AttributeClassifier(VALUES, image_size=32).eval()
    for size in (32, 64):
        out = model(torch.zeros(2, 3, size, size))
        assert {k: v.shape for k, v in out.items()} == {"top": (2, 3), "bottom": (2, 2)}


def test_encode_attributes():
    enc = encode_attributes([{"top": "blue", "bottom": "dark"}, {"top": "red", "bottom": "light"}], VALUES)
    assert enc["top"].tolist() == [2, 0] and enc["bottom"].tolist() == [0, 1]
    assert enc["top"].dtype == torch.long


def test_images_to_tensor_range():
    x = images_to_tensor([Image.new("RGB", (8, 8), (255, 0, 128))])
    assert x.shape == (1, 3, 8, 8)
    assert x[0, :, 0, 0].tolist() == pytest.approx([1.0, -1.0, 128 / 127.5 - 1], abs=1e-6)


@pytest.fixture
def one_thread():
    """One intra-op thread: two OpenMP threads crawl when another process holds a core."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_learns_easy_task_and_is_deterministic(one_thread):
    x, y = _toy(256)
    model = train_attribute_classifier(x, y, VALUES, epochs=4, batch_size=32, seed=0, device="cpu", progress=False)
    x_new, y_new = _toy(128, seed=1)
    acc = attribute_accuracy(model, x_new, y_new)
    assert acc["top"] > 0.95 and acc["bottom"] > 0.95
    assert acc["mean"] == (acc["top"] + acc["bottom"]) / 2
    assert predict_attributes(model, x_new[:5])["top"].shape == (5,)
    again = train_attribute_classifier(x, y, VALUES, epochs=4, batch_size=32, seed=0, device="cpu", progress=False)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_reads_the_built_in_birds_attributes_on_unseen_classes():
    """Issue 5's check that the semantic-consistency scorer is trustworthy on real (not generated) images: trained
    on 12 images per train class (benchmarks/readability.py with 20 per class reads 0.98-1.00), it reads
    unseen classes far above chance (1/9 per colour, 1/2 for the crest)."""
    import numpy as np

    from s2i_lib.data.procedural import ATTRIBUTES, make_classes, render, sample_image_attributes

    rng = np.random.default_rng(0)
    sets = {"train": ([], []), "test": ([], [])}
    for spec in make_classes("birds"):
        for _ in range(12 if spec.split == "train" else 2):
            a = sample_image_attributes(spec, rng)
            sets[spec.split][0].append(render("birds", a, 128, rng).resize((32, 32), Image.BOX))
            sets[spec.split][1].append(a)
    (train_images, train_attrs), (test_images, test_attrs) = sets["train"], sets["test"]
    values = ATTRIBUTES["birds"]
    model = train_attribute_classifier(images_to_tensor(train_images), encode_attributes(train_attrs, values),
                                       values, epochs=15, batch_size=64, seed=0, device="cpu", progress=False)
    acc = attribute_accuracy(model, images_to_tensor(test_images), encode_attributes(test_attrs, values))
    assert acc["mean"] > 0.9 and min(acc.values()) > 0.85, acc    # measured: mean 0.964, lowest 0.94
