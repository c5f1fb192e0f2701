"""Semantic consistency: spoken-attribute accuracy and speech-to-image retrieval on hand-made cases."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from s2i_lib.metrics.attributes import AttributeClassifier
from s2i_lib.metrics.semantic import r_precision, r_precision_hits, recall_at_k, spoken_attribute_accuracy, spoken_attributes

VALUES = {"crown": ("red", "blue"), "wing": ("black", "white", "grey")}


class _Fixed(AttributeClassifier):
    """Predicts fixed value indices, whatever the images."""

    def __init__(self, preds: dict[str, list[int]]):
        super().__init__(VALUES, image_size=8, width=2)
        self.preds = preds

    def forward(self, images):
        n = len(images)
        return {k: torch.nn.functional.one_hot(torch.tensor(v[:n]), len(VALUES[k])).float()
                for k, v in self.preds.items()}


def test_spoken_attributes_picks_the_mentioned_ones():
    attrs = {"crown": "red", "wing": "grey", "tail": "long"}
    assert spoken_attributes(attrs, ["wing", "crown"]) == {"wing": "grey", "crown": "red"}


def test_accuracy_counts_only_spoken_attributes():
    model = _Fixed({"crown": [0, 1, 0], "wing": [2, 2, 0]})       # crown red, blue, red; wing grey, grey, black
    spoken = [{"crown": "red"},                                    # right
              {"crown": "red", "wing": "grey"},                    # crown wrong, wing right
              {"wing": "white"}]                                   # wrong (predicted black)
    acc = spoken_attribute_accuracy(model, torch.zeros(3, 3, 8, 8), spoken)
    assert {k: e.value for k, e in acc.items()} == pytest.approx({"crown": 0.5, "wing": 0.5, "overall": 0.5})
    assert acc["overall"].error > 0                                # bootstrapped over the three images
    acc = spoken_attribute_accuracy(model, torch.zeros(3, 3, 8, 8), [{"crown": "red"}, {}, {"wing": "black"}])
    assert {k: e.value for k, e in acc.items()} == {"crown": 1.0, "wing": 1.0, "overall": 1.0}   # image 1: not scored
    assert math.isnan(acc["crown"].error)                          # one image spoke the crown: no error to give
    with pytest.raises(ValueError):
        spoken_attribute_accuracy(model, torch.zeros(3, 3, 8, 8), [{}])


def test_retrieval_identical_features_is_perfect():
    x = np.random.default_rng(0).normal(size=(150, 16))
    assert r_precision(x, x, r=100) == 1.0
    assert recall_at_k(x, 3 * x, ks=(1, 5)) == {"R@1": 1.0, "R@5": 1.0}   # cosine ignores scale


def test_retrieval_shuffled_features_is_near_chance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1000, 16))
    y = x[rng.permutation(1000)]
    assert r_precision(x, y, r=10, seed=0) == pytest.approx(0.1, abs=0.04)
    assert recall_at_k(x, y, ks=(10,))["R@10"] == pytest.approx(0.01, abs=0.015)
    assert r_precision(x, y, r=10, seed=0) == r_precision(x, y, r=10, seed=0)


def test_r_is_capped_at_n():
    x = np.eye(3)
    assert r_precision(x, x, r=100) == 1.0
    assert r_precision(x, np.roll(x, 1, axis=0), r=100) == 0.0


def test_r_precision_draws_mismatched_candidates_from_other_groups_only():
    # queries 0 and 1 are two captions of one image: each one's own candidate scores 0.9, the other's 1.0;
    # only candidate 2 (another image, 0.0) is mismatched, so both are hits once the group is respected
    q = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    c = np.array([[0.9, np.sqrt(1 - 0.81)], [0.9, np.sqrt(1 - 0.81)], [0.0, 1.0]])
    c[1] = [1.0, 0.0]                        # query 0 prefers candidate 1 (its own image's other caption)
    assert r_precision_hits(q, c, r=3, groups=[0, 1, 2]).tolist() == [False, True, True]
    assert r_precision_hits(q, c, r=3, groups=[0, 0, 1]).tolist() == [True, True, True]
    with pytest.raises(ValueError, match="no mismatched"):
        r_precision_hits(q, c, groups=[0, 0, 0])
