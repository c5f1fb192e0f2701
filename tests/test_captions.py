"""Captions of procedural images and the parser of the attributes they state."""
from __future__ import annotations

import re

import numpy as np
import pytest

from s2i_lib.data.captions import make_captions, mentioned_attributes
from s2i_lib.data.procedural import ATTRIBUTES, KINDS, make_classes, sample_image_attributes


def _images(kind: str, n: int = 60):
    rng = np.random.default_rng(0)
    classes = make_classes(kind)
    return [sample_image_attributes(classes[i % len(classes)], rng) for i in range(n)], rng


@pytest.mark.parametrize("kind", KINDS)
def test_captions_plain_words_and_true_mentions(kind):
    images, rng = _images(kind)
    for attrs in images:
        items = make_captions(kind, attrs, 10, rng, return_mentions=True)
        assert len(items) == 10
        for text, mentions in items:
            assert re.fullmatch(r"[a-z]+( [a-z]+)*", text), text  # lower-case words: no digits or punctuation
            assert 2 <= len(mentions) <= min(5, len(ATTRIBUTES[kind]))
            assert all(attrs[k] == v for k, v in mentions.items())
            assert mentioned_attributes(kind, text) == mentions, text


@pytest.mark.parametrize("kind", KINDS)
def test_captions_deterministic_and_varied(kind):
    attrs = make_classes(kind)[0].attributes
    a = make_captions(kind, attrs, 10, np.random.default_rng(1))
    assert a == make_captions(kind, attrs, 10, np.random.default_rng(1))
    assert all(isinstance(t, str) for t in a)
    assert len(set(a)) >= 8
    many = make_captions(kind, attrs, 200, np.random.default_rng(2))
    openings = {" ".join(t.split()[:2]) for t in many}
    assert len(openings) >= 4


def test_bird_synonyms_used():
    attrs = make_classes("birds")[0].attributes
    words = set(" ".join(make_captions("birds", attrs, 300, np.random.default_rng(0))).split())
    assert {"crown", "head", "breast", "belly", "chest", "wings", "feathers", "tail", "crest"} <= words


def test_parser_on_transcript_like_text():
    got = mentioned_attributes("birds", "This bird has a Gray crown, and its wing feathers are blue. No crest!")
    assert got == {"crown_color": "grey", "wing_color": "blue", "crest": "no"}
    got = mentioned_attributes("flowers", "a pink flower with five pointed petals and a yellow centre")
    assert got == {"petal_color": "pink", "petal_count": "five", "petal_shape": "pointed", "center_color": "yellow"}
    got = mentioned_attributes("flowers", "the petals are white and round and the middle is black")
    assert got == {"petal_color": "white", "petal_shape": "round", "center_color": "black"}
    assert mentioned_attributes("birds", "a pretty little bird sitting on a branch") == {}
