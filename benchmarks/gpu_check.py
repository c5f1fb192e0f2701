"""One GPU, checked in minutes (issue 26): the StackGAN-v2 step and training loop at each profile's GAN sizes.

    python benchmarks/gpu_check.py                                   # a GPU machine: cuda, default and paper
    python benchmarks/gpu_check.py --device cpu --profiles smoke --iterations 3    # what the tests run

Per profile: the bare step (`train_step` + `ema_update` on one random batch: `step_seconds`) in fp32 and in
bf16 autocast + channels-last (the pair `train_gan` times on CUDA), best of `--iterations` after a warm-up, with
peak memory and the step's FLOPs (`torch.utils.flop_counter`, fp32) as TFLOP/s; which of the two is faster (the
precision `train_gan` chooses); the `train_gan` loop on in-memory random images (its recorded loop seconds), its
batches cut on the device and item by item on the CPU, against the bare step; two loops in two processes at once
against one; a run stopped half-way and resumed against an uninterrupted one (equal losses and weights); and
`train_gan` inside a one-rank process group (NCCL on CUDA, gloo on the CPU). Writes results/gpu_check.csv, one
row per measurement, the device named in every row.

It imports torch and s2i_lib's configuration, models and GAN loop only: no audio stack, voices, torchvision or
data sets, so it runs where only torch is installed.
"""
from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import Dataset
from torch.utils.flop_counter import FlopCounterMode

from s2i_lib.checkpoint import load_checkpoint, recorded_train_seconds
from s2i_lib.config import REPO_ROOT, get_profile
from s2i_lib.draws import Crop, Draw
from s2i_lib.models.stackgan import GANConfig, Generator, make_discriminators
from s2i_lib.train.device_batches import DeviceBatches
from s2i_lib.train.gan import GANTrainConfig, Precision, step_seconds, train_gan, train_step

EMBEDDING_DIM = {"smoke": 1280, "default": 1280, "paper": 1024}   # EfficientNet-Lite0 / the authors' GoogLeNet
RESULTS = REPO_ROOT / "results" / "gpu_check.csv"


class HeldImages(Dataset):
    """`n` random uint8 images held in memory at 76/64 of the GAN's largest size, with 10 random caption embeddings
    each: a stand-in of `ConditionedImages` over a `SpeechImageDataset` without PIL or the audio stack, with the
    interface `DeviceBatches` reads. Its items draw a wrong image, crop, flip and caption as that data set does and
    are cut one by one on the CPU (by `DeviceBatches` on the CPU: no PIL decode or resize, so this per-item path
    is cheaper than the real one)."""

    def __init__(self, config: GANConfig, n: int = 64, captions: int = 10):
        g = torch.Generator().manual_seed(0)
        side = int(config.image_sizes[-1] * 76 / 64)
        self.pixels = torch.randint(0, 256, (n, side, side, 3), generator=g, dtype=torch.uint8).numpy()
        self.embeddings = torch.randn(n, captions, config.embedding_dim, generator=g)
        self.records, self.labels, self.image_sizes = list(range(n)), np.arange(n) % 4, config.image_sizes
        self.base = self
        self.per_item = DeviceBatches(self, None, "cpu")

    def __len__(self) -> int:
        return len(self.records)

    def sized_image(self, record: int) -> np.ndarray:
        return self.pixels[record]

    def draw(self, i: int) -> tuple[Draw, int]:
        largest, side = self.image_sizes[-1], self.pixels.shape[1]

        def crop() -> Crop:
            return Crop(*(int(torch.randint(0, side - largest + 1, ())) for _ in "xy"), bool(torch.rand(()) < 0.5))
        return Draw((i + 1) % len(self), crop(), crop()), int(torch.randint(0, self.embeddings.shape[1], ()))

    def __getitem__(self, i: int) -> dict:
        drawn, k = self.draw(i)
        index, wrong = torch.tensor([i]), torch.tensor([drawn.wrong])
        return {"image": [x[0] for x in self.per_item.cut(index, [drawn.crop])],
                "wrong_image": [x[0] for x in self.per_item.cut(wrong, [drawn.wrong_crop])],
                "embedding": self.embeddings[i, k], "label": torch.tensor(self.labels[i]), "caption": k, "index": i}


def bare_step(config: GANConfig, batch_size: int, precision: Precision, iterations: int) -> tuple[float, float]:
    """(steps per second of train_step + ema_update, best of `iterations` after a warm-up: `step_seconds`, what
    `train_gan` chooses its precision on; peak GiB of device memory)."""
    cuda = precision.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(precision.device)
    rate = 1 / step_seconds(config, batch_size, precision, iterations)
    return rate, torch.cuda.max_memory_allocated(precision.device) / 2**30 if cuda else float("nan")


def step_flops(config: GANConfig, batch_size: int, device: torch.device) -> float:
    """FLOPs of one fp32 training step (forward and backward of every D, then G)."""
    precision = Precision(device)
    netG, netsD = precision.model(Generator(config)), precision.model(make_discriminators(config))
    opt_g, opts_d = torch.optim.Adam(netG.parameters()), [torch.optim.Adam(d.parameters()) for d in netsD]
    batch = torch.utils.data.default_collate([HeldImages(config, batch_size)[i] for i in range(batch_size)])
    with FlopCounterMode(display=False) as counter:
        train_step(netG, netsD, opt_g, opts_d, batch, config, precision)
    return counter.get_total_flops()


def loop_rate(config: GANConfig, train_cfg: GANTrainConfig, folder: Path, device: str, warmup: int,
              device_batches: bool = True) -> float:
    """Iterations per second of the `train_gan` loop, from its recorded seconds over the iterations after a
    first call of `warmup` (so start-up and the first steps are not counted); its batches cut on the device
    (`DeviceBatches`, the CUDA default) or item by item on the CPU."""
    data = HeldImages(config)
    train_gan(config, train_cfg, data, folder, device=device, progress=False, stop_after_iterations=warmup,
              device_batches=device_batches)
    before = recorded_train_seconds(load_checkpoint(folder / "last.pt"))
    train_gan(config, train_cfg, data, folder, device=device, progress=False, device_batches=device_batches)
    return (train_cfg.iterations - warmup) / (recorded_train_seconds(load_checkpoint(folder / "last.pt")) - before)


def _loop_process(rank: int, config: GANConfig, train_cfg: GANTrainConfig, folder: Path, device: str,
                  warmup: int) -> None:
    rate = loop_rate(config, train_cfg, folder / f"run{rank}", device, warmup)
    (folder / f"rate{rank}.txt").write_text(str(rate))


def concurrent_rate(config: GANConfig, train_cfg: GANTrainConfig, folder: Path, device: str, warmup: int,
                    processes: int = 2) -> float:
    """Summed iterations per second of `processes` loops trained at once, one per process."""
    mp.spawn(_loop_process, args=(config, train_cfg, folder, device, warmup), nprocs=processes, join=True)
    return sum(float((folder / f"rate{r}.txt").read_text()) for r in range(processes))


def resumes_exactly(config: GANConfig, train_cfg: GANTrainConfig, folder: Path, device: str) -> bool:
    """Whether a run stopped half-way and resumed ends with the losses and weights of an uninterrupted run (batches
    cut on the device)."""
    data, on_device = HeldImages(config), {"device": device, "progress": False, "device_batches": True}
    whole = train_gan(config, train_cfg, data, folder / "whole", **on_device)
    train_gan(config, train_cfg, data, folder / "halves", stop_after_iterations=train_cfg.iterations // 2, **on_device)
    halves = train_gan(config, train_cfg, data, folder / "halves", **on_device)
    a, b = (load_checkpoint(folder / run / "last.pt") for run in ("whole", "halves"))
    return whole == halves and all(torch.equal(p, q) for p, q in zip(a["generator"].values(), b["generator"].values()))


def one_rank_group(config: GANConfig, train_cfg: GANTrainConfig, folder: Path, device: str) -> bool:
    """Whether `train_gan` runs inside a process group of one rank (NCCL on CUDA, gloo on the CPU)."""
    backend = "nccl" if device.startswith("cuda") else "gloo"
    folder.mkdir(parents=True, exist_ok=True)
    dist.init_process_group(backend, init_method=f"file://{folder}/rendezvous", rank=0, world_size=1)
    try:
        history = train_gan(config, train_cfg, HeldImages(config), folder / "run", device=device, progress=False)
    finally:
        dist.destroy_process_group()
    return bool(history) and all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in history)


def check(profile: str, device: str, iterations: int, folder: Path) -> list[dict]:
    sizes = get_profile(profile).gan
    config = GANConfig(EMBEDDING_DIM[profile], **sizes.architecture())
    dev, cuda = torch.device(device), device.startswith("cuda")
    paths = {"fp32": Precision(dev), "bf16 + channels-last": Precision(dev, torch.bfloat16, channels_last=True)}
    rates = {name: bare_step(config, sizes.batch_size, p, iterations) for name, p in paths.items()}
    best = max(rates, key=lambda name: rates[name][0])
    flops = step_flops(config, sizes.batch_size, dev)
    amp = best != "fp32"
    loop_cfg = GANTrainConfig(iterations=2 * iterations + 2, batch_size=sizes.batch_size, seed=0,
                              snapshot_every=10**9, sample_every=10**9, log_every=iterations, amp=amp,
                              channels_last=amp)
    loop = loop_rate(config, loop_cfg, folder / f"{profile}-loop", device, warmup=2)
    per_item = loop_rate(config, loop_cfg, folder / f"{profile}-loop-per-item", device, warmup=2, device_batches=False)
    together = concurrent_rate(config, loop_cfg, folder / f"{profile}-concurrent", device, warmup=2)
    short = GANTrainConfig(iterations=4, batch_size=sizes.batch_size, seed=0, snapshot_every=10**9,
                           sample_every=10**9, log_every=2, amp=amp, channels_last=amp)
    rows = [*({"measure": "bare step", "path": name, "value": round(rate, 2), "unit": "it/s",
               "note": f"peak {peak:.2f} GiB" if cuda else ""} for name, (rate, peak) in rates.items()),
            {"measure": "step FLOPs (fp32)", "path": "", "value": round(flops / 1e9, 1), "unit": "GFLOP",
             "note": f"{flops * rates[best][0] / 1e12:.2f} TFLOP/s at the faster path's rate"},
            {"measure": "faster path", "path": best, "value": round(rates[best][0] / rates["fp32"][0], 2),
             "unit": "x fp32", "note": "what train_gan's own timing chooses here (a measured policy)"},
            {"measure": "train_gan loop, batches cut on the device", "path": best, "value": round(loop, 2),
             "unit": "it/s", "note": f"{loop / rates[best][0]:.0%} of the bare step"},
            {"measure": "train_gan loop, batches cut per item on the CPU", "path": best, "value": round(per_item, 2),
             "unit": "it/s", "note": f"{per_item / rates[best][0]:.0%} of the bare step"},
            {"measure": "two loops at once", "path": best, "value": round(together, 2), "unit": "it/s summed",
             "note": f"{together / loop:.2f}x one loop"},
            {"measure": "resumed run equals uninterrupted", "path": best, "unit": "",
             "value": resumes_exactly(config, short, folder / f"{profile}-resume", device), "note": ""},
            {"measure": "train_gan in a one-rank process group", "path": best, "unit": "", "note": "",
             "value": one_rank_group(config, short, folder / f"{profile}-group", device)}]
    name = torch.cuda.get_device_name(dev) if cuda else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} thr)"
    return [{"device": name, "torch": torch.__version__, "profile": profile,
             "sizes": "/".join(map(str, config.image_sizes)), "batch": sizes.batch_size, **row} for row in rows]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--profiles", nargs="+", default=["default", "paper"], choices=sorted(EMBEDDING_DIM))
    p.add_argument("--iterations", type=int, default=20, help="timed bare steps; the loops run about twice as many")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="s2i_gpu_check_") as tmp:
        rows = [row for profile in args.profiles for row in check(profile, args.device, args.iterations, Path(tmp))]
    columns = list(rows[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    print(f"wrote {args.out} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
