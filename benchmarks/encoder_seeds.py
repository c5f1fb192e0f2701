"""How far retraining moves an encoder's numbers: the speech encoders trained with several training seeds (the
unit of replication, docs/statistics.md#1) and their unseen-class retrieval per seed, each with its evaluation
error (bootstrap over the test images), then over seeds: the mean, the between-seed standard error and the
evaluation noise of that mean (`metrics.uncertainty.over_seeds`). Each seed's rows are written as soon as its
encoder is done, so a killed call resumes from the keyed runs and keeps what it measured.

    python benchmarks/encoder_seeds.py --profile default --train-seeds 1234 1235 1236 --systems tsl

Writes `results/<dataset>/<profile>/encoder_seeds.csv` (one row per system and seed, then one per system over
seeds) and prints it with the machine.
"""
from __future__ import annotations

import argparse

import torch

from s2i_lib.__main__ import seed_arg
from s2i_lib.config import shown
from s2i_lib.data import markdown_table, prepare, write_csv
from s2i_lib.metrics import encoder_retrieval
from s2i_lib.metrics.uncertainty import over_seeds
from s2i_lib.pipeline import build_systems, teacher_stage
from s2i_lib.report import Measure, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed (and the bootstrap's)")
    parser.add_argument("--train-seeds", type=seed_arg, nargs="+", default=[1234, 1235, 1236])
    parser.add_argument("--systems", nargs="+", default=["tsl"], choices=("tsl", "classifier"))
    args = parser.parse_args()
    data = prepare(args.dataset, args.profile, seed=args.seed)
    test = data.records["test"]
    labels = torch.tensor([r.label for r in test])
    data.results.mkdir(parents=True, exist_ok=True)
    out = data.results / "encoder_seeds.csv"
    measured: dict[str, dict[int, dict]] = {s: {} for s in args.systems}
    rows: list[dict] = []
    for train_seed in args.train_seeds:
        built = build_systems(data, train_seed, tuple(args.systems))
        features = teacher_stage(data, train_seed=train_seed, progress=False).features["test"].mean(1)
        for system, embeddings in built.items():
            measured[system][train_seed] = encoder_retrieval(embeddings.embeddings["test"], labels, features,
                                                             data.profile.eval.bootstrap_reps, args.seed)
            rows.append({"system": system, "training seed": train_seed, "run": embeddings.run.folder.name,
                         **{k: e.shown() for k, e in measured[system][train_seed].items()}})
        write_csv(rows, out)
        print(f"training seed {train_seed} done: {shown(out)}", flush=True)
    for system, per_seed in measured.items():
        names = list(next(iter(per_seed.values())))
        combined = {k: over_seeds([m[k] for m in per_seed.values()]) for k in names}
        rows.append({"system": system, "training seed": f"mean over {len(per_seed)}", "run": "",
                     **{k: Measure(k, False, 3).shown_seeds(c) for k, c in combined.items()}})
    write_csv(rows, out)
    print(f"{args.dataset} `{args.profile}`, {len(test)} unseen-class test images; {machine()}\n")
    print(markdown_table(rows))
    print(f"\nwritten: {shown(out)} (over seeds: mean ± between-seed s.e. [evaluation noise of the mean])")


if __name__ == "__main__":
    main()
