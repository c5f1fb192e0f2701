"""Table II: every system's measured row beside the paper's cited numbers, and the paper's claims read against
the measured uncertainties (`report.read_claims`).

The paper's numbers (Table II, CUB-200 and Oxford-102 with Baidu-TTS speech, 256 px; docs/published-numbers.md#1)
are shown for the data set a built-in one stands in for, always marked as cited; they are never compared with
ours as if measured alike (other data, networks and resolution).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..losses.tsl import TSLConfig
from ..metrics.uncertainty import Estimate
from ..report import GAN_MEASURES, cells, cited, read_claims, suffixed
from .evaluate import evaluate_gan
from .gan import GANRun, gan_run, train_gan_run, trained_generator

SYSTEM_LABELS = {
    "two_stage": "two-stage (pocketsphinx, then a text encoder and its GAN)",
    "classifier": "classifier-based speech encoder",
    "tsl": "ours: teacher-student speech encoder",
    "text": "text-to-image (ground-truth captions; StackGAN-v2's stand-in)",
}


@dataclass
class SystemResult:
    """One system's GAN of Table II for one GAN training seed: the run, its EMA generator, the measures and the
    recorded training time."""
    system: str
    gan_seed: int
    gan: GANRun
    netG: object
    measures: dict[str, Estimate]
    train_s: float
    evaluate_s: float


def measure_system(data: PreparedData, system: str, gan_seed: int, encoder_seed: int = TRAIN_SEED, seed: int = 0,
                   device: str = "cpu", progress: bool = True, tsl: TSLConfig = TSLConfig(), branches: int = 0,
                   base_size: int = 0, shuffled_control: bool | None = None) -> SystemResult:
    """Train (or reuse) `system`'s GAN with `gan_seed` on the embeddings of its encoder trained with
    `encoder_seed` (and `tsl`: Table IV; `branches` / `base_size`: Table V), then evaluate it (`evaluate_gan`,
    noise and caption draws seeded by `seed`; the shuffled-condition control by default for ours only)."""
    gan = gan_run(data, system, branches, train_seed=gan_seed, encoder_seed=encoder_seed, tsl=tsl,
                  base_size=base_size)
    train_gan_run(data, gan, device=device, progress=progress)
    netG, train_s = trained_generator(gan, device)
    start = time.time()
    control = system == "tsl" if shuffled_control is None else shuffled_control
    measures = evaluate_gan(data, gan, netG, seed, encoder_seed, device, progress, shuffled_control=control)
    return SystemResult(system, gan_seed, gan, netG, measures, train_s, time.time() - start)


def mean_over_seeds(per_seed: list[dict[str, Estimate]]) -> dict[str, Estimate]:
    """Each measure's mean over GAN training seeds; its error is the larger of the between-seed standard error
    (std / sqrt(n)) and the runs' own errors propagated to the mean (sqrt(sum e^2) / n). One seed: unchanged."""
    if len(per_seed) == 1:
        return per_seed[0]
    out = {}
    for name in per_seed[0]:
        values = np.array([m[name].value for m in per_seed])
        within = math.sqrt(sum(m[name].error ** 2 for m in per_seed)) / len(per_seed)
        between = float(values.std(ddof=1) / math.sqrt(len(values)))
        out[name] = Estimate(float(values.mean()), max(within, between))
    return out


def table2_rows(dataset: str, measures: dict[str, dict[str, Estimate]], real: dict[str, Estimate],
                seeds: dict[str, list[int]] | None = None) -> list[dict]:
    """One row per measured system (in `SYSTEM_LABELS` order), ours with shuffled conditions, the real test
    images, and StackGAN-v1 cited only. FID, KID (x 1000), the in-domain score, R-precision and attribute
    accuracy ± their errors; the paper's IS and FID cited; `seeds` (system -> GAN training seeds its numbers
    average over) fills the "GAN seeds" column."""
    seeds = seeds or {}

    def row(label, m, suffix, attributes, system, gan_seeds=()):
        return {"system": label, "GAN seeds": ", ".join(map(str, gan_seeds)),
                **cells(m, GAN_MEASURES, suffixed(suffix, attributes)), **cited("II", dataset, system)}
    rows = [row(SYSTEM_LABELS[s], measures[s], "", "attributes matched", s, seeds.get(s, ()))
            for s in SYSTEM_LABELS if s in measures]
    if "tsl" in measures:
        rows.append(row("ours, shuffled conditions (control)", measures["tsl"], " shuffled", "attributes shuffled", "",
                        seeds.get("tsl", ())))
    ceiling = {k: v for k, v in next(iter(measures.values()), {}).items() if k == "attributes real"}
    rows.append(row("real test images (FID, KID: half vs half; score and attributes: all)", {**real, **ceiling}, "",
                    "attributes real", ""))
    rows.append(row("StackGAN-v1 (text; cited only)", {}, "", "", "stackgan_v1"))
    return rows


CLAIMS = (("one-stage (ours) beats two-stage", "two_stage", False),
          ("teacher-student beats classifier-based", "classifier", False),
          ("ours is comparable to text-to-image", "text", True))


def claim_rows(measures: dict[str, dict[str, Estimate]]) -> list[dict]:
    """The paper's Table II claims (`CLAIMS`: ours against another system, "beats" or "is comparable to"), each
    read on every GAN measure both systems have (`report.read_claims`)."""
    rows = []
    for claim, other, comparable in CLAIMS:
        if "tsl" in measures and other in measures:
            def layout(ours: Estimate, theirs: Estimate, other=other) -> dict[str, str]:
                return {"ours": str(ours), "other": str(theirs), "other system": SYSTEM_LABELS[other],
                        "difference (ours - other)": f"{ours.value - theirs.value:+.3g}"}
            rows += read_claims(claim, measures["tsl"], measures[other], GAN_MEASURES, layout, comparable=comparable)
    return rows
