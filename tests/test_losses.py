"""Teacher-student loss terms against hand-computed values; each pins a trap of docs/authors-code.md#5 / docs/fidelity-traps.md#1."""
from __future__ import annotations

import math

import pytest
import torch

from s2i_lib.losses.tsl import (TSLConfig, distillation_loss, joint_embedding_loss, norm_loss,
                            teacher_student_loss)

EYE = torch.eye(2)
SWAP = torch.tensor([[0.0, 1.0], [1.0, 0.0]])


def test_jel_is_zero_when_every_impostor_is_beaten_by_the_margin():
    # S = I: S[i,j] - S[j,j] = -1 off the diagonal, and relu(-1 + 1) = 0
    assert joint_embedding_loss(EYE, EYE, torch.tensor([0, 1])).item() == 0.0


def test_jel_different_class_hinge_has_margin_1_and_weight_1():
    # S = image @ speech^T = SWAP; diagonal 0; two impostor pairs at relu(1 + 1) = 2; sum 4 / B^2 = 1
    assert joint_embedding_loss(EYE, SWAP, torch.tensor([0, 1])).item() == pytest.approx(1.0)


def test_jel_same_class_hinge_has_margin_0_and_weight_0_1():
    # the paper calls 0.1 a margin; in the authors' code it is a weight on a zero-margin hinge:
    # same-class pairs relu(1 + 0) = 1 each, 0.1 * 2 / 4 = 0.05 (with a margin of 0.1 it would be 0.055)
    assert joint_embedding_loss(EYE, SWAP, torch.tensor([0, 0])).item() == pytest.approx(0.05)


def test_jel_scores_impostor_images_against_each_speech():
    image = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    speech = torch.tensor([[1.0, 0.0], [0.5, 0.0]])
    # S = [[1, .5], [2, 1]]; column j minus S[j,j]: [[0, -.5], [1, 0]]; impostors: relu(1+1)=2, relu(-.5+1)=.5
    assert joint_embedding_loss(image, speech, torch.tensor([0, 1])).item() == pytest.approx(2.5 / 4)


def test_norm_uses_the_frobenius_norm_of_the_whole_batch():
    image = torch.tensor([[3.0, 0.0], [0.0, 4.0]])      # ||image||_F = 5
    speech = torch.tensor([[1.0, 0.0], [0.0, 0.0]])     # ||speech||_F = 1
    expected = (abs(1 - 0.6) + 0 + 0 + abs(0 - 0.8)) / 4
    assert norm_loss(image, speech).item() == pytest.approx(expected)
    per_sample = (abs(1 - 1) + 0 + 0 + abs(0 - 1)) / 4   # what a per-sample normalisation would give
    assert norm_loss(image, speech).item() != pytest.approx(per_sample)


def test_distillation_tempers_the_teacher_only_and_averages_over_elements():
    image = torch.tensor([[2.0, 0.0]])
    speech = torch.tensor([[0.0, 0.0]])
    p = [math.exp(1) / (math.exp(1) + 1), 1 / (math.exp(1) + 1)]     # softmax(image / 2)
    expected = sum(pi * (math.log(pi) - math.log(0.5)) for pi in p) / 2   # 'mean' over B x D = 2 elements
    assert distillation_loss(image, speech).item() == pytest.approx(expected)
    assert distillation_loss(speech, speech).item() == pytest.approx(0.0)


def test_tsl_weights_and_switches():
    torch.manual_seed(0)
    image, speech, labels = torch.randn(4, 8), torch.randn(4, 8), torch.tensor([0, 0, 1, 2])
    total, terms = teacher_student_loss(image, speech, labels)
    assert total.item() == pytest.approx(terms["jel"] + 5 * terms["norm"] + 1000 * terms["kdl"], rel=1e-5)
    only_norm, terms_norm = teacher_student_loss(image, speech, labels, TSLConfig(jel=False, kdl=False))
    assert set(terms_norm) == {"norm"} and only_norm.item() == pytest.approx(5 * terms["norm"], rel=1e-5)
    with pytest.raises(ValueError):
        teacher_student_loss(image, speech, labels, TSLConfig(jel=False, norm=False, kdl=False))
