"""Table II over training seeds: each seed's measures of every system written as that seed's files
(`report.write_seed`), then every complete seed in the results folder combined into the table, the paper's claims
read on the paired differences per seed (`report.read_seed_claims`, docs/statistics.md).

A training seed trains every system's whole chain (encoders, then GANs); the data, and what depends on it alone
(teacher features, transcripts, the judges, real statistics), is shared by every seed. `gan_seeds` (more GANs per
encoder within one training seed) stay an option; their mean is that seed's value.

The paper's numbers (Table II, CUB-200 and Oxford-102 with Baidu-TTS speech, 256 px; docs/published-numbers.md#1)
are shown for the data set a built-in one stands in for, always marked as cited; they are never compared with
ours as if measured alike (other data, networks and resolution).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..config import BUILTIN_DATASETS, TRAIN_SEED, get_profile, results_dir
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import Estimate, OverSeeds, over_seeds
from ..pipeline.evaluate import JUDGE_SEED, real_reference, real_test_images
from ..pipeline.measure import SystemResult, measure_all
from ..pipeline.systems import SYSTEMS, build_systems
from ..plots import generated_grid
from ..report import GAN_MEASURES, SeedResults, Table, cited, combine, paper_dataset, read_seed_claims, read_seeds
from ..report.claims import SHARE_THAT_MATTERS
from .measured import (CEILING_LABEL, CONTROL, JUDGE_ACCURACY, REAL, SeededTable, gan_rows, judge_ranges,
                       measure_seeds, seed_cells, seed_details, seed_list, shown_images, speech_caption, words)

SYSTEM_LABELS = {
    "two_stage": "two-stage (pocketsphinx, then a text encoder and its GAN)",
    "classifier": "classifier-based speech encoder",
    "tsl": "ours: teacher-student speech encoder",
    "text": "text-to-image (ground-truth captions; StackGAN-v2's stand-in)",
}
ROW_LABELS = {**SYSTEM_LABELS, CONTROL: "ours, shuffled conditions (floor: a generator that ignores its condition)",
              REAL: CEILING_LABEL}
TABLE2_MEASURES = GAN_MEASURES + (JUDGE_ACCURACY,)
STEM = "table2"
# "Comparable" is read as equivalence within this share of each measure's judge range (real images to ours with
# shuffled conditions), declared before any seed was read: a tenth of the distance between a generator that
# ignores its condition and the real images is taken as a difference too small to matter.
EQUIVALENCE_SHARE = SHARE_THAT_MATTERS
CLAIMS = (("one-stage (ours) beats two-stage", "two_stage", None),
          ("teacher-student beats classifier-based", "classifier", None),
          ("ours is comparable to text-to-image", "text", EQUIVALENCE_SHARE))


def mean_over_seeds(per_seed: list[dict[str, Estimate]]) -> dict[str, Estimate]:
    """Each measure's mean over GAN training seeds within one training seed; its error is the larger of the
    between-seed standard error (std / sqrt(n)) and the runs' own errors propagated to the mean
    (sqrt(sum e^2) / n). One seed: unchanged."""
    if len(per_seed) == 1:
        return per_seed[0]
    combined = {name: over_seeds([m[name] for m in per_seed]) for name in per_seed[0]}
    return {name: Estimate(c.mean, max(c.noise, c.spread)) for name, c in combined.items()}


def table2_rows(dataset: str, combined: dict[str, dict[str, OverSeeds]]) -> list[dict]:
    """One row per measured system (in `SYSTEM_LABELS` order), the shuffled-condition floor, the real ceiling and
    StackGAN-v1 cited only: the number of training seeds, each measure's mean ± between-seed s.e. [evaluation
    noise] (`Measure.shown_seeds`), and the paper's IS and FID cited."""
    def row(key, system=""):
        return {"system": ROW_LABELS.get(key, key), **seed_cells(combined.get(key, {}), TABLE2_MEASURES),
                **cited("II", dataset, system)}
    rows = [row(s, s) for s in SYSTEM_LABELS if s in combined]
    rows += [row(key) for key in (CONTROL, REAL) if key in combined]
    return rows + [row("StackGAN-v1 (text; cited only)", "stackgan_v1")]


def claim_rows(seeds: dict[int, SeedResults]) -> list[dict]:
    """The paper's Table II claims (`CLAIMS`: ours against another system, "beats" or, with a margin share, "is
    comparable to"), each read on every GAN measure on the paired differences per training seed."""
    ranges = judge_ranges(combine(seeds))
    return [row for claim, other, share in CLAIMS
            for row in read_seed_claims(claim, seeds, "tsl", other, GAN_MEASURES, ranges, share)]


def combined_table(dataset: str, profile: str, seeds: dict[int, SeedResults]) -> Table:
    """Table II of `dataset` at `profile` over every complete training seed in `seeds`: rows, paired claims and
    the run details, read from the seeds' files alone (no data set or run needed: seeds may come from other
    machines)."""
    paper = f"paper columns cited from {paper_dataset(dataset, 'II')}"
    voiced = speech_caption(any(r.record.get("voiced") for r in seeds.values()))
    caption = (f"{dataset} `{profile}` data (built in: not the paper's data; {paper})"
               if dataset in BUILTIN_DATASETS else f"{dataset} `{profile}` ({paper}{voiced})")
    sizes = get_profile(profile, dataset)
    details = {**seed_details(seeds),
               "readings": "on paired differences per training seed (docs/statistics.md): 'beats' by the 95% t "
                           "interval (one seed: ± 2 evaluation errors), 'comparable' by two one-sided tests at 5% "
                           f"against ± {EQUIVALENCE_SHARE:g} x the judge's range (real ceiling to shuffled floor; for "
                           "FID, KID and the score the floor equals ours up to noise re-pairing, so their range is "
                           "ours' distance from the real images); fewer than 3 seeds: provisional; a 95% interval "
                           f"wider than {SHARE_THAT_MATTERS:g} x the judge's range on either side: coarse judge (it "
                           "cannot tell a difference that matters from none)",
               "networks": f"teacher {sizes.teacher.teacher} EfficientNet-Lite0; speech encoder "
                           f"x{sizes.encoder.speech_width:g}; judges trained with seed {JUDGE_SEED}",
               "evaluation": f"{sizes.eval}"}
    return Table(STEM, f"Table II: {caption}", table2_rows(dataset, combine(seeds)), claim_rows(seeds), details)


def combine_table2(dataset: str, profile: str) -> Table:
    """The combining step alone: Table II from every complete seed committed under the results folder of
    `dataset` and `profile` (`make combine-table2`)."""
    return combined_table(dataset, profile, read_seeds(results_dir(dataset, profile), STEM))


def seeds_per_system(train_seed: int, gan_seeds: str | Sequence[int] = "",
                     seed_systems: str | Sequence[str] = "") -> dict[str, list[int]]:
    """Each Table II system's GAN training seeds: `train_seed`, then `gan_seeds` (e.g. "1 2") for the systems
    in `seed_systems` (every system when empty)."""
    extra = [s for s in seed_list(gan_seeds, "gan_seeds") if s != train_seed]
    chosen = part_systems(seed_systems, "seed_systems")
    return {s: [train_seed] + (extra if s in chosen else []) for s in SYSTEM_LABELS}


def part_systems(systems: str | Sequence[str] = "", name: str = "systems") -> list[str]:
    """Table II systems named by the option `name` (space- or comma-separated, or a sequence), in the table's
    order; every one when empty."""
    named = words(systems)
    if set(named) - set(SYSTEM_LABELS):
        raise ValueError(f"{name} {sorted(set(named) - set(SYSTEM_LABELS))}: not a Table II system; choose from "
                         f"{list(SYSTEM_LABELS)}")
    return [s for s in SYSTEM_LABELS if s in named] or list(SYSTEM_LABELS)


def table2(data: PreparedData, *, train_seeds: str | Sequence[int] = (TRAIN_SEED,), gan_seeds: str | Sequence[int] = "",
           seed_systems: str | Sequence[str] = "", systems: str | Sequence[str] = "", seed: int = 0,
           device: str = "cpu", progress: bool = True) -> SeededTable:
    """Table II: for each of `train_seeds`, every system's encoder and GAN (and, for `seed_systems`, a GAN per
    `gan_seeds`) trained with it or reused, evaluated (draws seeded by `seed`) and written as that seed's files;
    then the table combined over every complete seed in `data.results` (this call's and any measured before).
    With `systems` (some of `SYSTEM_LABELS`), only theirs: a part of each seed, joined to the rows its other
    parts wrote (a seed measured over several sessions or machines; docs/statistics.md#2)."""
    chosen = part_systems(systems)

    def measure_seed(train_seed: int) -> tuple[dict, dict, dict]:
        build_systems(data, train_seed, tuple(chosen), device=device, progress=progress)
        seeds = {s: gs for s, gs in seeds_per_system(train_seed, gan_seeds, seed_systems).items() if s in chosen}
        measured = measure_all(data, {(s, g): {"system": s, "gan_seed": g, "encoder_seed": train_seed}
                                      for s, gs in seeds.items() for g in gs}, seed=seed, device=device,
                               progress=progress)
        gan = next(iter(measured.values())).gan
        real = real_reference(data, gan.config.image_sizes[-1], seed=seed, device=device, progress=False)
        measures = {s: mean_over_seeds([measured[s, g].measures for g in gs]) for s, gs in seeds.items()}
        return measured, real, gan_rows(measures, real)
    found, results, real = measure_seeds(data, STEM, train_seeds, seed, measure_seed,
                                         part=len(chosen) < len(SYSTEM_LABELS))
    return SeededTable(combined_table(data.dataset, data.profile.name, found), found, results, real)


def same_caption_grid(data: PreparedData, measured: SeededTable, train_seed: int, seed: int = 0, device: str = "cpu",
                      shown: int = 6):
    """A figure of `shown` test images: the real image, then each system's image (its GAN of training seed
    `train_seed`) for the same spoken caption, one the recogniser heard, so that every system is shown the same
    utterance."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    gans = {s: measured.results[train_seed][s, train_seed] for s in SYSTEM_LABELS}
    said = gans["two_stage"].gan.system.caption_indices("test")[picks, 0]

    def same_caption(result: SystemResult):
        columns = [list(result.gan.system.caption_indices("test")[i]).index(k) for i, k in zip(picks, said)]
        return result.gan.embeddings.embeddings["test"][picks, columns][:, None]
    grid = np.stack([generate(r.netG, same_caption(r), seed=seed, device=device, progress=False)[:, 0, 0]
                     .permute(0, 2, 3, 1).numpy() for r in gans.values()], axis=1)
    real = real_test_images(data, gans["tsl"].gan.config.image_sizes[-1])[picks]
    return generated_grid(real.permute(0, 2, 3, 1).numpy(), grid, [test[i].captions[k] for i, k in zip(picks, said)],
                          titles=[SYSTEMS[s] for s in gans])
