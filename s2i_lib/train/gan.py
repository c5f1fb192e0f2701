"""The StackGAN-v2 training loop (docs/stackgan-v2.md#3) on speech embeddings, with the authors' data rules (docs/authors-code.md#8).

Each iteration draws one batch, generates once, updates every D (on real / wrong / fake images, conditioned on
the detached CA mean mu), then G (adversarial terms of all scales + kl_coeff * KL, plus the class-aware loss
when on), then the EMA copy of G: avg = d * avg + (1 - d) * theta over the parameters (G's BatchNorm statistics
are copied, as StackGAN-v2's `load_params` leaves them). Adam(lr 2e-4, betas (0.5, 0.999)) for G and each D.

Data order: epoch e visits a permutation of the data set seeded by (seed, e), cut to whole batches (drop_last);
every item's own random draws (crop, flip, wrong image, caption) use torch's CPU generator seeded by
(seed, sample number). So the data of every iteration is a function of the seed alone, whatever the number of
workers, and a run can stop and resume at any iteration.

Files in `out_dir`: `last.pt` (G, EMA G, Ds, optimisers, iteration, history, random state, both configs, and
`train_seconds`: wall-clock seconds in the training loop, summed over every call; `precisions`: the autocast
dtype of each call that trained, in order, without repeats: "bfloat16", or "float32" for none;
`precision_seconds`: the seconds per step of each precision the policy left open, measured when the run chose
(`chosen_precision`), {} if it never had to),
written atomically every `snapshot_every` iterations, when the call ends and when it is asked to stop (Ctrl-C or
SIGTERM: after the current iteration, `checkpoint.stop_requests`); `loss_log.csv` (means over
`log_every` iterations); `samples/iter_XXXXXX.png` every `sample_every` iterations: real images of the first
items, then the EMA generator's images of each branch for their embeddings with fixed noise.
"""
from __future__ import annotations

import contextlib
import copy
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset
from ..progress import tqdm

from ..losses.stackgan import discriminator_loss, generator_loss
from ..models.stackgan import GANConfig, Generator, make_discriminators
from ..checkpoint import (PRECISION_SECONDS, TRAIN_SECONDS, StoppedOnRequest, load_checkpoint, recorded_train_seconds,
                          rng_state, save_checkpoint, seeded, set_rng_state, stop_requests)
from ..config import TRAIN_SEED
from ..draws import Draw
from .device_batches import DeviceBatches
from .encoder import RESTART, write_log
from .parallel import RankSlice, average_gradients, average_logs, barrier, broadcast_from_rank0, world

# The one list of settings that do not change the trained weights: a GAN run's key leaves them out
# (`pipeline.gan`), and a run may be resumed or reused with other values. `iterations` may change on resume too
# (a run cut into sessions, or extended), though a keyed run holds it in its key.
OUTSIDE_KEY = ("snapshot_every", "sample_every", "log_every", "num_workers")
RESUMABLE_CHANGES = ("iterations", *OUTSIDE_KEY)


class ConditionedImages(Dataset):
    """Items of a `SpeechImageDataset` built with `fbanks=None` (image and wrong_image as lists over its image
    sizes, label, index) plus `embedding`: one of the image's K caption embeddings, drawn uniformly for every
    item as the authors do (docs/authors-code.md#8), and `caption`, its number k. `embeddings` is (N, K, D), aligned
    with `base.records`."""

    def __init__(self, base: Dataset, embeddings: Tensor):
        if getattr(base, "fbanks", None) is not None:
            raise ValueError("build the base dataset with fbanks=None: the GAN reads embeddings, not speech")
        if embeddings.dim() != 3 or len(embeddings) != len(base):
            raise ValueError(f"embeddings must be (N={len(base)}, K, D), not {tuple(embeddings.shape)}")
        self.base, self.embeddings = base, embeddings.float()

    def __len__(self) -> int:
        return len(self.base)

    def draw(self, index: int) -> tuple[Draw, int]:
        """Item `index`'s random draws: the base data set's (`SpeechImageDataset.draw`), then the caption k."""
        return self.base.draw(index), int(torch.randint(0, self.embeddings.shape[1], ()))

    def __getitem__(self, index: int) -> dict:
        drawn, k = self.draw(index)
        item = dict(self.base.item(index, drawn))
        for name in ("image", "wrong_image"):
            if torch.is_tensor(item[name]):
                item[name] = [item[name]]
        item["embedding"], item["caption"] = self.embeddings[index, k], k
        return item


@dataclass(frozen=True)
class GANTrainConfig:
    iterations: int = 220_000          # the authors' netG_220000 (docs/authors-code.md#8)
    batch_size: int = 24
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    ema_decay: float = 0.999
    seed: int = TRAIN_SEED
    snapshot_every: int = 2000
    sample_every: int = 2000
    log_every: int = 100
    num_workers: int = 0
    amp: bool | str | None = None      # autocast: True / False; None = measured on CUDA, else fp32; "native" = measured
                                       # where bf16 is native (native_bf16), else fp32 (`Precision.candidates`)
    amp_dtype: str = "bfloat16"        # or "float16" (with a GradScaler)
    channels_last: bool | None = None  # None = on for CUDA only

    def __post_init__(self):
        if self.amp not in (True, False, None, "native"):
            raise ValueError(f"amp must be True, False, None (on CUDA only) or 'native', not {self.amp!r}")


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes bf16 in hardware: a CUDA GPU that supports it, or a CPU with AVX-512-BF16 or AMX.
    Elsewhere oneDNN emulates bf16: on a 2-core AVX2-only EPYC a `default` GAN step took 7.85 s under bf16
    autocast against 0.38 s in fp32 (`benchmarks/gan_step.py`, docs/deviations.md)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


@dataclass
class Precision:
    """How a step runs: autocast dtype (None = fp32), memory format, and the GradScaler fp16 needs."""
    device: torch.device
    dtype: torch.dtype | None = None
    channels_last: bool = False
    scaler: torch.amp.GradScaler | None = None

    @classmethod
    def candidates(cls, config: GANTrainConfig, device: torch.device) -> list[Precision]:
        """The precisions `config.amp` leaves open on `device`, fp32 first: one where the policy fixes it (True,
        False; None off CUDA; "native" where bf16 is not native), else fp32 and autocast, between which
        `chosen_precision` measures (issue 26: bf16 lost to fp32 at `default` on an H200, won at `paper`).
        Channels-last goes with autocast on CUDA (the pair measured there) unless `channels_last` says."""
        cuda, dtype = device.type == "cuda", getattr(torch, config.amp_dtype)

        def made(amp: bool) -> Precision:
            layout = cuda and amp if config.channels_last is None else config.channels_last
            scaler = torch.amp.GradScaler(device.type) if amp and dtype == torch.float16 else None
            return cls(device, dtype if amp else None, layout, scaler)
        if config.amp in (True, False):
            return [made(config.amp)]
        both = native_bf16(device) if config.amp == "native" and config.amp_dtype == "bfloat16" else cuda
        return [made(False), made(True)] if both else [made(False)]

    @property
    def name(self) -> str:
        """The autocast dtype's name, "float32" without autocast (what a checkpoint's `precisions` lists)."""
        return str(self.dtype or torch.float32).removeprefix("torch.")

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def images(self, x: Tensor) -> Tensor:
        x = x.to(self.device, non_blocking=True)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def model(self, module: nn.Module) -> nn.Module:
        module.to(self.device)
        return module.to(memory_format=torch.channels_last) if self.channels_last else module

    def backward_step(self, loss: Tensor, opts: list[torch.optim.Optimizer]) -> None:
        """Backward pass, gradients averaged over torchrun's processes (if any), a step of every optimiser."""
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        (loss if self.scaler is None else self.scaler.scale(loss)).backward()
        average_gradients([p for opt in opts for group in opt.param_groups for p in group["params"]])
        for opt in opts:
            if self.scaler is None:
                opt.step()
            else:
                self.scaler.step(opt)


def train_step(netG: Generator, netsD: nn.ModuleList, opt_g: torch.optim.Optimizer, opts_d: list,
               batch: dict, config: GANConfig, precision: Precision) -> dict[str, Tensor]:
    """One StackGAN-v2 iteration (every D, then G; the EMA update is the caller's). Returns the losses as detached
    0-d tensors where they were computed: reading them (`loss_values`) waits for the device, so the loop reads
    them only every `log_every` iterations.

    D sees matching real images, mismatched ("wrong") real images and generated images, conditioned on the
    detached CA mean mu; G's adversarial terms see mu itself, as StackGAN-v2's train_Gnet."""
    real = [precision.images(x) for x in batch["image"]]
    wrong = [precision.images(x) for x in batch["wrong_image"]]
    embedding = batch["embedding"].to(precision.device, non_blocking=True)
    z = torch.randn(len(embedding), config.z_dim, device=precision.device)
    with precision.autocast():
        fakes, mu, logvar = netG(z, embedding)
        c = mu.detach()
        outputs = [(netD(real[i], c), netD(wrong[i], c), netD(fakes[i].detach(), c)) for i, netD in enumerate(netsD)]
        err_d, per_scale = discriminator_loss(*zip(*outputs), uncond_coeff=config.uncond_coeff)
    precision.backward_step(err_d, opts_d)
    netsD.requires_grad_(False)        # StackGAN-v2 computes D's weight gradients here and discards them
    with precision.autocast():
        labels = batch["label"].to(precision.device) if config.class_aware else None
        err_g, terms = generator_loss([netD(fakes[i], mu) for i, netD in enumerate(netsD)], mu, logvar,
                                      config.kl_coeff, config.uncond_coeff, labels)
    precision.backward_step(err_g, [opt_g])
    netsD.requires_grad_(True)
    if precision.scaler is not None:
        precision.scaler.update()
    return {**{f"d{i}": d.detach() for i, d in enumerate(per_scale)}, **{k: v.detach() for k, v in terms.items()},
            "d_loss": err_d.detach(), "g_loss": err_g.detach()}


def loss_values(logs: dict[str, Tensor]) -> dict[str, float]:
    """A step's losses as numbers, by name (one wait for the device)."""
    names = sorted(logs)
    return dict(zip(names, torch.stack([logs[n].float() for n in names]).tolist()))


class LossWindow:
    """The summed losses of the iterations since the last log line, kept where they are computed (float64, so
    the sums equal the per-step Python sums they replace) and read only by `means` and `sums`."""

    def __init__(self, sums: dict[str, float], count: int, device: torch.device):
        self.names, self.count, self.device = sorted(sums) or None, count, device
        self.total = torch.tensor([sums[n] for n in self.names], dtype=torch.float64, device=device) if sums else None

    def add(self, logs: dict[str, Tensor]) -> None:
        self.names = self.names or sorted(logs)
        values = torch.stack([logs[n].to(self.device, torch.float64) for n in self.names])
        self.total = values if self.total is None else self.total + values
        self.count += 1

    def sums(self) -> dict[str, float]:
        return {} if self.total is None else dict(zip(self.names, self.total.tolist()))

    def means(self) -> dict[str, float]:
        """The window's mean of each loss over its iterations and the processes; the window starts again."""
        means = dict(zip(self.names, (average_logs(self.total) / self.count).tolist()))
        self.total, self.count = None, 0
        return means


def recorded_precision(state: dict) -> str:
    """The precisions a GAN checkpoint was trained in, "+"-joined in order ("bfloat16", "float32",
    "bfloat16+float32" for a run resumed on another machine); "unrecorded" for a run from before they were."""
    return "+".join(state.get("precisions", [])) or "unrecorded"


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """avg = decay * avg + (1 - decay) * theta for every parameter; buffers (BN statistics) are copied. Each is one
    foreach operation over every tensor (a few kernel launches, not a Python loop per parameter), with the same
    arithmetic as `avg.mul_(decay).add_(p, alpha=1 - decay)`."""
    averages = list(ema.parameters())
    torch._foreach_mul_(averages, decay)
    torch._foreach_add_(averages, list(model.parameters()), alpha=1 - decay)
    torch._foreach_copy_(list(ema.buffers()), list(model.buffers()))


def step_seconds(config: GANConfig, batch_size: int, precision: Precision, steps: int = 3) -> float:
    """The best wall-clock seconds of `steps` iterations (`train_step` + `ema_update`) after one warm-up, on fresh
    models and a random batch of the GAN's shapes in `precision`; torch's random state is left as it was."""
    cuda = precision.device.type == "cuda"
    with torch.random.fork_rng(devices=[precision.device] if cuda else []):
        torch.manual_seed(0)
        netG, netsD = precision.model(Generator(config)), precision.model(make_discriminators(config))
        ema = copy.deepcopy(netG).requires_grad_(False)
        opt_g = torch.optim.Adam(netG.parameters())
        opts_d = [torch.optim.Adam(d.parameters()) for d in netsD]
        images = [torch.rand(batch_size, 3, s, s, device=precision.device) * 2 - 1 for s in config.image_sizes]
        batch = {"image": images, "wrong_image": [x.flip(0) for x in images],
                 "embedding": torch.randn(batch_size, config.embedding_dim, device=precision.device),
                 "label": torch.arange(batch_size, device=precision.device) % 4}
        seconds = []
        for _ in range(steps + 1):
            if cuda:
                torch.cuda.synchronize(precision.device)
            start = time.perf_counter()
            train_step(netG, netsD, opt_g, opts_d, batch, config, precision)
            ema_update(ema, netG, 0.999)
            if cuda:
                torch.cuda.synchronize(precision.device)
            seconds.append(time.perf_counter() - start)
    return min(seconds[1:])


def chosen_precision(config: GANConfig, train_cfg: GANTrainConfig, device: torch.device,
                     state: dict | None) -> tuple[Precision, dict[str, float]]:
    """The precision a `train_gan` call trains in, and the run's seconds per step of each open precision when one
    was measured ({} if never). A resumed run keeps its last precision where that is still open here, without
    measuring again; where the policy leaves one (`Precision.candidates`) that one; otherwise each is timed
    (`step_seconds` on each process's share of a batch, averaged over the processes so that all choose alike)
    and the faster is chosen."""
    candidates, state = Precision.candidates(train_cfg, device), state or {}
    names, kept = [p.name for p in candidates], state.get("precisions", [])[-1:]
    if kept and kept[0] in names:
        return candidates[names.index(kept[0])], state.get(PRECISION_SECONDS, {})
    if len(candidates) == 1:
        return candidates[0], state.get(PRECISION_SECONDS, {})
    share = max(1, train_cfg.batch_size // world()[1])
    measured = torch.tensor([step_seconds(config, share, p) for p in candidates], dtype=torch.float64, device=device)
    seconds = dict(zip(names, average_logs(measured).tolist()))
    return Precision.candidates(train_cfg, device)[names.index(min(seconds, key=seconds.get))], seconds


def seeded_item(dataset: Dataset, index: int, seed: int) -> dict:
    """dataset[index] with torch's CPU generator seeded by `seed` for its random draws."""
    return seeded(lambda: dataset[index], seed)


class SampleStream(Dataset):
    """Sample number g of the endless run -> its item (see the module docstring)."""

    def __init__(self, dataset: Dataset, batch_size: int, seed: int):
        if len(dataset) < batch_size:
            raise ValueError(f"the data set has {len(dataset)} items, fewer than one batch of {batch_size}")
        self.dataset, self.seed = dataset, seed
        self.per_epoch = len(dataset) // batch_size * batch_size
        self._epoch, self._order = -1, None

    def index_of(self, g: int) -> int:
        """The data set index of sample number g: epoch g // per_epoch's seeded permutation."""
        epoch = g // self.per_epoch
        if epoch != self._epoch:
            shuffle = torch.Generator().manual_seed(self.seed * 100003 + epoch)
            self._epoch, self._order = epoch, torch.randperm(len(self.dataset), generator=shuffle)
        return int(self._order[g % self.per_epoch])

    def item_seed(self, g: int) -> int:
        """The seed of sample number g's own random draws."""
        return self.seed * 1_000_003 + g

    def __getitem__(self, g: int) -> dict:
        return seeded_item(self.dataset, self.index_of(g), self.item_seed(g))


def fixed_samples(dataset: Dataset, config: GANConfig, seed: int, n: int = 8) -> dict[str, Tensor]:
    """The sample grid's inputs: the first n items' largest real image and embedding, and fixed z and eps."""
    items = [seeded_item(dataset, i, seed) for i in range(min(n, len(dataset)))]
    noise = torch.Generator().manual_seed(seed)
    return {"real": torch.stack([it["image"][-1] for it in items]),
            "embedding": torch.stack([it["embedding"] for it in items]),
            "z": torch.randn(len(items), config.z_dim, generator=noise),
            "eps": torch.randn(len(items), config.condition_dim, generator=noise)}


@torch.no_grad()
def save_sample_grid(netG: Generator, fixed: dict[str, Tensor], path: Path) -> None:
    """Rows: real images, then each branch of `netG` (upsampled to the largest size); PNG written atomically.
    (torchvision is imported here only: training needs torch alone, benchmarks/gpu_check.py.)"""
    from torchvision.utils import make_grid, save_image

    device = next(netG.parameters()).device
    images, _, _ = netG(fixed["z"].to(device), fixed["embedding"].to(device), fixed["eps"].to(device))
    size = fixed["real"].shape[-1]
    rows = [fixed["real"]] + [F.interpolate(x.float().cpu(), size=size, mode="nearest") for x in images]
    grid = make_grid(torch.cat(rows).add(1).div(2).clamp(0, 1), nrow=len(fixed["real"]), padding=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    save_image(grid, tmp, format="png")
    os.replace(tmp, path)


def _check_resume(path: Path, state: dict, config: GANConfig, train_cfg: GANTrainConfig) -> None:
    old = {k: v for k, v in state["train_config"].items() if k not in RESUMABLE_CHANGES}
    new = {k: v for k, v in asdict(train_cfg).items() if k not in RESUMABLE_CHANGES}
    if state["config"] != asdict(config) or old != new:
        raise ValueError(f"{path} was trained with {state['config']} and {state['train_config']}, not "
                         f"{asdict(config)} and {asdict(train_cfg)}; use another out_dir or the same configuration "
                         f"(only {', '.join(RESUMABLE_CHANGES)} may change)")


def train_gan(config: GANConfig, train_cfg: GANTrainConfig, dataset: Dataset, out_dir: str | Path,
              device: str | torch.device = "cpu", progress: bool = True,
              stop_after_iterations: int | None = None, device_batches: bool | None = None) -> list[dict]:
    """Train (or resume training) StackGAN-v2 on `dataset`; returns the loss history (one row per `log_every`
    iterations, and one for the last iteration of the run).

    Items must be dicts with `image` and `wrong_image` (lists of (3, s, s) tensors in [-1, 1] for
    `config.image_sizes`), `embedding` (D,) and `label`, as `ConditionedImages` gives. `stop_after_iterations`
    ends this call early (the run stays resumable), e.g. to split a long run into sessions. `device_batches`
    makes the batches on the device from images held there (`DeviceBatches`: the same draws; the default on
    CUDA for a `ConditionedImages`), else a DataLoader makes them item by item on the CPU.

    Under torchrun (an initialised process group) each process trains on its share of every global batch of
    `batch_size` and gradients are averaged (`s2i_lib.train.parallel`); rank 0 alone writes files. Such a run
    resumes, but with new noise draws, so not bit for bit as a single process does.
    """
    out, device = Path(out_dir), torch.device(device)
    state = load_checkpoint(out / "last.pt", fix=RESTART)   # on the CPU: the random states must stay there
    if state is None:
        torch.manual_seed(train_cfg.seed)
    else:
        _check_resume(out / "last.pt", state, config, train_cfg)
    precision, precision_seconds = chosen_precision(config, train_cfg, device, state)
    netG, netsD = precision.model(Generator(config)), precision.model(make_discriminators(config))
    ema = copy.deepcopy(netG).eval().requires_grad_(False)
    opt_g = torch.optim.Adam(netG.parameters(), lr=train_cfg.lr, betas=train_cfg.betas)
    opts_d = [torch.optim.Adam(d.parameters(), lr=train_cfg.lr, betas=train_cfg.betas) for d in netsD]
    start, history, sums, n_sums = 0, [], {}, 0      # sums: the losses of the unlogged iterations so far
    if state is not None:
        netG.load_state_dict(state["generator"])
        ema.load_state_dict(state["ema_generator"])
        netsD.load_state_dict(state["discriminators"])
        opt_g.load_state_dict(state["opt_g"])
        for opt, sd in zip(opts_d, state["opts_d"]):
            opt.load_state_dict(sd)
        if precision.scaler is not None and state["scaler"] is not None:
            precision.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        start, history, sums, n_sums = state["iteration"], state["history"], state["log_sums"], state["log_count"]
    seconds_before = 0.0 if state is None else recorded_train_seconds(state)
    precisions = [] if state is None else state.get("precisions", [])
    if not precisions or precisions[-1] != precision.name:
        precisions = [*precisions, precision.name]
    rank, size = world()
    if progress and rank == 0:
        chosen_on = ", ".join(f"{name} {sec:.3f}" for name, sec in precision_seconds.items())
        print(f"StackGAN-v2 trains in {precision.name}" + (f" (s per step: {chosen_on})" if chosen_on else ""),
              flush=True)
    if size > 1:
        broadcast_from_rank0(netG, ema, netsD, parameters=True)
        torch.manual_seed(train_cfg.seed + 7919 * rank + start)       # other noise on every process

    sizes = tuple(x.shape[-1] for x in seeded_item(dataset, 0, train_cfg.seed)["image"])
    if sizes != config.image_sizes:
        raise ValueError(f"the data set's image sizes {sizes} are not the generator's {config.image_sizes}")
    fixed = fixed_samples(dataset, config, train_cfg.seed)
    end = train_cfg.iterations if stop_after_iterations is None else min(train_cfg.iterations,
                                                                          start + stop_after_iterations)
    bs = train_cfg.batch_size
    sampler = RankSlice(start, end, bs, rank, size)
    stream = SampleStream(dataset, bs, train_cfg.seed)
    if device_batches is None:
        device_batches = device.type == "cuda" and isinstance(dataset, ConditionedImages)
    if device_batches:
        loader = map(DeviceBatches(dataset, stream, device), sampler.batches())
    else:
        loader = DataLoader(stream, sampler.per_process, sampler=sampler, num_workers=train_cfg.num_workers,
                            generator=torch.Generator().manual_seed(train_cfg.seed), pin_memory=device.type == "cuda")

    def save(iteration: int) -> None:
        save_checkpoint(out / "last.pt", {
            "generator": netG.state_dict(), "ema_generator": ema.state_dict(), "discriminators": netsD.state_dict(),
            "opt_g": opt_g.state_dict(), "opts_d": [o.state_dict() for o in opts_d],
            "scaler": None if precision.scaler is None else precision.scaler.state_dict(),
            "iteration": iteration, "history": history, "log_sums": window.sums(), "log_count": window.count,
            "rng": rng_state(), "config": asdict(config), "train_config": asdict(train_cfg),
            TRAIN_SECONDS: seconds_before + time.perf_counter() - call_start, "precisions": precisions,
            PRECISION_SECONDS: precision_seconds})
        if history:
            write_log(out / "loss_log.csv", history)

    window = LossWindow(sums, n_sums, device)
    netG.train()
    netsD.train()
    call_start = time.perf_counter()
    bar = tqdm(total=train_cfg.iterations, initial=start, desc="StackGAN-v2", disable=not progress or rank > 0)
    with stop_requests(enabled=size == 1) as stops:     # several processes would stop at different iterations
        for iteration, batch in enumerate(loader, start + 1):
            logs = train_step(netG, netsD, opt_g, opts_d, batch, config, precision)
            broadcast_from_rank0(netG, netsD)
            ema_update(ema, netG, train_cfg.ema_decay)
            window.add(logs)
            if iteration % train_cfg.log_every == 0 or iteration == train_cfg.iterations:
                means = window.means()
                history.append({"iteration": iteration, **means})
                bar.set_postfix(D=f"{means['d_loss']:.3f}", G=f"{means['g_loss']:.3f}")
            if iteration % train_cfg.sample_every == 0 and rank == 0:
                save_sample_grid(ema, fixed, out / "samples" / f"iter_{iteration:06d}.png")
            if iteration % train_cfg.snapshot_every == 0 and iteration != end and rank == 0:
                save(iteration)
            bar.update()
            if stops.requested and iteration != end:
                bar.close()
                save(iteration)
                raise StoppedOnRequest(f"{stops.requested}: the GAN stopped at iteration {iteration} of "
                                       f"{train_cfg.iterations}, saved in {out / 'last.pt'}; run the same command "
                                       f"again to resume it")
    bar.close()
    if end > start and rank == 0:
        save(end)
    barrier()                                          # every process returns once the checkpoint is written
    return history


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> Generator:
    """The EMA generator of a `train_gan` checkpoint (what StackGAN-v2 snapshots and evaluates), in eval mode."""
    state = load_checkpoint(path, map_location=device, fix=RESTART)
    if state is None:
        raise FileNotFoundError(f"no checkpoint at {path}")
    with torch.device("meta"):                       # skip the random init the weights replace
        netG = Generator(GANConfig(**state["config"]))
    netG.load_state_dict(state["ema_generator"], assign=True)
    return netG.to(device).eval()
