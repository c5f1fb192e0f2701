"""Images per second of the FID Inception (pool3) on this machine: batch 50, 2 torch threads, 64x64 input
(resized to 299x299 as pytorch-fid does). docs/offline-assets.md#4 gives ~0.2 s per image on the 2-core CPU."""
from __future__ import annotations

import time

import torch

from s2i_lib.metrics.fid import FIDInception, fid_features


def main(n_images: int = 100, batch_size: int = 50, threads: int = 2) -> float:
    torch.set_num_threads(threads)
    model = FIDInception()
    images = torch.rand(n_images, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    fid_features(images[:2], model, progress=False)                 # warm-up
    start = time.perf_counter()
    fid_features(images, model, batch_size=batch_size)
    rate = n_images / (time.perf_counter() - start)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"FID Inception ({model.backend}, {device}, {threads} threads, batch {batch_size}): "
          f"{rate:.1f} images/s ({1 / rate:.3f} s per image)")
    return rate


if __name__ == "__main__":
    main()
