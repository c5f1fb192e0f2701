"""Time one StackGAN-v2 training iteration (every D, then G, then the EMA; `s2i_lib.train.gan.train_step`) for the
"default" and "paper" GAN stages (the profiles' `gan` sizes in `s2i_lib/config.py`: branches, widths, batch),
comparing in the same run, on the same modules, batch and seed:

- eager: fp32, contiguous tensors, no autocast;
- optimised: bf16 autocast, plus channels_last on CUDA (train_gan's CUDA default). On CPU channels_last did not
  help (measured on the 2-core AVX-512-BF16 machine), so the CPU path is bf16 autocast alone, which train_gan uses
  when asked (`GANTrainConfig(amp=True)`) or, with the `default` profile's `amp="native"`, where it times faster than
  fp32 on a device that computes bf16 natively (CUDA, AMX or AVX-512-BF16; `train.gan.chosen_precision`): on an
  AVX2-only CPU oneDNN emulates it and this path is far slower.
- compiled (with `--compile`): the path train_gan would take here (the faster of the two on CUDA or a CPU with
  native bf16, else eager fp32) with G and each D through `torch.compile` (inductor, default mode), which the
  library does not use. Its first step compiles (and recompiles when D's gradients are switched off for G's update):
  `first_step_s` gives it, and its time is the best of the steps after it.

The time of a path is the best of `--iterations` steps (CUDA and compiled: after one untimed warm-up step). The
first step of each path starts from the same weights with the same noise; its D and G losses must be "within noise": the
larger of their differences from the eager losses below the smaller change of the eager losses under another
noise seed. Prints a markdown table and writes results/gan_step_benchmark.csv, replacing the rows of this machine
(the `cpu` column: model, vector extensions, cores; and a host speed probe within 15%) and keeping the others'.

    python benchmarks/gan_step.py --iterations 5 [--threads 2] [--profiles default paper] [--devices cpu cuda]
                                  [--compile]
"""
from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import torch

from s2i_lib.config import get_profile
from s2i_lib.data.summary import write_csv_replacing
from s2i_lib.report import HOST_SPEED, host_columns
from s2i_lib.models.stackgan import GANConfig, Generator, make_discriminators
from s2i_lib.train.gan import Precision, ema_update, loss_values, native_bf16, train_step

EMBEDDING_DIM = {"default": 1280, "paper": 1024}     # EfficientNet-Lite0 teacher / the authors' GoogLeNet
RESULTS = Path(__file__).resolve().parent.parent / "results" / "gan_step_benchmark.csv"


def make_batch(config: GANConfig, batch_size: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    images = [[torch.rand(batch_size, 3, s, s, generator=g) * 2 - 1 for s in config.image_sizes] for _ in range(2)]
    return {"image": images[0], "wrong_image": images[1], "label": torch.randint(0, 4, (batch_size,), generator=g),
            "embedding": torch.randn(batch_size, config.embedding_dim, generator=g)}


def run_path(config: GANConfig, init: dict, batch: dict, precision: Precision, iterations: int,
             seed: int, compiled: bool = False) -> tuple[dict, float, float]:
    """(losses of the first step, best seconds per step, seconds of the first step) for fresh copies of the initial
    nets; with `compiled`, G and each D through `torch.compile` after the EMA copy is taken."""
    with torch.device("meta"):
        netG, netsD = Generator(config), make_discriminators(config)
    netG.load_state_dict(copy.deepcopy(init["G"]), assign=True)
    netsD.load_state_dict(copy.deepcopy(init["D"]), assign=True)
    netG, netsD = precision.model(netG), precision.model(netsD)
    ema = copy.deepcopy(netG).requires_grad_(False)
    if compiled:
        netG, netsD = torch.compile(netG), torch.nn.ModuleList(torch.compile(d) for d in netsD)
    opt_g = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opts_d = [torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999)) for d in netsD]
    cuda = precision.device.type == "cuda"
    torch.manual_seed(seed)

    def step() -> tuple[dict, float]:
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        logs = train_step(netG, netsD, opt_g, opts_d, batch, config, precision)
        ema_update(ema, netG, 0.999)
        if cuda:
            torch.cuda.synchronize()
        return loss_values(logs), time.perf_counter() - start

    first, first_s = step()
    times = [first_s] if not (cuda or compiled) else []
    times += [step()[1] for _ in range(iterations - len(times))]
    return first, min(times), first_s


def benchmark(device: torch.device, profile: str, batch_size: int | None, iterations: int, host: dict,
              compiled: bool = False) -> list[dict]:
    sizes = get_profile(profile).gan
    config, batch_size = GANConfig(EMBEDDING_DIM[profile], **sizes.architecture()), batch_size or sizes.batch_size
    torch.manual_seed(0)
    netG, netsD = Generator(config), make_discriminators(config)
    init = {"G": netG.state_dict(), "D": netsD.state_dict()}
    batch = make_batch(config, batch_size)
    cuda = device.type == "cuda"
    paths = {"eager fp32": Precision(device),
             "optimised": Precision(device, torch.bfloat16, channels_last=cuda)}
    results = {name: run_path(config, init, batch, p, iterations, seed=1) for name, p in paths.items()}
    compiled_on = min(results, key=lambda name: results[name][1]) if cuda or native_bf16(device) else "eager fp32"
    if compiled:
        results["compiled"] = run_path(config, init, batch, paths[compiled_on], iterations, seed=1, compiled=True)
    other_seed, *_ = run_path(config, init, batch, paths["eager fp32"], 1, seed=2)
    eager, t_eager, _ = results["eager fp32"]
    rows = []
    for name, (first, seconds, first_s) in results.items():
        p = paths[compiled_on if name == "compiled" else name]
        diff = max(abs(first[k] - eager[k]) for k in ("d_loss", "g_loss"))
        noise = min(abs(other_seed[k] - eager[k]) for k in ("d_loss", "g_loss"))
        rows.append({**host,
                     "device": torch.cuda.get_device_name(device) if cuda else f"cpu ({torch.get_num_threads()} thr)",
                     "profile": profile, "sizes": "/".join(map(str, config.image_sizes)), "batch": batch_size,
                     "path": name, "autocast": str(p.dtype).replace("torch.", "") if p.dtype else "off",
                     "channels_last": p.channels_last, "s_per_iteration": round(seconds, 4),
                     "images_per_s": round(batch_size / seconds, 2), "speedup": round(t_eager / seconds, 2),
                     "first_step_s": round(first_s, 2),
                     "first_d_loss": round(first["d_loss"], 4), "first_g_loss": round(first["g_loss"], 4),
                     "loss_diff": round(diff, 4), "loss_noise": round(noise, 4), "within_noise": diff < noise})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iterations", type=int, default=5, help="timed steps per path (best one counts)")
    p.add_argument("--batch-size", type=int, default=None, help="default: the stage's batch size")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--profiles", nargs="+", default=["default", "paper"], choices=sorted(EMBEDDING_DIM))
    p.add_argument("--devices", nargs="+", default=["cpu", "cuda"], choices=["cpu", "cuda"])
    p.add_argument("--compile", action="store_true", help="also time train_gan's path here through torch.compile")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    host = host_columns()
    devices = [torch.device(d) for d in args.devices if d == "cpu" or torch.cuda.is_available()]
    rows = [row for d in devices for profile in args.profiles
            for row in benchmark(d, profile, args.batch_size, args.iterations, host, args.compile)]
    columns = ["cpu", HOST_SPEED, "device", "profile", "sizes", "batch", "path", "autocast", "channels_last",
               "s_per_iteration", "images_per_s", "speedup", "first_step_s", "loss_diff", "loss_noise", "within_noise"]
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv_replacing(rows, args.out, speed=HOST_SPEED)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
