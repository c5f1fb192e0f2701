"""Table II: every system's measured row beside the paper's cited numbers, and the paper's claims read against
the measured uncertainties (`metrics.uncertainty.read_claim`).

The paper's numbers (Table II, CUB-200 and Oxford-102 with Baidu-TTS speech, 256 px; docs/published-numbers.md#1)
are shown for the data set a built-in one stands in for, always marked as cited; they are never compared with
ours as if measured alike (other data, networks and resolution).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..data.summary import markdown_table, write_csv
from ..losses.tsl import TSLConfig
from ..metrics.uncertainty import Estimate, read_claim, read_comparable
from .evaluate import evaluate_gan
from .gan import GANRun, gan_run, train_gan_run, trained_generator

SYSTEM_LABELS = {
    "two_stage": "two-stage (pocketsphinx, then a text encoder and its GAN)",
    "classifier": "classifier-based speech encoder",
    "tsl": "ours: teacher-student speech encoder",
    "text": "text-to-image (ground-truth captions; StackGAN-v2's stand-in)",
}
# Paper Table II: (IS mean, IS std, FID) per system; StackGAN-v1 is cited only (docs/published-numbers.md#1).
PAPER_TABLE2 = {
    "CUB-200": {"two_stage": (4.04, 0.04, 20.85), "classifier": (3.68, 0.04, 43.76), "tsl": (4.09, 0.04, 18.37),
                "text": (4.04, None, 15.37), "stackgan_v1": (3.70, 0.04, 51.89)},
    "Oxford-102": {"two_stage": (3.23, 0.06, 57.73), "classifier": (3.30, 0.06, 64.75), "tsl": (3.23, 0.05, 54.76),
                   "text": (3.26, 0.01, 48.68), "stackgan_v1": (3.20, 0.01, 55.28)},
}
SCORE_COLUMN = "in-domain score (not IS)"
R_PRECISION_COLUMN = "R-precision (R = 100)"
PAPER_DATASET = {"birds": "CUB-200", "cub": "CUB-200", "flowers": "Oxford-102", "oxford": "Oxford-102"}


@dataclass
class SystemResult:
    """One system's GAN of Table II for one GAN training seed: the run, its EMA generator, the measures and the
    recorded training time."""
    system: str
    gan_seed: int
    gan: GANRun
    netG: object
    measures: dict[str, Estimate]
    train_s: float
    evaluate_s: float


def measure_system(data: PreparedData, system: str, gan_seed: int, encoder_seed: int = TRAIN_SEED, seed: int = 0,
                   device: str = "cpu", progress: bool = True, tsl: TSLConfig = TSLConfig(), branches: int = 0,
                   base_size: int = 0, shuffled_control: bool | None = None) -> SystemResult:
    """Train (or reuse) `system`'s GAN with `gan_seed` on the embeddings of its encoder trained with
    `encoder_seed` (and `tsl`: Table IV; `branches` / `base_size`: Table V), then evaluate it (`evaluate_gan`,
    noise and caption draws seeded by `seed`; the shuffled-condition control by default for ours only)."""
    gan = gan_run(data, system, branches, train_seed=gan_seed, encoder_seed=encoder_seed, tsl=tsl,
                  base_size=base_size)
    train_gan_run(data, gan, device=device, progress=progress)
    netG, train_s = trained_generator(gan, device)
    start = time.time()
    control = system == "tsl" if shuffled_control is None else shuffled_control
    measures = evaluate_gan(data, gan, netG, seed, encoder_seed, device, progress, shuffled_control=control)
    return SystemResult(system, gan_seed, gan, netG, measures, train_s, time.time() - start)


def mean_over_seeds(per_seed: list[dict[str, Estimate]]) -> dict[str, Estimate]:
    """Each measure's mean over GAN training seeds; its error is the larger of the between-seed standard error
    (std / sqrt(n)) and the runs' own errors propagated to the mean (sqrt(sum e^2) / n). One seed: unchanged."""
    if len(per_seed) == 1:
        return per_seed[0]
    out = {}
    for name in per_seed[0]:
        values = np.array([m[name].value for m in per_seed])
        within = math.sqrt(sum(m[name].error ** 2 for m in per_seed)) / len(per_seed)
        between = float(values.std(ddof=1) / math.sqrt(len(values)))
        out[name] = Estimate(float(values.mean()), max(within, between))
    return out


def cited_is_fid(numbers: tuple | None) -> dict[str, str]:
    """A paper row's (IS mean, IS std or None, FID) as cited text columns ("" when the paper has no such row)."""
    if numbers is None:
        return {"paper IS (cited)": "", "paper FID (cited)": ""}
    mean, std, fid = numbers
    return {"paper IS (cited)": f"{mean:.2f}" + ("" if std is None else f" ± {std:.2f}"),
            "paper FID (cited)": f"{fid:.2f}"}


def cited(dataset: str, system: str) -> dict[str, str]:
    """The paper's IS and FID of `system` on the data set `dataset` stands for, as cited text ("" if none)."""
    return cited_is_fid(PAPER_TABLE2.get(PAPER_DATASET.get(dataset, ""), {}).get(system))


def shown_estimate(measures: dict[str, Estimate], name: str, digits: int) -> str:
    est = measures.get(name)
    return "" if est is None else f"{est.value:.{digits}f} ± {est.error:.{digits}f}"


def table2_rows(dataset: str, measures: dict[str, dict[str, Estimate]], real: dict[str, Estimate],
                seeds: dict[str, list[int]] | None = None) -> list[dict]:
    """One row per measured system (in `SYSTEM_LABELS` order), ours with shuffled conditions, the real test
    images, and StackGAN-v1 cited only. FID, KID (x 1000), the in-domain score, R-precision and attribute
    accuracy ± their errors; the paper's IS and FID cited; `seeds` (system -> GAN training seeds its numbers
    average over) fills the "GAN seeds" column."""
    seeds = seeds or {}

    def row(label, m, suffix, attributes, system, gan_seeds=()):
        kid = f"KID{suffix}"
        return {"system": label, "GAN seeds": ", ".join(map(str, gan_seeds)), "FID": shown_estimate(m, f"FID{suffix}", 2),
                "KID x 1000": "" if kid not in m else f"{1000 * m[kid].value:.2f} ± {1000 * m[kid].error:.2f}",
                SCORE_COLUMN: shown_estimate(m, f"score{suffix}", 2),
                R_PRECISION_COLUMN: shown_estimate(m, f"R-precision{suffix}", 3),
                "spoken-attribute acc": shown_estimate(m, attributes, 3), **cited(dataset, system)}
    rows = [row(SYSTEM_LABELS[s], measures[s], "", "attributes matched", s, seeds.get(s, ()))
            for s in SYSTEM_LABELS if s in measures]
    if "tsl" in measures:
        rows.append(row("ours, shuffled conditions (control)", measures["tsl"], " shuffled", "attributes shuffled", "",
                        seeds.get("tsl", ())))
    ceiling = {k: v for k, v in next(iter(measures.values()), {}).items() if k == "attributes real"}
    rows.append(row("real test images (FID, KID: half vs half; score and attributes: all)", {**real, **ceiling}, "",
                    "attributes real", ""))
    rows.append(row("StackGAN-v1 (text; cited only)", {}, "", "", "stackgan_v1"))
    return rows


def claim_rows(measures: dict[str, dict[str, Estimate]]) -> list[dict]:
    """The paper's Table II claims, each read on every measure both systems have: held / not held / within
    noise (a difference counts when it exceeds twice the combined standard error)."""
    claims = [("one-stage (ours) beats two-stage", "two_stage", read_claim),
              ("teacher-student beats classifier-based", "classifier", read_claim),
              ("ours is comparable to text-to-image", "text", None)]
    rows = []
    for claim, other, better in claims:
        if "tsl" not in measures or other not in measures:
            continue
        for name, lower in (("FID", True), ("KID", True), ("score", False), ("R-precision", False),
                            ("attributes matched", False)):
            if name not in measures["tsl"] or name not in measures[other]:
                continue
            ours, theirs = measures["tsl"][name], measures[other][name]
            reading = read_comparable(ours, theirs) if better is None else better(ours, theirs, lower)
            rows.append({"claim": claim, "measure": name, "ours": str(ours), "other": str(theirs),
                         "other system": SYSTEM_LABELS[other], "difference (ours - other)":
                         f"{ours.value - theirs.value:+.3g}", "reading": reading})
    return rows


def machine() -> str:
    """The CPU model, its vector extensions that matter for speed, and the core count (beside every time)."""
    model, flags = "unknown CPU", set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    extensions = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{model} ({', '.join(extensions) or 'no AVX2'}), {os.cpu_count()} cores"


def write_table(folder: Path, stem: str, heading: str, rows: list[dict], claims: list[dict],
                details: dict) -> list[Path]:
    """`<stem>.md` (heading, table, the paper's claims read, run details) and `<stem>.csv` (the rows) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {heading}", "", markdown_table(rows), "", "## The paper's claims, read on these numbers",
             "", markdown_table(claims) if claims else "(no pair of systems measured)", "", "## Run details", ""]
    lines += [f"- {name}: {value}" for name, value in details.items()]
    (folder / f"{stem}.md").write_text("\n".join(lines) + "\n")
    write_csv(rows, folder / f"{stem}.csv")
    return [folder / f"{stem}.md", folder / f"{stem}.csv"]


def write_table2(folder: Path, caption: str, rows: list[dict], claims: list[dict], details: dict) -> list[Path]:
    """`table2.md` (caption, table, claims, run details) and `table2.csv` (the rows) in `folder`."""
    return write_table(folder, "table2", f"Table II: {caption}", rows, claims, details)
