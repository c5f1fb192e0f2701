"""Time one bf16 StackGAN-v2 training step of the profile's GAN with 1, 2 and 3 branches from each base size, and
project the minutes of the profile's iteration count: how Table V's base resolution was chosen so that the
three-branch run fits its CPU budget (issue budget: Table V within 90 minutes at `default`).

The step is `s2i_lib.train.gan.train_step` on random images and embeddings (`gan_step.make_batch`); the time is
the best of `--iterations` steps. Prints a markdown table and writes results/scale_step_benchmark.csv.

    python benchmarks/scale_step.py --profile default --bases 16 32 --iterations 3
"""
from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gan_step import EMBEDDING_DIM, make_batch, run_path  # noqa: E402

from s2i_lib.config import get_profile  # noqa: E402
from s2i_lib.data import markdown_table, write_csv  # noqa: E402
from s2i_lib.models.stackgan import GANConfig, Generator, make_discriminators  # noqa: E402
from s2i_lib.report import machine  # noqa: E402
from s2i_lib.train.gan import Precision  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "results" / "scale_step_benchmark.csv"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", default="default", choices=sorted(EMBEDDING_DIM))
    p.add_argument("--bases", nargs="+", type=int, default=[16, 32])
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    sizes = get_profile(args.profile).gan
    rows = []
    for base in args.bases:
        for branches in (1, 2, 3):
            config = GANConfig(EMBEDDING_DIM[args.profile], **{**sizes.architecture(), "branches": branches,
                                                                "base_size": base})
            torch.manual_seed(0)
            init = {"G": Generator(config).state_dict(), "D": make_discriminators(config).state_dict()}
            _, seconds = run_path(config, init, make_batch(config, sizes.batch_size),
                                  Precision(torch.device("cpu"), torch.bfloat16), args.iterations, seed=1)
            rows.append({"sizes": "/".join(map(str, config.image_sizes)), "branches": branches,
                         "batch": sizes.batch_size, "s_per_iteration": round(seconds, 3),
                         f"minutes for {sizes.iterations:,} iterations": round(seconds * sizes.iterations / 60, 1)})
            print(rows[-1], flush=True)
    print(f"{machine()}, torch threads {torch.get_num_threads()}, python {platform.python_version()}")
    print(markdown_table(rows))
    write_csv(rows, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
