"""Write one training's Table II, committed as `table2.csv` before per-seed files existed, as that training's
seed files (`results/<dataset>/<profile>/seeds/<seed>/`), so that the combining step counts it as one seed.

    python tools/seed_from_table2_csv.py results/birds/default 1234 --commit 7a924e5 --judge-accuracy 0.675

The numbers are read from the table's text at `--commit` (git), so they keep only the digits it shows; the
machine, versions, data and GAN training minutes from that commit's `table2.md` run details. The record says so, names the commit the table came
from and what that older evaluation did differently (docs/statistics.md#5). The real
row's in-domain score is left out: that evaluation scored all test images, four fifths of which trained its
judge. Run it once per legacy table; it refuses to replace a seed that already has files.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
from pathlib import Path

from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.pipeline.evaluate import JUDGE_SEED
from s2i_lib.report import GAN_MEASURES, seed_folder, write_seed
from s2i_lib.study.measured import CONTROL, JUDGE_ACCURACY, REAL
from s2i_lib.study.table2 import STEM, SYSTEM_LABELS

OLD_LABELS = {**{label: key for key, label in SYSTEM_LABELS.items()}, "ours, shuffled conditions (control)": CONTROL}


def estimate(cell: str, scale: float) -> Estimate | None:
    """ "129.28 ± 1.37" -> Estimate(129.28, 1.37) / scale; None for an empty cell."""
    found = re.fullmatch(r"\s*([-\d.]+) ± ([-\d.]+)\s*", cell)
    return None if found is None else Estimate(float(found[1]) / scale, float(found[2]) / scale)


def seed_measures_from_csv(text: str) -> dict[str, dict[str, Estimate]]:
    """Row key -> measure -> `Estimate` of a legacy `table2.csv`'s text (the real row without its score)."""
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        label = row["system"]
        key = REAL if label.startswith("real test images") else OLD_LABELS.get(label)
        if key is None:
            continue
        named = {m.name: estimate(row[m.heading], m.scale) for m in GAN_MEASURES
                 if not (key == REAL and m.name == "score")}
        rows[key] = {name: e for name, e in named.items() if e is not None}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the table's results folder, e.g. results/birds/default")
    parser.add_argument("seed", type=int, help="the training seed the table's runs were trained with")
    parser.add_argument("--commit", required=True, help="the commit whose table2.csv and table2.md are read")
    parser.add_argument("--judge-accuracy", type=float, required=True, help="notebook 03's printed accuracy")
    args = parser.parse_args()
    def committed(name: str) -> str:
        return subprocess.run(["git", "show", f"{args.commit}:{args.results / name}"], capture_output=True, text=True,
                              check=True).stdout
    details = dict(line[2:].split(": ", 1) for line in committed(f"{STEM}.md").splitlines()
                   if line.startswith("- ") and ": " in line)
    if (seed_folder(args.results, args.seed) / f"{STEM}_record.json").exists():
        raise SystemExit(f"{seed_folder(args.results, args.seed)} already holds a seed: not replaced")
    measures = seed_measures_from_csv(committed(f"{STEM}.csv"))
    measures[REAL][JUDGE_ACCURACY.name] = Estimate(args.judge_accuracy, float("nan"))
    written = subprocess.run(["git", "log", "-1", "--format=%ad", "--date=iso", args.commit], capture_output=True,
                             text=True, check=True).stdout.strip()
    minutes = dict(re.fullmatch(r"(\w+) seed \d+ ([\d.]+) min", item.strip()).groups()
                   for item in details["GAN training (recorded)"].split(";"))
    record = {"source": f"{args.results / STEM}.csv at commit {args.commit}, one training measured before per-seed "
                        "files existed; numbers rounded to the digits that table shows; evaluation version 3: "
                        "each system on its own seeded caption draw (two-stage on its transcribed caption), "
                        "attribute accuracy on a third draw of separately generated images, no score of the "
                        "shuffled control; the real row's score left out (scored on images its judge trained on)",
              "dataset": args.results.parent.name, "profile": args.results.name, "train seed": args.seed,
              "data": details["data"], "judges' seed": JUDGE_SEED, "evaluation version": 3,
              "machine": details["machine"], "versions": details["versions"], "written": written,
              "GANs": {f"{system} GAN seed {args.seed}": {"train minutes": float(m), "precision": "precision not recorded",
                                                          "training": "trained before runs recorded their training"}
                       for system, m in minutes.items()}}
    for path in write_seed(args.results, STEM, args.seed, measures, record):
        print("written:", path)


if __name__ == "__main__":
    main()
