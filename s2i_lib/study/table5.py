"""Table V: the scale ablation of the generator (paper Sec. V-B).

One, two and three branches with one, two and three discriminators, from the same base resolution
(`AblationSizes.scale_base_size`; the paper's 64 gives 64 / 128 / 256), conditioned on the same TSL embeddings
(Table II's encoder) and trained with the same schedule (`measure_system` with `branches`, `base_size`). Each
model is scored at its largest output against the real test images resized to that resolution (FID, KID, the
in-domain score, R-precision and, on built-in data, spoken-attribute accuracy). Each side has its own judges'
range, as Table II's: a ceiling (the real images at that side: half against half for FID and KID, the score
judge's held-out fifth) and a floor (the same GAN with shuffled conditions), since FID's floor moves with the
resolution and the score's judge (trained at `score_size`) sees every side resized. Over training seeds like
Table II: each seed's files, the table combined over every committed seed, claims on paired differences.
"""
from __future__ import annotations

import torch

from collections.abc import Sequence

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.uncertainty import OverSeeds
from ..pipeline.evaluate import real_reference
from ..pipeline.measure import measure_all
from ..pipeline.systems import build_systems
from ..plots import image_table
from ..report import GAN_MEASURES, SeedResults, Table, cited, combine, paper_dataset, read_seed_claims
from .measured import (BEATS_READING, CEILING_LABEL, CONTROL, FLOOR_LABEL, REAL, SeededTable, gan_rows,
                       judge_ranges, measure_seeds, seed_cells, seed_details, shown_images, speech_caption)

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


STEM = "table5"
ROW_LABELS = {"": "ours", CONTROL: FLOOR_LABEL, REAL: CEILING_LABEL}


def real_row(branches: int) -> str:
    """The per-seed row of the real test images at the largest side of `branches` branches (the ceiling)."""
    return f"{REAL} {branches}"


def floor_row(branches: int) -> str:
    """The per-seed row of the `branches`-branch GAN fed shuffled conditions (the floor)."""
    return f"{CONTROL} {branches}"


def side_rows(branches: int) -> dict[str, str]:
    """Per-seed row names of one branch count: ours, its floor and its ceiling, keyed as `ROW_LABELS`."""
    return {"": str(branches), CONTROL: floor_row(branches), REAL: real_row(branches)}


def table5_rows(data: PreparedData, combined: dict[str, dict[str, OverSeeds]]) -> list[dict]:
    """Per measured branch count, three rows at its largest side: ours, its floor and its ceiling (`ROW_LABELS`;
    those a seed measured), each with the sizes, the training seeds and Table II's measures (mean ± between-seed
    s.e. [evaluation noise]); ours with the paper's row of as many branches, cited (blank beside the others)."""
    return [{"branches / discriminators": branches, "row": ROW_LABELS[kind],
             "sizes": " / ".join(map(str, scale_sizes(data, branches))),
             **seed_cells(combined[name], GAN_MEASURES),
             **{k: v if not kind else "" for k, v in cited_row(data.dataset, branches).items()}}
            for branches in SCALES if str(branches) in combined
            for kind, name in side_rows(branches).items() if name in combined]


def narrower(a: dict[str, tuple[float, float]], b: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Per measure both give, the judge range (ceiling, floor) of the smaller span."""
    return {n: min(a[n], b[n], key=lambda r: abs(r[0] - r[1])) for n in a if n in b}


def table5_claims(seeds: dict[int, SeedResults]) -> list[dict]:
    """The paper's claim "the higher the resolution, the better the scores", read between each pair of
    branch counts on every measure, on the paired differences per training seed; the judge's range of a pair is
    the narrower of its two sides' (ceiling to floor, `side_rows`)."""
    combined = combine(seeds)

    def ranges(branches: int) -> dict[str, tuple[float, float]]:
        return judge_ranges(combined, real_row(branches), floor_row(branches))
    return [row for more, fewer in ((2, 1), (3, 2), (3, 1))
            for row in read_seed_claims("higher resolution, better scores", seeds, str(more), str(fewer),
                                        GAN_MEASURES, narrower(ranges(more), ranges(fewer)),
                                        before={"compared": f"{more} vs {fewer} branches"})]


def table5(data: PreparedData, *, train_seeds: str | Sequence[int] = (TRAIN_SEED,), seed: int = 0,
           device: str = "cpu", progress: bool = True) -> SeededTable:
    """Table V: for each of `train_seeds`, a GAN per branch count of `SCALES` (from `scale_base`, on that seed's
    TSL embeddings) trained with it or reused and evaluated at its largest side (draws seeded by `seed`), with the
    real images' reference at each side, written as that seed's files; then the table combined over every
    complete seed in `data.results`."""
    base = scale_base(data)

    def measure_seed(train_seed: int) -> tuple[dict, dict, dict]:
        build_systems(data, train_seed, ("tsl",), device=device, progress=progress)
        results = measure_all(data, {b: {"system": "tsl", "gan_seed": train_seed, "encoder_seed": train_seed,
                                         "branches": b, "base_size": base, "shuffled_control": True}
                                     for b in SCALES}, seed=seed, device=device, progress=progress)
        real = {b: real_reference(data, scale_sizes(data, b)[-1], seed=seed, device=device, progress=False)
                for b in SCALES}
        rows = {}
        for b in SCALES:           # Table II's rows of one GAN, named per side
            side = gan_rows({"tsl": results[b].measures}, real[b])
            rows.update({side_rows(b)[kind]: side["tsl" if not kind else kind] for kind in ROW_LABELS})
        return results, real, rows
    found, results, real = measure_seeds(data, STEM, train_seeds, seed, measure_seed)
    caption = (f"{data.dataset} `{data.profile.name}`" + (" (built in: not the paper's data)" if data.builtin else "")
               + f", base {base} px; paper columns cited from {paper_dataset(data.dataset, 'V')}"
               + speech_caption(data.voiced))
    sizes = ", ".join(" / ".join(map(str, scale_sizes(data, b))) + " px" for b in SCALES)
    details = {**seed_details(found),
               "readings": BEATS_READING + "; the judge's range of a comparison: the narrower of its two sides' "
                           "(the real ceiling to the shuffled floor at each side; for FID, KID and the score the "
                           "floor equals ours up to noise re-pairing, so their range is ours' distance from the real "
                           "images)",
               "networks": f"Table II's TSL speech encoder of each seed; GANs of {sizes}, each the profile's "
                           f"{data.profile.gan} with its branches and base size replaced"}
    table = Table(STEM, f"Table V: {caption}", table5_rows(data, combine(found)), table5_claims(found), details)
    return SeededTable(table, found, results, real)


def scales_grid(data: PreparedData, measured: SeededTable, train_seed: int, seed: int = 0, device: str = "cpu",
                shown: int = 6):
    """A figure of `shown` test captions (rows) and each branch count's image (columns; training seed
    `train_seed`), enlarged to the largest side by nearest neighbour so that the resolutions compare at one size."""
    test = data.records["test"]
    picks = shown_images(data, shown)
    largest = scale_sizes(data, max(SCALES))[-1]
    columns = []
    for branches in SCALES:
        result = measured.results[train_seed][branches]
        images = generate(result.netG, result.gan.embeddings.embeddings["test"][picks, :1], seed=seed, device=device,
                          progress=False)[:, 0, 0].float()
        columns.append(torch.nn.functional.interpolate(images, size=largest, mode="nearest").to(torch.uint8))
    table = torch.stack(columns, 1).permute(0, 1, 3, 4, 2).numpy()
    return image_table(table, [test[i].captions[0] for i in picks],
                       [" / ".join(map(str, scale_sizes(data, b))) + " px" for b in SCALES])
