"""The one reader of the paper's comparative claims (`metrics.uncertainty`, docs/statistics.md).

A table measured over training seeds reads its claims with `read_seed_claims`: on the paired differences per
seed, "beats" by its 95% interval and "is comparable to" by two one-sided tests against a margin declared as a
share of the measure's judge range (the real images' value, its ceiling, to a generator that ignores its
condition, its floor); a reading on fewer than three seeds says it is provisional, and one whose judge cannot
resolve a difference that matters says so. A table of one training reads them with `read_claims` (the two sides'
evaluation errors only).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from ..metrics.uncertainty import UNDETERMINED, Estimate, OverSeeds, read_beats, read_claim, read_equivalence
from .measures import Measure
from .seeds import SeedResults, paired

Layout = Callable[[Estimate, Estimate], dict[str, str]]
# A difference smaller than this share of a judge's range (from a generator that ignores its condition to the real
# images) is too small to matter: the margin of "comparable", declared before any seed was read; and a judge whose
# 95% interval is wider than this on either side cannot tell a difference that matters from none (docs/statistics.md#4).
SHARE_THAT_MATTERS = 0.10
COARSE = "coarse judge: 95% interval over a tenth of its range"


def versus(label: str = "") -> Layout:
    """The layout "compared" (when `label`), "values" as "a vs b" and "difference" a - b."""
    def cells(a: Estimate, b: Estimate) -> dict[str, str]:
        return {**({"compared": label} if label else {}), "values": f"{a} vs {b}",
                "difference": f"{a.value - b.value:+.3g}"}
    return cells


def read_claims(claim: str, a: dict[str, Estimate], b: dict[str, Estimate], measures: Iterable[Measure],
                layout: Layout = versus(), before: dict[str, str] | None = None) -> list[dict]:
    """One row per measure both sides have: "a is better than b" on one training, read as held / not held /
    within noise. Columns: claim, `before` (e.g. the condition), measure, the `layout` of the two estimates,
    reading."""
    return [{"claim": claim, **(before or {}), "measure": m.name, **layout(a[m.name], b[m.name]),
             "reading": read_claim(a[m.name], b[m.name], m.lower_is_better)}
            for m in measures if m.name in a and m.name in b]


def read_seed_claims(claim: str, seeds: dict[int, SeedResults], a: str, b: str, measures: Iterable[Measure],
                     ranges: dict[str, tuple[float, float]], margin_share: float | None = None,
                     before: dict[str, str] | None = None) -> list[dict]:
    """One row per measure rows `a` and `b` share in some seed: "a beats b", or with `margin_share` "a is
    comparable to b" with the margin `margin_share` x |ceiling - floor| of that measure's judge range
    (`ranges`: measure -> (ceiling, floor), over seeds). Columns: claim, `before` (e.g. what is compared),
    measure, the paired difference a - b over seeds, seeds, the judge's range, the difference and the 95%
    interval's half-width as shares of it, the margin, reading (marked `COARSE` when that half-width exceeds
    `SHARE_THAT_MATTERS`)."""
    rows = []
    for m in measures:
        differences = paired(seeds, a, b, m.name, m.judged)
        if differences is None:
            continue
        ceiling, floor = ranges.get(m.name, (math.nan, math.nan))
        span = abs(ceiling - floor)
        if margin_share is None:
            margin, reading = "", read_beats(differences, m.lower_is_better)
        elif span > 0:
            margin, reading = f"± {m.scale * margin_share * span:.{m.digits}f}", read_equivalence(
                differences, margin_share * span)
        else:
            margin, reading = "none: no judge range", UNDETERMINED
        low, high = differences.interval(0.95)
        resolution = (high - low) / 2 / span if span > 0 else math.nan
        marks = [provisional_mark(differences)] if differences.provisional else []
        if resolution > SHARE_THAT_MATTERS:
            marks.append(COARSE)
        reading += f" ({'; '.join(marks)})" if marks else ""
        judged = "" if math.isnan(span) else f"{m.scale * ceiling:.{m.digits}f} -> {m.scale * floor:.{m.digits}f}"
        rows.append({"claim": claim, **(before or {}), "measure": m.heading,
                     "difference (a - b)": m.shown_seeds(differences),
                     "seeds": differences.n, "judge's range (ceiling -> floor)": judged,
                     "difference / range": f"{differences.mean / span:+.2f}" if span > 0 else "",
                     "95% half-width / range": f"{resolution:.2f}" if span > 0 else "",
                     "equivalence margin": margin, "reading": reading})
    return rows


def provisional_mark(differences: OverSeeds) -> str:
    """What a reading on fewer than three training seeds says of itself, e.g. "provisional: 2 seeds"."""
    return f"provisional: {differences.n} seed{'s' * (differences.n > 1)}"
