"""The authors' class-centre accuracy and AP@k, and caption -> image recall@k, on hand-computed cases."""
from __future__ import annotations

import math

import pytest
import torch

from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.metrics.retrieval import (class_centre_accuracy, precision_at_k, retrieval_table,
                                       speech_to_image_recall)

# Two classes (5 and 9), two captions each; centres (1, 0) for class 5 and (0, 1) for class 9.
EMB = torch.tensor([[2.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
EMB_LABELS = torch.tensor([5, 5, 9, 9])
IMAGES = torch.tensor([[3.0, 1.0], [1.0, 2.0], [0.0, 5.0], [4.0, 0.0]])
IMAGE_LABELS = torch.tensor([5, 5, 9, 9])


def test_class_centre_accuracy_by_hand():
    # scores vs centres: image0 (3, 1) -> 5 ok; image1 (1, 2) -> 9 wrong; image2 (0, 5) -> 9 ok; image3 (4, 0) -> 5 wrong
    assert class_centre_accuracy(EMB, EMB_LABELS, IMAGES, IMAGE_LABELS) == pytest.approx(0.5)


def test_precision_at_k_by_hand():
    # centre 5 ranks images 3, 0 | 1, 2 -> top-2 labels 9, 5 -> 1/2; centre 9 ranks 2, 1 -> labels 9, 5 -> 1/2
    assert precision_at_k(EMB, EMB_LABELS, IMAGES, IMAGE_LABELS, k=2) == pytest.approx(0.5)
    # k = 1: centre 5's best is image 3 (class 9) -> 0; centre 9's best is image 2 (class 9) -> 1
    assert precision_at_k(EMB, EMB_LABELS, IMAGES, IMAGE_LABELS, k=1) == pytest.approx(0.5)
    # k larger than the data: every image counts, half are each class
    assert precision_at_k(EMB, EMB_LABELS, IMAGES, IMAGE_LABELS, k=50) == pytest.approx(0.5)


def test_recall_at_k_by_hand():
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    own = torch.tensor([3, 1, 0])
    # query 0 scores 3, 1, 0, 4 -> own image 3 ranks 1; query 1 scores 1, 2, 5, 0 -> image 1 ranks 2;
    # query 2 scores 4, 3, 5, 4 -> image 0 ranks 2 (only 5 is higher; the tie does not count against it)
    assert speech_to_image_recall(queries, own, IMAGES, ks=(1, 2)) == {"R@1": pytest.approx(1 / 3),
                                                                       "R@2": pytest.approx(1.0)}


def test_retrieval_table_uses_every_caption_of_every_image():
    labels = torch.tensor([0, 0, 1, 1])
    images = 2 * torch.eye(4, 6)                              # equal norms: own image scores highest by dot product
    perfect = images[:, None, :].repeat(1, 3, 1)             # every caption embeds to its image's feature
    table = retrieval_table(perfect, labels, images)
    assert table["R@1"] == 1.0 and table["class-centre acc"] == 1.0 and table["AP@2"] == 1.0
    assert table["AP@50"] == 0.5 and set(table) == {"class-centre acc", "AP@50", "AP@2", "R@1", "R@5", "R@10"}


def test_speech_class_accuracy_is_leave_one_out_and_ignores_the_embedding_space():
    from s2i_lib.metrics.retrieval import speech_class_accuracy
    # two classes along two axes; image 2 of class 0 leans to class 1: with itself left out it is misread
    e = torch.tensor([[[1.0, 0.0]], [[1.0, 0.1]], [[0.2, 1.0]], [[0.0, 1.0]], [[0.1, 1.0]]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    assert speech_class_accuracy(e, labels) == pytest.approx(4 / 5)
    rotation = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    assert speech_class_accuracy(e @ rotation, labels) == pytest.approx(4 / 5)   # any orthogonal map: the same
    # classes 1 and 2 of one image each: left out, they have no centre, so both are misses; image 2 goes to 2
    assert speech_class_accuracy(e, torch.tensor([0, 0, 0, 1, 2])) == pytest.approx(2 / 5)


def test_recall_by_group_on_a_hand_computed_case():
    from s2i_lib.metrics.retrieval import recall_by_group
    features = torch.eye(3)                                         # image i's feature is e_i
    emb = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]],                 # image 0: caption a hits, caption b misses
                        [[0, 1.0, 0], [0, 1.0, 0]],                 # image 1: both hit
                        [[0, 0, 1.0], [1.0, 0, 0]]])                # image 2: a hits, b misses
    groups = [["a", "b"], ["a", "b"], ["a", "b"]]
    out = recall_by_group(emb, groups, features, ks=(1, 3))
    assert out["a"] == {"captions": 3, "R@1": Estimate(1.0, 0.0), "R@3": Estimate(1.0, 0.0)}
    assert out["b"]["captions"] == 3 and out["b"]["R@1"].value == pytest.approx(1 / 3)
    assert out["b"]["R@1"].error == pytest.approx(math.sqrt(1 / 3 * 2 / 3 / 3))      # binomial, 3 captions
    assert out["b"]["R@3"] == Estimate(1.0, 0.0)
    with pytest.raises(ValueError, match="5 group labels for 6 captions"):
        recall_by_group(emb, [["a", "b"], ["a", "b"], ["a"]], features)


def test_an_encoders_retrieval_row_carries_an_error_on_every_number():
    from s2i_lib.metrics.retrieval import encoder_retrieval, speech_class_accuracy
    torch.manual_seed(0)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    features = torch.randn(6, 5)
    embeddings = (features + 0.3 * torch.randn(6, 5))[:, None].repeat(1, 2, 1)
    row = encoder_retrieval(embeddings, labels, features, reps=20)
    assert set(row) == {"speech class acc", "class-centre acc", "AP@50", "R@1", "R@5", "R@10"}
    assert row["speech class acc"].value == pytest.approx(speech_class_accuracy(embeddings, labels))
    assert all(isinstance(e, Estimate) and e.error >= 0 for e in row.values())
