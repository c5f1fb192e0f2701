"""One GAN of a table measured: a system's GAN trained (or reused) and evaluated, and a set of them measured in
one call with the time left printed as each ends (the one loop over systems, seeds, variants and scales)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..losses.tsl import TSLConfig
from ..metrics.uncertainty import Estimate
from .evaluate import evaluate_gan
from .gan import GANRun, gan_run, train_gan_run, trained_generator, trained_precision


@dataclass
class SystemResult:
    """One system's GAN for one GAN training seed: the run, its EMA generator, the measures and the recorded
    training time and precision."""
    system: str
    gan_seed: int
    gan: GANRun
    netG: object
    measures: dict[str, Estimate]
    train_s: float
    evaluate_s: float
    precision: str


def measure_system(data: PreparedData, system: str, *, gan_seed: int, encoder_seed: int = TRAIN_SEED, seed: int = 0,
                   device: str = "cpu", progress: bool = True, tsl: TSLConfig = TSLConfig(), branches: int = 0,
                   base_size: int = 0, shuffled_control: bool | None = None) -> SystemResult:
    """Train (or reuse) `system`'s GAN with `gan_seed` on the embeddings of its encoder trained with
    `encoder_seed` (and `tsl`: Table IV; `branches` / `base_size`: Table V), then evaluate it (`evaluate_gan`,
    noise and caption draws seeded by `seed`; the shuffled-condition control by default for ours only)."""
    gan = gan_run(data, system, branches=branches, train_seed=gan_seed, encoder_seed=encoder_seed, tsl=tsl,
                  base_size=base_size)
    train_gan_run(data, gan, device=device, progress=progress)
    netG, train_s = trained_generator(gan, device)
    start = time.time()
    control = system == "tsl" if shuffled_control is None else shuffled_control
    measures = evaluate_gan(data, gan, netG, seed=seed, device=device, progress=progress,
                            shuffled_control=control)
    return SystemResult(system, gan_seed, gan, netG, measures, train_s, time.time() - start, trained_precision(gan))


def measure_all(data: PreparedData, requests: dict, *, seed: int = 0, device: str = "cpu",
                progress: bool = True) -> dict:
    """`measure_system` for each request (name -> its keyword arguments, `system` among them), in order; after
    each, one line with its run, times and the time this call has left."""
    results, start = {}, time.time()
    for name, request in requests.items():
        results[name] = result = measure_system(data, seed=seed, device=device, progress=progress, **request)
        done = len(results) / len(requests)
        label = ", ".join(map(str, name)) if isinstance(name, tuple) else name
        print(f"{label}: GAN run {result.gan.folder.name}; trained {result.train_s / 60:.1f} min "
              f"({result.precision}), evaluated in "
              f"{result.evaluate_s:.0f} s; {100 * done:.0f}% of this call, ~"
              f"{(time.time() - start) * (1 - done) / done / 60:.0f} min left", flush=True)
    return results
