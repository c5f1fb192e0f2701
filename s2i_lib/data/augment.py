"""Augmentation of training log-Mel spectrograms, for a speech encoder that generalises to voices it never heard
(docs/builtin-data.md). Applied to training items only (`pairs.SpeechPairs`), drawn from torch's global generator as
the items' other random choices are. Options (`AUGMENTS`):

- "none": the authors' training (no augmentation);
- "warp": the Mel axis warped by a random factor in [1 - WARP, 1 + WARP] (a vocal-tract-length change, as in
  VTLP: Jaitly & Hinton, 2013) and the time axis stretched by a factor in [1 - STRETCH, 1 + STRETCH] (a speaking
  rate change), both by linear interpolation;
- "mask": SpecAugment's masks (Park et al., 2019): two bands of up to MASK_BINS Mel bins and two spans of up to
  MASK_SHARE of the frames, each set to the utterance's mean;
- "warp+mask": both, warp first.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

AUGMENTS = ("none", "warp", "mask", "warp+mask")
WARP, STRETCH = 0.12, 0.15
MASK_BINS, MASK_SHARE, MASKS = 6, 0.10, 2


def uniform(low: float, high: float) -> float:
    return float(low + (high - low) * torch.rand(()))


def warp_mels(spec: Tensor, factor: float) -> Tensor:
    """(n_mels, T) with bin f taking the value at bin f * factor of `spec` (linear interpolation, the top bin
    repeated past the edge): factor < 1 moves the spectrum up, as a shorter vocal tract does."""
    n = spec.shape[0]
    position = (torch.arange(n, dtype=torch.float32) * factor).clamp(max=n - 1)
    low = position.floor().long()
    high = (low + 1).clamp(max=n - 1)
    weight = (position - low)[:, None]
    return spec[low] * (1 - weight) + spec[high] * weight


def stretch_frames(spec: Tensor, factor: float) -> Tensor:
    """(n_mels, round(T * factor)): the utterance spoken `1 / factor` times as fast (linear interpolation)."""
    frames = max(1, round(spec.shape[1] * factor))
    return F.interpolate(spec[None], size=frames, mode="linear", align_corners=False)[0]


def mask(spec: Tensor) -> Tensor:
    """SpecAugment's frequency and time masks, filled with the utterance's mean."""
    out, fill = spec.clone(), float(spec.mean())
    n_mels, frames = spec.shape
    for _ in range(MASKS):
        width = int(torch.randint(0, MASK_BINS + 1, ()))
        start = int(torch.randint(0, max(1, n_mels - width + 1), ()))
        out[start:start + width] = fill
        span = int(torch.randint(0, int(MASK_SHARE * frames) + 1, ()))
        start = int(torch.randint(0, max(1, frames - span + 1), ()))
        out[:, start:start + span] = fill
    return out


def augment(spec: Tensor, kind: str) -> Tensor:
    """`spec` (n_mels, T) under the augmentation `kind` (one of AUGMENTS), with fresh random draws."""
    if kind not in AUGMENTS:
        raise ValueError(f"augment must be one of {AUGMENTS}, not {kind!r}")
    spec = torch.as_tensor(spec, dtype=torch.float32)
    if "warp" in kind:
        spec = stretch_frames(warp_mels(spec, uniform(1 - WARP, 1 + WARP)), uniform(1 - STRETCH, 1 + STRETCH))
    if "mask" in kind:
        spec = mask(spec)
    return spec
