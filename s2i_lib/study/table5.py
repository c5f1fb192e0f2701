"""Table V: the scale ablation of the generator (paper Sec. V-B).

One, two and three branches with one, two and three discriminators, from the same base resolution
(`AblationSizes.scale_base_size`; the paper's 64 gives 64 / 128 / 256), conditioned on the same TSL embeddings
(Table II's encoder) and trained with the same schedule (`measure_system` with `branches`, `base_size`). Each
model is scored at its largest output against the real test images resized to that resolution (FID, KID, the
in-domain score, R-precision and, on built-in data, spoken-attribute accuracy); the real images' own half
against half reference is given at each resolution, since FID's floor moves with the resolution.
"""
from __future__ import annotations

import torch

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import Estimate
from ..pipeline.evaluate import real_reference
from ..pipeline.measure import measure_all
from ..plots import image_table
from ..report import GAN_MEASURES, Measure, Table, cells, cited, paper_dataset, read_claims, versus
from .measured import Measured, data_details, gan_times, shown_images

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


def table5(data: PreparedData, *, train_seed: int = TRAIN_SEED, seed: int = 0, device: str = "cpu",
           progress: bool = True) -> Measured:
    """Table V: a GAN per branch count of `SCALES` (from `scale_base`, on Table II's TSL embeddings, trained with
    `train_seed`) trained or reused and evaluated at its largest side (draws seeded by `seed`), with the real
    images' half-against-half reference at each side; the rows, the paper's claim and the run details."""
    base = scale_base(data)
    results = measure_all(data, {b: {"system": "tsl", "gan_seed": train_seed, "encoder_seed": train_seed,
                                     "branches": b, "base_size": base, "shuffled_control": False} for b in SCALES},
                          seed=seed, device=device, progress=progress)
    real = {b: real_reference(data, scale_sizes(data, b)[-1], seed=seed, device=device,
                              progress=False)
            for b in SCALES}
    measures = {b: r.measures for b, r in results.items()}
    caption = (f"{data.dataset} `{data.profile.name}`" + (" (built in: not the paper's data)" if data.builtin else "")
               + f", base {base} px; paper columns cited from {paper_dataset(data.dataset, 'V')}")
    details = {"data": data_details(data),
               "networks": "Table II's TSL speech encoder; GANs "
                           + "; ".join(str(r.gan.config) for r in results.values()),
               "seeds": f"encoder and GANs {train_seed}; evaluation draws {seed}",
               "GAN training (recorded)": gan_times(results, lambda b: f"{b} branch(es)")}
    table = Table("table5", f"Table V: {caption}", table5_rows(data, measures, real), table5_claims(measures),
                  details)
    return Measured(table, results, measures, real)


def scales_grid(data: PreparedData, measured: Measured, seed: int = 0, device: str = "cpu", shown: int = 6):
    """A figure of `shown` test captions (rows) and each branch count's image (columns), enlarged to the largest
    side by nearest neighbour so that the resolutions compare at one size."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    largest = scale_sizes(data, max(SCALES))[-1]
    columns = []
    for branches in SCALES:
        result = measured.results[branches]
        images = generate(result.netG, result.gan.embeddings.embeddings["test"][picks, :1], seed=seed, device=device,
                          progress=False)[:, 0, 0].float()
        columns.append(torch.nn.functional.interpolate(images, size=largest, mode="nearest").to(torch.uint8))
    table = torch.stack(columns, 1).permute(0, 1, 3, 4, 2).numpy()
    return image_table(table, [test[i].captions[0] for i in picks],
                       [" / ".join(map(str, scale_sizes(data, b))) + " px" for b in SCALES])
