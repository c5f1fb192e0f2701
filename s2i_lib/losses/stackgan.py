"""StackGAN-v2's discriminator, generator and KL losses (anchors.md 2.3, `code/trainer.py::condGANTrainer`) and
the authors' class-aware loss (anchors.md 1.8, `StackGAN_v2/trainer.py::class_aware_loss`).

The discriminators return logits and every BCE here is `binary_cross_entropy_with_logits` (mean over the batch):
the same value as StackGAN-v2's Sigmoid + BCELoss, without its saturation, and safe under autocast.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .models.stackgan import DOutput


def bce(logits: Tensor, target: float) -> Tensor:
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(real: DOutput, wrong: DOutput, fake: DOutput, uncond_coeff: float = 1.0) -> Tensor:
    """One scale's errD for matching real images, mismatched ("wrong") real images and generated images.

    With u = uncond_coeff > 0 (StackGAN-v2's branch for a D with an unconditional head):
        BCE(real_c, 1) + BCE(wrong_c, 0) + BCE(fake_c, 0) + u * (BCE(real_u, 1) + BCE(wrong_u, 1) + BCE(fake_u, 0)),
    a plain sum; with u = 0 StackGAN-v2 halves the two negatives:
        BCE(real_c, 1) + (BCE(wrong_c, 0) + BCE(fake_c, 0)) / 2.
    """
    if uncond_coeff > 0:
        cond = bce(real.cond, 1.0) + bce(wrong.cond, 0.0) + bce(fake.cond, 0.0)
        return cond + uncond_coeff * (bce(real.uncond, 1.0) + bce(wrong.uncond, 1.0) + bce(fake.uncond, 0.0))
    return bce(real.cond, 1.0) + 0.5 * (bce(wrong.cond, 0.0) + bce(fake.cond, 0.0))


def generator_adversarial_loss(fake: DOutput, uncond_coeff: float = 1.0) -> Tensor:
    """One scale's adversarial term of errG: BCE(fake_c, 1) + uncond_coeff * BCE(fake_u, 1)."""
    loss = bce(fake.cond, 1.0)
    return loss + uncond_coeff * bce(fake.uncond, 1.0) if uncond_coeff > 0 else loss


def kl_loss(mu: Tensor, logvar: Tensor) -> Tensor:
    """StackGAN-v2 KL_loss: -0.5 * mean(1 + logvar - mu^2 - exp(logvar)), a mean over batch and dimensions."""
    mu, logvar = mu.float(), logvar.float()
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


def class_aware_loss(features: Tensor, labels: Tensor) -> Tensor:
    """The authors' class-aware loss on D's flattened codes X (B, F) of generated images:
    max(0, mean(X X^T) - mean of X X^T over same-class pairs i != j) / F, and 0 when the batch has no such pair.

    mean(X X^T) runs over all B^2 entries, diagonal included, exactly as the authors' `scores.mean()`. The term
    rewards same-class images whose codes have larger inner products than the batch average.
    """
    x = features.float().flatten(1)
    scores = x @ x.T
    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    same_mean = (scores * same).sum() / same.sum().clamp(min=1)
    loss = (scores.mean() - same_mean).clamp(min=0) / x.shape[1]
    return torch.where(same.any(), loss, torch.zeros_like(loss))
