"""The in-domain Inception-style score: its closed-form cases and a tiny EfficientNet-Lite0 fine-tune."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from s2i_lib.metrics.inception_score import (class_probabilities, classifier_accuracy,
                                             fine_tune_classifier, inception_score)


def test_uniform_classifier_scores_exactly_one():
    mean, std = inception_score(np.full((50, 7), 1 / 7))
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_even_one_hot_predictions_score_k():
    k = 5
    one_hot = np.eye(k)[np.arange(100) % k]
    assert inception_score(one_hot, splits=1) == pytest.approx((k, 0.0))
    mean, _ = inception_score(one_hot, splits=10, seed=0)    # uneven shuffled splits: at most K
    assert 4.0 < mean <= k


def test_score_is_seeded():
    p = np.random.default_rng(0).dirichlet(np.ones(6) * 0.3, size=80)
    assert inception_score(p, seed=3) == inception_score(p, seed=3)
    assert inception_score(p, seed=3) != inception_score(p, seed=4)         # the splits depend on the seed


def test_rejects_too_few_rows():
    with pytest.raises(ValueError):
        inception_score(np.full((5, 3), 1 / 3), splits=10)


def test_fine_tune_tiny_set_gives_probabilities_of_the_right_shape():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, 3, 64, 64, generator=g) * 0.2 - 0.1
    labels = torch.tensor([0, 1] * 4)
    x[labels == 0, 0] += 0.8                                     # class 0 is reddish, class 1 bluish
    x[labels == 1, 2] += 0.8
    model = fine_tune_classifier(x, labels, epochs=2, batch_size=4, image_size=64, device="cpu", progress=False)
    p = class_probabilities(model, x, progress=False)
    assert p.shape == (8, 2) and np.allclose(p.sum(axis=1), 1.0)
    accuracy = classifier_accuracy(model, x, labels)
    assert accuracy == pytest.approx(float((p.argmax(axis=1) == labels.numpy()).mean()))
    assert classifier_accuracy(model, x[:3], torch.from_numpy(p[:3].argmax(axis=1))) == 1.0   # its own argmax
