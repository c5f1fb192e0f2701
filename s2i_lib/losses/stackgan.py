"""StackGAN-v2's discriminator, generator and KL losses (docs/stackgan-v2.md#3, `code/trainer.py::condGANTrainer`)
and the authors' class-aware loss (docs/authors-code.md#8, `StackGAN_v2/trainer.py::class_aware_loss`).

The training step calls two functions: `discriminator_loss` (every scale's errD, summed: each D's parameters
get the gradient of their own term only, as with StackGAN-v2's one backward per D) and `generator_loss`
(every scale's adversarial term, the optional class-aware term, and kl_coeff * KL).

The discriminators return logits and every BCE here is `binary_cross_entropy_with_logits` (mean over the batch):
the same value as StackGAN-v2's Sigmoid + BCELoss, without its saturation, and safe under autocast.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from collections.abc import Sequence

from torch import Tensor

from ..models.stackgan import DOutput


def bce(logits: Tensor, target: float) -> Tensor:
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_scale_loss(real: DOutput, wrong: DOutput, fake: DOutput, uncond_coeff: float = 1.0) -> Tensor:
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


def discriminator_loss(real: Sequence[DOutput], wrong: Sequence[DOutput], fake: Sequence[DOutput],
                       uncond_coeff: float = 1.0) -> tuple[Tensor, list[Tensor]]:
    """Every scale's errD (`discriminator_scale_loss`) for D's outputs on matching real images, mismatched real
    images and generated images (each a list over scales, smallest first): (their sum, the per-scale terms)."""
    terms = [discriminator_scale_loss(r, w, f, uncond_coeff) for r, w, f in zip(real, wrong, fake, strict=True)]
    return sum(terms[1:], terms[0]), terms


def generator_loss(fake: Sequence[DOutput], mu: Tensor, logvar: Tensor, kl_coeff: float = 2.0,
                   uncond_coeff: float = 1.0, labels: Tensor | None = None) -> tuple[Tensor, dict[str, Tensor]]:
    """errG: the sum over scales of the adversarial term (and, with class `labels`, the class-aware loss on D's
    codes of the generated images) plus kl_coeff * KL of the CA distribution. Returns (errG, the terms:
    g<i> per scale, cal summed over scales when on, kl)."""
    terms: dict[str, Tensor] = {}
    total = mu.new_zeros((), dtype=mu.dtype).float()
    for i, out in enumerate(fake):
        terms[f"g{i}"] = generator_adversarial_loss(out, uncond_coeff)
        total = total + terms[f"g{i}"]
        if labels is not None:
            cal = class_aware_loss(out.code, labels)
            terms["cal"] = terms["cal"] + cal if "cal" in terms else cal
            total = total + cal
    terms["kl"] = kl_loss(mu, logvar)
    return total + kl_coeff * terms["kl"], terms
