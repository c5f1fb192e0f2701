"""Table III on Places audio captions (real speech; paper Sec. IV-C): the paper's experiment where the data exist.

The systems of the paper's Table III (two-stage, classifier-based, ours), each measured by `evaluate_gan` as in
Table II (FID, KID, the in-domain score, R-precision), beside the paper's FID on its Places-Subset (7 scenes,
128 x 128; docs/published-numbers.md#1), cited and never compared as if measured alike.
"""
from __future__ import annotations

from ..config import TRAIN_SEED, shown
from ..data.prepare import PreparedData
from ..metrics.uncertainty import Estimate
from ..pipeline.evaluate import real_reference
from ..pipeline.measure import measure_all
from ..pipeline.systems import build_systems
from ..report import GAN_MEASURES, SeedResults, Table, cited_table3, combine, measure, read_claims
from .measured import Measured, gan_rows, gan_times
from .table2 import SYSTEM_LABELS, table2_rows

TABLE3_SYSTEMS = ("two_stage", "classifier", "tsl")
PAPER_COLUMN = "paper FID (cited, Places-Subset)"
CLAIMS = (("ours beats classifier-based", "tsl", "classifier"), ("two-stage beats ours", "two_stage", "tsl"))
CLAIM_MEASURES = tuple(measure(name, GAN_MEASURES) for name in ("FID", "KID", "R-precision"))


def table3_rows(measures: dict[str, dict[str, Estimate]], real: dict[str, Estimate], train_seed: int) -> list[dict]:
    """Table II's rows (`table2_rows` of one training seed) of the Table III systems and the references, with the
    paper's Table III FID cited in place of Table II's columns."""
    rows = []
    labels = {label: system for system, label in SYSTEM_LABELS.items()}
    one = {train_seed: SeedResults(train_seed, gan_rows(measures, real), {})}
    for row in table2_rows("places", combine(one)):
        if "cited only" in row["system"]:
            continue
        row = {k: v for k, v in row.items() if not k.startswith("paper ")}
        row[PAPER_COLUMN] = cited_table3(labels.get(row["system"], ""))
        rows.append(row)
    return rows


def claimed_better(a: Estimate, b: Estimate) -> dict[str, str]:
    return {"claimed better": str(a), "than": str(b)}


def table3_claims(measures: dict[str, dict[str, Estimate]]) -> list[dict]:
    """The paper's Table III claims (Sec. IV-C): ours beats classifier-based; two-stage beats ours on real speech.
    Each read on FID, KID and R-precision as held / not held / within noise."""
    return [row for claim, a, b in CLAIMS if a in measures and b in measures
            for row in read_claims(claim, measures[a], measures[b], CLAIM_MEASURES, claimed_better)]


def table3(data: PreparedData, *, train_seed: int = TRAIN_SEED, seed: int = 0, device: str = "cpu",
           progress: bool = True) -> Measured:
    """Table III on a real-speech data set (Places): each system's encoder and embeddings (reused when notebook
    01 made them) and GAN, trained with `train_seed`, evaluated as Table II's (draws seeded by `seed`)."""
    if data.dataset != "places":
        raise ValueError(f"Table III is measured on Places audio captions (dataset='places'); {data.dataset!r} has no "
                         f"such speech (the built-in data sets have the offline stand-in: notebooks/04_table3_standin)")
    build_systems(data, train_seed, TABLE3_SYSTEMS, device=device, progress=progress)
    results = measure_all(data, {s: {"system": s, "gan_seed": train_seed, "encoder_seed": train_seed}
                                 for s in TABLE3_SYSTEMS}, seed=seed, device=device, progress=progress)
    image_size = results["tsl"].gan.config.image_sizes[-1]
    real = real_reference(data, image_size, seed=seed, device=device, progress=False)
    measures = {s: r.measures for s, r in results.items()}
    details = {"data": f"{shown(data.root)}, {len(data.records['test'])} test images at {image_size} px",
               "seeds": f"encoders and GANs {train_seed}; evaluation draws {seed}",
               "GAN training (recorded)": gan_times(results)}
    table = Table("table3", f"Table III: {data.dataset} `{data.profile.name}` (real speech; paper FID cited)",
                  table3_rows(measures, real, train_seed), table3_claims(measures), details)
    return Measured(table, results, measures, real)
