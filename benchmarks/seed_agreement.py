"""Do two evaluations of one Table II configuration agree within their evaluation noise? (issue 28: "the default
numbers of one rerun seed agree with the committed ones within their evaluation noise").

    python benchmarks/seed_agreement.py results/birds/default/seeds/1234 /elsewhere/results/birds/default/seeds/1234 \
        --out results/birds/default/seed_agreement_1234

Reads each folder's `table2_measures.csv` (row, measure, value, error) and, for every (row, measure) both hold,
the difference in combined errors, sqrt(e1^2 + e2^2): within 2 is agreement at the 95% level of a normal
difference. Two trainings of one key are replicates, not the same weights: a rerun differs by training noise too,
which the evaluation errors do not cover, so agreement here is a strict test. Writes `<out>.csv` and `<out>.md`.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from s2i_lib.data import markdown_table, write_csv
from s2i_lib.report.seeds import read_measures


def measures(folder: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(row, measure) -> (value, error) of a seed folder's Table II measures."""
    path = folder / "table2_measures.csv"
    if not path.exists():
        raise SystemExit(f"{path} is missing: give a seed folder written by notebook 03 (results/<data>/<profile>/"
                         "seeds/<seed>)")
    return {(row, name): (e.value, e.error) for row, named in read_measures(path).items() for name, e in named.items()}


def agreement(first: dict, second: dict) -> list[dict]:
    """Per (row, measure) in both: the two values, their difference and that difference in combined errors."""
    rows = []
    for key in (k for k in first if k in second):
        (a, ea), (b, eb) = first[key], second[key]
        combined = math.hypot(ea, eb)
        z = abs(b - a) / combined if combined > 0 else math.nan
        rows.append({"row": key[0], "measure": key[1], "first": f"{a:.4g} ± {ea:.2g}", "second": f"{b:.4g} ± {eb:.2g}",
                     "difference": f"{b - a:+.3g}", "combined error": f"{combined:.2g}",
                     "|difference| / combined error": "n/a" if math.isnan(z) else f"{z:.2f}",
                     "within 2": "n/a" if math.isnan(z) else "yes" if z <= 2 else "no"})
    return rows


def described(folder: Path) -> str:
    """The seed folder and, from its record, its evaluation version and machine."""
    path = folder / "table2_record.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    return (f"`{folder}`: evaluation version {record.get('evaluation version', '?')}, "
            f"{record.get('machine', 'machine not recorded')}")


def write_report(rows: list[dict], text: list[str], out: Path) -> None:
    """The comparison as `<out>.csv` (its rows) and `<out>.md` (`text`), and printed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out.with_suffix(".csv"))
    out.with_suffix(".md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("first", type=Path)
    p.add_argument("second", type=Path)
    p.add_argument("--out", type=Path, required=True, help="stem of the .csv and .md written")
    args = p.parse_args()
    rows = agreement(measures(args.first), measures(args.second))
    if not rows:
        raise SystemExit(f"{args.first} and {args.second} share no (row, measure)")
    judged = [r for r in rows if r["within 2"] != "n/a"]
    agree = sum(r["within 2"] == "yes" for r in judged)
    text = ["# Two evaluations of one Table II configuration", "", f"- first: {described(args.first)}",
            f"- second: {described(args.second)}",
            f"- {agree} of {len(judged)} (row, measure) pairs within 2 combined errors; each ± is its file's "
            "evaluation error (see its table for what it is)", "", markdown_table(rows)]
    write_report(rows, text, args.out)


if __name__ == "__main__":
    main()
