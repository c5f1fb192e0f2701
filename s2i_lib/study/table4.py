"""Table IV: the loss ablation of the speech encoder (paper Sec. V-A), at the GAN level and at the encoder level.

Rows as the paper's: L_norm only; L_norm + JEL; L_norm + JEL + KDL (ours, Table II's configuration: the same key
per training seed). Each variant retrains the speech encoder with the profile's schedule (`pipeline.ablation`),
then its GAN with Table II's settings (`measure_system`); every measure of Table II, and the encoder's unseen-class
retrieval with errors, which separates the variants where FID cannot. Over training seeds like Table II: each
seed's files, the table combined over every committed seed, claims read on paired differences per seed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import Estimate, OverSeeds
from ..pipeline.ablation import LOSS_VARIANTS, test_retrieval, train_variant
from ..pipeline.evaluate import real_reference, real_test_images
from ..pipeline.measure import measure_all
from ..pipeline.systems import SystemEmbeddings
from ..pipeline.teacher import TeacherFeatures, teacher_stage
from ..plots import generated_grid
from ..report import GAN_MEASURES, RETRIEVAL_MEASURES, SeedResults, Table, cited, combine, paper_dataset, read_seed_claims
from .measured import (BEATS_READING, CONTROL, FLOOR_LABEL, REAL, SeededTable, gan_rows, judge_ranges,
                       measure_seeds, seed_cells, seed_details, shown_images, speech_caption)

VARIANT_LABELS = {"norm": "L_norm only", "norm+jel": "L_norm + JEL",
                  "tsl": "L_norm + JEL + KDL (ours; Table II's configuration)"}
ROW_LABELS = {**VARIANT_LABELS, CONTROL: FLOOR_LABEL, REAL: "real test images (ceiling)"}
TABLE4_MEASURES = GAN_MEASURES + RETRIEVAL_MEASURES
STEM = "table4"


def table4_rows(dataset: str, combined: dict[str, dict[str, OverSeeds]]) -> list[dict]:
    """One row per variant (in `LOSS_VARIANTS` order), then the floor and ceiling rows: the training seeds,
    Table II's GAN measures and the encoder's unseen-class retrieval, each as mean ± between-seed s.e. [evaluation
    noise], and the paper's IS and FID cited."""
    keys = [v for v in LOSS_VARIANTS if v in combined] + [k for k in (CONTROL, REAL) if k in combined]
    return [{"loss terms": ROW_LABELS[key], **seed_cells(combined[key], TABLE4_MEASURES), **cited("IV", dataset, key)}
            for key in keys]


CLAIMS = (("L_norm alone is worst", "tsl", "norm"), ("JEL helps by a big margin", "norm+jel", "norm"),
          ("KDL helps (a little)", "tsl", "norm+jel"))


def table4_claims(seeds: dict[int, SeedResults]) -> list[dict]:
    """The paper's Table IV claims read on every GAN and encoder measure, on the paired differences per training
    seed: "L_norm alone is worst" (ours beats L_norm only; with the next claim, both others beat it), "JEL helps
    by a big margin" (L_norm + JEL beats L_norm only), "KDL helps (a little)" (ours beats L_norm + JEL; the
    paper's own numbers go both ways on it)."""
    ranges = judge_ranges(combine(seeds))
    return [row for claim, better, worse in CLAIMS
            for row in read_seed_claims(claim, seeds, better, worse, TABLE4_MEASURES, ranges,
                                        before={"compared": f"{VARIANT_LABELS[better]} vs {VARIANT_LABELS[worse]}"})]


@dataclass
class Variant:
    """One loss variant's speech encoder with its caption embeddings, and its unseen-class retrieval."""
    built: SystemEmbeddings
    retrieval: dict[str, Estimate]


def variant_encoders(data: PreparedData, teacher: TeacherFeatures, *, train_seed: int = TRAIN_SEED, seed: int = 0,
                     device: str = "cpu", progress: bool = True) -> dict[str, Variant]:
    """Every loss variant's speech encoder trained (or reused) and its test retrieval measured, one line each."""
    out = {}
    for variant in LOSS_VARIANTS:
        built = train_variant(data, variant, teacher, train_seed, device, progress)
        out[variant] = Variant(built, test_retrieval(data, built.encoder.run, lambda b=built: b.embeddings["test"],
                                                     teacher, seed))
        print(f"{VARIANT_LABELS[variant]}: encoder run {built.encoder.run.folder.name}; R@10 "
              f"{out[variant].retrieval['R@10']}", flush=True)
    return out


def labelled(variants: dict[str, Variant], what: Callable[[Variant], object]) -> dict[str, object]:
    """`what` of each variant under its row label (for plots and the gradient table)."""
    return {VARIANT_LABELS[v]: what(variant) for v, variant in variants.items()}


def estimate_rows(name: str, measured: dict[str, dict[str, Estimate]]) -> list[dict]:
    """One row per entry (its name in column `name`) with every estimate as "value ± error"."""
    return [{name: key, **{k: str(e) for k, e in m.items()}} for key, m in measured.items()]


def table4(data: PreparedData, *, train_seeds: str | Sequence[int] = (TRAIN_SEED,), seed: int = 0,
           device: str = "cpu", progress: bool = True) -> SeededTable:
    """Table IV: for each of `train_seeds`, every variant's speech encoder (`variant_encoders`) and its GAN
    (Table II's settings) trained with it or reused, evaluated (draws seeded by `seed`) beside the encoder's
    retrieval, and written as that seed's files; then the table combined over every complete seed in
    `data.results`."""
    def measure_seed(train_seed: int) -> tuple[dict, dict, dict]:
        teacher = teacher_stage(data, train_seed=train_seed, device=device, progress=False)
        variants = variant_encoders(data, teacher, train_seed=train_seed, seed=seed, device=device, progress=progress)
        results = measure_all(data, {v: {"system": "tsl", "gan_seed": train_seed, "encoder_seed": train_seed,
                                          "tsl": LOSS_VARIANTS[v], "shuffled_control": v == "tsl"} for v in variants},
                              seed=seed, device=device, progress=progress)
        real = real_reference(data, results["tsl"].gan.config.image_sizes[-1], seed=seed, device=device,
                              progress=False)
        rows = gan_rows({v: r.measures for v, r in results.items()}, real)
        return results, real, {key: {**row, **(variants[key].retrieval if key in variants else {})}
                               for key, row in rows.items()}
    found, results, real = measure_seeds(data, STEM, train_seeds, seed, measure_seed)
    caption = (f"{data.dataset} `{data.profile.name}`" + (" (built in: not the paper's data)" if data.builtin else "")
               + f"; paper columns cited from {paper_dataset(data.dataset, 'IV')}" + speech_caption(data.voiced))
    details = {**seed_details(found), "readings": BEATS_READING,
               "networks": f"teacher {data.profile.teacher.teacher} EfficientNet-Lite0; speech encoder "
                           f"x{data.profile.encoder.speech_width:g}, {data.profile.encoder.epochs} epochs; GAN "
                           f"{data.profile.gan}",
               "loss weights": "lambda_norm 5, lambda_KDL 1000 (JEL 1), the paper's; terms off per row"}
    table = Table(STEM, f"Table IV: {caption}", table4_rows(data.dataset, combine(found)), table4_claims(found),
                  details)
    return SeededTable(table, found, results, real)


def variants_grid(data: PreparedData, measured: SeededTable, train_seed: int, seed: int = 0, device: str = "cpu",
                  shown: int = 6):
    """A figure of `shown` test images: the real image, then each variant's image (training seed `train_seed`)
    for its first caption."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    results = measured.results[train_seed]
    grid = np.stack([generate(r.netG, r.gan.embeddings.embeddings["test"][picks, :1], seed=seed, device=device,
                              progress=False)[:, 0, 0].permute(0, 2, 3, 1).numpy() for r in results.values()], axis=1)
    real = real_test_images(data, results["tsl"].gan.config.image_sizes[-1])[picks]
    return generated_grid(real.permute(0, 2, 3, 1).numpy(), grid, [test[i].captions[0] for i in picks],
                          titles=[VARIANT_LABELS[v] for v in results])
