"""The training loop shared by the speech, classifier-based and text encoders (docs/authors-code.md#6).

Adam (lr 1e-3, weight decay 1e-5), StepLR (step 200 epochs, gamma 0.5) as the authors; the loss is a callable
`step(model, batch) -> (loss, {name: value})`, so the same loop trains with the teacher-student loss or with
cross-entropy. After every epoch the model, optimiser, scheduler, random state and loss history are saved
atomically to `<out_dir>/last.pt` (with `train_seconds`, the finished epochs' wall-clock seconds summed over
resumed calls: a pause between calls is not counted) and the history to `<out_dir>/loss_log.csv`; calling
`train_encoder` again with the same `out_dir` resumes after the last finished epoch (an epoch cut short is redone
from its start) and gives the same weights as an uninterrupted run.
"""
from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from ..progress import tqdm

from ..checkpoint import (TRAIN_SECONDS, load_checkpoint, recorded_train_seconds, rng_state, save_checkpoint,
                          set_rng_state)
from ..config import TRAIN_SEED

RESTART = "delete it to train this run again from its start"
Step = Callable[[nn.Module, dict], tuple[torch.Tensor, dict[str, float]]]


@dataclass(frozen=True)
class EncoderTrainConfig:
    epochs: int = 1000
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-5
    lr_step_epochs: int = 200
    lr_gamma: float = 0.5
    seed: int = TRAIN_SEED
    num_workers: int = 0


def write_log(path: Path, history: list[dict]) -> None:
    """The loss history as CSV, rewritten whole (and atomically) so it always matches the checkpoint."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)
    os.replace(tmp, path)


def train_encoder(model: nn.Module, dataset: Dataset, step: Step, out_dir: str | Path,
                  config: EncoderTrainConfig = EncoderTrainConfig(), device: str | torch.device = "cpu",
                  progress: bool = True, stop_after_epochs: int | None = None) -> list[dict]:
    """Train (or resume training) `model` on `dataset`; returns the per-epoch history of mean losses.

    `stop_after_epochs` ends this call after that many epochs (the run stays resumable), e.g. to split a long
    run into sessions.
    """
    out = Path(out_dir)
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.StepLR(opt, config.lr_step_epochs, config.lr_gamma)
    state = load_checkpoint(out / "last.pt", fix=RESTART)   # on the CPU: RNG states must stay CPU tensors
    if state is None:
        torch.manual_seed(config.seed)
        start, history = 0, []
    else:
        if state["config"] != asdict(config):
            raise ValueError(f"{out / 'last.pt'} was trained with {state['config']}, not {asdict(config)}; "
                             f"use another out_dir or the same configuration")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        set_rng_state(state["rng"])
        start, history = state["epoch"] + 1, state["history"]
    seconds = 0.0 if state is None else recorded_train_seconds(state)
    end = config.epochs if stop_after_epochs is None else min(config.epochs, start + stop_after_epochs)
    bar = tqdm(total=config.epochs, initial=start, desc="epochs", unit="epoch", disable=not progress)
    for epoch in range(start, end):
        epoch_start = time.perf_counter()
        shuffle = torch.Generator().manual_seed(config.seed * 100003 + epoch)
        loader = DataLoader(dataset, config.batch_size, shuffle=True, drop_last=len(dataset) > config.batch_size,
                            generator=shuffle, num_workers=config.num_workers)
        model.train()
        sums, batches = {}, 0
        for batch in loader:
            batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
            loss, logs = step(model, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            logs = {"loss": float(loss.detach()), **logs}
            sums = {k: sums.get(k, 0.0) + v for k, v in logs.items()}
            batches += 1
        sched.step()
        row = {"epoch": epoch + 1, "lr": opt.param_groups[0]["lr"], **{k: v / batches for k, v in sums.items()}}
        history.append(row)
        bar.set_postfix(loss=f"{row['loss']:.4f}", refresh=False)
        bar.update()
        seconds += time.perf_counter() - epoch_start
        save_checkpoint(out / "last.pt", {"model": model.state_dict(), "optimizer": opt.state_dict(),
                                          "scheduler": sched.state_dict(), "rng": rng_state(), "epoch": epoch,
                                          "history": history, "config": asdict(config), TRAIN_SECONDS: seconds})
        write_log(out / "loss_log.csv", history)
    bar.close()
    return history
