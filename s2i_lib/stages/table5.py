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
from ..metrics.uncertainty import Estimate, read_claim
from .table2 import PAPER_DATASET, cited_is_fid, shown_estimate
from .table4 import GAN_MEASURES

SCALES = (1, 2, 3)        # branches (and discriminators) of Table V's rows
# Paper Table V: largest side -> (IS mean, IS std, FID) (docs/published-numbers.md).
PAPER_TABLE5 = {
    "CUB-200": {64: (3.45, 0.04, 70.18), 128: (3.98, 0.04, 28.25), 256: (4.11, 0.05, 18.70)},
    "Oxford-102": {64: (2.82, 0.04, 70.95), 128: (3.27, 0.06, 63.35), 256: (3.23, 0.05, 57.11)},
}


def scale_base(data: PreparedData) -> int:
    """Table V's first-branch side: the profile's `scale_base_size`, or its GAN's base size."""
    return data.profile.ablation.scale_base_size or data.profile.gan.base_size


def scale_sizes(data: PreparedData, branches: int) -> tuple[int, ...]:
    """The image sides a `branches`-branch generator of Table V makes, smallest first."""
    return tuple(scale_base(data) * 2 ** k for k in range(branches))


def cited(dataset: str, branches: int) -> dict[str, str]:
    """The paper's row with as many branches (its 64 / 128 / 256 px), cited."""
    side = 64 * 2 ** (branches - 1)
    numbers = PAPER_TABLE5.get(PAPER_DATASET.get(dataset, ""), {}).get(side)
    return {"paper row (cited)": "" if numbers is None else f"{side} x {side}", **cited_is_fid(numbers)}


def table5_rows(data: PreparedData, measures: dict[int, dict[str, Estimate]],
                real: dict[int, dict[str, Estimate]]) -> list[dict]:
    """One row per measured branch count: its sizes, Table II's measures at its largest side, the real test
    images' half-against-half FID / KID at that side, and the paper's row with as many branches, cited."""
    rows = []
    for branches in SCALES:
        if branches not in measures:
            continue
        m, r = measures[branches], real.get(branches, {})
        kid, real_kid = m.get("KID"), r.get("KID")
        rows.append({"branches / discriminators": branches,
                     "sizes": " / ".join(map(str, scale_sizes(data, branches))),
                     "FID": shown_estimate(m, "FID", 2),
                     "KID x 1000": "" if kid is None else f"{1000 * kid.value:.2f} ± {1000 * kid.error:.2f}",
                     "in-domain score (not IS)": shown_estimate(m, "score", 2),
                     "R-precision (R = 100)": shown_estimate(m, "R-precision", 3),
                     "spoken-attribute acc": shown_estimate(m, "attributes matched", 3),
                     "real half vs half FID": shown_estimate(r, "FID", 2),
                     "real half vs half KID x 1000": "" if real_kid is None
                     else f"{1000 * real_kid.value:.2f} ± {1000 * real_kid.error:.2f}",
                     **cited(data.dataset, branches)})
    return rows


def table5_claims(measures: dict[int, dict[str, Estimate]]) -> list[dict]:
    """The paper's claim "the higher the resolution, the better the scores", read between each pair of
    consecutive branch counts on every measure (held / not held / within noise)."""
    rows = []
    for more, fewer in ((2, 1), (3, 2), (3, 1)):
        if more not in measures or fewer not in measures:
            continue
        for name, lower in GAN_MEASURES:
            if name in measures[more] and name in measures[fewer]:
                a, b = measures[more][name], measures[fewer][name]
                rows.append({"claim": "higher resolution, better scores", "compared": f"{more} vs {fewer} branches",
                             "measure": name, "values": f"{a} vs {b}", "difference": f"{a.value - b.value:+.3g}",
                             "reading": read_claim(a, b, lower)})
    return rows
