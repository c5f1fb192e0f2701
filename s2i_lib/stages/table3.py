"""Table III on Places audio captions (real speech; paper Sec. IV-C): the paper's experiment where the data exist.

The systems of the paper's Table III (two-stage, classifier-based, ours), each measured by `evaluate_gan` as in
Table II (FID, KID, the in-domain score, R-precision), beside the paper's FID on its Places-Subset (7 scenes,
128 x 128; docs/published-numbers.md#1), cited and never compared as if measured alike.
"""
from __future__ import annotations

from ..metrics.uncertainty import Estimate, read_claim
from .table2 import SYSTEM_LABELS, table2_rows

TABLE3_SYSTEMS = ("two_stage", "classifier", "tsl")
PAPER_TABLE3_FID = {"two_stage": 64.59, "classifier": 232.39, "tsl": 83.06}    # paper Table III, Places-Subset
PAPER_COLUMN = "paper FID (cited, Places-Subset)"


def table3_rows(measures: dict[str, dict[str, Estimate]], real: dict[str, Estimate],
                seeds: dict[str, list[int]] | None = None) -> list[dict]:
    """Table II's rows (`table2_rows`) of the Table III systems and the references, with the paper's Table III
    FID cited in place of Table II's columns."""
    rows = []
    labels = {label: system for system, label in SYSTEM_LABELS.items()}
    for row in table2_rows("places", measures, real, seeds):
        if "cited only" in row["system"]:
            continue
        row = {k: v for k, v in row.items() if not k.startswith("paper ")}
        system = labels.get(row["system"])
        row[PAPER_COLUMN] = f"{PAPER_TABLE3_FID[system]:.2f}" if system in PAPER_TABLE3_FID else ""
        rows.append(row)
    return rows


def table3_claims(measures: dict[str, dict[str, Estimate]]) -> list[dict]:
    """The paper's Table III claims (Sec. IV-C): ours beats classifier-based; two-stage beats ours on real speech.
    Each read on FID, KID and R-precision as held / not held / within noise."""
    claims = [("ours beats classifier-based", "tsl", "classifier"), ("two-stage beats ours", "two_stage", "tsl")]
    rows = []
    for claim, a, b in claims:
        if a not in measures or b not in measures:
            continue
        for name, lower in (("FID", True), ("KID", True), ("R-precision", False)):
            if name in measures[a] and name in measures[b]:
                x, y = measures[a][name], measures[b][name]
                rows.append({"claim": claim, "measure": name, "claimed better": str(x), "than": str(y),
                             "reading": read_claim(x, y, lower)})
    return rows
