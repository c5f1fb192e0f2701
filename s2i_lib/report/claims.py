"""The one reader of the paper's comparative claims (`metrics.uncertainty.read_claim` / `read_comparable`).

Every table's claims are rows of `read_claims`: a claim, the two sides' measures, the measures it is read on
(their direction from `report.measures`), and how the table lays out the compared values.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..metrics.uncertainty import Estimate, read_claim, read_comparable
from .measures import Measure

Layout = Callable[[Estimate, Estimate], dict[str, str]]


def versus(label: str = "") -> Layout:
    """The layout "compared" (when `label`), "values" as "a vs b" and "difference" a - b."""
    def cells(a: Estimate, b: Estimate) -> dict[str, str]:
        return {**({"compared": label} if label else {}), "values": f"{a} vs {b}",
                "difference": f"{a.value - b.value:+.3g}"}
    return cells


def read_claims(claim: str, a: dict[str, Estimate], b: dict[str, Estimate], measures: Iterable[Measure],
                layout: Layout = versus(), before: dict[str, str] | None = None,
                comparable: bool = False) -> list[dict]:
    """One row per measure both sides have: "a is better than b" (or, `comparable`, "a is comparable to b")
    read as held / not held / within noise. Columns: claim, `before` (e.g. the condition), measure, the
    `layout` of the two estimates, reading."""
    rows = []
    for m in measures:
        if m.name not in a or m.name not in b:
            continue
        x, y = a[m.name], b[m.name]
        reading = read_comparable(x, y) if comparable else read_claim(x, y, m.lower_is_better)
        rows.append({"claim": claim, **(before or {}), "measure": m.name, **layout(x, y), "reading": reading})
    return rows
