"""Table II: every system's measured row beside the paper's cited numbers, and the paper's claims read against
the measured uncertainties (`report.read_claims`).

The paper's numbers (Table II, CUB-200 and Oxford-102 with Baidu-TTS speech, 256 px; docs/published-numbers.md#1)
are shown for the data set a built-in one stands in for, always marked as cited; they are never compared with
ours as if measured alike (other data, networks and resolution).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import Estimate
from ..pipeline.evaluate import real_reference, real_test_images
from ..pipeline.measure import SystemResult, measure_all
from ..pipeline.systems import SYSTEMS
from ..plots import generated_grid
from ..report import GAN_MEASURES, Table, cells, cited, paper_dataset, read_claims, suffixed
from .measured import Measured, data_details, gan_times, shown_images

SYSTEM_LABELS = {
    "two_stage": "two-stage (pocketsphinx, then a text encoder and its GAN)",
    "classifier": "classifier-based speech encoder",
    "tsl": "ours: teacher-student speech encoder",
    "text": "text-to-image (ground-truth captions; StackGAN-v2's stand-in)",
}


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



def words(value: str | Sequence) -> list[str]:
    """A list from a space- or comma-separated string (a notebook or make parameter) or from a sequence."""
    return str(value).replace(",", " ").split() if isinstance(value, str) else [str(v) for v in value]


def seeds_per_system(train_seed: int, gan_seeds: str | Sequence[int] = "",
                     seed_systems: str | Sequence[str] = "") -> dict[str, list[int]]:
    """Each Table II system's GAN training seeds: `train_seed`, then `gan_seeds` (e.g. "1 2") for the systems
    in `seed_systems` (every system when empty)."""
    systems = list(SYSTEM_LABELS)
    if not all(s.isdigit() for s in words(gan_seeds)):
        raise ValueError(f"gan_seeds must be non-negative integers separated by spaces, not {gan_seeds!r}")
    extra = [int(s) for s in words(gan_seeds) if int(s) != train_seed]
    chosen = words(seed_systems) or systems
    if set(chosen) - set(systems):
        raise ValueError(f"seed_systems {sorted(set(chosen) - set(systems))}: not a system; choose from {systems}")
    return {s: [train_seed] + (extra if s in chosen else []) for s in systems}


def table2(data: PreparedData, *, train_seed: int = TRAIN_SEED, gan_seeds: str | Sequence[int] = "",
           seed_systems: str | Sequence[str] = "", seed: int = 0, device: str = "cpu",
           progress: bool = True) -> Measured:
    """Table II: every system's GAN (encoders trained with `train_seed`; GANs with it and, for `seed_systems`,
    each of `gan_seeds`) trained or reused and evaluated (draws seeded by `seed`), the real reference, the rows
    (means over GAN seeds), the paper's claims and the run details."""
    seeds = seeds_per_system(train_seed, gan_seeds, seed_systems)
    results = measure_all(data, {(s, g): {"system": s, "gan_seed": g, "encoder_seed": train_seed}
                                 for s, gs in seeds.items() for g in gs}, seed=seed, device=device, progress=progress)
    gan = next(iter(results.values())).gan
    real = real_reference(data, gan.config.image_sizes[-1], seed=seed, train_seed=train_seed, device=device,
                          progress=False)
    measures = {s: mean_over_seeds([results[s, g].measures for g in gs]) for s, gs in seeds.items()}
    paper = f"paper columns cited from {paper_dataset(data.dataset, 'II')}"
    caption = (f"{data.dataset} `{data.profile.name}` data (built in: not the paper's data; {paper})" if data.builtin
               else f"{data.dataset} `{data.profile.name}` ({paper})")
    label = lambda key: f"{key[0]} seed {key[1]}"
    details = {"data": data_details(data),
               "networks": f"teacher {data.profile.teacher.teacher} EfficientNet-Lite0; speech encoder "
                           f"x{data.profile.encoder.speech_width:g}; GAN {gan.config}",
               "seeds": f"encoders {train_seed}; GANs per system {seeds}; evaluation draws {seed}",
               "evaluation": f"{data.profile.eval}",
               "GAN training (recorded)": gan_times(results, label),
               "evaluation time (this call)": gan_times(results, label, evaluation=True)}
    table = Table("table2", f"Table II: {caption}", table2_rows(data.dataset, measures, real, seeds),
                  claim_rows(measures), details)
    return Measured(table, results, measures, real)


def same_caption_grid(data: PreparedData, measured: Measured, train_seed: int, seed: int = 0, device: str = "cpu",
                      shown: int = 6):
    """A figure of `shown` test images: the real image, then each system's image (its `train_seed` GAN) for the
    same spoken caption, one the recogniser heard, so that every system is shown the same utterance."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    gans = {s: measured.results[s, train_seed] for s in SYSTEM_LABELS}
    said = gans["two_stage"].gan.system.caption_indices("test")[picks, 0]

    def same_caption(result: SystemResult):
        columns = [list(result.gan.system.caption_indices("test")[i]).index(k) for i, k in zip(picks, said)]
        return result.gan.embeddings.embeddings["test"][picks, columns][:, None]
    grid = np.stack([generate(r.netG, same_caption(r), seed=seed, device=device, progress=False)[:, 0, 0]
                     .permute(0, 2, 3, 1).numpy() for r in gans.values()], axis=1)
    real = real_test_images(data, gans["tsl"].gan.config.image_sizes[-1])[picks]
    return generated_grid(real.permute(0, 2, 3, 1).numpy(), grid, [test[i].captions[k] for i, k in zip(picks, said)],
                          titles=[SYSTEMS[s] for s in gans])
