"""Data parallelism across the processes of a torchrun launch (one GPU, or CPU process, each).

Every process trains the same models on its slice of each global batch; after each backward pass the gradients
are averaged with one all-reduce, which is what DistributedDataParallel does. The DDP wrapper itself is not used:
each StackGAN-v2 discriminator runs three forward passes (real, wrong, fake) before its one backward pass, which
DDP supports only with extra flags, and G's backward pass reaches the discriminators' weights without updating
them. BatchNorm statistics are per process during a step and rank 0's are broadcast after it (DDP's
`broadcast_buffers`). Without an initialised process group every function here is a no-op.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import Sampler


def world() -> tuple[int, int]:
    """(rank, number of processes); (0, 1) without an initialised process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def barrier() -> None:
    """Wait for every process (no-op for one)."""
    if world()[1] > 1:
        dist.barrier()


def average_gradients(params) -> None:
    """Replace each gradient by its mean over the processes (one flattened all-reduce)."""
    _, size = world()
    grads = [p.grad for p in params if p.grad is not None]
    if size == 1 or not grads:
        return
    flat = torch.cat([g.reshape(-1).float() for g in grads])
    dist.all_reduce(flat)
    flat /= size
    for g, mean in zip(grads, flat.split([g.numel() for g in grads])):
        g.copy_(mean.view_as(g))


def broadcast_from_rank0(*modules: nn.Module, parameters: bool = False) -> None:
    """Copy rank 0's buffers (and, with `parameters`, its weights) to every process."""
    if world()[1] == 1:
        return
    for module in modules:
        tensors = list(module.buffers()) + (list(module.parameters()) if parameters else [])
        with torch.no_grad():
            for t in tensors:
                dist.broadcast(t.data, src=0)


def average_logs(values: torch.Tensor) -> torch.Tensor:
    """The mean over the processes of a tensor of logged values (the same shape on every process)."""
    _, size = world()
    if size == 1:
        return values
    values = values.clone()
    dist.all_reduce(values)
    return values / size


class RankSlice(Sampler[int]):
    """The sample numbers one process trains on for iterations start+1 .. end: its contiguous 1/size share of
    each global batch of `batch_size`, so the processes together see exactly a single process's batches."""

    def __init__(self, start: int, end: int, batch_size: int, rank: int = 0, size: int = 1):
        if batch_size % size:
            raise ValueError(f"the batch size {batch_size} does not divide among {size} processes; "
                             f"choose a batch size that is a multiple of the process count")
        self.start, self.end, self.batch_size = start, end, batch_size
        self.per_process = batch_size // size
        self.offset = rank * self.per_process

    def batches(self):
        """This process's sample numbers of each iteration, one range per iteration."""
        for iteration in range(self.start, self.end):
            first = iteration * self.batch_size + self.offset
            yield range(first, first + self.per_process)

    def __iter__(self):
        for numbers in self.batches():
            yield from numbers

    def __len__(self) -> int:
        return (self.end - self.start) * self.per_process
