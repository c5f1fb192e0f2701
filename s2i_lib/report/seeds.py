"""Per-seed results: one training seed's measures of a table as committed files of their own, so that seeds
can be computed at different times and on different machines, and the combining step that reads every
complete seed (docs/statistics.md).

Layout, in a table's results folder: `seeds/<seed>/<stem>_measures.csv` (row, measure, value, error: one
training's numbers at full precision, a file a person can open) and `seeds/<seed>/<stem>_record.json` (what that
training was: machine, versions, each run's record, when), written last. A seed folder without its record is a
half-finished seed and never reaches a combined table; nor does a seed measured by another version of the evaluation
(its record's "evaluation version") than the newest among the seeds: numbers of two protocols are never averaged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..data.summary import read_csv, write_csv
from ..metrics.uncertainty import Estimate, OverSeeds, difference, over_seeds

SEEDS = "seeds"
Measures = dict[str, dict[str, Estimate]]          # row -> measure -> one training's estimate


@dataclass(frozen=True)
class SeedResults:
    """One training seed's measures of a table (row -> measure -> `Estimate`) and its record."""
    seed: int
    measures: Measures
    record: dict


def seed_folder(results: Path, seed: int) -> Path:
    return Path(results) / SEEDS / str(seed)


def write_seed(results: Path, stem: str, seed: int, measures: Measures, record: dict) -> list[Path]:
    """`<stem>_measures.csv`, then `<stem>_record.json` (the seed's completion mark, written atomically) in
    `seed_folder(results, seed)`; returns both paths."""
    folder = seed_folder(results, seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"row": row, "measure": name, "value": repr(float(e.value)), "error": repr(float(e.error))}
            for row, named in measures.items() for name, e in named.items()]
    table, record_path = folder / f"{stem}_measures.csv", folder / f"{stem}_record.json"
    record_path.unlink(missing_ok=True)             # rewriting a seed: unfinished until its record is back
    write_csv(rows, table)
    partial = record_path.with_suffix(".json.partial")
    partial.write_text(json.dumps({"seed": seed, "table": stem, "numbers": len(rows), **record}, indent=1,
                                  default=str) + "\n")
    partial.replace(record_path)
    return [table, record_path]


def read_measures(table: Path) -> Measures:
    """A seed's `<stem>_measures.csv` as row -> measure -> `Estimate` (a blank error reads as NaN)."""
    measures: Measures = {}
    for r in read_csv(table):
        measures.setdefault(r["row"], {})[r["measure"]] = Estimate(float(r["value"]), float(r["error"] or "nan"))
    return measures


def evaluation_version(result: SeedResults) -> int:
    """The evaluation version a seed was measured by (`pipeline.runs.VERSIONS`); 0 where its record has none."""
    return int(result.record.get("evaluation version", 0))


def read_seeds(results: Path, stem: str) -> dict[int, SeedResults]:
    """Every complete seed of table `stem` under `results/seeds/` measured by the newest evaluation version among
    them (seed -> `SeedResults`), in seed order; a seed without its record is skipped, one of an older evaluation
    set aside with a line that names it, one whose numbers disagree with its record is an error naming it."""
    found = {}
    for folder in sorted(Path(results, SEEDS).glob("*"), key=lambda p: (len(p.name), p.name)):
        record_path, table = folder / f"{stem}_record.json", folder / f"{stem}_measures.csv"
        if not folder.name.isdigit() or not record_path.exists():
            continue
        record = json.loads(record_path.read_text())
        measures = read_measures(table) if table.exists() else {}
        numbers = sum(map(len, measures.values()))
        if numbers != record.get("numbers"):
            raise ValueError(f"{table} holds {numbers} numbers but {record_path.name} records "
                             f"{record.get('numbers')}: delete {folder} and measure seed {folder.name} again")
        found[int(folder.name)] = SeedResults(int(folder.name), measures, record)
    newest = max(map(evaluation_version, found.values()), default=0)
    older = [s for s, r in found.items() if evaluation_version(r) < newest]
    if older:
        named = f"seeds {', '.join(map(str, older))} were" if len(older) > 1 else f"seed {older[0]} was"
        print(f"{Path(results, SEEDS)}: {named} measured by an older evaluation than version {newest} and left out "
              f"of {stem}; measure again to include", flush=True)
    return {s: r for s, r in found.items() if s not in older}


def combine(seeds: dict[int, SeedResults]) -> dict[str, dict[str, OverSeeds]]:
    """Each row's measures over the seeds that have them (row -> measure -> `OverSeeds`)."""
    rows: dict[str, dict[str, list[Estimate]]] = {}
    for result in seeds.values():
        for row, named in result.measures.items():
            for name, estimate in named.items():
                rows.setdefault(row, {}).setdefault(name, []).append(estimate)
    return {row: {name: over_seeds(es) for name, es in named.items()} for row, named in rows.items()}


def paired(seeds: dict[int, SeedResults], a: str, b: str, measure: str) -> OverSeeds | None:
    """Row `a` minus row `b` on `measure`, one difference per seed that has both (both trained with that
    seed); None when no seed has both."""
    both = [s.measures for s in seeds.values()
            if measure in s.measures.get(a, {}) and measure in s.measures.get(b, {})]
    if not both:
        return None
    return over_seeds([difference(m[a][measure], m[b][measure]) for m in both])

