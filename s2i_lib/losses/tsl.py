"""Teacher-student loss TSL = JEL + lambda_norm * L_norm + lambda_KDL * L_KDL (paper Eq. 6-9).

Where the paper's wording and the authors' code differ, the code's semantics are used (docs/authors-code.md#5):
- JEL: margins are 1 (different class) and **0** (same class); the paper's "m_same = 0.1" is in the code a
  **weight** of 0.1 on the same-class hinge (weight 1 on the different-class one); the sum over the B x B score
  matrix is divided by B^2.
- L_norm: L1 between the speech and image embeddings, each divided by the Frobenius norm of its **whole batch
  matrix** (not per sample), averaged over the B x D elements.
- L_KDL: KL(softmax(image / T) || softmax(speech)) over the D feature dimensions, T = 2 on the teacher only,
  reduction 'mean' over all B x D elements (hence lambda_KDL = 1000).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor


def joint_embedding_loss(image: Tensor, speech: Tensor, labels: Tensor, weight_diff: float = 1.0,
                         weight_same: float = 0.1, margin_diff: float = 1.0, margin_same: float = 0.0) -> Tensor:
    """Eq. 7 as the authors compute it: S = image @ speech^T; for speech j, image i is an impostor scored
    S[i, j] - S[j, j], hinged with the margin of its class relation."""
    scores = image @ speech.T
    relative = scores - scores.diagonal()[None, :]
    same = labels[:, None] == labels[None, :]
    hinge_diff = F.relu(relative + margin_diff).masked_fill(same, 0.0)
    hinge_same = F.relu(relative + margin_same).masked_fill(~same, 0.0)
    return (weight_diff * hinge_diff.sum() + weight_same * hinge_same.sum()) / scores.numel()


def norm_loss(image: Tensor, speech: Tensor) -> Tensor:
    """Eq. 8 as the authors compute it: L1 of batch-Frobenius-normalised embeddings, mean over elements."""
    return F.l1_loss(speech / speech.norm(), image / image.norm())


def distillation_loss(image: Tensor, speech: Tensor, temperature: float = 2.0) -> Tensor:
    """Eq. 9 as the authors compute it: `kl_div(log_softmax(speech), softmax(image / T))` with torch's element-wise
    'mean' (written as sum / numel, since torch plans to turn 'mean' into 'batchmean')."""
    kl = F.kl_div(F.log_softmax(speech, dim=1), F.softmax(image / temperature, dim=1), reduction="sum")
    return kl / speech.numel()


@dataclass(frozen=True)
class TSLConfig:
    """Which terms are on (Table IV ablation) and their weights (paper III-F, README command of the authors)."""
    jel: bool = True
    norm: bool = True
    kdl: bool = True
    lambda_norm: float = 5.0
    lambda_kdl: float = 1000.0
    weight_diff: float = 1.0
    weight_same: float = 0.1
    temperature: float = 2.0


def teacher_student_loss(image: Tensor, speech: Tensor, labels: Tensor,
                         config: TSLConfig = TSLConfig()) -> tuple[Tensor, dict[str, float]]:
    """Eq. 6: the total loss and each (unweighted) term's value for logging."""
    if not (config.jel or config.norm or config.kdl):
        raise ValueError("at least one TSL term must be on")
    terms: dict[str, Tensor] = {}
    total = speech.new_zeros(())
    if config.jel:
        terms["jel"] = joint_embedding_loss(image, speech, labels, config.weight_diff, config.weight_same)
        total = total + terms["jel"]
    if config.norm:
        terms["norm"] = norm_loss(image, speech)
        total = total + config.lambda_norm * terms["norm"]
    if config.kdl:
        terms["kdl"] = distillation_loss(image, speech, config.temperature)
        total = total + config.lambda_kdl * terms["kdl"]
    return total, {k: float(v.detach()) for k, v in terms.items()}
