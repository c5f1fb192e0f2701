"""The measures the study's tables show: each one's name in a measures dict, its direction and its format.

One list per kind of row: a GAN's measures (`evaluate_gan`: FID, KID, the in-domain score, R-precision, spoken-
attribute accuracy), an encoder's unseen-class retrieval (Table IV), the stand-in's per-condition measures
(Table III offline). Claims (`report.claims`) read their direction from here; tables their column and digits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..metrics.uncertainty import Estimate, OverSeeds


@dataclass(frozen=True)
class Measure:
    """`name` in a measures dict; shown in `column` as "value ± error" with `digits` decimals after multiplying
    both by `scale` (KID is shown x 1000); `judged` when a judge trained by this study reads it (its paired
    differences then need one training of the judges: `report.paired`)."""
    name: str
    lower_is_better: bool
    digits: int
    scale: float = 1.0
    column: str = ""
    judged: bool = False

    @property
    def heading(self) -> str:
        return self.column or self.name

    def shown(self, estimate: Estimate | None) -> str:
        """The table cell of `estimate` ("" when the row has no such measure)."""
        if estimate is None:
            return ""
        if math.isnan(estimate.value):
            return "n/a"
        return Estimate(self.scale * estimate.value, self.scale * estimate.error).shown(self.digits)

    def shown_seeds(self, values: OverSeeds | None) -> str:
        """A cell combined over training seeds: "mean ± between-seed s.e. [eval ± noise]", or for one seed
        "value [eval ± noise]" (the evaluation noise of the mean: `OverSeeds.noise`; none for a number without
        an error)."""
        if values is None:
            return ""
        if math.isnan(values.mean):
            return "n/a"
        d, mean, noise = self.digits, self.scale * values.mean, self.scale * values.noise
        spread = "" if math.isnan(values.spread) else f" ± {self.scale * values.spread:.{d}f}"
        return f"{mean:.{d}f}{spread}" + ("" if math.isnan(noise) else f" [eval ± {noise:.{d}f}]")


GAN_MEASURES = (Measure("FID", True, 2), Measure("KID", True, 2, 1000, "KID x 1000"),
                Measure("score", False, 2, column="in-domain score (not IS)", judged=True),
                Measure("R-precision", False, 3, column="R-precision (R = 100)", judged=True),
                Measure("attributes matched", False, 3, column="spoken-attribute acc", judged=True))
RETRIEVAL_MEASURES = tuple(Measure(name, False, 3, column=f"encoder {name}")
                           for name in ("class-centre acc", "AP@50", "R@1", "R@5", "R@10"))
STANDIN_MEASURES = (Measure("WER", True, 3), Measure("cos to clean", False, 3), Measure("R@10", False, 3),
                    Measure("attributes", False, 3), Measure("FID", True, 1), Measure("KID", True, 4))


def measure(name: str, measures: tuple[Measure, ...]) -> Measure:
    """The measure called `name` among `measures`."""
    return next(m for m in measures if m.name == name)


def cells(values: dict[str, Estimate], measures: tuple[Measure, ...], renamed: dict[str, str] | None = None) -> dict:
    """One table cell per measure, in order; `renamed` reads a measure from another key of `values` (e.g. the
    shuffled control's "FID shuffled" into the FID column)."""
    renamed = renamed or {}
    return {m.heading: m.shown(values.get(renamed.get(m.name, m.name))) for m in measures}

