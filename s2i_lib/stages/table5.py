"""Table V: the scale ablation of the generator (paper Sec. V-B).

One, two and three branches with one, two and three discriminators, from the same base resolution
(`AblationSizes.scale_base_size`; the paper's 64 gives 64 / 128 / 256), conditioned on the same TSL embeddings
(Table II's encoder) and trained with the same schedule (`measure_system` with `branches`, `base_size`). Each
model is scored at its largest output against the real test images resized to that resolution (FID, KID, the
in-domain score, R-precision and, on built-in data, spoken-attribute accuracy); the real images' own half
against half reference is given at each resolution, since FID's floor moves with the resolution.
"""
from __future__ import annotations

from ..data.prepare import PreparedData
from ..metrics.uncertainty import Estimate
from ..report import GAN_MEASURES, Measure, cells, cited, read_claims, versus

SCALES = (1, 2, 3)        # branches (and discriminators) of Table V's rows


def scale_base(data: PreparedData) -> int:
    """Table V's first-branch side: the profile's `scale_base_size`, or its GAN's base size."""
    return data.profile.ablation.scale_base_size or data.profile.gan.base_size


def scale_sizes(data: PreparedData, branches: int) -> tuple[int, ...]:
    """The image sides a `branches`-branch generator of Table V makes, smallest first."""
    return tuple(scale_base(data) * 2 ** k for k in range(branches))


def cited_row(dataset: str, branches: int) -> dict[str, str]:
    """The paper's row with as many branches (its 64 / 128 / 256 px), cited."""
    side = 64 * 2 ** (branches - 1)
    numbers = cited("V", dataset, side)
    return {"paper row (cited)": f"{side} x {side}" if numbers["paper FID (cited)"] else "", **numbers}


REAL_MEASURES = (Measure("FID", True, 2, column="real half vs half FID"),
                 Measure("KID", True, 2, 1000, "real half vs half KID x 1000"))


def table5_rows(data: PreparedData, measures: dict[int, dict[str, Estimate]],
                real: dict[int, dict[str, Estimate]]) -> list[dict]:
    """One row per measured branch count: its sizes, Table II's measures at its largest side, the real test
    images' half-against-half FID / KID at that side, and the paper's row with as many branches, cited."""
    return [{"branches / discriminators": branches, "sizes": " / ".join(map(str, scale_sizes(data, branches))),
             **cells(measures[branches], GAN_MEASURES), **cells(real.get(branches, {}), REAL_MEASURES),
             **cited_row(data.dataset, branches)}
            for branches in SCALES if branches in measures]


def table5_claims(measures: dict[int, dict[str, Estimate]]) -> list[dict]:
    """The paper's claim "the higher the resolution, the better the scores", read between each pair of
    consecutive branch counts on every measure (held / not held / within noise)."""
    return [row for more, fewer in ((2, 1), (3, 2), (3, 1)) if more in measures and fewer in measures
            for row in read_claims("higher resolution, better scores", measures[more], measures[fewer], GAN_MEASURES,
                                   versus(), {"compared": f"{more} vs {fewer} branches"})]
