"""Data parallelism (s2i_lib/train/parallel.py): batch slicing, and two gloo processes on the CPU kept in step."""
from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import default_collate

from s2i_lib.models.stackgan import Generator, make_discriminators
from s2i_lib.checkpoint import load_checkpoint
from s2i_lib.train.gan import Precision, loss_values, train_gan, train_step
from s2i_lib.train.parallel import RankSlice, average_gradients, world

from test_train_gan import CONFIG, TRAIN, Toy


def test_processes_share_each_global_batch_as_one_process_would_draw_it():
    single = list(RankSlice(2, 5, 6))
    assert single == list(range(12, 30))
    shares = [list(RankSlice(2, 5, 6, rank, 3)) for rank in range(3)]
    assert all(len(s) == len(RankSlice(2, 5, 6, 0, 3)) == 6 for s in shares)
    for it in range(3):                       # iteration by iteration, the shares put together are its batch
        assert sorted(x for s in shares for x in s[2 * it: 2 * it + 2]) == single[6 * it: 6 * it + 6]


def test_a_batch_that_does_not_divide_among_the_processes_is_refused():
    with pytest.raises(ValueError, match="multiple of the process count"):
        RankSlice(0, 1, 24, 0, 5)


def test_without_a_process_group_nothing_is_averaged():
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.tensor([1.0, 2.0, 3.0])
    average_gradients([p])
    assert world() == (0, 1) and p.grad.tolist() == [1.0, 2.0, 3.0]


def _worker(rank: int, size: int, folder, results):
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=size)
    torch.set_num_threads(1)
    try:
        p = torch.nn.Parameter(torch.zeros(2))
        p.grad = torch.tensor([float(rank), 10.0 * rank])
        average_gradients([p])
        mean_grad = p.grad.tolist()

        torch.manual_seed(0)
        netG, netsD = Generator(CONFIG), make_discriminators(CONFIG)
        opt_g = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opts_d = [torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999)) for d in netsD]
        batch = default_collate([Toy()[i] for i in (2 * rank, 2 * rank + 1)])     # other data on each process
        logs = loss_values(train_step(netG, netsD, opt_g, opts_d, batch, CONFIG, Precision(torch.device("cpu"))))
        weights = torch.cat([t.detach().flatten() for t in (*netG.parameters(), *netsD.parameters())])
        gathered = [torch.zeros_like(weights) for _ in range(size)]
        dist.all_gather(gathered, weights)

        train_gan(CONFIG, TRAIN, Toy(), folder / "run", progress=False, stop_after_iterations=3)
        history = train_gan(CONFIG, TRAIN, Toy(), folder / "run", progress=False)
        torch.save({"mean_grad": mean_grad, "logs": logs, "in_step": all(torch.equal(g, gathered[0]) for g in gathered),
                    "history": history}, results / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_two_processes_average_gradients_stay_in_step_and_write_one_resumable_run(tmp_path):
    mp.spawn(_worker, args=(2, tmp_path, tmp_path), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    assert ranks[0]["mean_grad"] == ranks[1]["mean_grad"] == [0.5, 5.0]
    assert ranks[0]["logs"] != ranks[1]["logs"]          # each process saw other data and other losses ...
    assert ranks[0]["in_step"] and ranks[1]["in_step"]   # ... yet holds the same weights after the step
    assert ranks[0]["history"] == ranks[1]["history"]    # logged losses are means over the processes
    assert [h["iteration"] for h in ranks[0]["history"]] == [2, 4, 5]
    state = load_checkpoint(tmp_path / "run" / "last.pt")
    assert state["iteration"] == TRAIN.iterations and (tmp_path / "run" / "samples" / "iter_000004.png").exists()
