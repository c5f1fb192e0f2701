"""Per-seed results: one training seed's measures of a table as committed files of their own, so that seeds
can be computed at different times and on different machines, and the combining step that reads every
complete seed (docs/statistics.md).

Layout, in a table's results folder: `seeds/<seed>/<stem>_measures.csv` (row, measure, value, error: one
training's numbers at full precision, a file a person can open) and `seeds/<seed>/<stem>_record.json` (what that
training was: machine, versions, each run's record, when), written last. A seed folder without its record is a
half-finished seed and never reaches a combined table; nor does a seed measured by another version of the evaluation
(its record's "evaluation version") than the newest among the seeds: numbers of two protocols are never averaged.

A seed may be measured in parts (some of its systems in one call, the rest in another, on another machine:
`write_seed(..., merge=True)`); the record's "parts" says which call measured which rows, on what machine and by
which trainings of the judges, and a judged measure's paired difference is taken only between rows of one judging.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..data.summary import read_csv, write_csv
from ..metrics.uncertainty import Estimate, OverSeeds, difference, over_seeds

SEEDS = "seeds"
PART_KEYS = ("machine", "versions", "written", "judges")      # what a record says of the call that measured it
Measures = dict[str, dict[str, Estimate]]          # row -> measure -> one training's estimate


@dataclass(frozen=True)
class SeedResults:
    """One training seed's measures of a table (row -> measure -> `Estimate`) and its record."""
    seed: int
    measures: Measures
    record: dict


def seed_folder(results: Path, seed: int) -> Path:
    return Path(results) / SEEDS / str(seed)


def part(rows: list[str], record: dict) -> dict:
    """One call's entry in a record's "parts": the rows it measured and what `record` says of that call."""
    return {"rows": rows, **{k: record[k] for k in PART_KEYS if k in record}}


def seed_parts(result: SeedResults) -> list[dict]:
    """The calls that measured a seed (record "parts": each one's rows, machine, versions, time and judges); a
    seed written whole, or before parts were recorded, is one part holding every row."""
    return result.record.get("parts") or [part(list(result.measures), result.record)]


def judges_of(result: SeedResults, row: str) -> dict | None:
    """The judges' trainings that measured `row` of a seed (its part's "judges"; None where not recorded)."""
    return next((p.get("judges") for p in seed_parts(result) if row in p["rows"]), None)


def merged(old: SeedResults, measures: Measures, record: dict, folder: Path) -> tuple[Measures, dict]:
    """A part's `measures` and `record` joined to the seed's files so far (`old`): its rows replace those rows,
    the others are kept; its GANs join the record's; the parts list gains it. Parts of two evaluation versions
    or data sets are never joined (an error that names the folder)."""
    for key in ("evaluation version", "data"):
        if old.record.get(key) != record.get(key):
            raise ValueError(f"{folder} holds rows measured with {key} {old.record.get(key)!r}, this part "
                             f"{record.get(key)!r}: measure every system of seed {old.seed} again (delete {folder} "
                             f"first) rather than join them")
    rows = list(measures)
    kept = [{**p, "rows": [r for r in p["rows"] if r not in rows]} for p in seed_parts(old)]
    parts = [p for p in kept if p["rows"]] + [part(rows, record)]
    return ({**{r: m for r, m in old.measures.items() if r not in rows}, **measures},
            {**record, "GANs": {**old.record.get("GANs", {}), **record.get("GANs", {})}, "parts": parts})


def write_seed(results: Path, stem: str, seed: int, measures: Measures, record: dict,
               merge: bool = False) -> list[Path]:
    """`<stem>_measures.csv`, then `<stem>_record.json` (the seed's completion mark, written atomically) in
    `seed_folder(results, seed)`; returns both paths. With `merge`, `measures` are a part of the seed (`merged`
    into the files already there); without, they are the whole seed."""
    folder = seed_folder(results, seed)
    folder.mkdir(parents=True, exist_ok=True)
    if merge and (folder / f"{stem}_record.json").exists():
        measures, record = merged(read_seed(folder, stem), measures, record, folder)
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


def read_seed(folder: Path, stem: str) -> SeedResults:
    """The seed in `folder` (named by its number) whose record exists; an error naming it when its numbers
    disagree with its record."""
    record_path, table = folder / f"{stem}_record.json", folder / f"{stem}_measures.csv"
    record = json.loads(record_path.read_text())
    measures = read_measures(table) if table.exists() else {}
    numbers = sum(map(len, measures.values()))
    if numbers != record.get("numbers"):
        raise ValueError(f"{table} holds {numbers} numbers but {record_path.name} records "
                         f"{record.get('numbers')}: delete {folder} and measure seed {folder.name} again")
    return SeedResults(int(folder.name), measures, record)


def evaluation_version(result: SeedResults) -> int:
    """The evaluation version a seed was measured by (`pipeline.runs.VERSIONS`); 0 where its record has none."""
    return int(result.record.get("evaluation version", 0))


def read_seeds(results: Path, stem: str) -> dict[int, SeedResults]:
    """Every complete seed of table `stem` under `results/seeds/` measured by the newest evaluation version among
    them (seed -> `SeedResults`), in seed order; a seed without its record is skipped, one of an older evaluation
    set aside with a line that names it, one whose numbers disagree with its record is an error naming it."""
    found = {}
    for folder in sorted(Path(results, SEEDS).glob("*"), key=lambda p: (len(p.name), p.name)):
        if folder.name.isdigit() and (folder / f"{stem}_record.json").exists():
            found[int(folder.name)] = read_seed(folder, stem)
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


def paired(seeds: dict[int, SeedResults], a: str, b: str, measure: str,
           same_judges: bool = False) -> OverSeeds | None:
    """Row `a` minus row `b` on `measure`, one difference per seed that has both (both trained with that
    seed) and, with `same_judges` (a measure read by a trained judge), measured both by the same trainings of
    the judges (`judges_of`); None when no seed has both."""
    both = [s.measures for s in seeds.values()
            if measure in s.measures.get(a, {}) and measure in s.measures.get(b, {})
            and not (same_judges and judges_of(s, a) != judges_of(s, b))]
    if not both:
        return None
    return over_seeds([difference(m[a][measure], m[b][measure]) for m in both])

