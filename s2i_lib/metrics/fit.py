"""The minibatch loop shared by the small image classifiers (attribute scorer, in-domain score classifier)."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from ..progress import tqdm


def fit_images(model: nn.Module, images: Tensor, loss_fn: Callable[[object, Tensor], Tensor], *,
               opt: torch.optim.Optimizer, sched: torch.optim.lr_scheduler.LRScheduler, epochs: int,
               batch_size: int, generator: torch.Generator, augment: Callable[[Tensor], Tensor],
               device: torch.device, desc: str, progress: bool = True) -> nn.Module:
    """`epochs` passes over `images` in batches shuffled by `generator`; `loss_fn(outputs, batch_indices)` gives
    the loss, the scheduler steps every batch. Returns the model in eval mode."""
    model.train()
    bar = tqdm(total=epochs * -(-len(images) // batch_size), desc=desc, disable=not progress)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=generator).split(batch_size):
            loss = loss_fn(model(augment(images[idx]).to(device)), idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    return model.eval()
