"""Train notebook 02's GAN from the command line, on one device or data-parallel on several under torchrun:

    python -m s2i_lib.gan_cli --dataset birds --profile default
    torchrun --nproc_per_node 4 -m s2i_lib.gan_cli --dataset cub --data-root /data/birds --profile paper

Each process uses the GPU of its LOCAL_RANK (NCCL), or the CPU (gloo) where there is none; the global batch
stays the profile's (it must divide among the processes). It needs notebook 01's exported embeddings; the run
folder is notebook 02's, so the notebook reuses what this trained.
"""
from __future__ import annotations

import argparse
import os

import torch
import torch.distributed as dist

from .data.prepare import prepare
from .gan_stage import gan_dataset, gan_run
from .train.gan import train_gan
from .train.parallel import barrier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--source", default="tsl", choices=("tsl", "classifier", "text", "two_stage"))
    parser.add_argument("--branches", type=int, default=0, help="0 = the profile's")
    parser.add_argument("--iterations", type=int, default=0, help="0 = the profile's")
    parser.add_argument("--seed", type=int, default=0, help="the data set's seed")
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    try:
        if rank > 0:
            barrier()                                # rank 0 builds or checks the data set first
        data = prepare(args.dataset, args.profile, args.data_root, seed=args.seed, progress=rank == 0)
        if rank == 0:
            barrier()
        run = gan_run(data, args.source, args.branches, args.iterations)
        history = train_gan(run.config, run.train_config,
                            gan_dataset(data, "train", run.embeddings["train"], run.config.image_sizes),
                            run.run_dir, device=device, progress=rank == 0)
        if rank == 0:
            print(f"{history[-1]['iteration']} iterations in {run.run_dir}")
    finally:
        if distributed:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
