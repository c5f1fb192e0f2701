"""Data parallelism (s2i_lib/train/parallel.py): batch slicing, two gloo processes on the CPU kept in step; and
several GANs at once, one process each (`python -m s2i_lib gan --system tsl text`)."""
from __future__ import annotations

import sys

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


def test_commands_run_at_once_at_most_n_together_and_each_line_marked(tmp_path, capsys):
    """`python -m s2i_lib gan --system a b c --processes 2`'s runner: at most two processes at a time, the first two
    together, every line marked with its command's name, each exit status returned."""
    from s2i_lib.__main__ import run_at_once
    child = ("import os, sys, time; start = time.time(); time.sleep(0.5); "
             "open(sys.argv[1], 'w').write(f'{start} {time.time()}'); print('said', os.environ['S2I_X']); "
             "sys.exit(int(sys.argv[2]))")
    commands = {name: [sys.executable, "-c", child, str(tmp_path / name), code]
                for name, code in (("a", "0"), ("b", "3"), ("c", "0"))}
    assert run_at_once(commands, 2, {"S2I_X": "x"}) == {"a": 0, "b": 3, "c": 0}
    spans = {name: tuple(map(float, (tmp_path / name).read_text().split())) for name in commands}
    (a0, a1), (b0, b1), (c0, c1) = spans.values()
    assert max(a0, b0) < min(a1, b1)                                   # a and b ran together
    assert c0 >= min(a1, b1)                                           # c waited for one of them
    assert sorted(capsys.readouterr().out.splitlines()) == ["[a] said x", "[b] said x", "[c] said x"]


def test_several_systems_train_their_gans_in_processes_of_this_stage(monkeypatch, capsys):
    """The encoders come first, here; then one `gan` process per system with this call's settings, each with its
    share of the CPU's cores; a failed one is named and the call fails."""
    import importlib
    import os

    import s2i_lib.__main__ as cli
    asked = {}
    monkeypatch.setattr(importlib.import_module("s2i_lib.data.prepare"), "prepare", lambda *a: "data")
    monkeypatch.setattr(importlib.import_module("s2i_lib.pipeline.systems"), "build_systems",
                        lambda data, seed, systems, teacher, device: asked.update(built=(data, seed, systems, device)))
    monkeypatch.setattr(cli, "run_at_once", lambda commands, processes, env: asked.update(
        commands=commands, processes=processes, env=env) or {name: int(name == "text") for name in commands})
    with pytest.raises(SystemExit, match=r"the GAN of text failed .*\[text\]"):
        cli.main(["gan", "--profile", "smoke", "--system", "tsl", "text", "--train-seed", "1235", "--device", "cpu"])
    assert asked["built"] == ("data", 1235, ("tsl", "text"), "cpu")
    assert asked["processes"] == 2 and asked["env"] == {"S2I_PROGRESS": "log",
                                                        "OMP_NUM_THREADS": str(max(1, os.cpu_count() // 2))}
    tsl = asked["commands"]["tsl"]
    assert tsl[:4] == [sys.executable, "-m", "s2i_lib", "gan"] and tsl[-2:] == ["--system", "tsl"]
    assert " ".join(tsl[4:-2]) == ("--dataset birds --profile smoke --seed 0 --workers 2 --train-seed 1235 "
                                   "--branches 0 --iterations 0 --device cpu")
