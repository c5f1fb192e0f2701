"""Choices made by measurement, measured on validation classes (a fifth of the train classes, `validation_view`);
the unseen test classes are not touched.

- `teacher`: the linear attribute probe of the frozen and the fine-tuned teacher (and raw pixels), as notebook 01;
- `classifier`: the classifier-based baseline under each `--schedules` of `s2i_lib.pipeline.encoders.SCHEDULES`
  (the authors' StepLR halving five times over the run from 1e-3, and departures from it): does it leave the
  chance plateau, and do its embeddings separate the validation classes (`speech class acc`: leave-one-image-out
  nearest class centre among the embeddings themselves, the one measure that does not assume the teacher's
  space; the teacher-space retrieval columns cannot see the classifier's own space); the TSL encoder on the
  same split for reference. It also exports the TSL embeddings of the validation view, which
  `benchmarks/gan_condition.py --validation` conditions on.

Rows go to `results/validation_<what>_<dataset>_<profile>.csv`; a `classifier` call replaces the rows of the
schedules it measured and of the TSL reference, and keeps the other schedules' rows.

    OMP_NUM_THREADS=2 python benchmarks/validation_choices.py teacher --profile default
    OMP_NUM_THREADS=2 python benchmarks/validation_choices.py classifier --profile default --schedules authors authors-lr3e-4
"""
from __future__ import annotations

import argparse
import csv
import os
import time
from dataclasses import replace
from pathlib import Path

import torch

from s2i_lib.__main__ import seed_arg
from s2i_lib.config import TRAIN_SEED
from s2i_lib.data import markdown_table, prepare, validation_view, write_csv
from s2i_lib.metrics import retrieval_table, speech_class_accuracy
from s2i_lib.pipeline import build_system, teacher_probe, teacher_stage
from s2i_lib.pipeline.encoders import SCHEDULES, embed_speech, train_speech_encoder

RESULTS = Path(__file__).resolve().parent.parent / "results"


def classifier_rows(data, schedules: list[str], train_seed: int, device: str) -> list[dict]:
    val = validation_view(data)
    teacher = teacher_stage(val, "frozen", train_seed=train_seed, device=device)
    labels = torch.tensor([r.label for r in val.records["test"]])
    images = teacher.features["test"].mean(1)
    chance = 1 / len({r.label for r in val.records["train"]})
    rows = []
    for schedule in schedules:
        sizes = replace(data.profile.encoder, classifier_schedule=schedule)
        start = time.time()
        encoder = train_speech_encoder("classifier", val, teacher, train_seed=train_seed, device=device, sizes=sizes)
        accs = [h["train_acc"] for h in encoder.history]
        left = next((h["epoch"] for h in encoder.history if h["train_acc"] > 3 * chance), None)
        embeddings = embed_speech(encoder.model, val.records["test"], val.fbanks, data.profile.data.target_length)
        lr, halving = SCHEDULES[schedule]
        rows.append({"system": f"classifier, {schedule} schedule", "initial lr": lr, "halving": halving,
                     "epochs": len(accs),
                     "final train acc": round(accs[-1], 3), "train chance": round(chance, 3),
                     "first epoch above 3x chance": left, "train s (this call)": round(time.time() - start),
                     "speech class acc": round(speech_class_accuracy(embeddings, labels), 3),
                     **{k: round(v, 3) for k, v in retrieval_table(embeddings, labels, images).items()}})
    tsl = build_system(val, "tsl", teacher, train_seed=train_seed, device=device)
    lr, halving = SCHEDULES["authors"]
    rows.append({"system": "TSL (reference)", "initial lr": lr, "halving": halving,
                 "epochs": len(tsl.encoder.history), "final train acc": "",
                 "train chance": round(chance, 3), "first epoch above 3x chance": "", "train s (this call)": "",
                 "speech class acc": round(speech_class_accuracy(tsl.embeddings["test"], labels), 3),
                 **{k: round(v, 3) for k, v in retrieval_table(tsl.embeddings["test"], labels, images).items()}})
    return rows


def merged(rows: list[dict], path: Path) -> list[dict]:
    """`rows` plus the rows of `path` for schedules not measured now (TSL last), in `rows`' columns."""
    measured = {row["system"] for row in rows}
    kept = []
    if path.exists():
        with open(path, newline="") as f:
            kept = [row for row in csv.DictReader(f) if row["system"] not in measured]
    for row in kept:
        schedule = row["system"].removeprefix("classifier, ").removesuffix(" schedule")
        if schedule in SCHEDULES:
            row["initial lr"], row["halving"] = SCHEDULES[schedule]
    columns = list(rows[0])
    return sorted([{c: row.get(c, "") for c in columns} for row in kept + rows],
                  key=lambda row: (row["system"].startswith("TSL"), row["system"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("teacher", "classifier"))
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed")
    parser.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED)
    parser.add_argument("--schedules", nargs="+", choices=tuple(SCHEDULES), default=list(SCHEDULES),
                        help="the classifier baseline's learning-rate schedules to measure")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = prepare(args.dataset, args.profile, None, seed=args.seed)
    start = time.time()
    path = RESULTS / f"validation_{args.what}_{args.dataset}_{args.profile}.csv"
    if args.what == "teacher":
        rows = teacher_probe(data, train_seed=args.train_seed, device=device)
    else:
        rows = classifier_rows(data, args.schedules, args.train_seed, device)
        rows = merged(rows, path)
    write_csv(rows, path)
    print(markdown_table(rows))
    print(f"{time.time() - start:.0f} s on {os.cpu_count()} cores; rows in {path}")


if __name__ == "__main__":
    main()
