"""StackGAN-v2 conditioned on speech embeddings: the paper's GAN stage (section III-C).

Layers as `hanzhanggit/StackGAN-v2` code/model.py (docs/stackgan-v2.md#2); the discriminators also return their
flattened image code, as the authors' modified D does for the class-aware loss (docs/authors-code.md#8). Concatenation
orders ([c, z], [c, h], [c, x]) and which convs carry a bias are StackGAN-v2's.

Branch k (0-based) makes base_size * 2**k pixel images. With base 64 and gf = df = 64 every layer is
StackGAN-v2's: 1024 channels at 4x4, 64@64, 32@128, 16@256. Smaller bases generalise it so that the first
branch still has gf_dim channels and every D code is still 8 df x 4 x 4:
- the first stage starts from gf_dim * base_size / 4 channels at 4x4 (16 gf at 64 px) and halves them in each
  of its log2(base_size / 4) upBlocks;
- D for a side s < 64 keeps only the last log2(s / 4) stride-2 convs of encode_image_by_16times (widths
  2 df, 4 df, 8 df at 32 px; the first one has no BN, as there); for s >= 64 it is encode_image_by_16times
  followed by log2(s / 64) downBlocks doubling the width and as many Block3x3 halving it back (D_NET128 and
  D_NET256 exactly).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class GANConfig:
    embedding_dim: int                 # size of the speech embedding that conditions G (the teacher's size)
    condition_dim: int = 128           # ef: size of the conditioning code c (CA_NET output)
    z_dim: int = 100
    gf_dim: int = 64
    df_dim: int = 64
    branches: int = 3                  # 1..3 generator branches / discriminators (Table V's scales)
    base_size: int = 64                # side of the first branch's images
    r_num: int = 2                     # residual blocks per NEXT_STAGE_G
    kl_coeff: float = 2.0              # StackGAN-v2 cfg.TRAIN.COEFF.KL
    uncond_coeff: float = 1.0          # cfg.TRAIN.COEFF.UNCOND_LOSS
    class_aware: bool = False          # the authors' class-aware loss (docs/authors-code.md#8)

    def __post_init__(self):
        if not 1 <= self.branches <= 3:
            raise ValueError(f"branches must be 1, 2 or 3, not {self.branches}")
        if self.base_size < 8 or self.base_size & (self.base_size - 1):
            raise ValueError(f"base_size must be a power of two >= 8, not {self.base_size}")
        if self.gf_dim % 2 ** (self.branches - 1):
            raise ValueError(f"gf_dim {self.gf_dim} must be divisible by 2**(branches - 1)")

    @property
    def image_sizes(self) -> tuple[int, ...]:
        return tuple(self.base_size * 2 ** k for k in range(self.branches))


def init_weights(module: nn.Module) -> None:
    """StackGAN-v2 trainer.weights_init: orthogonal (gain 1) Conv and Linear weights, zero Linear bias,
    BatchNorm weight N(1, 0.02) and bias 0. Conv biases (only D's logit convs have one) keep torch's default."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.orthogonal_(module.weight, 1.0)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def conv3x3(c_in: int, c_out: int) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False)


# ---------------------------------------------------------------------------------------------- generator


def up_block(c_in: int, c_out: int) -> nn.Sequential:
    """Nearest x2, conv3x3 to 2 c_out, BN, GLU."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv3x3(c_in, 2 * c_out),
                         nn.BatchNorm2d(2 * c_out), nn.GLU(dim=1))


def block3x3_glu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(conv3x3(c_in, 2 * c_out), nn.BatchNorm2d(2 * c_out), nn.GLU(dim=1))


class ResBlock(nn.Module):
    """conv-BN-GLU-conv-BN plus the identity (no activation after the sum)."""

    def __init__(self, channels: int):
        super().__init__()
        self.block = nn.Sequential(block3x3_glu(channels, channels), conv3x3(channels, channels),
                                   nn.BatchNorm2d(channels))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


class CANet(nn.Module):
    """Conditioning augmentation: Linear + GLU -> (mu, logvar); c = mu + eps * exp(logvar / 2)."""

    def __init__(self, embedding_dim: int, condition_dim: int):
        super().__init__()
        self.fc = nn.Linear(embedding_dim, 4 * condition_dim)
        self.condition_dim = condition_dim

    def forward(self, embedding: Tensor, eps: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        mu, logvar = nn.functional.glu(self.fc(embedding), dim=1).split(self.condition_dim, dim=1)
        if eps is None:
            eps = torch.randn(mu.shape, device=mu.device)        # fp32 noise, also under autocast
        return mu + eps * torch.exp(0.5 * logvar), mu, logvar


class InitStage(nn.Module):
    """INIT_STAGE_G: Linear([c, z]) -> BN1d -> GLU -> (ngf, 4, 4), then upBlocks halving the channels."""

    def __init__(self, in_dim: int, ngf: int, n_up: int):
        super().__init__()
        self.ngf = ngf
        self.fc = nn.Sequential(nn.Linear(in_dim, ngf * 4 * 4 * 2, bias=False), nn.BatchNorm1d(ngf * 4 * 4 * 2),
                                nn.GLU(dim=1))
        self.upsample = nn.Sequential(*[up_block(ngf // 2 ** i, ngf // 2 ** (i + 1)) for i in range(n_up)])

    def forward(self, z: Tensor, c: Tensor) -> Tensor:
        return self.upsample(self.fc(torch.cat([c, z], dim=1)).view(-1, self.ngf, 4, 4))


class NextStage(nn.Module):
    """NEXT_STAGE_G: [c tiled, h] -> jointConv -> r_num ResBlocks -> upBlock (halves the channels)."""

    def __init__(self, ngf: int, condition_dim: int, r_num: int):
        super().__init__()
        self.joint = block3x3_glu(ngf + condition_dim, ngf)
        self.residual = nn.Sequential(*[ResBlock(ngf) for _ in range(r_num)])
        self.upsample = up_block(ngf, ngf // 2)

    def forward(self, h: Tensor, c: Tensor) -> Tensor:
        tiled = c[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])
        return self.upsample(self.residual(self.joint(torch.cat([tiled, h], dim=1))))


class Generator(nn.Module):
    """G_NET: (z, speech embedding) -> ([images small to large], mu, logvar); images in [-1, 1]."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        ef, gf = config.condition_dim, config.gf_dim
        n_up = int(math.log2(config.base_size // 4))
        self.ca_net = CANet(config.embedding_dim, ef)
        stages = [InitStage(ef + config.z_dim, gf * 2 ** n_up, n_up)]
        stages += [NextStage(gf // 2 ** (k - 1), ef, config.r_num) for k in range(1, config.branches)]
        self.stages = nn.ModuleList(stages)
        self.to_image = nn.ModuleList(nn.Sequential(conv3x3(gf // 2 ** k, 3), nn.Tanh())
                                      for k in range(config.branches))
        self.apply(init_weights)

    def forward(self, z: Tensor, embedding: Tensor, eps: Tensor | None = None) -> tuple[list[Tensor], Tensor, Tensor]:
        """`eps` (B, condition_dim) fixes the conditioning noise (drawn from torch's generator when None)."""
        c, mu, logvar = self.ca_net(embedding, eps)
        images, h = [], None
        for k, (stage, to_image) in enumerate(zip(self.stages, self.to_image)):
            h = stage(z, c) if k == 0 else stage(h, c)
            images.append(to_image(h))
        return images, mu, logvar


# ------------------------------------------------------------------------------------------ discriminators


def down_block(c_in: int, c_out: int) -> nn.Sequential:
    """conv4x4 stride 2 (no bias), BN, LeakyReLU(0.2)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


def block3x3_leaky(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(conv3x3(c_in, c_out), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


def encode_image(size: int, ndf: int) -> nn.Sequential:
    """(B, 3, size, size) -> (B, 8 ndf, 4, 4): encode_image_by_16times (cut for size < 64, see the module
    docstring), then for size > 64 the downBlocks and Block3x3s of D_NET128 / D_NET256."""
    n_enc = min(4, int(math.log2(size // 4)))
    widths = [ndf * 2 ** i for i in range(4)][4 - n_enc:]
    layers = [nn.Conv2d(3, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
    layers += [down_block(a, b) for a, b in zip(widths, widths[1:])]
    extra = int(math.log2(size // 64)) if size > 64 else 0
    layers += [down_block(8 * ndf * 2 ** j, 8 * ndf * 2 ** (j + 1)) for j in range(extra)]
    layers += [block3x3_leaky(8 * ndf * 2 ** (j + 1), 8 * ndf * 2 ** j) for j in reversed(range(extra))]
    return nn.Sequential(*layers)


class DOutput(NamedTuple):
    cond: Tensor     # (B,) logit of "real and matching the condition"
    uncond: Tensor   # (B,) logit of "real"
    code: Tensor     # (B, 8 df * 16) flattened image code (the authors' x_immediate)


class Discriminator(nn.Module):
    """D_NET64 / 128 / 256 for `size`: logits, not probabilities (StackGAN-v2's final Sigmoid moves into the
    loss, binary_cross_entropy_with_logits, which is the same value as Sigmoid + BCELoss)."""

    def __init__(self, size: int, df_dim: int, condition_dim: int):
        super().__init__()
        if size < 8 or size & (size - 1):
            raise ValueError(f"image size must be a power of two >= 8, not {size}")
        ndf = df_dim
        self.size = size
        self.encode = encode_image(size, ndf)
        self.joint = block3x3_leaky(8 * ndf + condition_dim, 8 * ndf)
        self.logits = nn.Conv2d(8 * ndf, 1, 4, stride=4)
        self.uncond_logits = nn.Conv2d(8 * ndf, 1, 4, stride=4)
        self.apply(init_weights)

    def forward(self, images: Tensor, mu: Tensor) -> DOutput:
        """`mu` is the CA_NET mean (the trainer detaches it for D's update, docs/stackgan-v2.md#3)."""
        code = self.encode(images)
        tiled = mu[:, :, None, None].expand(-1, -1, 4, 4)
        joint = self.joint(torch.cat([tiled, code], dim=1))
        return DOutput(self.logits(joint).flatten(), self.uncond_logits(code).flatten(), code.flatten(1))


def make_discriminators(config: GANConfig) -> nn.ModuleList:
    """One D per generator branch, smallest first."""
    return nn.ModuleList(Discriminator(s, config.df_dim, config.condition_dim) for s in config.image_sizes)
