"""Images for every spoken caption of a split, as the authors evaluate (docs/authors-code.md#8, docs/stackgan-v2.md#5).

One image per caption (`samples_per_caption` = 1, the authors' `sample_num_per_image`) from the largest branch,
with **fresh noise per caption** as the authors do; the original StackGAN-v2 `evaluate` draws one z per batch and
shares it across an image's 10 captions. Noise (z and the CA epsilon) for all captions is drawn up front from a
generator seeded by `seed`: every caption's noise depends on the seed and the array's shape, not on the batch.
Pixels are quantised as StackGAN-v2's `save_singleimages`: (x + 1) / 2 * 255, clamped, truncated.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image
from torch import Tensor
from .progress import tqdm

from .models.stackgan import Generator


def to_uint8(images: Tensor) -> Tensor:
    """[-1, 1] floats -> uint8 as StackGAN-v2 saves them: add(1).div(2).mul(255).clamp(0, 255).byte()."""
    return images.float().add(1).div(2).mul(255).clamp(0, 255).to(torch.uint8)


@torch.no_grad()
def generate(netG: Generator, embeddings: Tensor, seed: int = 0, samples_per_caption: int = 1,
             batch_size: int = 64, device: str | torch.device = "cpu", all_branches: bool = False,
             progress: bool = True, same_noise_per_row: bool = False) -> Tensor | list[Tensor]:
    """(N, K, D) caption embeddings -> uint8 images (N, K, S, 3, H, W) of the largest branch (exactly the PNGs'
    pixels; divide by 255 for metrics), or with `all_branches` a list of such tensors, smallest first. With
    `same_noise_per_row` the K embeddings of a row share their S noise draws (Fig. 5's interpolation path).

    Puts `netG` in eval mode (BatchNorm running statistics), as StackGAN-v2's evaluation does.
    """
    n, k, dim = embeddings.shape
    s = samples_per_caption
    config = netG.config
    noise = torch.Generator().manual_seed(seed)
    rows = n if same_noise_per_row else n * k
    z = torch.randn(rows * s, config.z_dim, generator=noise)
    eps = torch.randn(rows * s, config.condition_dim, generator=noise)
    if same_noise_per_row:
        z, eps = (x.view(n, 1, s, -1).expand(n, k, s, -1).reshape(n * k * s, -1) for x in (z, eps))
    flat = embeddings.float().repeat_interleave(s, dim=1).reshape(n * k * s, dim)   # caption-major, samples inner
    netG.eval().to(device)
    branches = range(config.branches) if all_branches else [config.branches - 1]
    outputs = {b: [] for b in branches}
    for start in tqdm(range(0, len(flat), batch_size), desc="generate", disable=not progress):
        part = slice(start, start + batch_size)
        images, _, _ = netG(z[part].to(device), flat[part].to(device), eps[part].to(device))
        for b in branches:
            outputs[b].append(to_uint8(images[b]).cpu())
    stacked = [torch.cat(out).reshape(n, k, s, *out[0].shape[1:]) for out in outputs.values()]
    return stacked if all_branches else stacked[0]


def png_name(key: str, size: int, caption: int, sample: int) -> str:
    """The authors' file name `{key}_{size}_sentence{k}_{s}.png`; a '/' in the key makes subfolders, as theirs."""
    return f"{key}_{size}_sentence{caption}_{sample}.png"


def save_pngs(images: Tensor, keys: Sequence[str], out_dir: str | Path, size: int | None = None,
              progress: bool = True) -> list[Path]:
    """Write uint8 images (N, K, S, 3, H, W) as `out_dir / png_name(key, size, k, s)`; returns the paths.

    `size` is the number in the names (the authors write 256), the image side by default."""
    if len(keys) != len(images):
        raise ValueError(f"{len(keys)} keys for {len(images)} images")
    size = images.shape[-1] if size is None else size
    out, paths = Path(out_dir), []
    for key, per_image in zip(tqdm(keys, desc="save PNGs", disable=not progress), images):
        for k, per_caption in enumerate(per_image):
            for s, image in enumerate(per_caption):
                path = out / png_name(key, size, k, s)
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(image.permute(1, 2, 0).numpy()).save(path)
                paths.append(path)
    return paths
