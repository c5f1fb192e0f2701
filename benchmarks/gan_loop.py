"""The GAN training loop's throughput against its bare step's (issue: the loop should keep >= 90% of the step):
what the loop adds between steps (data items, EMA update, logs, progress) on this CPU.

`train_gan` runs the profile's GAN (its sizes, batch and precision policy: bf16 or fp32 by `train_gan`'s own timing
where the CPU has bf16) on `--images` synthetic training images at the profile's image size, kept in memory as
`pipeline.gan.gan_dataset` keeps them, with random caption embeddings: a first call of `--warmup` iterations, then a
resumed call of `--iterations` whose recorded loop seconds (`train_seconds`, the loop alone plus one checkpoint)
give the loop's seconds per iteration. The bare step (`train_step` + `ema_update` on one fixed batch,
`benchmarks/gan_step.py`) is timed in the same process on the same configuration: best and median of `--steps`. The
row names the precision the loop chose and the step times it chose on. Prints a markdown table and writes
results/gan_loop_benchmark.csv, replacing this machine's rows (its model string, and its speed probe within 15%).

    python benchmarks/gan_loop.py --profile default [--iterations 60] [--steps 8]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from PIL import Image

from s2i_lib.checkpoint import PRECISION_SECONDS, load_checkpoint, recorded_train_seconds
from s2i_lib.config import get_profile
from s2i_lib.data.records import Record
from s2i_lib.models.stackgan import Generator, make_discriminators
from s2i_lib.pipeline.gan import gan_configs, gan_dataset
from s2i_lib.data.summary import write_csv_replacing
from s2i_lib.report import HOST_SPEED, host_columns
from s2i_lib.train.gan import Precision, train_gan

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gan_step import make_batch, run_path  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "results" / "gan_loop_benchmark.csv"
DIM, CAPTIONS, CLASSES = 1280, 10, 50


def synthetic_records(folder: Path, n: int, side: int) -> list[Record]:
    """`n` random PNG images of `side` px in `CLASSES` classes."""
    rng = np.random.default_rng(0)
    records = []
    for i in range(n):
        path = folder / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(path)
        records.append(Record(key=f"c{i % CLASSES}/{i}", image=path, label=i % CLASSES, class_name=f"c{i % CLASSES}",
                              split="train"))
    return records


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", default="default")
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=35, help="iterations first (one epoch of --images: every image decoded and kept)")
    p.add_argument("--iterations", type=int, default=60)
    p.add_argument("--steps", type=int, default=8, help="bare steps timed")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    profile = get_profile(args.profile)
    data = SimpleNamespace(profile=profile)
    config, train_cfg = gan_configs(data, DIM)
    train_cfg = type(train_cfg)(**{**train_cfg.__dict__, "iterations": args.warmup + args.iterations,
                                   "snapshot_every": 10 ** 9, "sample_every": 10 ** 9})
    with tempfile.TemporaryDirectory() as tmp:
        records = synthetic_records(Path(tmp), args.images, profile.data.image_size)
        data.records = {"train": records}
        embeddings = torch.randn(args.images, CAPTIONS, DIM, generator=torch.Generator().manual_seed(0))
        dataset = gan_dataset(data, "train", embeddings, config.image_sizes)
        out = Path(tmp) / "gan"
        train_gan(config, train_cfg, dataset, out, progress=False, stop_after_iterations=args.warmup)
        before = recorded_train_seconds(load_checkpoint(out / "last.pt"))
        train_gan(config, train_cfg, dataset, out, progress=False)
        state = load_checkpoint(out / "last.pt")
        loop_s = (recorded_train_seconds(state) - before) / args.iterations
    precision = next(p for p in Precision.candidates(train_cfg, torch.device("cpu"))     # the one the loop chose
                     if p.name == state["precisions"][-1])
    torch.manual_seed(0)
    init = {"G": Generator(config).state_dict(), "D": make_discriminators(config).state_dict()}
    batch = make_batch(config, train_cfg.batch_size)
    steps = [run_path(config, init, batch, precision, 1, seed=s)[1] for s in range(args.steps)]
    best, median = min(steps), statistics.median(steps)
    row = {**host_columns(), "threads": torch.get_num_threads(), "profile": args.profile,
           "precision": precision.name, "precision chosen on (s per step)": ", ".join(
               f"{name} {sec:.3f}" for name, sec in state[PRECISION_SECONDS].items()) or "one open, not timed",
           "batch": train_cfg.batch_size, "loop iterations": args.iterations,
           "loop s per iteration": round(loop_s, 4), "bare step s (best)": round(best, 4),
           "bare step s (median)": round(median, 4), "loop / best step": round(best / loop_s, 3),
           "loop / median step": round(median / loop_s, 3)}
    print("| " + " | ".join(row) + " |\n|" + "---|" * len(row) + "\n| " + " | ".join(map(str, row.values())) + " |")
    write_csv_replacing([row], args.out, same=("cpu", "profile"), speed=HOST_SPEED)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
