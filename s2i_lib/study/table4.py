"""Table IV: the loss ablation of the speech encoder (paper Sec. V-A), at the GAN level and at the encoder level.

Rows as the paper's: L_norm only; L_norm + JEL; L_norm + JEL + KDL (ours, the run Table II trained: same key).
Each variant retrains the speech encoder with the profile's schedule (`pipeline.ablation`), then its GAN with
Table II's settings (`measure_system`); every measure of Table II, and the encoder's unseen-class retrieval with
errors, which separates the variants where FID cannot.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import Estimate
from ..pipeline.ablation import LOSS_VARIANTS, test_retrieval, train_variant
from ..pipeline.evaluate import real_test_images
from ..pipeline.measure import measure_all
from ..plots import generated_grid
from ..pipeline.systems import SystemEmbeddings
from ..pipeline.teacher import TeacherFeatures
from ..report import GAN_MEASURES, RETRIEVAL_MEASURES, Table, cells, cited, paper_dataset, read_claims, versus
from .measured import Measured, data_details, gan_times, shown_images

VARIANT_LABELS = {"norm": "L_norm only", "norm+jel": "L_norm + JEL",
                  "tsl": "L_norm + JEL + KDL (ours; Table II's run)"}


def table4_rows(dataset: str, measures: dict[str, dict[str, Estimate]],
                retrieval: dict[str, dict[str, Estimate]]) -> list[dict]:
    """One row per variant (in `LOSS_VARIANTS` order): Table II's GAN measures and the encoder's unseen-class
    retrieval, each ± its error, and the paper's IS and FID cited."""
    return [{"loss terms": VARIANT_LABELS[variant], **cells(measures.get(variant, {}), GAN_MEASURES),
             **cells(retrieval.get(variant, {}), RETRIEVAL_MEASURES), **cited("IV", dataset, variant)}
            for variant in LOSS_VARIANTS if variant in measures or variant in retrieval]


CLAIMS = (("L_norm alone is worst", "tsl", "norm"), ("JEL helps by a big margin", "norm+jel", "norm"),
          ("KDL helps (a little)", "tsl", "norm+jel"))


def table4_claims(measures: dict[str, dict[str, Estimate]], retrieval: dict[str, dict[str, Estimate]]) -> list[dict]:
    """The paper's Table IV claims read on every GAN and encoder measure both variants have: "L_norm alone is
    worst" (ours beats L_norm only; with the next claim, both others beat it), "JEL helps by a big margin"
    (L_norm + JEL beats L_norm only), "KDL helps (a little)" (ours beats L_norm + JEL; the paper's own numbers go
    both ways on it). Each held / not held / within noise (`report.read_claims`)."""
    rows = []
    for claim, better, worse in CLAIMS:
        for level, table, names in (("GAN", measures, GAN_MEASURES), ("encoder", retrieval, RETRIEVAL_MEASURES)):
            if better in table and worse in table:
                rows += read_claims(claim, table[better], table[worse], names,
                                    versus(f"{VARIANT_LABELS[better]} vs {VARIANT_LABELS[worse]}"), {"level": level})
    return rows


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


def table4(data: PreparedData, variants: dict[str, Variant], *, train_seed: int = TRAIN_SEED, seed: int = 0,
           device: str = "cpu", progress: bool = True) -> Measured:
    """Table IV: each variant's GAN (Table II's settings, `train_seed`) trained or reused and evaluated (draws
    seeded by `seed`), beside its encoder's retrieval; the rows, the paper's claims and the run details."""
    start = time.time()
    results = measure_all(data, {v: {"system": "tsl", "gan_seed": train_seed, "encoder_seed": train_seed,
                                      "tsl": LOSS_VARIANTS[v], "shuffled_control": v == "tsl"} for v in variants},
                          seed=seed, device=device, progress=progress)
    measures = {v: r.measures for v, r in results.items()}
    retrieval = {v: variant.retrieval for v, variant in variants.items()}
    caption = (f"{data.dataset} `{data.profile.name}`" + (" (built in: not the paper's data)" if data.builtin else "")
               + f"; paper columns cited from {paper_dataset(data.dataset, 'IV')}")
    details = {"data": data_details(data),
               "networks": f"teacher {data.profile.teacher.teacher} EfficientNet-Lite0; speech encoder "
                           f"x{data.profile.encoder.speech_width:g}, {data.profile.encoder.epochs} epochs; GAN "
                           f"{results['tsl'].gan.config}",
               "loss weights": "lambda_norm 5, lambda_KDL 1000 (JEL 1), the paper's; terms off per row",
               "seeds": f"encoders and GANs {train_seed}; evaluation draws {seed}",
               "GAN training (recorded)": gan_times(results),
               "this call": f"GANs and evaluation {(time.time() - start) / 60:.1f} min"}
    table = Table("table4", f"Table IV: {caption}", table4_rows(data.dataset, measures, retrieval),
                  table4_claims(measures, retrieval), details)
    return Measured(table, results, measures, {})


def variants_grid(data: PreparedData, measured: Measured, seed: int = 0, device: str = "cpu", shown: int = 6):
    """A figure of `shown` test images: the real image, then each variant's image for its first caption."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    results = measured.results
    grid = np.stack([generate(r.netG, r.gan.embeddings.embeddings["test"][picks, :1], seed=seed, device=device,
                              progress=False)[:, 0, 0].permute(0, 2, 3, 1).numpy() for r in results.values()], axis=1)
    real = real_test_images(data, results["tsl"].gan.config.image_sizes[-1])[picks]
    return generated_grid(real.permute(0, 2, 3, 1).numpy(), grid, [test[i].captions[0] for i in picks],
                          titles=[VARIANT_LABELS[v] for v in results])
