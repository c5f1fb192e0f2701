"""The procedural classes, per-image attributes and renderer of the built-in data set."""
from __future__ import annotations

import re

import numpy as np
import pytest

from s2i_lib.data.procedural import (ATTRIBUTES, COLORS, KINDS, N_CLASSES, N_TEST_CLASSES, make_classes, render,
                                     sample_image_attributes)


@pytest.mark.parametrize("kind", KINDS)
def test_class_counts_and_splits(kind):
    classes = make_classes(kind)
    assert len(classes) == N_CLASSES[kind]
    assert [c.index for c in classes] == list(range(N_CLASSES[kind]))
    n_test = sum(c.split == "test" for c in classes)
    assert n_test == N_TEST_CLASSES[kind] and {c.split for c in classes} == {"train", "test"}
    assert (N_CLASSES[kind] - n_test, n_test) == {"birds": (150, 50), "flowers": (82, 20)}[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_prototypes_distinct_and_test_values_seen_in_train(kind):
    classes = make_classes(kind)
    combos = [tuple(c.attributes.values()) for c in classes]
    assert len(set(combos)) == len(combos)
    train = {(k, v) for c in classes if c.split == "train" for k, v in c.attributes.items()}
    for c in classes:
        assert set(c.attributes) == set(ATTRIBUTES[kind])
        assert all(v in ATTRIBUTES[kind][k] for k, v in c.attributes.items())
        if c.split == "test":
            assert set(c.attributes.items()) <= train
    assert train == {(k, v) for k, vals in ATTRIBUTES[kind].items() for v in vals}  # every value is learnable


@pytest.mark.parametrize("kind", KINDS)
def test_class_names(kind):
    classes = make_classes(kind)
    names = [c.name for c in classes]
    assert len(set(names)) == len(names)
    for c in classes:
        assert re.fullmatch(r"\d{3}\.[a-z_]+", c.name) and int(c.name[:3]) == c.index + 1
        assert len(c.name) < 80


def test_make_classes_deterministic_per_seed():
    assert make_classes("birds", 3) == make_classes("birds", 3)
    assert make_classes("birds", 3) != make_classes("birds", 4)
    with pytest.raises(ValueError):
        make_classes("fish")


def test_colour_values_are_drawable_words():
    for kind in KINDS:
        for name, values in ATTRIBUTES[kind].items():
            assert all(re.fullmatch(r"[a-z]+", v) for v in values)
            if name.endswith("_color"):
                assert set(values) <= set(COLORS)


@pytest.mark.parametrize("kind", KINDS)
def test_flip_rate(kind):
    spec = make_classes(kind)[0]
    rng = np.random.default_rng(0)
    samples = [sample_image_attributes(spec, rng, flip_prob=0.2) for _ in range(2000)]
    for name, value in spec.attributes.items():
        flipped = [s[name] for s in samples if s[name] != value]
        assert abs(len(flipped) / len(samples) - 0.2) < 0.04
        assert set(flipped) <= set(ATTRIBUTES[kind][name])
    assert all(sample_image_attributes(spec, rng, flip_prob=0.0) == spec.attributes for _ in range(20))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [32, 64, 128, 256])
def test_render_size_and_mode(kind, size):
    image = render(kind, make_classes(kind)[0].attributes, size, np.random.default_rng(0))
    assert image.mode == "RGB" and image.size == (size, size)
    assert np.asarray(image).std() > 10  # not blank


@pytest.mark.parametrize("kind", KINDS)
def test_render_deterministic_and_varied(kind):
    attrs = make_classes(kind)[1].attributes
    a = np.asarray(render(kind, attrs, 64, np.random.default_rng(5)))
    b = np.asarray(render(kind, attrs, 64, np.random.default_rng(5)))
    c = np.asarray(render(kind, attrs, 64, np.random.default_rng(6)))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)  # within-class variation: pose, background, jitter


def test_attribute_changes_the_image():
    spec = make_classes("birds")[0]
    other = dict(spec.attributes, wing_color=next(v for v in ATTRIBUTES["birds"]["wing_color"]
                                                  if v != spec.attributes["wing_color"]))
    a = np.asarray(render("birds", spec.attributes, 64, np.random.default_rng(0)), float)
    b = np.asarray(render("birds", other, 64, np.random.default_rng(0)), float)
    assert (np.abs(a - b).sum(-1) > 30).mean() > 0.05  # the wing is a large part of the frame
