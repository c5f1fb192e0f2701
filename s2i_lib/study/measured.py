"""What every table of GANs shares: its measured form (one training: `Measured`; over training seeds:
`SeededTable`, made by the one loop over training seeds, `measure_seeds`), the rows every such table has (the
GANs', the shuffled-condition floor and the real ceiling: `gan_rows`), the run details that read alike (the
data, the GANs' times, each seed's record) and the test images its figure shows."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..metrics.uncertainty import Estimate, OverSeeds
from ..pipeline.evaluate import JUDGE_SEED, judges_trained_by
from ..pipeline.measure import SystemResult
from ..pipeline.runs import VERSIONS
from ..report import GAN_MEASURES, Measure, SeedResults, Table, machine, read_seeds, versions, write_seed
from ..report.seeds import Measures, seed_parts

CONTROL, REAL = "tsl shuffled", "real"       # the judges' floor (conditions ignored) and ceiling rows
FLOOR_LABEL = "ours, shuffled conditions (floor)"
CEILING_LABEL = "real test images (ceiling; FID, KID: half vs half; score: the judge's held-out fifth)"
JUDGE_ACCURACY = Measure("score judge accuracy", False, 3, column="score judge's held-out accuracy")


@dataclass
class Measured:
    """A table of GANs as measured: the table, each request's result (name -> `SystemResult`), each row's
    measures and the real test images' reference."""
    table: Table
    results: dict
    measures: dict
    real: dict


def data_details(data: PreparedData) -> str:
    return (f"{data.dataset}, profile {data.profile.name}, data seed {data.seed}, {len(data.records['test'])} "
            f"unseen-class test images")


def speech_caption(voiced: bool) -> str:
    """What a table's caption adds when its speech is this project's voicing of a real data set's text captions
    (`PreparedData.voiced`): those numbers are not on the paper's speech."""
    return "; speech: this project's voicing of its text captions (docs/running.md), not the paper's" if voiced else ""


def gan_times(results: dict[object, SystemResult], label: Callable[[object], str] = str,
              evaluation: bool = False) -> str:
    """Each GAN's training time, precision and training record (`Run.trained_by`: which training of its key this
    table used) as recorded in its run, or with `evaluation` the seconds this call spent evaluating it, one per
    result."""
    return "; ".join(f"{label(name)} {r.evaluate_s:.0f} s" if evaluation else
                     f"{label(name)} {r.train_s / 60:.1f} min ({r.precision}; {r.gan.run.trained_by()})"
                     for name, r in results.items())


def shown_images(data: PreparedData, shown: int = 6) -> np.ndarray:
    """Indices of `shown` test images spread evenly over the test split (a table's figure rows)."""
    n = len(data.records["test"])
    return np.linspace(0, n - 1, min(shown, n)).astype(int)


@dataclass
class SeededTable:
    """A table measured over training seeds: the table combined over every complete seed in the results folder
    (`seeds`), and this call's results per training seed (seed -> row -> `SystemResult`) and real references."""
    table: Table
    seeds: dict[int, SeedResults]
    results: dict[int, dict]
    real: dict[int, dict]


def words(value: str | int | Sequence) -> list[str]:
    """A list from a space- or comma-separated string (a notebook or make parameter), one number (papermill's
    `-p train_seeds 1234` passes an int) or a sequence."""
    if isinstance(value, int):
        return [str(value)]
    return str(value).replace(",", " ").split() if isinstance(value, str) else [str(v) for v in value]


def seed_list(value: str | Sequence[int], name: str) -> list[int]:
    """Non-negative integer seeds from a space- or comma-separated string or a sequence, in order, once each."""
    if not all(s.isdigit() for s in words(value)):
        raise ValueError(f"{name} must be non-negative integers separated by spaces, not {value!r}")
    return list(dict.fromkeys(int(s) for s in words(value)))


def gan_rows(measures: dict[str, dict[str, Estimate]], real: dict[str, Estimate] | None) -> Measures:
    """One training seed's GAN rows (name -> measure -> `Estimate`, named as `GAN_MEASURES`), the shuffled-
    condition floor `CONTROL` from ours' ("tsl") "<measure> shuffled" and "attributes shuffled", and with `real`
    the ceiling `REAL`: its measures, the attribute scorer's on real images ("attributes real") and the score
    judge's held-out accuracy."""
    names = [m.name for m in GAN_MEASURES]
    rows = {key: {n: m[n] for n in names if n in m} for key, m in measures.items()}
    shuffled = {n: "attributes shuffled" if n == "attributes matched" else f"{n} shuffled" for n in names}
    if "tsl" in measures and any(key in measures["tsl"] for key in shuffled.values()):
        rows[CONTROL] = {n: measures["tsl"][key] for n, key in shuffled.items() if key in measures["tsl"]}
    if real is not None:
        attributes = next((m["attributes real"] for m in measures.values() if "attributes real" in m), None)
        accuracy = real.get("score classifier accuracy")
        rows[REAL] = {**{n: real[n] for n in names if n in real},
                      **({"attributes matched": attributes} if attributes else {}),
                      **({JUDGE_ACCURACY.name: accuracy} if accuracy else {})}
    return rows


def judge_ranges(combined: dict[str, dict[str, OverSeeds]], ceiling: str = REAL,
                 floor: str = CONTROL) -> dict[str, tuple[float, float]]:
    """Each measure's judge range over seeds: (ceiling: the mean of row `ceiling`, floor: the mean of row
    `floor`), for the measures both rows have."""
    top, bottom = combined.get(ceiling, {}), combined.get(floor, {})
    return {n: (top[n].mean, bottom[n].mean) for n in top if n in bottom}


def seed_record(data: PreparedData, train_seed: int, results: dict[object, SystemResult], seed: int) -> dict:
    """What one training seed's measures came from: the request, the machine and versions, each GAN run's
    precision, training time and record (`Run.trained_by`), and the embeddings run it was fed with that run's
    record (its hash tells two trainings of one encoder key apart)."""
    return {"dataset": data.dataset, "profile": data.profile.name, "data": data_details(data), "voiced": data.voiced,
            "train seed": train_seed, "evaluation draws": seed, "evaluation version": VERSIONS["evaluation"],
            "judges' seed": JUDGE_SEED, "judges": judges_trained_by(data), "machine": machine(),
            "versions": versions(), "written": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "GANs": {" ".join(map(str, name)) if isinstance(name, tuple) else str(name): {
                "run": r.gan.folder.name, "precision": r.precision, "train minutes": round(r.train_s / 60, 1),
                "training": r.gan.run.trained_by(), "embeddings": r.gan.system.run.folder.name,
                "embeddings training": r.gan.system.run.trained_by()}
                for name, r in results.items()}}


def measure_seeds(data: PreparedData, stem: str, train_seeds: str | Sequence[int], seed: int,
                  measure_seed: Callable[[int], tuple[dict, dict, Measures]],
                  part: bool = False) -> tuple[dict, dict, dict]:
    """The one loop over training seeds: for each of `train_seeds` (default `TRAIN_SEED`), `measure_seed(seed)`
    gives its results (row -> `SystemResult`), real references and rows' measures, written as that seed's files
    (`report.write_seed`; with `part`, joined to the rows already there). Returns every complete seed of `stem`
    in `data.results` (this call's and any measured before), and this call's results and references per seed."""
    results, real = {}, {}
    for train_seed in seed_list(train_seeds, "train_seeds") or [TRAIN_SEED]:
        print(f"== training seed {train_seed}", flush=True)
        results[train_seed], real[train_seed], measures = measure_seed(train_seed)
        write_seed(data.results, stem, train_seed, measures, seed_record(data, train_seed, results[train_seed], seed),
                   merge=part)
    return read_seeds(data.results, stem), results, real


BEATS_READING = ("on paired differences per training seed (docs/statistics.md): 'beats' by the 95% t interval "
                 "(one seed: ± 2 evaluation errors); fewer than 3 seeds: provisional; an interval wider than a tenth "
                 "of the judge's range on either side: coarse judge")
CELLS = ("mean over training seeds ± the between-seed standard error (none with one seed) [eval ± the evaluation "
         "noise of that mean: each seed's own error, sqrt(sum e^2) / n]; the in-domain score's own error is the std "
         "over its splits (the IS convention), not a standard error")


def seed_details(seeds: dict[int, SeedResults]) -> dict[str, str]:
    """The run details a table combined over `seeds` shares: the seeds, what a cell holds, each seed's data,
    machine, versions, source and GAN trainings as its record says."""
    details = {"data": "; ".join(sorted({r.record.get("data", "?") for r in seeds.values()})) or "no seed yet",
               "training seeds": ", ".join(map(str, seeds)) or "none yet", "cells": CELLS,
               "evaluation version": (", ".join(sorted({str(r.record.get("evaluation version", "not recorded"))
                                                        for r in seeds.values()})) + " (seeds measured by an older "
                                      "evaluation are left out: report.read_seeds)")}
    for s, result in seeds.items():
        r = result.record
        details[f"seed {s}"] = (f"{r.get('machine', 'machine not recorded')}, {r.get('versions', '')}, written "
                                f"{r.get('written', '?')}; " + (f"from {r['source']}; " if "source" in r else "") +
                                "; ".join(gan_said(name, g) for name, g in r.get("GANs", {}).items()) +
                                parts_said(result))
    return details


def gan_said(name: str, gan: dict) -> str:
    """One GAN of a seed's record in words: its minutes, precision and training, and the embeddings it was fed
    with their hash where the record has it (seeds written before it was recorded say only the run)."""
    fed = gan.get("embeddings training", "").split(",")[0]
    return (f"{name}: {gan['train minutes']} min ({gan['precision']}; {gan['training']}"
            + (f"; fed {gan['embeddings']}, {fed}" if fed else "") + ")")


def parts_said(result: SeedResults) -> str:
    """A seed's parts (`report.seed_parts`) in words, each with the judges' trainings that measured it (their
    weights hashes), when the record lists them; "" for a seed measured whole before judges were recorded."""
    parts = seed_parts(result)
    if len(parts) == 1 and "judges" not in parts[0]:
        return ""
    said = [(f"{', '.join(p['rows'])} on {p.get('machine', '?')} ({p.get('written', '?')}), " if len(parts) > 1
             else "") + "judges: " + (", ".join(f"{name} {trained.split(',')[0]}" for name, trained in
                                                p.get("judges", {}).items()) or "not recorded") for p in parts]
    return f"; measured in {len(parts)} parts: " + "; ".join(said) if len(parts) > 1 else "; " + said[0]


def seed_cells(values: dict[str, OverSeeds], measures: Sequence[Measure]) -> dict[str, object]:
    """A combined row's "training seeds" (the most any of its measures has) and one cell per measure."""
    n = max((v.n for v in values.values()), default=0)
    return {"training seeds": n or "", **{m.heading: m.shown_seeds(values.get(m.name)) for m in measures}}
